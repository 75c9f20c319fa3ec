// What reading and writing a Kubernetes Pod manifest share.

/** A manifest that is not a readable Pod at all: bad YAML, another kind, no name. */
export class ManifestError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ManifestError";
    }
}

/** The Secret a written manifest takes its secret env values from. */
export function manifestSecretName(podName: string): string {
    return `${podName}-env`;
}

/**
 * The key of one secret env value in that Secret. The container's name is in
 * it because two containers may have a variable of the same name with
 * different values; both names are already valid Secret key characters.
 */
export function manifestSecretKey(containerName: string, variable: string): string {
    return `${containerName}.${variable}`;
}

/** A plain object (not an array), as JSON and YAML give. */
export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Drops keys whose value is undefined, so that mapped objects hold only what was there. */
export function compact<T extends object>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
