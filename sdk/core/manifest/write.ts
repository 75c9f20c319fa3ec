// Writing a pod as a Kubernetes v1 Pod manifest (what is carried: ./index.ts).
import * as pulumi from "@pulumi/pulumi";
import { Document, Scalar, parse as parseYamlScalar, visit } from "yaml";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import { Container, DockerPodArgs, EnvVar, Probe, ResourceList, SecurityContext } from "../../types";
import { checkPod } from "../pod";
import { compact, manifestSecretKey, manifestSecretName } from "./common";


/** One env var: a secret value becomes a reference to the pod's env Secret, never text. */
function envManifest(podName: string, container: string, e: EnvVar): pulumi.Output<IEnvVar> {
    const value = pulumi.output(e.value);
    const ref: IEnvVar = { name: e.name, valueFrom: { secretKeyRef: { name: manifestSecretName(podName), key: manifestSecretKey(container, e.name) } } };
    // The reference does not depend on the value, so the manifest does not become secret through it.
    return pulumi.output(pulumi.isSecret(value))
        .apply((secret) => (secret ? ref : value.apply((v): IEnvVar => ({ name: e.name, value: v })))) as pulumi.Output<IEnvVar>;
}

function probeManifest(p: Probe): IProbe {
    return compact({
        exec: { command: p.exec.command },
        initialDelaySeconds: p.initialDelaySeconds, periodSeconds: p.periodSeconds,
        timeoutSeconds: p.timeoutSeconds, failureThreshold: p.failureThreshold,
    });
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
    host: "not carried: the Docker host, which a cluster replaces with its nodes",
};

/** Where each Container field goes in a written manifest (see MANIFEST_FIELDS). */
export const MANIFEST_CONTAINER_FIELDS: { [K in keyof Container]-?: string } = {
    name: "name", image: "image", imagePullPolicy: "imagePullPolicy", command: "command", args: "args",
    env: "env (secret values as secretKeyRefs)", ports: "ports", resources: "resources", volumeMounts: "volumeMounts",
    workingDir: "workingDir", readinessProbe: "readinessProbe", livenessProbe: "livenessProbe",
    startupProbe: "startupProbe", securityContext: "securityContext",
    files: "not carried: Docker-host only, named in the manifest's first line",
};

/** Pod-level security fields that a Kubernetes Pod has only per container. */
const PER_CONTAINER_SECURITY = ["privileged", "readOnlyRootFilesystem", "allowPrivilegeEscalation", "capabilities"] as const;

/** A resource list with its fields in one order. */
function resourceListManifest(list: ResourceList): Record<string, string> {
    return compact({ memory: list.memory, cpu: list.cpu }) as Record<string, string>;
}

/** A securityContext with its fields in one order, so that the same settings always give the same text. */
function securityManifest(sc: SecurityContext): ISecurityContext {
    return compact({
        runAsUser: sc.runAsUser, runAsGroup: sc.runAsGroup, runAsNonRoot: sc.runAsNonRoot, privileged: sc.privileged,
        readOnlyRootFilesystem: sc.readOnlyRootFilesystem, allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
        capabilities: sc.capabilities && compact({ add: sc.capabilities.add, drop: sc.capabilities.drop }),
    });
}

