// Kubernetes Pod manifests in and out. `podArgsFromManifest` turns a v1 Pod
// (hand-written, or `kubectl get pod -o yaml` output) into DockerPodArgs;
// `manifestFromArgs` writes a pod's args back as a v1 Pod. Both are pure: the
// only Pulumi use is resolving Inputs when a manifest is written.
//
// Rules for reading a manifest:
// - every field is either mapped, ignored, or refused: none is dropped silently;
// - ignored: what a cluster fills in (status, uid, default tolerations, the
//   service-account token volume, ...) and values that are what Docker does
//   anyway (dnsPolicy, seccompProfile RuntimeDefault, ...). They are listed in
//   ONE warning, so `kubectl get pod -o yaml` output can be brought over as is;
// - refused: anything that would change the pod's behaviour and that dockerpod
//   cannot honour, and any field it does not know. They are listed, each by
//   its path, in ONE PodSpecError;
// - values are not checked here beyond the Kubernetes schema: checkPod
//   (spec.ts) checks them, with its own messages, when the DockerPod is made.
//
// Secret env values are written as `valueFrom.secretKeyRef` to the Secret
// `manifestSecretName(pod)`, never as text. Reading such a manifest back
// refuses those variables: a manifest cannot carry their values, so pass the
// args (with the secret Inputs) instead.
//
// What a written manifest does not carry (see MANIFEST_FIELDS, which the
// compiler keeps complete). The manifest stays ONE Pod: nothing becomes a
// ConfigMap, a Secret or a NetworkAttachmentDefinition.
// - `networks` and `containers[].files` / `initContainers[].files`: Docker-host
//   features with no Pod field. When set, the manifest's first line is a YAML
//   comment naming them, e.g.
//   `# dockerpod: not carried: networks, containers[0].files (Docker-host only)`;
// - `host`, `sandboxImage`, `heal` and `guardianImage`: the Docker host
//   itself, which a cluster replaces with its nodes, its own pause image and
//   its kubelet (livenessProbes are written). Never written, never named: pass
//   them as overrides when a manifest is read back;
// - pod-level `securityContext` fields that Kubernetes has only per container
//   (privileged, readOnlyRootFilesystem, allowPrivilegeEscalation,
//   capabilities) are carried, but written into each container that does not
//   set them itself: the pod behaves the same, and reads back per container.
import * as pulumi from "@pulumi/pulumi";
import { Document, Scalar, parse as parseYamlScalar, parseAllDocuments, visit } from "yaml";
import { Pod } from "kubernetes-models/v1/Pod";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IContainerPort } from "kubernetes-models/v1/ContainerPort";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IPodDNSConfig } from "kubernetes-models/v1/PodDNSConfig";
import type { IHostAlias } from "kubernetes-models/v1/HostAlias";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import {
    Container, ContainerPort, DockerPodArgs, EnvVar, HostAlias, ImagePullPolicy, PodDNSConfig, Probe, Protocol,
    ResourceList, ResourceRequirements, RestartPolicy, SecurityContext, Volume, VolumeMount,
} from "../types";
import { Problems, PodSpecError, SpecProblem } from "./errors";
import { isDns1123Label } from "./names";
import { checkPod } from "./pod";

type ObjectMeta = NonNullable<IPod["metadata"]>;

/** A manifest that is not a readable Pod at all: bad YAML, another kind, no name. */
export class ManifestError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ManifestError";
    }
}

/** The Secret a written manifest takes its secret env values from. */
export function manifestSecretName(podName: string): string {
    return `${podName}-env`;
}

/**
 * The key of one secret env value in that Secret. The container's name is in
 * it because two containers may have a variable of the same name with
 * different values; both names are already valid Secret key characters.
 */
export function manifestSecretKey(containerName: string, variable: string): string {
    return `${containerName}.${variable}`;
}

// Where the kubelet mounts the service-account token; a cluster adds the mount.
const SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/** The path of a field under `path`; keys that are not identifiers are quoted. */
function at(path: string, key: string): string {
    const field = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    return path ? `${path}${field}` : field.slice(1);
}

/** Refused and ignored fields met while a manifest is mapped. */
class Walk {
    readonly problems = new Problems();
    readonly ignored: string[] = [];
    refuse(path: string, why: string): void {
        this.problems.add(path, why);
    }
    ignore(path: string): void {
        this.ignored.push(path);
    }
    /** Refuses every key left in `rest`, with the reason the table gives (or "unknown"). */
    refuseRest<T extends object>(path: string, rest: T, reasons: Reasons<T>): void {
        for (const key of Object.keys(rest)) {
            const why = (reasons as Record<string, string>)[key];
            this.refuse(at(path, key), why ?? "is not a Pod field dockerpod knows: remove it (check its spelling)");
        }
    }
}

