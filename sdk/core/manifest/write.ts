// Writing a pod as a Kubernetes v1 Pod manifest (what is carried: ./index.ts).
import * as pulumi from "@pulumi/pulumi";
import { Document, Scalar, parse as parseYamlScalar, visit } from "yaml";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { ILifecycle } from "kubernetes-models/v1/Lifecycle";
import type { ILifecycleHandler } from "kubernetes-models/v1/LifecycleHandler";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IHostAlias } from "kubernetes-models/v1/HostAlias";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import { Container, DockerPodArgs, ImagePullPolicy, RestartPolicy, SecurityContext } from "../../types";
import { ContainerSpec, DEFAULT_GRACE_SECONDS, HookSpec, ProbeSpec } from "../container";
import { PodSpec, checkPod } from "../pod";
import { compact, manifestSecretKey, manifestSecretName } from "./common";

/** One env var: a secret value becomes a reference to the pod's env Secret, never text. */
function envManifest(podName: string, container: string, e: ContainerSpec["env"][0]): pulumi.Output<IEnvVar> {
    // A downward value is written as its source, which a cluster fills in the same way.
    if (e.valueFrom !== undefined) return pulumi.output({ name: e.name, valueFrom: e.valueFrom } as IEnvVar);
    const value = pulumi.output(e.value ?? "");
    const ref: IEnvVar = {
        name: e.name,
        valueFrom: { secretKeyRef: { name: manifestSecretName(podName), key: manifestSecretKey(container, e.name) } },
    };
    // The reference does not depend on the value, so the manifest does not become secret through it.
    return pulumi
        .output(pulumi.isSecret(value))
        .apply((secret) => (secret ? ref : value.apply((v): IEnvVar => ({ name: e.name, value: v })))) as pulumi.Output<IEnvVar>;
}

/** A probe, every field written (the spec holds Kubernetes' defaults, so a cluster reads the same probe). */
export function probeManifest(p: ProbeSpec): IProbe {
    return {
        ...(p.action as IProbe),
        initialDelaySeconds: p.initialDelaySeconds,
        periodSeconds: p.periodSeconds,
        timeoutSeconds: p.timeoutSeconds,
        failureThreshold: p.failureThreshold,
    };
}

/** The hooks as a cluster takes them; none, no field. */
export function lifecycleManifest(hooks: ContainerSpec["lifecycle"]): ILifecycle | undefined {
    const handler = (h: HookSpec | undefined): ILifecycleHandler | undefined =>
        h === undefined ? undefined : h.exec ? { exec: { command: [...h.exec] } } : { sleep: { seconds: h.sleepSeconds! } };
    const result = compact({ postStart: handler(hooks.postStart), preStop: handler(hooks.preStop) });
    return Object.keys(result).length > 0 ? result : undefined;
}

/**
 * Where each DockerPodArgs field goes in a written manifest. Typed over every
 * field, so a field the args gain cannot be forgotten here: give it a Pod
 * field in manifestFromArgs, or say why it is not carried.
 */
export const MANIFEST_FIELDS: { [K in keyof DockerPodArgs]-?: string } = {
    manifest: "read, never written",
    containers: "spec.containers",
    initContainers: "spec.initContainers",
    volumes: "spec.volumes",
    hostname: "spec.hostname",
    shareProcessNamespace: "spec.shareProcessNamespace",
    hostNetwork: "spec.hostNetwork",
    hostIPC: "spec.hostIPC",
    hostPID: "spec.hostPID",
    restartPolicy: "spec.restartPolicy",
    terminationGracePeriodSeconds: "spec.terminationGracePeriodSeconds",
    resources: "spec.resources (pod-level limits, Kubernetes 1.32+)",
    labels: "metadata.labels",
    securityContext: "spec.securityContext (runAsUser, runAsGroup, runAsNonRoot); the other fields in each container's securityContext",
    networks: "not carried: Docker-host only, named in the manifest's first line",
    dnsConfig: "spec.dnsConfig, with dnsPolicy None when it names name servers",
    hostAliases: "spec.hostAliases",
    podName: "metadata.name",
    sandboxImage: "not carried: a cluster runs its own pause image",
    heal: "not carried: a cluster's kubelet heals its pods (the livenessProbes are written)",
    guardianImage: "not carried: a cluster's kubelet heals its pods",
    proberImage: "not carried: a cluster's kubelet runs httpGet and tcpSocket probes itself",
    host: "not carried: the Docker host, which a cluster replaces with its nodes",
};

