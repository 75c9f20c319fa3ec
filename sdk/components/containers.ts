import * as pulumi from "@pulumi/pulumi";
import { PayloadSpec, checkPayloadArgs } from "../core/container";
import { SandboxSpec, checkSandboxArgs } from "../core/sandbox";
import { PayloadContainerArgs, SandboxContainerArgs } from "../types";
import { LABEL_POD, PART_CHILD, PartChildRole, partChildName } from "../core/names";
import { ImagePullPolicy } from "../types";
import { buildHooks, buildImage, buildPayload, buildProber, buildSandbox, buildUserCheck } from "./build";
import { FromPod, checked, childOptions, fromPod, partChildOptions, recordPart } from "./wiring";

/** The name and options of one of a part's own resources (`<part>.<role>`). */
function ownChild(part: pulumi.ComponentResource, name: string, given: FromPod<unknown> | undefined, role: PartChildRole) {
    return { name: partChildName(name, role), opts: partChildOptions(part, given, name, role) };
}

/** The sandbox container on its own: it owns a pod's network and IPC namespaces. */
export class SandboxContainer extends pulumi.ComponentResource {
    /** Docker id of the sandbox; payloads join `container:<id>`. */
    public readonly containerId: pulumi.Output<string>;
    /** Docker name of the sandbox, `<pod>_sandbox`. */
    public readonly containerName: pulumi.Output<string>;
    /** The pod's address (the sandbox's on its first network): env `status.podIP`. */
    public readonly podIP: pulumi.Output<string>;
    /** The host's address on the pod's network (its gateway): env `status.hostIP`. */
    public readonly hostIP: pulumi.Output<string>;

    constructor(name: string, args: SandboxContainerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dockerpod:index:SandboxContainer", name, {}, opts);
        const given = fromPod<SandboxSpec>(args);
        const spec = given?.spec ?? checked(name, (problems) => checkSandboxArgs(problems, args));
        const own = childOptions(this, given);
        const ownImage = ownChild(this, name, given, PART_CHILD.image);
        const image = buildImage(ownImage.name, spec.image, spec.pullPolicy, ownImage.opts, given?.imageField ?? "image");
        const container = buildSandbox(
            name,
            spec,
            {
                image: image.image,
                cgroupParent: args.cgroupParent,
                labels: { ...given?.labels, [LABEL_POD]: spec.podName },
            },
            { ...own, dependsOn: given?.dependsOn },
        );
        recordPart(this, { image: image.resource, container });
        this.containerId = container.id;
        this.containerName = container.name;
        this.podIP = container.networkDatas.apply((networks) => networks?.[0]?.ipAddress ?? "");
        this.hostIP = container.networkDatas.apply((networks) => networks?.[0]?.gateway ?? "");
        this.registerOutputs({ containerId: this.containerId, containerName: this.containerName, podIP: this.podIP, hostIP: this.hostIP });
    }
}

/** One container joined to a sandbox's namespaces, under the pod's cgroup parent. */
export class PayloadContainer extends pulumi.ComponentResource {
    /** Docker id of the container. */
    public readonly containerId: pulumi.Output<string>;
    /** Docker name, `<pod>_<name>`. */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: PayloadContainerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dockerpod:index:PayloadContainer", name, {}, opts);
        const given = fromPod<PayloadSpec>(args);
        const spec = given?.spec ?? checked(name, (problems) => checkPayloadArgs(problems, args));
        const own = childOptions(this, given);
        const ownImage = ownChild(this, name, given, PART_CHILD.image);
        const image = buildImage(
            ownImage.name,
            spec.container.image,
            spec.container.pullPolicy,
            ownImage.opts,
            given?.imageField ?? "container.image",
        );
        // `runAsNonRoot` without a user: the image's user is checked on the Docker host first.
        const ownUserCheck = ownChild(this, name, given, PART_CHILD.userCheck);
        const userCheck = buildUserCheck(ownUserCheck.name, spec.container, image.image, spec.host, ownUserCheck.opts);
        const waitFor = pulumi.output(given?.dependsOn ?? []).apply((deps) => [...deps, ...(userCheck ? [userCheck] : [])]);
        const container = buildPayload(
            name,
            spec,
            {
                image: image.image,
                sandboxId: args.sandboxId,
                cgroupParent: args.cgroupParent,
                podIP: args.podIP,
                hostIP: args.hostIP,
                labels: { ...given?.labels, [LABEL_POD]: spec.podName },
            },
            { ...own, dependsOn: waitFor },
        );
        // httpGet and tcpSocket probes run from a prober beside the container.
        const ownProber = ownChild(this, name, given, PART_CHILD.probe);
        const ownProberImage = ownChild(this, name, given, PART_CHILD.probeImage);
        const prober =
            spec.container.proberImage === undefined
                ? undefined
                : buildProber(
                      ownProber.name,
                      spec,
                      {
                          image: buildImage(
                              ownProberImage.name,
                              spec.container.proberImage,
                              ImagePullPolicy.IfNotPresent,
                              ownProberImage.opts,
                              given?.proberImageField ?? "proberImage",
                          ).image,
                          sandboxId: args.sandboxId,
                          cgroupParent: args.cgroupParent,
                          labels: { ...given?.labels, [LABEL_POD]: spec.podName },
                      },
                      { ...ownProber.opts, dependsOn: [container] },
                  );
        // postStart, startup probe, readiness wait and preStop: on the host, after the container and its prober.
        const ownHooks = ownChild(this, name, given, PART_CHILD.hooks);
        const hooks = buildHooks(ownHooks.name, spec, container, {
            ...ownHooks.opts,
            dependsOn: [container, ...(prober ? [prober] : [])],
        });
        recordPart(this, { image: image.resource, container, userCheck, prober, hooks });
        this.containerId = container.id;
        this.containerName = container.name;
        this.registerOutputs({ containerId: this.containerId, containerName: this.containerName });
    }
}