/**
 * A reason for every field of T. The tables below are typed with the fields a
 * mapper did not take, so a field the Kubernetes types add cannot go unhandled.
 */
type Reasons<T> = { [K in keyof T]-?: string };

/** A plain object (not an array), as JSON and YAML give. */
function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A copy without null-valued keys: in Kubernetes `field: null` means the field is unset. */
function dropNulls(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(dropNulls);
    if (!isObject(value)) return value;
    const result: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
        if (v !== null) result[key] = dropNulls(v);
    }
    return result;
}

/** Drops keys whose value is undefined, so that mapped objects hold only what was there. */
function compact<T extends object>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function parseYaml(text: string): unknown {
    const docs = parseAllDocuments(text);
    for (const doc of docs) {
        const error = doc.errors[0];
        if (error) {
            // The yaml package's message is "<reason> at line L, column C:\n\n<code frame>".
            const [reason, frame] = error.message.split(/ at line \d+, column \d+:\n/);
            const pos = error.linePos?.[0];
            throw new ManifestError(`manifest: YAML syntax error at line ${pos?.line ?? "?"}: ${reason}` +
                `${pos ? ` (column ${pos.col})` : ""}${frame ? `\n${frame.replace(/\n+$/, "")}` : ""}`);
        }
    }
    const content = docs.filter((doc) => doc.contents !== null);
    if (content.length === 0) throw new ManifestError("manifest: the YAML text is empty: give one Pod manifest (apiVersion: v1, kind: Pod)");
    if (content.length > 1) {
        throw new ManifestError(`manifest: the YAML text has ${content.length} documents: give one Pod manifest, without other documents`);
    }
    return content[0].toJS();
}

/** Checks the object against the Kubernetes Pod schema (kubernetes-models), as the API server would. */
function checkSchema(podName: string, obj: Record<string, unknown>): void {
    try {
        new Pod(obj as unknown as IPod).validate();
    } catch (error) {
        const errors = (error as { errors?: SchemaError[] }).errors;
        if (!Array.isArray(errors)) throw error;
        throw new PodSpecError(podName, schemaProblems(errors));
    }
}

interface SchemaError {
    instancePath: string;
    keyword: string;
    params: Record<string, unknown>;
    message?: string;
}

/** One problem per field from ajv's errors; int-or-string fields give several, merged here. */
function schemaProblems(errors: SchemaError[]): SpecProblem[] {
    const byPath = new Map<string, { types: string[]; messages: string[] }>();
    for (const e of errors) {
        let path = e.instancePath.split("/").slice(1)
            .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
            .reduce((p, part) => (/^\d+$/.test(part) ? `${p}[${part}]` : at(p, part)), "");
        let message = e.message ?? e.keyword;
        if (e.keyword === "required") {
            path = at(path, String(e.params.missingProperty));
            message = "is required";
        }
        const entry = byPath.get(path) ?? { types: [], messages: [] };
        byPath.set(path, entry);
        if (e.keyword === "type") entry.types.push(String(e.params.type));
        else if (e.keyword !== "oneOf" && e.keyword !== "anyOf") entry.messages.push(message);
    }
    return [...byPath].map(([path, { types, messages }]) => ({
        path,
        message: [...(types.length ? [`must be of type ${types.join(" or ")}`] : []), ...messages].join("; ") +
            " (Kubernetes Pod schema)",
    }));
}

/** A quantity as a string: YAML gives `cpu: 2` or `memory: 1073741824` as numbers. */
function quantity(value: string | number): string {
    return typeof value === "number" ? String(value) : value;
}

function mapResourceList(w: Walk, path: string, list: Record<string, string | number>): ResourceList {
    const { memory, cpu, ...rest } = list;
    for (const key of Object.keys(rest)) {
        w.refuse(at(path, key), "is not supported: only memory and cpu can be limited on Docker");
    }
    return compact({
        memory: memory !== undefined ? quantity(memory) : undefined,
        cpu: cpu !== undefined ? quantity(cpu) : undefined,
    });
}

function mapResources(w: Walk, path: string, r: IResourceRequirements): ResourceRequirements {
    const { limits, requests, ...rest } = r;
    w.refuseRest(path, rest, {
        claims: "is not supported: dockerpod has no dynamic resource allocation",
    });
    return compact({
        limits: limits && mapResourceList(w, at(path, "limits"), limits),
        requests: requests && mapResourceList(w, at(path, "requests"), requests),
    });
}