/** Where each Container field goes in a written manifest (see MANIFEST_FIELDS). */
export const MANIFEST_CONTAINER_FIELDS: { [K in keyof Container]-?: string } = {
    name: "name",
    image: "image",
    imagePullPolicy: "imagePullPolicy",
    command: "command",
    args: "args",
    env: "env (secret values as secretKeyRefs)",
    ports: "ports",
    resources: "resources",
    volumeMounts: "volumeMounts",
    workingDir: "workingDir",
    readinessProbe: "readinessProbe",
    livenessProbe: "livenessProbe",
    startupProbe: "startupProbe",
    lifecycle: "lifecycle",
    securityContext: "securityContext",
    files: "not carried: Docker-host only, named in the manifest's first line",
    restartPolicy: "restartPolicy (Always: a native sidecar init container)",
};

/** A resource list with its fields in one order. */
function resourceListManifest(list: { memory?: string; cpu?: string }): Record<string, string> | undefined {
    const result = compact({ memory: list.memory, cpu: list.cpu }) as Record<string, string>;
    return Object.keys(result).length > 0 ? result : undefined;
}

/** A securityContext with its fields in one order, so that the same settings always give the same text. */
function securityManifest(sc: SecurityContext): ISecurityContext | undefined {
    const result = compact({
        runAsUser: sc.runAsUser,
        runAsGroup: sc.runAsGroup,
        runAsNonRoot: sc.runAsNonRoot,
        privileged: sc.privileged,
        readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
        allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
        capabilities: sc.capabilities && compact({ add: sc.capabilities.add, drop: sc.capabilities.drop }),
    });
    return Object.keys(result).length > 0 ? result : undefined;
}

/**
 * Kubernetes pulls an image without a tag, or tagged `latest`, on every start
 * unless told otherwise; a DockerPod's default is IfNotPresent for every image.
 * The policy is written wherever the two would differ, or when it is not IfNotPresent.
 */
function pullPolicyManifest(policy: ImagePullPolicy, image: string): string | undefined {
    const lastPart = image.split("@")[0].split("/").pop() ?? "";
    const clusterPullsAlways = image.includes("@") ? false : !lastPart.includes(":") || lastPart.endsWith(":latest");
    return policy === ImagePullPolicy.IfNotPresent && !clusterPullsAlways ? undefined : policy;
}

/** What a Pod has at pod level of a securityContext; the rest it has only per container. */
const POD_LEVEL_SECURITY = ["runAsUser", "runAsGroup", "runAsNonRoot"] as const;

