import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { Problems } from "../core/errors";
import { ownerMark, renderSliceScripts, sliceIdentity } from "../core/render";
import { SliceSpec, checkSlice } from "../core/spec";
import { isDns1123Label } from "../core/names";
import { HostArgs, PodSliceArgs } from "../types";
import { hostCommand } from "./hostCommand";

/**
 * The pod's parent cgroup with pod-wide limits: a systemd slice unit, or a
 * cgroupfs directory, made by a `@pulumi/command` Command on the Docker host.
 */
export class PodSlice extends pulumi.ComponentResource {
    /** The value for Docker's `--cgroup-parent`, computed from the inputs (known in preview). */
    public readonly cgroupParent: pulumi.Output<string>;
    /** The cgroup driver the slice was made for. */
    public readonly cgroupDriver: pulumi.Output<string>;

    constructor(name: string, args: PodSliceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dockerpod:index:PodSlice", name, {}, opts);
        const problems = new Problems();
        if (!isDns1123Label(args?.podName)) {
            problems.add("podName", `${JSON.stringify(args?.podName)} is not a valid pod name: use a DNS-1123 label`);
            problems.throwIfAny(name);
        }
        const spec = checkSlice(problems, args.podName, args.resources, args.host);
        problems.throwIfAny(name);
        buildSliceCommand(name, spec, args.host, this);
        this.cgroupParent = pulumi.output(spec.cgroupParent);
        this.cgroupDriver = pulumi.output(spec.host.driver);
        this.registerOutputs({ cgroupParent: this.cgroupParent, cgroupDriver: this.cgroupDriver });
    }
}

/** Registers the Command (named `name`) that creates, updates and deletes a checked slice. */
export function buildSliceCommand(
    name: string, spec: SliceSpec, host: HostArgs | undefined, parent: pulumi.Resource, dependsOn: pulumi.Resource[] = [],
): command.local.Command | command.remote.Command {
    const owner = ownerMark(pulumi.getProject(), pulumi.getStack(), spec.podName);
    const scripts = renderSliceScripts(spec, owner);
    return hostCommand(name, {
        create: scripts.apply,
        update: scripts.apply,
        delete: scripts.delete,
        // The slice's identity: changing it makes a new slice and removes the old one.
        triggers: [sliceIdentity(spec)],
    }, host, { parent, deleteBeforeReplace: true, dependsOn });
}