const NON_EXEC_PROBE = "is not supported: only exec probes are (a Docker healthcheck runs a command); " +
    "write e.g. exec: {command: [wget, -q, --spider, http://localhost/]}";

function mapProbe(w: Walk, path: string, p: IProbe): Probe {
    const { exec, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold, successThreshold, ...rest } = p;
    w.refuseRest(path, rest, {
        httpGet: NON_EXEC_PROBE,
        tcpSocket: NON_EXEC_PROBE,
        grpc: NON_EXEC_PROBE,
        terminationGracePeriodSeconds: "is not supported: a probe's failure never kills the container on Docker",
    });
    // 1 is Kubernetes' default (and all it allows for some probes); Docker is healthy after one success.
    if (successThreshold === 1) w.ignore(at(path, "successThreshold"));
    else if (successThreshold !== undefined) w.refuse(at(path, "successThreshold"), "is not supported: Docker counts a container healthy after one success; remove it or set 1");
    if (exec) {
        const { command, ...execRest } = exec;
        w.refuseRest(at(path, "exec"), execRest, {});
        if (command === undefined) w.refuse(at(at(path, "exec"), "command"), "is required: the command the probe runs");
    } else if (Object.keys(rest).length === 0) {
        w.refuse(at(path, "exec"), "is required: only exec probes are supported");
    }
    return compact({
        exec: { command: exec?.command ?? [] },
        initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold,
    });
}

/** A seccomp or AppArmor profile: only RuntimeDefault (Docker's default profile) is accepted, and ignored. */
function ignoreDefaultProfiles(w: Walk, path: string, profiles: [string, { type?: string } | undefined][]): void {
    for (const [key, profile] of profiles) {
        if (profile === undefined) continue;
        if (profile.type === "RuntimeDefault" && Object.keys(profile).length === 1) w.ignore(at(path, key));
        else w.refuse(at(path, key), "is not supported: only type RuntimeDefault is (Docker's default profile)");
    }
}

function mapSecurityContext(w: Walk, path: string, sc: ISecurityContext): SecurityContext {
    const {
        runAsUser, runAsGroup, runAsNonRoot, privileged, readOnlyRootFilesystem, allowPrivilegeEscalation, capabilities,
        seccompProfile, appArmorProfile, procMount, ...rest
    } = sc;
    w.refuseRest(path, rest, {
        seLinuxOptions: "is not supported: dockerpod sets no SELinux labels",
        windowsOptions: "is not supported: dockerpod runs Linux containers",
    });
    // runAsNonRoot without runAsUser is checked against the image's user at `up`; privileged
    // passes through, for checkPod to refuse unless host.allowPrivileged is set.
    ignoreDefaultProfiles(w, path, [["seccompProfile", seccompProfile], ["appArmorProfile", appArmorProfile]]);
    if (procMount === "Default") w.ignore(at(path, "procMount"));
    else if (procMount !== undefined) w.refuse(at(path, "procMount"), "is not supported: only Default is");
    let caps: SecurityContext["capabilities"];
    if (capabilities) {
        const { add, drop, ...capRest } = capabilities;
        w.refuseRest(at(path, "capabilities"), capRest, {});
        caps = compact({ add, drop });
    }
    return compact({
        runAsUser, runAsGroup, runAsNonRoot, privileged, readOnlyRootFilesystem, allowPrivilegeEscalation, capabilities: caps,
    });
}

const NO_SELINUX = "is not supported: dockerpod sets no SELinux labels";

/**
 * The pod-level securityContext: runAsUser, runAsGroup and runAsNonRoot are
 * the pod's defaults (each container's own settings win). Returns undefined
 * when none of them is set.
 */
