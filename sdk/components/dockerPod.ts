import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { PayloadSpec } from "../core/container";
import { manifestFromSpec, podArgsFromManifest } from "../core/manifest";
import { Problems } from "../core/errors";
import { PodSpec, checkPod, podChildren, podPayloads } from "../core/pod";
import { renderSummary } from "../core/summary";
import { SandboxSpec } from "../core/sandbox";
import { SliceSpec } from "../core/slice";
import { DockerPodArgs, ImagePullPolicy, PayloadContainerArgs, PodSliceArgs, SandboxContainerArgs } from "../types";
import { CHILD, LABEL_POD, LABEL_SLICE, LABEL_VOLUME, childName } from "../core/names";
import { buildGuardian, buildImage, buildVolumeModes, initSucceeded } from "./build";
import { hostReady } from "./hostPreflight";
import { PayloadContainer, SandboxContainer } from "./containers";
import { PodSlice } from "./podSlice";
import { handToPart, resourcesOf } from "./wiring";

/** The children of a DockerPod, for TypeScript programs that need them. */
export interface DockerPodChildren {
    slice: pulumi.CustomResource;
    sandbox: docker.Container;
    initContainers: docker.Container[];
    containers: docker.Container[];
    images: docker.RemoteImage[];
    volumes: docker.Volume[];
    /** The host Command that opens the emptyDir volumes to every user, when there are any. */
    volumeModes?: pulumi.CustomResource;
    /** With `heal: true`: the guardian's claim (a created, never started container) and the host Command that has the host's guardian agent run it. */
    guardian?: { claim: docker.Container; agent: pulumi.CustomResource };
    /** The pod's parts, as its preview shows them. */
    parts: { slice: PodSlice; sandbox: SandboxContainer; payloads: PayloadContainer[] };
}

/**
 * A Kubernetes-style pod on a Docker host: a parent cgroup with pod-wide
 * limits, a sandbox that owns the network and IPC namespaces, and the
 * containers joined to it.
 */
export class DockerPod extends pulumi.ComponentResource {
    /** Physical pod name. */
    public readonly podName: pulumi.Output<string>;
    /** The pod's cgroup parent (slice name or cgroupfs path). */
    public readonly cgroupParent: pulumi.Output<string>;
    /** Docker id of the sandbox container. */
    public readonly sandboxId: pulumi.Output<string>;
    /** Docker id of each app and init container, by container name. */
    public readonly containerIds: pulumi.Output<{ [name: string]: string }>;
    /** A Markdown table of the pod for stack outputs and pull-request comments; never shows env values. */
    public readonly summary: pulumi.Output<string>;
    /** The Kubernetes v1 Pod manifest (YAML) of this pod, for a cluster; secret env values are `secretKeyRef`s. */
    public readonly manifest: pulumi.Output<string>;

    constructor(name: string, args: DockerPodArgs, opts?: pulumi.ComponentResourceOptions) {
        // The args are the component's inputs, as the engine records them: what a policy pack checks the pod on.
        super("dockerpod:index:DockerPod", name, componentInputs(args), opts);
        // The manifest, when given, is read first; the other args override it.
        const fromManifest = args?.manifest !== undefined ? readManifest(args) : undefined;
        args = fromManifest?.args ?? args;
        // Checked before anything is registered: bad input creates nothing.
        const spec = checkPod(name, args);
        claimNames(name, spec);
        for (const warning of [...(fromManifest?.warnings ?? []), ...spec.warnings]) pulumi.log.warn(warning, this);
        const children = buildPod(name, spec, this);
        childrenOf.set(this, children);
        this.podName = pulumi.output(spec.podName);
        this.cgroupParent = pulumi.output(spec.slice.cgroupParent);
        this.sandboxId = children.sandbox.id;
        const all = [...spec.initContainers, ...spec.containers];
        const resources = [...children.initContainers, ...children.containers];
        this.containerIds = pulumi
            .all(resources.map((r) => r.id))
            .apply((ids) => Object.fromEntries(ids.map((id, i) => [all[i].name, id])));
        this.summary = renderSummary(spec);
        this.manifest = manifestFromSpec(spec);
        this.registerOutputs({
            podName: this.podName,
            cgroupParent: this.cgroupParent,
            sandboxId: this.sandboxId,
            containerIds: this.containerIds,
            summary: this.summary,
            manifest: this.manifest,
        });
    }

    /**
     * A DockerPod from a Kubernetes Pod manifest (YAML text or an object);
     * `overrides` set the Docker-host fields a Pod has no place for.
     */
    public static fromManifest(
        name: string,
        manifest: string | object,
        overrides?: Omit<DockerPodArgs, "manifest">,
        opts?: pulumi.ComponentResourceOptions,
    ): DockerPod {
        const text = typeof manifest === "string" ? manifest : YAML.stringify(manifest);
        return new DockerPod(name, { ...overrides, manifest: text }, opts);
    }

    /** The Kubernetes v1 Pod manifest (YAML) of this pod. */
    public toManifest(): pulumi.Output<string> {
        return this.manifest;
    }

