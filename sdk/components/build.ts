// Builders that turn a checked spec into pulumi-docker resources. Each takes
// its parent, so DockerPod and the standalone components share them.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import { MIB, cfsQuota, goDuration, memoryMiB } from "../core/quantity";
import { imageReferenceProblem } from "../core/reference";
import { renderImageUserCheck, renderVolumeModes } from "../core/render";
import { hostCommand } from "./hostCommand";
import { LABEL_CONTAINER, LABEL_HOOKS, LABEL_NAMESPACES, LABEL_ROLE, guardianName, proberName } from "../core/names";
import { NOTHING_TO_RUN_SCRIPT, hasHooks, hasStartHooks, readinessBudgetSeconds, renderStartScript, renderStopScript } from "../core/hooks";
import { EnvSpec } from "../core/downward";
import { renderGuardianScript } from "../core/guardian";
import { AgentHost, CLAIM_ROLE, LABEL_AGENT, agentName, renderAgentRelease, renderAgentStart } from "../core/agent";
import { compact } from "../core/manifest/common";
import { lifecycleManifest, probeManifest } from "../core/manifest/write";
import { ContainerSpec, PROBER_STOP_SECONDS, PayloadSpec, ProbeSpec, dockerCapabilities } from "../core/container";
import { PodSpec } from "../core/pod";
import { SandboxSpec, dockerRestart } from "../core/sandbox";
import { HostSpec } from "../core/slice";
import { ImagePullPolicy, RestartPolicy } from "../types";

/** pulumi-docker's labels list, sorted so the order never churns. */
export function dockerLabels(labels: Record<string, pulumi.Input<string>>): docker.types.input.ContainerLabel[] {
    return Object.keys(labels)
        .sort()
        .map((label) => ({ label, value: labels[label] }));
}

/**
 * The image a container runs. `IfNotPresent` and `Always` go through a
 * RemoteImage kept on the host when the pod goes (another pod may use it);
 * it pulls with the docker provider's `registryAuth`. `Never` uses the host's
 * image as it is.
 *
 * `Always` names the image by the registry's current digest
 * (`repo:tag@sha256:...`, from `getRegistryImage` through the same provider).
 * The RemoteImage reuses any local image its name resolves to and a changed
 * `pullTriggers` alone never pulls (pulumi-docker#342), so a moved tag must be
 * a new name: then it is replaced and pulls, and the container that runs its
 * id is replaced with it. An unmoved digest changes nothing.
 */
export function buildImage(
    name: string,
    computed: pulumi.Input<string>,
    policy: ImagePullPolicy,
    opts: pulumi.CustomResourceOptions,
    field: string,
): { image: pulumi.Input<string>; resource?: docker.RemoteImage } {
    const image = checkedImage(computed, field);
    if (policy === ImagePullPolicy.Never) return { image };
    const pullName =
        policy === ImagePullPolicy.Always
            ? pulumi
                  .output(image)
                  .apply((ref) =>
                      isDigestPinned(ref)
                          ? pulumi.output(ref)
                          : docker
                                .getRegistryImageOutput({ name: ref }, { parent: opts.parent })
                                .sha256Digest.apply((digest) => `${ref}@${digest}`),
                  )
            : image;
    const resource = new docker.RemoteImage(name, { name: pullName, keepLocally: true }, opts);
    return { image: resource.imageId, resource };
}

/**
 * A computed image is checked when it resolves, with the error a plain one
 * gets at preview: a value like `--help` must never reach a pull or a script.
 */
function checkedImage(image: pulumi.Input<string>, field: string): pulumi.Input<string> {
    if (typeof image === "string") return image; // checked with the spec
    return pulumi.output(image).apply((ref) => {
        const problem = typeof ref === "string" ? imageReferenceProblem(ref) : "it is not a string";
        if (problem !== undefined) {
            throw new Error(
                `dockerpod: ${field}: the computed image ${JSON.stringify(String(ref).slice(0, 80))} is not an image reference (${problem})`,
            );
        }
        return ref;
    });
}