function mapPodSecurityContext(w: Walk, sc: IPodSecurityContext): SecurityContext | undefined {
    const path = "spec.securityContext";
    const { runAsUser, runAsGroup, runAsNonRoot, seccompProfile, appArmorProfile, supplementalGroupsPolicy, ...rest } = sc;
    w.refuseRest(path, rest, {
        fsGroup: "is not supported: Docker does not change the ownership of volumes; chown the hostPath directory, " +
            "or set runAsUser/runAsGroup to its owner",
        fsGroupChangePolicy: "is not supported: Docker does not change the ownership of volumes",
        supplementalGroups: "is not supported: dockerpod adds no groups; the image's /etc/group memberships apply",
        sysctls: "is not supported: dockerpod sets no sysctls",
        seLinuxOptions: NO_SELINUX,
        seLinuxChangePolicy: NO_SELINUX,
        windowsOptions: "is not supported: dockerpod runs Linux containers",
    });
    ignoreDefaultProfiles(w, path, [["seccompProfile", seccompProfile], ["appArmorProfile", appArmorProfile]]);
    // Merge (the default) keeps the groups of the image's /etc/group, as Docker does.
    if (supplementalGroupsPolicy === "Merge") w.ignore(at(path, "supplementalGroupsPolicy"));
    else if (supplementalGroupsPolicy !== undefined) {
        w.refuse(at(path, "supplementalGroupsPolicy"), "\"Strict\" is not supported: Docker keeps the groups of the image's /etc/group");
    }
    // `securityContext: {}` is what a cluster writes when none was given.
    if (Object.keys(sc).length === 0) w.ignore(path);
    const mapped = compact({ runAsUser, runAsGroup, runAsNonRoot });
    return Object.keys(mapped).length > 0 ? mapped : undefined;
}

function mapDnsConfig(w: Walk, dc: IPodDNSConfig): PodDNSConfig {
    const path = "spec.dnsConfig";
    const { nameservers, searches, options, ...rest } = dc;
    w.refuseRest(path, rest, {});
    return compact({
        nameservers,
        searches,
        options: options?.map((o, i) => {
            const { name, value, ...oRest } = o;
            w.refuseRest(`${path}.options[${i}]`, oRest, {});
            if (name === undefined) w.refuse(`${path}.options[${i}].name`, "is required: the resolver option, e.g. ndots");
            return compact({ name: name as string, value });
        }),
    });
}

function mapHostAlias(w: Walk, path: string, h: IHostAlias): HostAlias {
    const { ip, hostnames, ...rest } = h;
    w.refuseRest(path, rest, {});
    // An alias without hostnames passes through, for checkPod to refuse with its own message.
    return { ip, hostnames: hostnames ?? [] };
}

function mapEnv(w: Walk, path: string, podName: string, e: IEnvVar): EnvVar {
    const { name, value, valueFrom, ...rest } = e;
    w.refuseRest(path, rest, {});
    if (valueFrom !== undefined) {
        const ref = valueFrom.secretKeyRef;
        w.refuse(at(path, "valueFrom"), ref?.name === manifestSecretName(podName)
            ? `is a secret value dockerpod wrote out (Secret "${ref.name}", key "${ref.key}"); a manifest cannot carry it: ` +
              "pass the pod's args, with the secret value, instead of the manifest"
            : "is not supported: only literal values are; put the value in `value` (a secret value belongs in the DockerPod args, as a secret Input)");
    }
    // An env var without a value is set to the empty string, as in Kubernetes.
    return { name, value: value ?? "" };
}

function mapPort(w: Walk, path: string, p: IContainerPort): ContainerPort {
    const { containerPort, hostPort, hostIP, protocol, name, ...rest } = p;
    w.refuseRest(path, rest, {});
    // SCTP passes through for checkPod to refuse with its own message.
    return compact({ containerPort, hostPort, hostIP, protocol: protocol as Protocol | undefined, name });
}

function mapVolumeMount(w: Walk, path: string, m: IVolumeMount): VolumeMount {
    const { name, mountPath, readOnly, ...rest } = m;
    w.refuseRest(path, rest, {
        subPath: "is not supported: mount the whole volume, or a hostPath volume of the sub-directory",
        subPathExpr: "is not supported: mount the whole volume",
        mountPropagation: "is not supported: Docker mounts are private",
        recursiveReadOnly: "is not supported: readOnly is what Docker offers",
    });
    return compact({ name, mountPath, readOnly });
}

