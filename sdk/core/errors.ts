import * as pulumi from "@pulumi/pulumi";

/** One problem in a pod's input: the field's path and what to do about it. */
export interface SpecProblem {
    path: string;
    message: string;
}

/**
 * Thrown for bad input, before any resource is registered. Lists every
 * problem. It is Pulumi's InputPropertiesError, so the engine prints each
 * field path and reason, from a program and through the component provider alike.
 */
export class PodSpecError extends pulumi.InputPropertiesError {
    constructor(
        public readonly resource: string,
        public readonly problems: SpecProblem[],
    ) {
        super({
            message: `dockerpod: invalid input for "${resource}":\n` + problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n"),
            errors: problems.map((p) => ({ propertyPath: p.path, reason: p.message })),
        });
        this.name = "PodSpecError";
    }
}

/** Collects problems while a spec is checked, then throws them together. */
export class Problems {
    readonly list: SpecProblem[] = [];
    readonly warnings: SpecProblem[] = [];
    add(path: string, message: string): void {
        this.list.push({ path, message });
    }
    warn(path: string, message: string): void {
        this.warnings.push({ path, message });
    }
    throwIfAny(resource: string): void {
        if (this.list.length > 0) throw new PodSpecError(resource, this.list);
    }
}