function containerManifest(podName: string, c: ContainerSpec, podSecurity: SecurityContext): pulumi.Output<IContainer> {
    // The pod-level fields are written once, at the pod; a container writes them only where it differs.
    const own: SecurityContext = { ...c.security };
    for (const key of POD_LEVEL_SECURITY) if (podSecurity[key] !== undefined && own[key] === podSecurity[key]) delete own[key];
    const env = c.env.map((e) => envManifest(podName, c.name, e));
    return pulumi
        .all([c.image, c.command && pulumi.all(c.command), c.args && pulumi.all(c.args), pulumi.all(env)])
        .apply(([image, command, args, envList]) =>
            compact({
                name: c.name,
                image,
                imagePullPolicy: pullPolicyManifest(c.pullPolicy, image),
                command,
                args,
                env: envList.length > 0 ? envList : undefined,
                // Fields in one order (the order they are read in), so that the same pod always gives the same text.
                ports:
                    c.ports.length > 0
                        ? c.ports.map((p) =>
                              compact({
                                  containerPort: p.containerPort,
                                  hostPort: p.hostPort,
                                  hostIP: p.hostIP,
                                  protocol: p.protocol === "udp" ? "UDP" : undefined,
                                  name: p.name,
                              }),
                          )
                        : undefined,
                resources: (() => {
                    const resources = compact({
                        limits: resourceListManifest(c.limitsText),
                        requests: resourceListManifest(c.requestsText),
                    });
                    return Object.keys(resources).length > 0 ? resources : undefined;
                })(),
                volumeMounts:
                    c.mounts.length > 0
                        ? c.mounts.map((m) => compact({ name: m.volume, mountPath: m.target, readOnly: m.readOnly || undefined }))
                        : undefined,
                workingDir: c.workingDir,
                readinessProbe: c.readinessProbe && probeManifest(c.readinessProbe),
                livenessProbe: c.livenessProbe && probeManifest(c.livenessProbe),
                startupProbe: c.startupProbe && probeManifest(c.startupProbe),
                lifecycle: lifecycleManifest(c.lifecycle),
                // The container's settings over the pod's, whole: a Pod has some of them only per container.
                securityContext: securityManifest(own),
                restartPolicy: c.sidecar ? "Always" : undefined,
            } as IContainer),
        );
}

/**
 * The manifest as YAML that every reader takes back as written: a string that
 * a YAML 1.1 reader (kubectl's) or a 1.2 one would take for something else
 * (`yes`, `on`, `no`, `0x1F`, `1e3`, `~`, a date, `0o7`) is quoted.
 */
export function manifestYaml(value: unknown): string {
    const doc = new Document(value);
    const plainIsString = (text: string, version: "1.1" | "1.2") => {
        try {
            return typeof parseYamlScalar(text, { version }) === "string";
        } catch {
            return false;
        }
    };
    visit(doc, {
        Scalar(_key, node: Scalar) {
            if (typeof node.value === "string" && (!plainIsString(node.value, "1.1") || !plainIsString(node.value, "1.2"))) {
                node.type = Scalar.QUOTE_DOUBLE;
            }
        },
    });
    return doc.toString({ lineWidth: 0 });
}

/** The Docker-host-only fields of a pod, which the manifest leaves out (none when empty). */
export function fieldsNotCarried(spec: PodSpec): string[] {
    const files = (list: ContainerSpec[], field: string) => list.flatMap((c, i) => (c.files.length > 0 ? [`${field}[${i}].files`] : []));
    return [
        ...(spec.sandbox.networks.length > 0 ? ["networks"] : []),
        ...files(spec.initContainers, "initContainers"),
        ...files(spec.containers, "containers"),
    ];
}

/** `/etc/hosts` entries grouped by address, in the order they came. */
function hostAliasesManifest(hosts: { host: string; ip: string }[]): IHostAlias[] | undefined {
    const byIp = new Map<string, string[]>();
    for (const { host, ip } of hosts) byIp.set(ip, [...(byIp.get(ip) ?? []), host]);
    return byIp.size > 0 ? [...byIp].map(([ip, hostnames]) => ({ ip, hostnames })) : undefined;
}

/**
 * The Kubernetes v1 Pod manifest (YAML) of a checked pod, written from its
 * spec alone: metadata.name is the pod name, labels become metadata.labels,
 * pod-wide limits become the pod-level `spec.resources.limits` (Kubernetes
 * 1.32+). A value that is Kubernetes' default too is left out (restartPolicy
 * Always, a grace of 30 s, ...). Each container's securityContext is the
 * one it runs with (its own fields over the pod's). `host`, `sandboxImage`,
 * `heal` and `guardianImage` have no Pod field and are left out: pass them as
 * overrides when the manifest is read back. `networks` and containers' `files`
 * have no Pod field either: when set, the first line is a YAML comment naming
 * them (`# dockerpod: not carried: ...`). Secret env values become
 * `secretKeyRef`s to `manifestSecretName(pod)`.
 */