function mapContainer(w: Walk, path: string, podName: string, c: IContainer, tokenVolumes: Set<string>): Container {
    const {
        name, image, imagePullPolicy, command, args, env, ports, resources, volumeMounts, workingDir,
        readinessProbe, livenessProbe, startupProbe, securityContext,
        terminationMessagePath, terminationMessagePolicy, stdin, stdinOnce, tty, ...rest
    } = c;
    w.refuseRest(path, rest, {
        envFrom: "is not supported: list each variable under env with a literal value",
        lifecycle: "is not supported: Docker has no postStart/preStop hooks; run the command in the container's entrypoint",
        resizePolicy: "is not supported: dockerpod updates resources in place without restart policies",
        restartPolicy: "is not supported: sidecar init containers (restartPolicy Always) are not; make it an app container",
        volumeDevices: "is not supported: dockerpod has no block-device volumes",
    });
    if (image === undefined) w.refuse(at(path, "image"), "is required: name the image, e.g. \"nginx:alpine\"");
    // The kubelet's defaults, written by every cluster; Docker keeps no termination message.
    if (terminationMessagePath === "/dev/termination-log") w.ignore(at(path, "terminationMessagePath"));
    else if (terminationMessagePath !== undefined) w.refuse(at(path, "terminationMessagePath"), "is not supported: Docker keeps no termination message");
    if (terminationMessagePolicy === "File") w.ignore(at(path, "terminationMessagePolicy"));
    else if (terminationMessagePolicy !== undefined) w.refuse(at(path, "terminationMessagePolicy"), "is not supported: Docker keeps no termination message");
    for (const [key, value] of [["stdin", stdin], ["stdinOnce", stdinOnce], ["tty", tty]] as const) {
        if (value === false) w.ignore(at(path, key));
        else if (value !== undefined) w.refuse(at(path, key), "is not supported: dockerpod containers run detached, without a terminal or stdin");
    }
    // The service-account token mount a cluster adds goes with its volume.
    const mounts = (volumeMounts ?? []).flatMap((m, i) => {
        const mPath = `${path}.volumeMounts[${i}]`;
        if (tokenVolumes.has(m.name)) {
            if (m.mountPath === SERVICE_ACCOUNT_PATH) {
                w.ignore(mPath);
            } else {
                w.refuse(mPath, "mounts the cluster's service-account token volume, which a Docker host does not have");
            }
            return [];
        }
        return [mapVolumeMount(w, mPath, m)];
    });
    return compact({
        name,
        image: image as string,
        imagePullPolicy: imagePullPolicy as ImagePullPolicy | undefined,
        command,
        args,
        env: env?.map((e, i) => mapEnv(w, `${path}.env[${i}]`, podName, e)),
        ports: ports?.map((p, i) => mapPort(w, `${path}.ports[${i}]`, p)),
        resources: resources && mapResources(w, at(path, "resources"), resources),
        volumeMounts: volumeMounts && (mounts.length > 0 || volumeMounts.length === 0) ? mounts : undefined,
        workingDir,
        readinessProbe: readinessProbe && mapProbe(w, at(path, "readinessProbe"), readinessProbe),
        // Passed through: checkPod refuses them, with its own explanation.
        livenessProbe: livenessProbe && mapProbe(w, at(path, "livenessProbe"), livenessProbe),
        startupProbe: startupProbe && mapProbe(w, at(path, "startupProbe"), startupProbe),
        securityContext: securityContext && mapSecurityContext(w, at(path, "securityContext"), securityContext),
    });
}

/** The token volume a cluster adds to every pod (`kube-api-access-*`, or `default-token-*` before 1.21). */
function isTokenVolume(v: IVolume): boolean {
    const keys = Object.keys(v).filter((k) => k !== "name");
    return keys.length === 1 && (
        (v.name.startsWith("kube-api-access-") && v.projected !== undefined) ||
        (v.name.startsWith("default-token-") && v.secret !== undefined));
}

const VOLUME_SOURCE = "is not supported: only emptyDir and hostPath volumes are";
const FILES_VOLUME = `${VOLUME_SOURCE}; put the files in a host directory and mount it as a hostPath volume`;

