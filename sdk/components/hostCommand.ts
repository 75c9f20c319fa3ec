import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HostArgs } from "../types";

export interface HostCommandArgs {
    create: pulumi.Input<string>;
    update?: pulumi.Input<string>;
    delete?: pulumi.Input<string>;
    triggers?: pulumi.Input<any>[];
    // No `environment`: a remote Command sends it with SSH SetEnv, which sshd drops unless its
    // AcceptEnv allows it. Values go into the script text, validated and quoted.
}

/** A Command on the Docker host: local, or over SSH when `host.connection` is set. */
export function hostCommand(
    name: string, args: HostCommandArgs, host: HostArgs | undefined, opts: pulumi.CustomResourceOptions,
): command.local.Command | command.remote.Command {
    if (host?.connection !== undefined) {
        return new command.remote.Command(name, {
            ...args,
            connection: pulumi.secret({
                host: host.connection.host,
                port: host.connection.port ?? 22,
                user: host.connection.user ?? "root",
                privateKey: host.connection.privateKey,
                password: host.connection.password,
            }),
        }, opts);
    }
    return new command.local.Command(name, args, opts);
}
