// Runs a Pulumi program in-process under `pulumi.runtime.setMocks`, the way
// the engine would run it for `pulumi preview` (preview: true) or `up`.
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** Resource options observed through a stack-wide transformation. */
    opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
    custom: boolean;
    /** The name of the parent resource, when there is one. */
    parent?: string;
    /** The resource object itself. */
    resource: pulumi.Resource;
    /** Whether the registration reached the engine (false when a dependency failed first). */
    registered?: boolean;
}

export interface ProgramRun<T> {
    /** What the program returned. */
    result: T;
    /** Every resource the program registered, in registration order, components included. */
    registrations: Registration[];
    /** Errors the program raised (a failed registration, a throwing apply). */
    errors: Error[];
}

export interface RunOptions {
    preview?: boolean;
    project?: string;
    stack?: string;
}

/**
 * Runs `program` (which builds resources and may return a value) under the
 * given mocks, waits until every registration settled, and returns what was
 * registered. Resource options do not reach the mocks, so a transformation
 * records them for each resource.
 */
export async function runProgram<T>(
    mocks: pulumi.runtime.Mocks,
    program: (transformations: pulumi.ResourceTransformation[]) => T,
    options: RunOptions = {},
): Promise<ProgramRun<T>> {
    const registrations: Registration[] = [];
    const errors: Error[] = [];
    // Like Pulumi's language host, turn unhandled rejections into program errors, each error object once.
    const host: NodeJS.Process = (globalThis as any).__hostProcess ?? process;
    const saved = host.listeners("unhandledRejection");
    host.removeAllListeners("unhandledRejection");
    const onRejection = (reason: unknown) => {
        if (reason instanceof Error && errors.includes(reason)) return;
        errors.push(reason instanceof Error ? reason : new Error(String(reason)));
    };
    host.on("unhandledRejection", onRejection);
    const seen = new Set<string>();
    try {
        await pulumi.runtime.setMocks(
            {
                newResource: async (args) => {
                    seen.add(`${args.type}::${args.name}`);
                    return mocks.newResource(args);
                },
                call: (args) => mocks.call(args),
            },
            options.project ?? "project",
            options.stack ?? "stack",
            options.preview ?? false,
        );
        const record: pulumi.ResourceTransformation = (args) => {
            registrations.push({
                type: args.type,
                name: args.name,
                inputs: args.props,
                opts: args.opts as Registration["opts"],
                custom: args.resource instanceof pulumi.CustomResource,
                parent: args.opts.parent ? (args.opts.parent as any).__name : undefined,
                resource: args.resource,
            });
            return undefined;
        };
        let result!: T;
        try {
            result = program([record]);
        } catch (err) {
            errors.push(err as Error);
        }
        await settle();
        for (const r of registrations) r.registered = !r.custom || seen.has(`${r.type}::${r.name}`);
        return { result, registrations, errors };
    } finally {
        // Let late rejections land before we stop listening.
        await new Promise((resolve) => setTimeout(resolve, 10));
        host.off("unhandledRejection", onRejection);
        for (const listener of saved) host.on("unhandledRejection", listener as (...a: any[]) => void);
    }
}

/** Waits until the SDK has no registration or output in flight. */
export async function settle(): Promise<void> {
    // `disconnect` waits for the SDK's RPC queue to drain, repeatedly, until quiet.
    await pulumi.runtime.disconnect();
}

/** Resolves an Output's value in a test (unknown in preview resolves to undefined). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T | undefined> {
    return (pulumi.output(output) as any).promise() as Promise<T | undefined>;
}

/** Whether an Output is known (false for preview's unknowns). */
export function isKnown(output: pulumi.Output<unknown>): Promise<boolean> {
    return (output as any).isKnown as Promise<boolean>;
}

/** The custom resource (not a component) registered under `name`. */
export function customNamed(registrations: Registration[], name: string): Registration {
    const found = registrations.find((r) => r.custom && r.name === name);
    if (!found) throw new Error(`no custom resource named ${name} was registered`);
    return found;
}

/**
 * The resource tree as a preview shows it: one line per resource, `type name`,
 * indented by two spaces per level below the program's first resource.
 */
export function resourceTree(registrations: Registration[]): string[] {
    const byResource = new Map(registrations.map((r) => [r.resource, r]));
    const depth = (r: Registration): number => {
        const parent = r.opts.parent ? byResource.get(r.opts.parent) : undefined;
        return parent ? depth(parent) + 1 : 0;
    };
    const children = (parent: Registration | undefined): Registration[] =>
        registrations.filter((r) => (r.opts.parent ? byResource.get(r.opts.parent) : undefined) === parent);
    const lines: string[] = [];
    const walk = (r: Registration) => {
        lines.push(`${"  ".repeat(depth(r))}${r.type} ${r.name}`);
        children(r).forEach(walk);
    };
    children(undefined).forEach(walk);
    return lines;
}