function mapVolume(w: Walk, path: string, v: IVolume): Volume {
    const { name, emptyDir, hostPath, ...rest } = v;
    w.refuseRest(path, rest, {
        awsElasticBlockStore: VOLUME_SOURCE, azureDisk: VOLUME_SOURCE, azureFile: VOLUME_SOURCE, cephfs: VOLUME_SOURCE,
        cinder: VOLUME_SOURCE, configMap: FILES_VOLUME, csi: VOLUME_SOURCE, downwardAPI: FILES_VOLUME,
        ephemeral: VOLUME_SOURCE, fc: VOLUME_SOURCE, flexVolume: VOLUME_SOURCE, flocker: VOLUME_SOURCE,
        gcePersistentDisk: VOLUME_SOURCE, gitRepo: FILES_VOLUME, glusterfs: VOLUME_SOURCE, image: VOLUME_SOURCE,
        iscsi: VOLUME_SOURCE, nfs: VOLUME_SOURCE, persistentVolumeClaim: `${VOLUME_SOURCE}; use a hostPath volume for lasting data`,
        photonPersistentDisk: VOLUME_SOURCE, portworxVolume: VOLUME_SOURCE, projected: FILES_VOLUME,
        quobyte: VOLUME_SOURCE, rbd: VOLUME_SOURCE, scaleIO: VOLUME_SOURCE, secret: FILES_VOLUME,
        storageos: VOLUME_SOURCE, vsphereVolume: VOLUME_SOURCE,
    });
    let emptyDirArgs: Volume["emptyDir"];
    if (emptyDir) {
        const { medium, sizeLimit, ...edRest } = emptyDir;
        w.refuseRest(at(path, "emptyDir"), edRest, {});
        if (sizeLimit !== undefined) w.refuse(at(at(path, "emptyDir"), "sizeLimit"), "is not supported: Docker volumes have no size limit");
        // medium passes through: checkPod refuses Memory with its own message.
        emptyDirArgs = compact({ medium });
    }
    let hostPathArgs: Volume["hostPath"];
    if (hostPath) {
        const { path: hostDir, type, ...hpRest } = hostPath;
        w.refuseRest(at(path, "hostPath"), hpRest, {});
        // A cluster writes type "" (no check); other types check or create the path, which a bind mount does not.
        if (type === "") w.ignore(at(at(path, "hostPath"), "type"));
        else if (type !== undefined) w.refuse(at(at(path, "hostPath"), "type"), `"${type}" is not supported: Docker bind-mounts the path as it is (it must exist); remove type`);
        hostPathArgs = { path: hostDir };
    }
    return compact({ name, emptyDir: emptyDirArgs, hostPath: hostPathArgs });
}

/** The tolerations every cluster adds: evict after 300 s on a not-ready or unreachable node. */
function isDefaultToleration(t: IToleration): boolean {
    return (t.key === "node.kubernetes.io/not-ready" || t.key === "node.kubernetes.io/unreachable") &&
        t.operator === "Exists" && t.effect === "NoExecute" && t.tolerationSeconds === 300 &&
        Object.keys(t).length === 4;
}

const SCHEDULING = "is not supported: a DockerPod runs on the one Docker host it is given; remove it";