export function manifestFromSpec(spec: PodSpec): pulumi.Output<string> {
    const podName = spec.podName;
    const sandbox = spec.sandbox;
    const containers = pulumi.all(spec.containers.map((c) => containerManifest(podName, c, spec.podSecurity)));
    const initContainers = pulumi.all(spec.initContainers.map((c) => containerManifest(podName, c, spec.podSecurity)));
    const podLevelSecurity = compact(
        Object.fromEntries(POD_LEVEL_SECURITY.map((key) => [key, spec.podSecurity[key]])),
    ) as IPodSecurityContext;
    const notCarried = fieldsNotCarried(spec);
    const dns = sandbox.dns;
    return pulumi.all([containers, initContainers]).apply(([cs, inits]) => {
        const podSpec: IPodSpec = compact({
            initContainers: inits.length > 0 ? inits : undefined,
            containers: cs,
            volumes:
                spec.volumes.length > 0
                    ? spec.volumes.map((v) =>
                          v.type === "volume" ? { name: v.name, emptyDir: {} } : { name: v.name, hostPath: { path: v.source } },
                      )
                    : undefined,
            hostname: sandbox.hostname !== undefined && sandbox.hostname !== podName ? sandbox.hostname : undefined,
            shareProcessNamespace: sandbox.shareProcessNamespace || undefined,
            hostNetwork: sandbox.hostNetwork || undefined,
            hostIPC: sandbox.hostIPC || undefined,
            hostPID: sandbox.hostPID || undefined,
            restartPolicy: sandbox.restartPolicy !== RestartPolicy.Always ? sandbox.restartPolicy : undefined,
            terminationGracePeriodSeconds: spec.graceSeconds !== DEFAULT_GRACE_SECONDS ? spec.graceSeconds : undefined,
            resources: (() => {
                const limits = resourceListManifest(spec.slice.limitsText);
                return limits && { limits };
            })(),
            securityContext: Object.keys(podLevelSecurity).length > 0 ? podLevelSecurity : undefined,
            // Docker uses only the given name servers, not the host's: Kubernetes' dnsPolicy None.
            dnsPolicy: dns.nameservers.length > 0 ? "None" : undefined,
            dnsConfig:
                dns.nameservers.length + dns.searches.length + dns.options.length > 0
                    ? compact({
                          nameservers: dns.nameservers.length > 0 ? [...dns.nameservers] : undefined,
                          searches: dns.searches.length > 0 ? [...dns.searches] : undefined,
                          options:
                              dns.options.length > 0
                                  ? dns.options.map((o) => {
                                        const colon = o.indexOf(":");
                                        return colon < 0 ? { name: o } : { name: o.slice(0, colon), value: o.slice(colon + 1) };
                                    })
                                  : undefined,
                      })
                    : undefined,
            hostAliases: hostAliasesManifest(sandbox.hosts),
        });
        const labels = Object.keys(sandbox.labels).length > 0 ? { ...sandbox.labels } : undefined;
        const pod: IPod = { apiVersion: "v1", kind: "Pod", metadata: compact({ name: podName, labels }), spec: podSpec };
        const text = manifestYaml(pod);
        return notCarried.length > 0 ? `# dockerpod: not carried: ${notCarried.join(", ")} (Docker-host only)\n${text}` : text;
    });
}

/** The manifest of a DockerPod's args: checked first, so a manifest is only ever written for a valid pod (PodSpecError otherwise). */
export function manifestFromArgs(name: string, args: DockerPodArgs): pulumi.Output<string> {
    return manifestFromSpec(checkPod(name, args));
}
