import * as pulumi from "@pulumi/pulumi";
import { Problems } from "../core/errors";
import { isDns1123Label, sandboxName } from "../core/names";
import { DEFAULT_GRACE_SECONDS, DEFAULT_SANDBOX_IMAGE, checkContainer, checkNetworking, checkPorts, checkVolumes } from "../core/spec";
import { ImagePullPolicy, PayloadContainerArgs, RestartPolicy, SandboxContainerArgs } from "../types";
import { LABEL_POD, buildImage, buildPayload, buildSandbox, buildUserCheck } from "./build";

function checkPodName(problems: Problems, podName: unknown): void {
    if (typeof podName !== "string" || !isDns1123Label(podName)) {
        problems.add("podName", `${JSON.stringify(podName)} is not a valid pod name: use a DNS-1123 label`);
    }
}

/** The sandbox container on its own: it owns a pod's network and IPC namespaces. */
export class SandboxContainer extends pulumi.ComponentResource {
    /** Docker id of the sandbox; payloads join `container:<id>`. */
    public readonly containerId: pulumi.Output<string>;
    /** Docker name of the sandbox, `<pod>-sandbox`. */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: SandboxContainerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dockerpod:index:SandboxContainer", name, {}, opts);
        const problems = new Problems();
        checkPodName(problems, args?.podName);
        problems.throwIfAny(name);
        const hostNetwork = args.hostNetwork === true;
        const ports = checkPorts(problems, "ports", args.ports, hostNetwork);
        const networking = checkNetworking(problems, args.networks, args.dnsConfig, args.hostAliases, hostNetwork);
        problems.throwIfAny(name);
        const image = buildImage(`${name}-image`, args.image ?? DEFAULT_SANDBOX_IMAGE, args.imagePullPolicy ?? ImagePullPolicy.IfNotPresent, this, "image");
        const container = buildSandbox(name, {
            containerName: sandboxName(args.podName),
            image: image.image,
            cgroupParent: args.cgroupParent,
            hostname: args.hostname ?? args.podName,
            ports,
            ...networking,
            hostNetwork: args.hostNetwork === true,
            hostIPC: args.hostIPC === true,
            hostPID: args.hostPID === true,
            shareProcessNamespace: args.shareProcessNamespace === true,
            restartPolicy: args.restartPolicy ?? RestartPolicy.Always,
            labels: { ...args.labels, [LABEL_POD]: args.podName },
        }, { parent: this });
        this.containerId = container.id;
        this.containerName = container.name;
        this.registerOutputs({ containerId: this.containerId, containerName: this.containerName });
    }
}

/** One container joined to a sandbox's namespaces, under the pod's cgroup parent. */
export class PayloadContainer extends pulumi.ComponentResource {
    /** Docker id of the container. */
    public readonly containerId: pulumi.Output<string>;
    /** Docker name, `<pod>-<name>`. */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: PayloadContainerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dockerpod:index:PayloadContainer", name, {}, opts);
        const problems = new Problems();
        checkPodName(problems, args?.podName);
        problems.throwIfAny(name);
        const volumes = checkVolumes(problems, args.podName, args.volumes);
        const spec = checkContainer(problems, "container", args.podName, args.container, {
            volumes, hostNetwork: false, allowPrivileged: args.allowPrivileged === true,
        });
        if (spec && spec.ports.length > 0) {
            problems.add("container.ports", "a payload joins the sandbox's network, where ports are published: put them on the SandboxContainer");
        }
        problems.throwIfAny(name);
        const image = buildImage(`${name}-image`, args.container.image, spec!.pullPolicy, this, "container.image");
        const userCheck = buildUserCheck(`${name}-user-check`, spec!, image.image, undefined, this);
        const container = buildPayload(name, {
            spec: spec!,
            image: image.image,
            sandboxId: args.sandboxId,
            cgroupParent: args.cgroupParent,
            shareProcessNamespace: args.shareProcessNamespace === true,
            hostIPC: args.hostIPC === true,
            hostPID: args.hostPID === true,
            restartPolicy: args.restartPolicy ?? RestartPolicy.Always,
            graceSeconds: args.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
            labels: { ...args.labels, [LABEL_POD]: args.podName },
            initContainer: args.initContainer === true,
        }, { parent: this, dependsOn: userCheck ? [userCheck] : [] });
        this.containerId = container.id;
        this.containerName = container.name;
        this.registerOutputs({ containerId: this.containerId, containerName: this.containerName });
    }
}