/** Maps the PodSpec; `path` is "spec". */
function mapSpec(w: Walk, podName: string, spec: IPodSpec): DockerPodArgs {
    const {
        containers, initContainers, volumes, hostname, shareProcessNamespace, hostNetwork, hostIPC, hostPID,
        restartPolicy, terminationGracePeriodSeconds, resources,
        nodeName, dnsPolicy, schedulerName, serviceAccount, serviceAccountName, automountServiceAccountToken,
        enableServiceLinks, preemptionPolicy, priority, overhead, tolerations, securityContext, os, hostUsers,
        setHostnameAsFQDN, dnsConfig, hostAliases, ...rest
    } = spec;
    w.refuseRest("spec", rest, {
        activeDeadlineSeconds: "is not supported: dockerpod does not stop pods after a deadline",
        affinity: SCHEDULING,
        ephemeralContainers: "is not supported: use `docker exec` on the host to debug",
        imagePullSecrets: "is not supported: put the registry's credentials on the docker provider (registryAuth), pass it in the pod's providers, and remove it",
        nodeSelector: SCHEDULING,
        priorityClassName: SCHEDULING,
        readinessGates: "is not supported: only container readiness probes are",
        resourceClaims: "is not supported: dockerpod has no dynamic resource allocation",
        runtimeClassName: "is not supported: containers use the Docker daemon's default runtime",
        schedulingGates: SCHEDULING,
        subdomain: "is not supported: there is no cluster DNS on a Docker host",
        topologySpreadConstraints: SCHEDULING,
    });

    // What a cluster fills in: ignored whatever the value, as nothing on a Docker host reads it.
    const filledIn = { nodeName, automountServiceAccountToken, enableServiceLinks, preemptionPolicy, overhead };
    for (const [key, value] of Object.entries(filledIn)) {
        if (value !== undefined) w.ignore(at("spec", key));
    }
    // Ignored only at the values a cluster writes by default or that a Docker host does anyway.
    const ignoreIf = (key: string, value: unknown, harmless: (v: unknown) => boolean, why: string) => {
        if (value === undefined) return;
        if (harmless(value)) w.ignore(at("spec", key));
        else w.refuse(at("spec", key), why);
    };
    // "None" (only dnsConfig's settings) is what Docker does when name servers are given: honoured then.
    // Other policies name the cluster's DNS, which a Docker host does not have: the host's DNS is used.
    if (dnsPolicy === "None") {
        if ((dnsConfig?.nameservers ?? []).length === 0) {
            w.refuse("spec.dnsPolicy", "\"None\" needs the pod's name servers in spec.dnsConfig.nameservers; " +
                "or remove dnsPolicy to use the Docker host's DNS settings");
        }
    } else if (dnsPolicy !== undefined) {
        w.ignore("spec.dnsPolicy");
    }
    ignoreIf("schedulerName", schedulerName, (v) => v === "default-scheduler", SCHEDULING);
    const noAccount = "is not supported: a Docker host has no Kubernetes API, so no service account but \"default\"";
    ignoreIf("serviceAccount", serviceAccount, (v) => v === "default", noAccount);
    ignoreIf("serviceAccountName", serviceAccountName, (v) => v === "default", noAccount);
    ignoreIf("priority", priority, (v) => v === 0, SCHEDULING);
    ignoreIf("os", os, (v) => isObject(v) && v.name === "linux" && Object.keys(v).length === 1,
        "is not supported: dockerpod runs Linux containers");
    ignoreIf("hostUsers", hostUsers, (v) => v === true, "false is not supported: dockerpod uses no user namespaces");
    ignoreIf("setHostnameAsFQDN", setHostnameAsFQDN, (v) => v === false, "is not supported: there is no cluster DNS on a Docker host");
    (tolerations ?? []).forEach((t, i) => {
        if (isDefaultToleration(t)) w.ignore(`spec.tolerations[${i}]`);
        else w.refuse(`spec.tolerations[${i}]`, SCHEDULING);
    });
    // Known first, so that the containers' mounts of the token volume are ignored with it.
    const tokenVolumes = new Set((volumes ?? []).filter(isTokenVolume).map((v) => v.name));
    const mappedContainers = (containers ?? []).map((c, i) => mapContainer(w, `spec.containers[${i}]`, podName, c, tokenVolumes));
    const mappedInits = initContainers?.map((c, i) => mapContainer(w, `spec.initContainers[${i}]`, podName, c, tokenVolumes));
    const mappedVolumes = (volumes ?? []).flatMap((v, i) => {
        if (tokenVolumes.has(v.name)) {
            w.ignore(`spec.volumes[${i}]`);
            return [];
        }
        return [mapVolume(w, `spec.volumes[${i}]`, v)];
    });

    let podResources: DockerPodArgs["resources"];
    if (resources !== undefined) {
        // Pod-level resources (Kubernetes 1.32+): the limits are dockerpod's pod-wide limits.
        const { limits, ...resRest } = resources;
        w.refuseRest("spec.resources", resRest, {
            requests: "is not supported: dockerpod enforces pod-wide limits only; set requests on the containers",
            claims: "is not supported: dockerpod has no dynamic resource allocation",
        });
        podResources = compact({ limits: limits && mapResourceList(w, "spec.resources.limits", limits) });
    }

    return compact({
        containers: mappedContainers,
        initContainers: mappedInits,
        volumes: volumes && (mappedVolumes.length > 0 || volumes.length === 0) ? mappedVolumes : undefined,
        hostname, shareProcessNamespace, hostNetwork, hostIPC, hostPID,
        restartPolicy: restartPolicy as RestartPolicy | undefined,
        terminationGracePeriodSeconds,
        resources: podResources,
        securityContext: securityContext && mapPodSecurityContext(w, securityContext),
        dnsConfig: dnsConfig && mapDnsConfig(w, dnsConfig),
        hostAliases: hostAliases?.map((h, i) => mapHostAlias(w, `spec.hostAliases[${i}]`, h)),
    });
}

/** Maps metadata: the name and labels; the rest is the cluster's bookkeeping, or annotations. */
function mapMetadata(w: Walk, meta: ObjectMeta): Record<string, string> | undefined {
    const {
        name, labels, annotations, generateName, namespace, uid, resourceVersion, creationTimestamp, managedFields,
        generation, selfLink, ownerReferences, finalizers, deletionTimestamp, deletionGracePeriodSeconds, ...rest
    } = meta;
    w.refuseRest("metadata", rest, {});
    const cluster = {
        generateName, namespace, uid, resourceVersion, creationTimestamp, managedFields, generation, selfLink,
        ownerReferences, finalizers, deletionTimestamp, deletionGracePeriodSeconds,
    };
    for (const [key, value] of Object.entries(cluster)) {
        if (value !== undefined) w.ignore(at("metadata", key));
    }
    // Annotations change nothing on a Docker host (kubectl's last-applied-configuration is the usual one).
    for (const key of Object.keys(annotations ?? {})) w.ignore(at("metadata.annotations", key));
    return labels;
}