function containerManifest(podName: string, c: Container, podSecurity: SecurityContext | undefined): pulumi.Output<IContainer> {
    const env = c.env?.map((e) => envManifest(podName, c.name, e));
    // The pod's defaults for fields a Pod has only per container; the container's own win, as in checkPod.
    const inherited = compact(Object.fromEntries(PER_CONTAINER_SECURITY.map((key) => [key, podSecurity?.[key]])));
    const security = (c.securityContext !== undefined || Object.keys(inherited).length > 0)
        ? { ...inherited, ...c.securityContext } as SecurityContext
        : undefined;
    return pulumi.all([c.image, c.command && pulumi.all(c.command), c.args && pulumi.all(c.args), env && pulumi.all(env)])
        .apply(([image, command, args, envList]) => compact({
            name: c.name,
            image,
            imagePullPolicy: c.imagePullPolicy,
            command,
            args,
            env: envList,
            // Fields in one order (the order they are read in), so that the same pod always gives the same text.
            ports: c.ports?.map((p) => compact({
                containerPort: p.containerPort, hostPort: p.hostPort, hostIP: p.hostIP, protocol: p.protocol, name: p.name,
            })),
            resources: c.resources && compact({
                limits: c.resources.limits && resourceListManifest(c.resources.limits),
                requests: c.resources.requests && resourceListManifest(c.resources.requests),
            }),
            volumeMounts: c.volumeMounts?.map((m) => compact({ name: m.name, mountPath: m.mountPath, readOnly: m.readOnly })),
            workingDir: c.workingDir,
            readinessProbe: c.readinessProbe && probeManifest(c.readinessProbe),
            livenessProbe: c.livenessProbe && probeManifest(c.livenessProbe),
            startupProbe: c.startupProbe && probeManifest(c.startupProbe),
            securityContext: security && securityManifest(security),
        } as IContainer));
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

/** The Docker-host-only fields set in the args, which the manifest leaves out (none when empty). */
export function fieldsNotCarried(args: DockerPodArgs): string[] {
    const files = (list: Container[] | undefined, field: string) =>
        (list ?? []).flatMap((c, i) => ((c.files ?? []).length > 0 ? [`${field}[${i}].files`] : []));
    return [
        ...((args.networks ?? []).length > 0 ? ["networks"] : []),
        ...files(args.initContainers, "initContainers"),
        ...files(args.containers, "containers"),
    ];
}

/**
 * The Kubernetes v1 Pod manifest (YAML) of a DockerPod's args: metadata.name
 * is the pod name, labels become metadata.labels, pod-wide limits become the
 * pod-level `spec.resources.limits` (Kubernetes 1.32+). Only fields set in the
 * args are written. `host`, `sandboxImage`, `heal` and `guardianImage` have no
 * Pod field and are left out: pass them as overrides when the manifest is read back. `networks` and
 * containers' `files` have no Pod field either: when set, the first line is a
 * YAML comment naming them (`# dockerpod: not carried: ...`). Secret env
 * values become `secretKeyRef`s to `manifestSecretName(pod)`. Throws
 * PodSpecError for args checkPod refuses.
 */
export function manifestFromArgs(name: string, args: DockerPodArgs): pulumi.Output<string> {
    // Checked first, so that a manifest is only ever written for a valid pod.
    const podName = checkPod(name, args).podName;
    const podSecurity = args.securityContext;
    const containers = pulumi.all((args.containers ?? []).map((c) => containerManifest(podName, c, podSecurity)));
    const initContainers = args.initContainers && pulumi.all(args.initContainers.map((c) => containerManifest(podName, c, podSecurity)));
    const podLevelSecurity = podSecurity && compact({
        runAsUser: podSecurity.runAsUser, runAsGroup: podSecurity.runAsGroup, runAsNonRoot: podSecurity.runAsNonRoot,
    }) as IPodSecurityContext;
    const dns = args.dnsConfig;
    const notCarried = fieldsNotCarried(args);
    return pulumi.all([containers, initContainers]).apply(([cs, inits]) => {
        const spec: IPodSpec = compact({
            initContainers: inits,
            containers: cs,
            volumes: args.volumes?.map((v) => compact({
                name: v.name,
                emptyDir: v.emptyDir && compact({ ...v.emptyDir }),
                hostPath: v.hostPath && { path: v.hostPath.path },
            })),
            hostname: args.hostname,
            shareProcessNamespace: args.shareProcessNamespace,
            hostNetwork: args.hostNetwork,
            hostIPC: args.hostIPC,
            hostPID: args.hostPID,
            restartPolicy: args.restartPolicy,
            terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
            resources: args.resources && compact({ limits: args.resources.limits && resourceListManifest(args.resources.limits) }),
            securityContext: podLevelSecurity && Object.keys(podLevelSecurity).length > 0 ? podLevelSecurity : undefined,
            // Docker uses only the given name servers, not the host's: Kubernetes' dnsPolicy None.
            dnsPolicy: (dns?.nameservers ?? []).length > 0 ? "None" : undefined,
            dnsConfig: dns && compact({
                nameservers: dns.nameservers && [...dns.nameservers],
                searches: dns.searches && [...dns.searches],
                options: dns.options?.map((o) => compact({ name: o.name, value: o.value })),
            }),
            hostAliases: args.hostAliases?.map((h) => ({ ip: h.ip, hostnames: [...h.hostnames] })),
        });
        const pod: IPod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: compact({ name: podName, labels: args.labels }),
            spec,
        };
        const text = manifestYaml(pod);
        return notCarried.length > 0 ? `# dockerpod: not carried: ${notCarried.join(", ")} (Docker-host only)\n${text}` : text;
    });
}
