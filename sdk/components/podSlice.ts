import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ownerMark, renderSliceScripts, sliceIdentity } from "../core/render";
import { SliceSpec, checkPodSliceArgs } from "../core/slice";
import { PodSliceArgs } from "../types";
import { hostCommand } from "./hostCommand";
import { hostReady } from "./hostPreflight";
import { checked, childOptions, fromPod, recordPart } from "./wiring";

/**
 * The pod's parent cgroup with pod-wide limits: a systemd slice unit, or a
 * cgroupfs directory, made by a `@pulumi/command` Command on the Docker host.
 */
export class PodSlice extends pulumi.ComponentResource {
    /**
     * The value for Docker's `--cgroup-parent`, known at preview. It carries a
     * dependency on the slice's Command: a container given it waits for the slice.
     */
    public readonly cgroupParent: pulumi.Output<string>;
    /** The cgroup driver the slice was made for. */
    public readonly cgroupDriver: pulumi.Output<string>;

    constructor(name: string, args: PodSliceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dockerpod:index:PodSlice", name, {}, opts);
        const given = fromPod<SliceSpec>(args);
        const spec = given?.spec ?? checked(name, (problems) => checkPodSliceArgs(problems, args));
        // On its own, the slice waits on its host's pre-flight; a DockerPod's waits on it through dependsOn.
        const dependsOn = given !== undefined ? given.dependsOn : hostReady(spec.host, name, this);
        const sliceCommand = buildSliceCommand(name, spec, { ...childOptions(this, given), dependsOn });
        recordPart(this, { command: sliceCommand });
        // The URN is known at preview (an id is not on create), so the value stays known.
        this.cgroupParent = sliceCommand.urn.apply(() => spec.cgroupParent);
        this.cgroupDriver = pulumi.output(spec.host.driver);
        this.registerOutputs({ cgroupParent: this.cgroupParent, cgroupDriver: this.cgroupDriver });
    }
}

/** Registers the Command (named `name`) that creates, updates and deletes a checked slice. */
export function buildSliceCommand(
    name: string,
    spec: SliceSpec,
    opts: pulumi.CustomResourceOptions,
): command.local.Command | command.remote.Command {
    const owner = ownerMark(pulumi.getProject(), pulumi.getStack(), spec.podName);
    const scripts = renderSliceScripts(spec, owner);
    return hostCommand(
        name,
        {
            create: scripts.apply,
            update: scripts.apply,
            delete: scripts.delete,
            // The slice's identity: changing it makes a new slice and removes the old one.
            triggers: [sliceIdentity(spec)],
        },
        spec.host,
        { ...opts, deleteBeforeReplace: true },
    );
}
