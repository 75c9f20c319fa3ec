import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { MAX_SCRIPT_BYTES } from "../core/checks";
import { HostSpec } from "../core/slice";
import { SshConnection } from "../types";

export interface HostCommandArgs {
    create: pulumi.Input<string>;
    update?: pulumi.Input<string>;
    delete?: pulumi.Input<string>;
    triggers?: pulumi.Input<unknown>[];
    // No `environment`: a remote Command sends it with SSH SetEnv, which sshd drops unless its
    // AcceptEnv allows it. Values go into the script text, validated and quoted.
}

// A local Command runs its script as `sh -c <script>`: a script at the kernel's
// limit for one argument could not start. The pod's check keeps its scripts
// under it, naming the field; this catches what a part's own caller renders.
export { MAX_SCRIPT_BYTES } from "../core/checks";

function boundedScript(name: string, script: pulumi.Input<string> | undefined): pulumi.Input<string> | undefined {
    if (script === undefined) return undefined;
    return pulumi.output(script).apply((text) => {
        const bytes = Buffer.byteLength(text, "utf8");
        if (bytes >= MAX_SCRIPT_BYTES) {
            throw new Error(
                `dockerpod: the host script of ${name} is ${bytes} bytes, over the kernel's ${MAX_SCRIPT_BYTES}-byte limit for one argument`,
            );
        }
        return text;
    });
}

/** The connection a remote Command gets, its defaults filled in: the pre-flight logs in with the same. */
export function commandConnection(connection: SshConnection) {
    return {
        host: connection.host,
        port: connection.port ?? 22,
        user: connection.user ?? "root",
        privateKey: connection.privateKey,
        password: connection.password,
    };
}

/** A Command on the Docker host: local, or over SSH when the host has a connection. */
export function hostCommand(
    name: string,
    given: HostCommandArgs,
    host: HostSpec | undefined,
    opts: pulumi.CustomResourceOptions,
): command.local.Command | command.remote.Command {
    const args: HostCommandArgs = {
        ...given,
        create: boundedScript(name, given.create)!,
        ...(given.update !== undefined ? { update: boundedScript(name, given.update) } : {}),
        ...(given.delete !== undefined ? { delete: boundedScript(name, given.delete) } : {}),
    };
    if (host?.connection !== undefined) {
        return new command.remote.Command(
            name,
            {
                ...args,
                connection: pulumi.secret(commandConnection(host.connection)),
            },
            opts,
        );
    }
    return new command.local.Command(name, args, opts);
}
