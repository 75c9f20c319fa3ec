import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { manifestFromArgs, podArgsFromManifest } from "../core/manifest";
import { sandboxName } from "../core/names";
import { PodSpec, buildPodSpec } from "../core/spec";
import { renderSummary } from "../core/summary";
import { DockerPodArgs } from "../types";
import { LABEL_POD, LABEL_SLICE, buildGuardian, buildImage, buildPayload, buildSandbox, buildUserCheck, buildVolumeModes, initSucceeded } from "./build";
import { buildSliceCommand } from "./podSlice";

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
    /** The guardian, with `heal: true`. */
    guardian?: docker.Container;
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
        super("dockerpod:index:DockerPod", name, {}, opts);
        // The manifest, when given, is read first; the other args override it.
        const fromManifest = args?.manifest !== undefined ? readManifest(args) : undefined;
        args = fromManifest?.args ?? args;
        // Checked before anything is registered: bad input creates nothing.
        const spec = buildPodSpec(name, args);
        for (const warning of [...fromManifest?.warnings ?? [], ...spec.warnings]) pulumi.log.warn(warning, this);
        const children = buildPod(name, spec, args, this);
        childrenOf.set(this, children);
        this.podName = pulumi.output(spec.podName);
        this.cgroupParent = pulumi.output(spec.slice.cgroupParent);
        this.sandboxId = children.sandbox.id;
        const all = [...spec.initContainers, ...spec.containers];
        const resources = [...children.initContainers, ...children.containers];
        this.containerIds = pulumi.all(resources.map((r) => r.id)).apply((ids) =>
            Object.fromEntries(ids.map((id, i) => [all[i].name, id])));
        this.summary = renderSummary(spec);
        this.manifest = manifestFromArgs(name, args);
        this.registerOutputs({
            podName: this.podName, cgroupParent: this.cgroupParent, sandboxId: this.sandboxId,
            containerIds: this.containerIds, summary: this.summary, manifest: this.manifest,
        });
    }

    /**
     * A DockerPod from a Kubernetes Pod manifest (YAML text or an object);
     * `overrides` set the Docker-host fields a Pod has no place for.
     */
    public static fromManifest(
        name: string, manifest: string | object, overrides?: Omit<DockerPodArgs, "manifest">, opts?: pulumi.ComponentResourceOptions,
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

function readManifest(args: DockerPodArgs): { args: DockerPodArgs; warnings: string[] } {
    const { manifest, ...overrides } = args;
    if (typeof manifest !== "string") {
        throw new Error("dockerpod: manifest must be YAML text known at preview (not a computed value)");
    }
    return podArgsFromManifest(manifest, overrides);
}

// Kept outside the class: every class property would become a schema output.
const childrenOf = new WeakMap<DockerPod, DockerPodChildren>();

/** Registers a checked pod's resources under `parent`, in the order they depend on each other. */
export function buildPod(name: string, spec: PodSpec, args: DockerPodArgs, parent: pulumi.Resource): DockerPodChildren {
    const images: docker.RemoteImage[] = [];
    const imageFor = (childName: string, image: pulumi.Input<string>, policy: PodSpec["containers"][0]["pullPolicy"], field: string) => {
        const result = buildImage(`${childName}-image`, image, policy, parent, field);
        if (result.resource) images.push(result.resource);
        return result.image;
    };
    // Every image is pulled before anything else of the pod is made: a failed pull (a wrong
    // password, a missing tag) leaves no slice, volume or container behind.
    const sandboxImage = imageFor(`${name}-sandbox`, spec.sandboxImage, "IfNotPresent", "sandboxImage");
    const payloadImages = new Map([
        ...spec.initContainers.map((c, i) => [c, `initContainers[${i}].image`] as const),
        ...spec.containers.map((c, i) => [c, `containers[${i}].image`] as const),
    ].map(([c, field]) => [c.name, imageFor(`${name}-${c.name}`, c.source.image, c.pullPolicy, field)]));
    const guardianImage = spec.guardianImage === undefined ? undefined
        : imageFor(`${name}-guardian`, spec.guardianImage, "IfNotPresent", "guardianImage");

    const slice = buildSliceCommand(`${name}-slice`, spec.slice, args.host, parent, images);
    const podLabels = { ...spec.labels, [LABEL_POD]: spec.podName, [LABEL_SLICE]: slice.id };
    const emptyDirs = spec.volumes.filter((v) => v.type === "volume");
    const volumes = emptyDirs.map((v) =>
        new docker.Volume(`${name}-${v.name}`, {
            name: v.source,
            labels: [{ label: LABEL_POD, value: spec.podName }, { label: "dockerpod.volume", value: v.name }],
        }, { parent, deleteBeforeReplace: true, dependsOn: images }));
    const volumeModes = buildVolumeModes(`${name}-volumes`, emptyDirs.map((v) => v.source), volumes, args.host, parent);

    const sandbox = buildSandbox(`${name}-sandbox`, {
        containerName: sandboxName(spec.podName),
        image: sandboxImage,
        cgroupParent: spec.slice.cgroupParent,
        hostname: spec.hostname,
        ports: spec.ports,
        networks: spec.networks,
        dns: spec.dns,
        hosts: spec.hosts,
        hostNetwork: spec.hostNetwork,
        hostIPC: spec.hostIPC,
        hostPID: spec.hostPID,
        shareProcessNamespace: spec.shareProcessNamespace,
        restartPolicy: spec.restartPolicy,
        labels: podLabels,
    }, { parent, dependsOn: [slice] });

    const payload = (c: PodSpec["containers"][0], initContainer: boolean, ready: pulumi.Input<pulumi.Input<pulumi.Resource>[]>) => {
        const image = payloadImages.get(c.name)!;
        const userCheck = buildUserCheck(`${name}-${c.name}-user-check`, c, image, args.host, parent);
        const dependsOn = userCheck ? pulumi.output(ready).apply((deps) => [...deps, userCheck]) : ready;
        return buildPayload(`${name}-${c.name}`, {
            spec: c,
            image,
            sandboxId: sandbox.id,
            cgroupParent: spec.slice.cgroupParent,
            shareProcessNamespace: spec.shareProcessNamespace,
            hostIPC: spec.hostIPC,
            hostPID: spec.hostPID,
            restartPolicy: spec.restartPolicy,
            graceSeconds: spec.graceSeconds,
            labels: podLabels,
            initContainer,
        }, { parent, dependsOn });
    };

    // Init containers run in order; each waits for the one before it to exit 0.
    const base: pulumi.Resource[] = [slice, sandbox, ...volumes, ...(volumeModes ? [volumeModes] : [])];
    let ready: pulumi.Input<pulumi.Input<pulumi.Resource>[]> = base;
    const initContainers = spec.initContainers.map((c) => {
        const container = payload(c, true, ready);
        ready = initSucceeded(container, c.name).apply((done) => [...base, ...done]);
        return container;
    });
    const containers = spec.containers.map((c) => payload(c, false, ready));
    const guardian = guardianImage === undefined ? undefined : buildGuardian(`${name}-guardian`, spec, guardianImage, podLabels,
        { parent, dependsOn: [slice, sandbox, ...initContainers, ...containers] });
    return { slice, sandbox, initContainers, containers, images, volumes, volumeModes, guardian };
}