/** Whether an image reference already names one digest (nothing can move under it). */
function isDigestPinned(image: string): boolean {
    return /@sha256:[0-9a-f]{64}$/.test(image);
}

/**
 * Fields pulumi-docker records in state but never applies to a live
 * container: a change to one must replace the container to take effect.
 */
export const STATE_ONLY_FIELDS = [
    "healthcheck",
    "wait",
    "waitTimeout",
    "attach",
    "logs",
    "start",
    "rm",
    "init",
    "tmpfs",
    "cpuPeriod",
    "cpuQuota",
];

/** What a checked part is joined to: its image, its cgroup parent, and the pod's own labels. */
export interface PartWiring {
    /** The image the container runs (a RemoteImage's id, or the reference itself with `Never`). */
    image: pulumi.Input<string>;
    cgroupParent: pulumi.Input<string>;
    /** Labels the pod adds to the spec's own (`dockerpod.pod`, `dockerpod.slice`). */
    labels: Record<string, pulumi.Input<string>>;
}

/** The namespaces a sandbox shares, as its label says: a change rebuilds the pod, as in Kubernetes. */
export function sharedNamespaces(s: Pick<SandboxSpec, "hostNetwork" | "hostIPC" | "hostPID" | "shareProcessNamespace">): string {
    return [
        s.hostNetwork ? "host-net" : "net",
        s.hostIPC ? "host-ipc" : "ipc",
        s.hostPID ? "host-pid" : s.shareProcessNamespace ? "pid" : undefined,
    ]
        .filter(Boolean)
        .join(",");
}

/** The sandbox: owns the pod's network and IPC namespaces and publishes every port. */
export function buildSandbox(name: string, s: SandboxSpec, wiring: PartWiring, opts: pulumi.CustomResourceOptions): docker.Container {
    return new docker.Container(
        name,
        {
            name: s.containerName,
            image: wiring.image,
            hostname: s.hostname,
            // With networksAdvanced the provider leaves the default bridge and connects each network with
            // its aliases (naming a network here too would make Docker drop the aliases).
            networkMode: s.hostNetwork ? "host" : "bridge",
            networksAdvanced: s.networks.length > 0 ? s.networks.map((n) => ({ name: n.name, aliases: n.aliases })) : undefined,
            dns: s.dns.nameservers.length > 0 ? s.dns.nameservers : undefined,
            dnsSearches: s.dns.searches.length > 0 ? s.dns.searches : undefined,
            dnsOpts: s.dns.options.length > 0 ? s.dns.options : undefined,
            hosts: s.hosts.length > 0 ? s.hosts : undefined,
            ipcMode: s.hostIPC ? "host" : "shareable",
            pidMode: s.hostPID ? "host" : undefined,
            cgroupParent: wiring.cgroupParent,
            ports: s.hostNetwork
                ? undefined
                : s.ports
                      .filter((p) => p.hostPort !== undefined)
                      .map((p) => ({ internal: p.containerPort, external: p.hostPort, ip: p.hostIP, protocol: p.protocol })),
            labels: dockerLabels({ ...s.labels, ...wiring.labels, [LABEL_ROLE]: "sandbox", [LABEL_NAMESPACES]: sharedNamespaces(s) }),
            restart: s.restartPolicy === RestartPolicy.Never ? "no" : "unless-stopped",
            // The sandbox only holds namespaces and exits promptly on SIGTERM.
            destroyGraceSeconds: 10,
            memory: 16,
            memorySwap: 16,
        },
        { ...opts, deleteBeforeReplace: true, replaceOnChanges: STATE_ONLY_FIELDS },
    );
}

/** The addresses a payload's downward env vars may need: a SandboxContainer's `podIP` and `hostIP`. */
export interface PodAddresses {
    podIP?: pulumi.Input<string>;
    hostIP?: pulumi.Input<string>;
}

/** An env var's value: given or resolved at preview, or, for the runtime fields, what the host says. */
function envValue(e: EnvSpec, p: PayloadSpec, wiring: PodAddresses): pulumi.Input<string> {
    switch (e.runtime) {
        case "podIP":
            return wiring.podIP!;
        case "hostIP":
            return wiring.hostIP!;
        case "nodeName":
            // The Docker host's name: the SSH host it is reached at, or this machine (the host itself).
            return p.host.connection !== undefined ? p.host.connection.host : os.hostname();
        default:
            return e.value ?? "";
    }
}

