import * as pulumi from "@pulumi/pulumi";

export interface RecordingMocksOptions {
    /** Preview of a create: ids and computed outputs are unknown. */
    unknownIds?: boolean;
    /** Exit codes of one-shot containers, by resource name (default 0). */
    exitCodes?: Record<string, number>;
    /** What getRegistryImage answers as the registry's digest (default "sha256:digest"). */
    registryDigest?: string;
}

/**
 * Mocks that record what reaches the engine and answer as a provider would:
 * ids derived from the names, image ids for RemoteImages, exit codes for
 * one-shot containers.
 */
export class RecordingMocks implements pulumi.runtime.Mocks {
    /** Every custom resource (not a component) that reached the engine, in order. */
    readonly created: pulumi.runtime.MockResourceArgs[] = [];
    /** Every invoke, in order. */
    readonly calls: pulumi.runtime.MockCallArgs[] = [];
    constructor(private readonly options: RecordingMocksOptions = {}) {}

    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, any> }> {
        // Only what a provider makes: components have nothing on the host.
        if (args.custom !== false) this.created.push(args);
        const state: Record<string, any> = { ...args.inputs };
        if (this.options.unknownIds) return { id: undefined, state };
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
        if (args.type === "docker:index/container:Container") state.exitCode = this.options.exitCodes?.[args.name] ?? 0;
        if (args.type.startsWith("command:")) state.stdout = "";
        return { id: `${args.name}-id`, state };
    }

    async call(args: pulumi.runtime.MockCallArgs): Promise<Record<string, any>> {
        this.calls.push(args);
        if (args.token === "docker:index/getRegistryImage:getRegistryImage") {
            return { name: args.inputs.name, sha256Digest: this.options.registryDigest ?? "sha256:digest" };
        }
        throw new Error(`unexpected call ${args.token}`);
    }

    /** The inputs of the custom resource registered under `name`. */
    inputsOf(name: string): Record<string, any> {
        const found = this.created.find((r) => r.name === name && r.custom !== false);
        if (!found) throw new Error(`no resource named ${name} reached the engine`);
        return found.inputs;
    }
}