    /** The pod's child resources (a method, so the component's schema stays expressible). */
    public children(): DockerPodChildren {
        return childrenOf.get(this)!;
    }
}

/**
 * The args as the pod's inputs in the engine (and its state): all of them but
 * `host.connection`, whose private key only the host Commands need.
 */
function componentInputs(args: DockerPodArgs | undefined): pulumi.Inputs {
    if (args === undefined || args === null || typeof args !== "object") return {};
    if (args.host === undefined || args.host === null || typeof args.host !== "object") return { ...args };
    const { connection: _connection, ...host } = args.host;
    return { ...args, host };
}

function readManifest(args: DockerPodArgs): { args: DockerPodArgs; warnings: string[] } {
    const { manifest, ...overrides } = args;
    if (typeof manifest !== "string") {
        throw new Error("dockerpod: manifest must be YAML text known at preview (not a computed value)");
    }
    return podArgsFromManifest(manifest, overrides);
}

/** What the DockerPods of one program have taken: pod names and their direct children, to the pod that took each. */
interface Taken {
    podNames: Map<string, string>;
    children: Map<string, { pod: string; field: string }>;
}

// Per deployment: each run of a program (and each test's mocks) has its own monitor.
const takenByProgram = new WeakMap<object, Taken>();
const NO_MONITOR = {};

/**
 * Refuses a pod whose pod name another DockerPod of this program has (two
 * pods on one host would fight over one slice and its containers), or whose
 * children would take a URN another pod's children take (a pod's own
 * children never share one: `podChildren`). Both before
 * anything is registered.
 */
function claimNames(resourceName: string, spec: PodSpec): void {
    const program = pulumi.runtime.getMonitor() ?? NO_MONITOR;
    let taken = takenByProgram.get(program);
    if (!taken) takenByProgram.set(program, (taken = { podNames: new Map(), children: new Map() }));
    const problems = new Problems();
    const other = taken.podNames.get(spec.podName);
    if (other !== undefined) {
        problems.add(
            "podName",
            `"${spec.podName}" is already the pod name of DockerPod "${other}" in this program: ` +
                "every pod on a host needs a pod name of its own; set podName (or rename one of the pods)",
        );
    }
    const children = podChildren(resourceName, spec);
    // One mistake, one message: a field whose name collides is reported once, for its first clash.
    const reported = new Set<string>();
    for (const child of children) {
        const owner = taken.children.get(`${child.type}::${child.name}`);
        if (owner !== undefined && !reported.has(child.field)) {
            reported.add(child.field);
            problems.add(
                child.field,
                `makes a ${child.type.split(":").pop()} named "${child.name}", which DockerPod "${owner.pod}" ` +
                    `(its ${owner.field}) makes too: rename this one, that one, or one of the pods`,
            );
        }
    }
    problems.throwIfAny(resourceName);
    taken.podNames.set(spec.podName, resourceName);
    for (const child of children) taken.children.set(`${child.type}::${child.name}`, { pod: resourceName, field: child.field });
}

// Kept outside the class: every class property would become a schema output.
const childrenOf = new WeakMap<DockerPod, DockerPodChildren>();

/**
 * Builds a checked pod as its parts, under the pod: the sandbox and each
 * payload (with their images), the emptyDir volumes, then the slice, which
 * waits for every image, so a failed pull leaves nothing of the pod behind.
 * The parts' containers wait on what is made after them (the slice, the
 * volumes), through promises settled once everything is registered.
 */