/** The prober's memory limit: a shell waiting, and one wget or nc at a time. */
export const PROBER_MEMORY_MIB = 16;

/**
 * The prober of a container with httpGet or tcpSocket probes: a small
 * container in the pod's network namespace (nothing else of the pod's) that
 * only waits; its healthcheck is the readiness probe, so `up` waits for the
 * container's readiness through it, and the guardian runs liveness probes in
 * it. The app's image needs no shell, wget or nc. Made after the container,
 * and so removed before it.
 */
export function buildProber(
    name: string,
    p: PayloadSpec,
    wiring: {
        image: pulumi.Input<string>;
        sandboxId: pulumi.Input<string>;
        cgroupParent: pulumi.Input<string>;
        labels: Record<string, pulumi.Input<string>>;
    },
    opts: pulumi.CustomResourceOptions,
): docker.Container {
    const c = p.container;
    const probe = c.readinessProbe?.runsIn === "prober" ? c.readinessProbe : undefined;
    return new docker.Container(
        name,
        {
            name: proberName(c.dockerName),
            image: wiring.image,
            entrypoints: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
            networkMode: pulumi.interpolate`container:${wiring.sandboxId}`,
            cgroupParent: wiring.cgroupParent,
            memory: PROBER_MEMORY_MIB,
            memorySwap: PROBER_MEMORY_MIB,
            labels: dockerLabels({ ...p.labels, ...wiring.labels, [LABEL_ROLE]: "prober", [LABEL_CONTAINER]: c.name }),
            restart: "unless-stopped",
            ...readinessHealthcheck(probe, c),
            destroyGraceSeconds: PROBER_STOP_SECONDS,
        },
        { ...opts, deleteBeforeReplace: true, replaceOnChanges: STATE_ONLY_FIELDS },
    );
}

/** A readiness probe as Docker's healthcheck, which `up` waits for (`wait`), within the probe's budget. */
function readinessHealthcheck(
    probe: ProbeSpec | undefined,
    c: ContainerSpec,
): Pick<docker.ContainerArgs, "healthcheck" | "wait" | "waitTimeout"> {
    if (!probe) return {};
    return {
        healthcheck: {
            tests: ["CMD", ...probe.command],
            interval: goDuration(probe.periodSeconds),
            timeout: goDuration(probe.timeoutSeconds),
            retries: probe.failureThreshold,
            startPeriod: goDuration(probe.initialDelaySeconds),
        },
        // With a postStart hook or a startup probe, the hooks Command waits for readiness after them.
        ...(hasStartHooks(c) ? {} : { wait: true, waitTimeout: readinessBudgetSeconds(probe) }),
    };
}

/** The startup probe and hooks of a container, as a manifest writes them, for its `dockerpod.hooks` label (see LABEL_HOOKS). */
function hooksLabel(c: ContainerSpec): Record<string, string> {
    if (!hasHooks(c)) return {};
    return {
        [LABEL_HOOKS]: JSON.stringify(
            compact({ startupProbe: c.startupProbe && probeManifest(c.startupProbe), lifecycle: lifecycleManifest(c.lifecycle) }),
        ),
    };
}

/**
 * The kubelet's work around one container, as a Command on its host, made
 * after the container (and its prober): create runs the postStart hook, the
 * startup probe and the wait for readiness; delete runs the preStop hook and
 * stops the container within the grace, before the provider removes it.
 * Replaced with the container (its id is a trigger); an update runs nothing.
 */