/**
 * Reads a Kubernetes v1 Pod manifest (YAML text or an object) into DockerPodArgs.
 * `overrides` (typically host, sandboxImage, podName: what a Pod has no field
 * for) replace the manifest's fields one by one. Returns the pod's name (the
 * resource name to give the DockerPod), its args, and its warnings: at most one
 * listing the fields ignored, and, for a manifest manifestFromArgs wrote, one
 * naming the Docker-host-only fields it left out that the overrides do not
 * give. Throws ManifestError when the input is not a Pod manifest, and
 * PodSpecError (listing every field) for schema errors or for fields that
 * cannot be honoured.
 */
export function podArgsFromManifest(
    manifest: string | object, overrides?: Partial<DockerPodArgs>,
): { name: string; args: DockerPodArgs; warnings: string[] } {
    const raw = typeof manifest === "string" ? parseYaml(manifest) : manifest;
    if (!isObject(raw)) {
        throw new ManifestError(`manifest: expected a Pod manifest (a mapping with apiVersion: v1 and kind: Pod), got ${Array.isArray(raw) ? "a list" : JSON.stringify(raw)}`);
    }
    const obj = dropNulls(raw) as Record<string, unknown>;
    if (obj.kind !== "Pod") {
        throw new ManifestError(obj.kind === undefined
            ? "manifest: kind is missing: a Pod manifest has apiVersion: v1 and kind: Pod"
            : `manifest: kind is ${JSON.stringify(obj.kind)}, but only a Pod (apiVersion: v1, kind: Pod) can become a DockerPod` +
              (obj.kind === "List" ? ": take one item of the list" : ": for a workload, copy its pod template (spec.template) into a Pod manifest"));
    }
    if (obj.apiVersion !== "v1") {
        throw new ManifestError(`manifest: apiVersion is ${JSON.stringify(obj.apiVersion)}: a Pod is apiVersion: v1`);
    }
    const name = isObject(obj.metadata) ? obj.metadata.name : undefined;
    if (name === undefined || name === "") {
        throw new ManifestError("manifest: metadata.name is required: the pod's name (generateName is not supported: a DockerPod needs a fixed name)");
    }
    if (typeof name !== "string" || !isDns1123Label(name)) {
        throw new ManifestError(`manifest: metadata.name ${JSON.stringify(name)} is not a valid pod name: use a DNS-1123 label ` +
            "(lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)");
    }
    checkSchema(name, obj);

    const pod = obj as unknown as IPod;
    const w = new Walk();
    const { apiVersion, kind, metadata, spec, status, ...rest } = pod;
    w.refuseRest("", rest, {});
    if (status !== undefined) w.ignore("status");
    const labels = mapMetadata(w, metadata!);
    if (spec === undefined) w.refuse("spec", "is required: a Pod needs spec.containers");
    const mapped = mapSpec(w, name, spec ?? { containers: [] });
    w.problems.throwIfAny(name);

    const args: DockerPodArgs = compact({ ...mapped, labels, podName: name });
    for (const [key, value] of Object.entries(overrides ?? {})) {
        if (value !== undefined) (args as unknown as Record<string, unknown>)[key] = value;
    }
    const warnings = w.ignored.length === 0 ? [] : [
        `manifest: ignored ${w.ignored.length} field(s) that a cluster fills in or that change nothing on a Docker host: ` +
        w.ignored.join(", "),
    ];
    // A manifest dockerpod wrote names what it left out: say so, unless the args give it again.
    const left = typeof manifest === "string" ? notCarriedIn(manifest) : [];
    const missing = left.filter((field) => {
        const top = field.replace(/\[.*$/, "") as keyof DockerPodArgs;
        return (overrides ?? {})[top] === undefined;
    });
    if (missing.length > 0) {
        warnings.push(`manifest: written by dockerpod without ${missing.join(", ")} (Docker-host only): ` +
            "the pod has them only if the args give them again");
    }
    return { name, args, warnings };
}

/** The fields named by the `# dockerpod: not carried: ...` line manifestFromArgs writes first, if any. */
function notCarriedIn(text: string): string[] {
    const match = /^# dockerpod: not carried: (.*) \(Docker-host only\)$/m.exec(text.split("\n", 1)[0]);
    return match ? match[1].split(", ") : [];
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

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