export function buildPod(name: string, spec: PodSpec, pod: pulumi.Resource): DockerPodChildren {
    let settle!: (made: { slice: PodSlice; base: pulumi.Resource[] }) => void;
    let fail!: (error: unknown) => void;
    const later = new Promise<{ slice: PodSlice; base: pulumi.Resource[] }>((resolve, reject) => {
        settle = resolve;
        fail = reject;
    });
    const sliceCommand = later.then(({ slice }) => resourcesOf(slice).command!);
    const podLabels: Record<string, pulumi.Input<string>> = {
        // The slice Command's id changes only when the slice is replaced: the containers are then replaced first.
        [LABEL_SLICE]: pulumi.output(sliceCommand).apply((c) => c.id),
    };
    // The cgroup parent, known at preview, carries a property dependency on the slice Command: when the slice is
    // replaced (delete before create), the engine asks the docker provider whether a container whose cgroupParent
    // may change must be replaced, which it must, so the containers leave the old slice before it is removed.
    // (A dependsOn edge, or the label, is not enough: the engine does not replace a dependent for those.)
    const cgroupParent = pulumi.output(sliceCommand).apply((c) => c.urn.apply(() => spec.slice.cgroupParent));
    // The images, the user checks and the slice wait on the remote host's pre-flight; all else waits on them.
    const ready = hostReady(spec.slice.host, name, pod);
    try {
        const sandbox = new SandboxContainer(
            childName(name, CHILD.sandbox),
            handToPart<SandboxContainerArgs, SandboxSpec>(
                {
                    podName: spec.podName,
                    cgroupParent,
                },
                {
                    spec: spec.sandbox,
                    dependsOn: sliceCommand.then((c) => [c]),
                    hostReady: ready,
                    labels: podLabels,
                    imageField: "sandboxImage",
                    pod,
                },
            ),
            { parent: pod },
        );
        const sandboxContainer = resourcesOf(sandbox).container!;

        // Init containers run in order; each waits for the one before it to exit 0.
        const base = later.then((made) => made.base);
        let previous: pulumi.Input<pulumi.Input<pulumi.Resource>[]> = base;
        const fields = new Map([
            ...spec.initContainers.map((c, i) => [c, `initContainers[${i}]`] as const),
            ...spec.containers.map((c, i) => [c, `containers[${i}]`] as const),
        ]);
        const parts = podPayloads(spec).map((payload) => {
            const part = new PayloadContainer(
                childName(name, payload.container.name),
                handToPart<PayloadContainerArgs, PayloadSpec>(
                    {
                        podName: spec.podName,
                        container: { name: payload.container.name, image: payload.container.image },
                        sandboxId: sandbox.containerId,
                        cgroupParent,
                        ...(payload.container.env.some((e) => e.runtime === "podIP" || e.runtime === "hostIP")
                            ? { podIP: sandbox.podIP, hostIP: sandbox.hostIP }
                            : {}),
                    },
                    {
                        spec: payload,
                        dependsOn: previous,
                        hostReady: ready,
                        labels: podLabels,
                        imageField: `${fields.get(payload.container)}.image`,
                        pod,
                    },
                ),
                { parent: pod },
            );
            if (payload.container.sidecar) {
                // The next one waits for the sidecar's create: started, and healthy when it has a readiness probe,
                // after its postStart hook and startup probe.
                const { container, prober, hooks } = resourcesOf(part);
                previous = base.then((b) => [...b, container!, ...(prober ? [prober] : []), ...(hooks ? [hooks] : [])]);
            } else if (payload.initContainer) {
                const container = resourcesOf(part).container!;
                previous = initSucceeded(container, payload.container.name).apply((done) => base.then((b) => [...b, ...done]));
            }
            return { payload, part };
        });
        const images = [sandbox, ...parts.map((p) => p.part)].flatMap((part) => resourcesOf(part).image ?? []);
        const guardianImage =
            spec.guardianImage === undefined
                ? undefined
                : buildImage(
                      childName(name, CHILD.guardianImage),
                      spec.guardianImage,
                      ImagePullPolicy.IfNotPresent,
                      { parent: pod, ...(ready !== undefined ? { dependsOn: ready } : {}) },
                      "guardianImage",
                  );
        if (guardianImage?.resource) images.push(guardianImage.resource);

        const emptyDirs = spec.volumes.filter((v) => v.type === "volume");
        // After the slice, whose create refuses a pod of another stack: Docker's volume create
        // would hand back that pod's volume of the same name, and this pod would take it over.
        const afterSlice: Promise<pulumi.Resource[]> = sliceCommand.then((c) => [...images, c]);
        const volumes = emptyDirs.map(
            (v) =>
                new docker.Volume(
                    childName(name, v.name),
                    {
                        name: v.source,
                        labels: [
                            { label: LABEL_POD, value: spec.podName },
                            { label: LABEL_VOLUME, value: v.name },
                        ],
                    },
                    { parent: pod, deleteBeforeReplace: true, dependsOn: afterSlice },
                ),
        );
        const volumeModes = buildVolumeModes(
            childName(name, CHILD.volumeModes),
            emptyDirs.map((v) => v.source),
            volumes,
            spec.slice.host,
            pod,
        );

        const slice = new PodSlice(
            childName(name, CHILD.slice),
            handToPart<PodSliceArgs, SliceSpec>(
                { podName: spec.podName },
                { spec: spec.slice, dependsOn: ready !== undefined ? ready.apply(() => images) : images, labels: {}, pod },
            ),
            { parent: pod },
        );
        const command = resourcesOf(slice).command!;
        settle({ slice, base: [command, sandboxContainer, ...volumes, ...(volumeModes ? [volumeModes] : [])] });

        const containerOf = (part: pulumi.ComponentResource) => resourcesOf(part).container!;
        const hooks = parts.flatMap((p) => resourcesOf(p.part).hooks ?? []);
        const initContainers = parts.filter((p) => p.payload.initContainer).map((p) => containerOf(p.part));
        const containers = parts.filter((p) => !p.payload.initContainer).map((p) => containerOf(p.part));
        const guardian =
            guardianImage === undefined
                ? undefined
                : buildGuardian(
                      childName(name, CHILD.guardian),
                      spec,
                      { ...guardianImage, reference: spec.guardianImage! },
                      { ...podLabels, [LABEL_POD]: spec.podName },
                      { parent: pod, dependsOn: [command, sandboxContainer, ...initContainers, ...containers, ...hooks] },
                  );
        return {
            slice: command,
            sandbox: sandboxContainer,
            initContainers,
            containers,
            images,
            volumes,
            volumeModes,
            guardian,
            parts: { slice, sandbox, payloads: parts.map((p) => p.part) },
        };
    } catch (error) {
        // Nothing waits forever on a pod that could not be built.
        fail(error);
        throw error;
    }
}