export function buildHooks(
    name: string,
    p: PayloadSpec,
    container: docker.Container,
    opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource | undefined {
    const c = p.container;
    if (!hasHooks(c)) return undefined;
    return hostCommand(
        name,
        {
            create: hasStartHooks(c) ? renderStartScript(p) : NOTHING_TO_RUN_SCRIPT,
            update: NOTHING_TO_RUN_SCRIPT,
            ...(c.lifecycle.preStop ? { delete: renderStopScript(p) } : {}),
            triggers: [container.id],
        },
        p.host,
        opts,
    );
}

/** A payload container, joined to the sandbox by its id (never its name). */
export function buildPayload(
    name: string,
    p: PayloadSpec,
    wiring: PartWiring & PodAddresses & { sandboxId: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): docker.Container {
    const c = p.container;
    const sc = c.security;
    const join = pulumi.interpolate`container:${wiring.sandboxId}`;
    // An httpGet or tcpSocket readiness probe is the prober's healthcheck, not the container's.
    const probe = c.readinessProbe?.runsIn === "container" ? c.readinessProbe : undefined;
    const memory = c.limits.memoryBytes !== undefined ? memoryMiB(c.limits.memoryBytes) : undefined;
    const user =
        sc?.runAsUser !== undefined ? (sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : `${sc.runAsUser}`) : undefined;
    return new docker.Container(
        name,
        {
            name: c.dockerName,
            image: wiring.image,
            entrypoints: c.command,
            command: c.args,
            envs: c.env.length > 0 ? c.env.map((e) => pulumi.interpolate`${e.name}=${envValue(e, p, wiring)}`) : undefined,
            workingDir: c.workingDir,
            networkMode: join,
            ipcMode: p.hostIPC ? "host" : join,
            pidMode: p.hostPID ? "host" : p.shareProcessNamespace ? join : undefined,
            cgroupParent: wiring.cgroupParent,
            // No swap, as the kubelet does; it also lets `docker update` raise the limit in place.
            memory,
            memorySwap: memory,
            memoryReservation: c.requests.memoryBytes !== undefined ? Math.ceil(c.requests.memoryBytes / MIB) : undefined,
            ...(c.limits.cpuMillis !== undefined ? cfsQuota(c.limits.cpuMillis) : {}),
            cpuShares: c.requests.cpuMillis !== undefined ? Math.max(2, Math.round((c.requests.cpuMillis * 1024) / 1000)) : undefined,
            // emptyDir's noCopy only where host.dockerApiVersion says the daemon has API 1.45+: the docker
            // provider refuses any `volumeOptions` below that (seen with Docker 20.10), so a pod that
            // asked for it there would fail at `up`. The README's field table says what each host gets.
            mounts: c.mounts.map((m) => ({
                target: m.target,
                source: m.source,
                type: m.type,
                readOnly: m.readOnly,
                ...(m.type === "volume" && p.host.emptyDirNoCopy ? { volumeOptions: { noCopy: true } } : {}),
            })),
            labels: dockerLabels({
                ...p.labels,
                ...wiring.labels,
                [LABEL_ROLE]: c.sidecar ? "sidecar" : p.initContainer ? "init" : "app",
                [LABEL_CONTAINER]: c.name,
                ...hooksLabel(c),
            }),
            // A sidecar restarts whenever it stops, whatever the pod's policy (as in Kubernetes).
            restart: c.sidecar ? "always" : p.initContainer ? "no" : dockerRestart(p.restartPolicy),
            user,
            readOnly: sc?.readOnlyRootFilesystem,
            capabilities: sc?.capabilities
                ? { adds: dockerCapabilities(sc.capabilities.add), drops: dockerCapabilities(sc.capabilities.drop) }
                : undefined,
            securityOpts: sc?.allowPrivilegeEscalation === false ? ["no-new-privileges:true"] : undefined,
            privileged: sc?.privileged === true ? true : undefined,
            // Written by the provider after create and before start.
            uploads:
                c.files.length > 0 ? c.files.map((f) => ({ file: f.path, content: f.content, permissions: f.permissions })) : undefined,
            ...readinessHealthcheck(probe, c),
            // An init container runs once: create waits for its exit, and later `up`s leave it be.
            mustRun: p.initContainer && !c.sidecar ? false : undefined,
            attach: p.initContainer && !c.sidecar ? true : undefined,
            logs: p.initContainer && !c.sidecar ? true : undefined,
            destroyGraceSeconds: p.graceSeconds,
        },
        { ...opts, deleteBeforeReplace: true, replaceOnChanges: STATE_ONLY_FIELDS },
    );
}

/**
 * Fails with the container's name and exit code when an init container did
 * not exit 0. Dependents wait on the returned Output, so a failure stops the
 * `up` before any app container is made; in preview it stays unknown.
 */
export function initSucceeded(container: docker.Container, name: string): pulumi.Output<docker.Container[]> {
    return container.exitCode.apply((code) => {
        if (code !== 0) {
            throw new Error(
                `dockerpod: init container "${name}" exited with code ${code}: ` +
                    `no app container was started; fix it and run up again (see the container's logs)`,
            );
        }
        return [container];
    });
}

/**
 * For `runAsNonRoot` without `runAsUser`: a Command on the host that refuses,
 * at `up`, an image whose user is root. The container depends on it, so it is
 * never created from such an image.
 */
export function buildUserCheck(
    name: string,
    spec: ContainerSpec,
    image: pulumi.Input<string>,
    host: HostSpec,
    opts: pulumi.CustomResourceOptions,
): pulumi.Resource | undefined {
    if (spec.security.runAsNonRoot !== true || spec.security.runAsUser !== undefined) return undefined;
    return hostCommand(
        name,
        {
            create: pulumi.output(image).apply((i) => renderImageUserCheck(spec.dockerName, i, host.sudo, host.dockerSocket)),
        },
        host,
        opts,
    );
}

/** Opens the pod's emptyDir volumes to every user once they exist (see renderVolumeModes). */
export function buildVolumeModes(
    name: string,
    volumeNames: string[],
    volumes: docker.Volume[],
    host: HostSpec,
    parent: pulumi.Resource,
): pulumi.CustomResource | undefined {
    if (volumes.length === 0) return undefined;
    return hostCommand(
        name,
        {
            create: renderVolumeModes(volumeNames, host.sudo, host.dockerSocket),
            // A new volume (a replaced one) is opened again.
            triggers: volumes.map((v) => v.id),
        },
        host,
        { parent, dependsOn: volumes },
    );
}

/**
 * The pod's guardian: its claim, a container that is created and never
 * started (`<pod>_guardian`, the pod's guardian script as its command, no
 * socket, no network), and the host Command that has the host's guardian
 * agent run it (agent.ts). The claim comes after the pod's containers and the
 * Command after the claim, so a destroy stops the guardian (the Command's
 * delete) before anything of the pod is removed.
 */
export function buildGuardian(
    name: string,
    spec: PodSpec,
    image: { image: pulumi.Input<string>; reference: string; resource?: pulumi.Resource },
    labels: Record<string, pulumi.Input<string>>,
    opts: pulumi.CustomResourceOptions,
): { claim: docker.Container; agent: pulumi.CustomResource } {
    const agent = agentName(image.reference);
    const claim = new docker.Container(
        name,
        {
            name: guardianName(spec.podName),
            image: image.image,
            entrypoints: ["/bin/sh", "-c", renderGuardianScript(spec)],
            networkMode: "none",
            labels: dockerLabels({ ...labels, [LABEL_ROLE]: CLAIM_ROLE, [LABEL_AGENT]: agent }),
            start: false,
            mustRun: false,
            restart: "no",
        },
        { ...opts, deleteBeforeReplace: true, replaceOnChanges: STATE_ONLY_FIELDS },
    );
    const host: AgentHost = { sudo: spec.slice.host.sudo, dockerSocket: spec.dockerSocket, cliSocket: spec.slice.host.dockerSocket };
    const command = hostCommand(
        `${name}-agent`,
        {
            create: renderAgentStart(agent, image.reference, spec.podName, host),
            delete: renderAgentRelease(agent, spec.podName, host),
            // A new claim is found by the running agent; only another agent (a new version or image) needs a new start.
            triggers: [agent],
        },
        spec.slice.host,
        { parent: opts.parent, dependsOn: [claim, ...(image.resource ? [image.resource] : [])], deleteBeforeReplace: true },
    );
    return { claim, agent: command };
}
