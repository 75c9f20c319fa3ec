// Reading a Kubernetes v1 Pod manifest into DockerPodArgs (rules: ./index.ts).
import { parseAllDocuments } from "yaml";
import { Pod } from "kubernetes-models/v1/Pod";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IContainerPort } from "kubernetes-models/v1/ContainerPort";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { ILifecycle } from "kubernetes-models/v1/Lifecycle";
import type { ILifecycleHandler } from "kubernetes-models/v1/LifecycleHandler";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IPodDNSConfig } from "kubernetes-models/v1/PodDNSConfig";
import type { IHostAlias } from "kubernetes-models/v1/HostAlias";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import {
    Container,
    ContainerPort,
    DockerPodArgs,
    EnvVar,
    HostAlias,
    ImagePullPolicy,
    PodDNSConfig,
    Probe,
    Lifecycle,
    LifecycleHandler,
    Protocol,
    ResourceList,
    ResourceRequirements,
    RestartPolicy,
    SecurityContext,
    Volume,
    VolumeMount,
} from "../../types";
import { Problems, PodSpecError, SpecProblem } from "../errors";
import { isDns1123Label } from "../names";
import { ManifestError, compact, isObject, manifestSecretName } from "./common";

type ObjectMeta = NonNullable<IPod["metadata"]>;

// Where the kubelet mounts the service-account token; a cluster adds the mount.
const SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The path of a field under `path`; keys that are not identifiers are quoted. */
function fieldPath(path: string, key: string): string {
    const field = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    return path ? `${path}${field}` : field.slice(1);
}

/** What reading a manifest found: the fields it refuses and the fields it ignores. */
class Findings {
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
            this.refuse(fieldPath(path, key), why ?? "is not a Pod field dockerpod knows: remove it (check its spelling)");
        }
    }
}

/**
 * A reason for every field of T. The tables below are typed with the fields a
 * mapper did not take, so a field the Kubernetes types add cannot go unhandled.
 */
type Reasons<T> = { [K in keyof T]-?: string };

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

function parseYaml(text: string): unknown {
    const docs = parseAllDocuments(text);
    for (const doc of docs) {
        const error = doc.errors[0];
        if (error) {
            // The yaml package's message is "<reason> at line L, column C:\n\n<code frame>".
            const [reason, frame] = error.message.split(/ at line \d+, column \d+:\n/);
            const pos = error.linePos?.[0];
            throw new ManifestError(
                `manifest: YAML syntax error at line ${pos?.line ?? "?"}: ${reason}` +
                    `${pos ? ` (column ${pos.col})` : ""}${frame ? `\n${frame.replace(/\n+$/, "")}` : ""}`,
            );
        }
    }
    const content = docs.filter((doc) => doc.contents !== null);
    if (content.length === 0)
        throw new ManifestError("manifest: the YAML text is empty: give one Pod manifest (apiVersion: v1, kind: Pod)");
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
        let path = e.instancePath
            .split("/")
            .slice(1)
            .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
            .reduce((p, part) => (/^\d+$/.test(part) ? `${p}[${part}]` : fieldPath(p, part)), "");
        let message = e.message ?? e.keyword;
        if (e.keyword === "required") {
            path = fieldPath(path, String(e.params.missingProperty));
            message = "is required";
        }
        const entry = byPath.get(path) ?? { types: [], messages: [] };
        byPath.set(path, entry);
        if (e.keyword === "type") entry.types.push(String(e.params.type));
        else if (e.keyword !== "oneOf" && e.keyword !== "anyOf") entry.messages.push(message);
    }
    return [...byPath].map(([path, { types, messages }]) => ({
        path,
        message: [...(types.length ? [`must be of type ${types.join(" or ")}`] : []), ...messages].join("; ") + " (Kubernetes Pod schema)",
    }));
}

/** A quantity as a string: YAML gives `cpu: 2` or `memory: 1073741824` as numbers. */
function quantity(value: string | number): string {
    return typeof value === "number" ? String(value) : value;
}

function mapResourceList(found: Findings, path: string, list: Record<string, string | number>): ResourceList {
    const { memory, cpu, ...rest } = list;
    for (const key of Object.keys(rest)) {
        found.refuse(fieldPath(path, key), "is not supported: only memory and cpu can be limited on Docker");
    }
    return compact({
        memory: memory !== undefined ? quantity(memory) : undefined,
        cpu: cpu !== undefined ? quantity(cpu) : undefined,
    });
}

function mapResources(found: Findings, path: string, r: IResourceRequirements): ResourceRequirements {
    const { limits, requests, ...rest } = r;
    found.refuseRest(path, rest, {
        claims: "is not supported: dockerpod has no dynamic resource allocation",
    });
    return compact({
        limits: limits && mapResourceList(found, fieldPath(path, "limits"), limits),
        requests: requests && mapResourceList(found, fieldPath(path, "requests"), requests),
    });
}

function mapLifecycle(found: Findings, path: string, l: ILifecycle): Lifecycle {
    const { postStart, preStop, ...rest } = l;
    found.refuseRest(path, rest, { stopSignal: "is not supported: Docker stops a container with its image's STOPSIGNAL" });
    const handler = (at: string, h: ILifecycleHandler | undefined): LifecycleHandler | undefined => {
        if (h === undefined) return undefined;
        const { exec, sleep, ...others } = h;
        const hookAction = "is not supported in a hook on a Docker host: use exec (a command in the container) or sleep";
        found.refuseRest(at, others, { httpGet: hookAction, tcpSocket: hookAction });
        if (exec) {
            const { command, ...execRest } = exec;
            found.refuseRest(fieldPath(at, "exec"), execRest, {});
            return { exec: { command: command ?? [] } };
        }
        return sleep ? { sleep: { seconds: sleep.seconds } } : {};
    };
    return compact({
        postStart: handler(fieldPath(path, "postStart"), postStart),
        preStop: handler(fieldPath(path, "preStop"), preStop),
    });
}

const NON_EXEC_PROBE = "is not supported: exec, httpGet and tcpSocket probes are; write e.g. httpGet: {path: /healthz, port: 8080}";

function mapProbe(found: Findings, path: string, p: IProbe): Probe {
    const { exec, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold, successThreshold, ...rest } = p;
    const { httpGet, tcpSocket, ...others } = rest;
    found.refuseRest(path, others, {
        grpc: NON_EXEC_PROBE,
        terminationGracePeriodSeconds: "is not supported: a probe's failure never kills the container on Docker",
    });
    // 1 is Kubernetes' default (and all it allows for some probes); Docker is healthy after one success.
    if (successThreshold === 1) found.ignore(fieldPath(path, "successThreshold"));
    else if (successThreshold !== undefined)
        found.refuse(
            fieldPath(path, "successThreshold"),
            "is not supported: Docker counts a container healthy after one success; remove it or set 1",
        );
    const numericPort = (at: string, port: unknown): number => {
        if (typeof port !== "number")
            found.refuse(at, `${JSON.stringify(port)} is not supported: give the port as a number (named ports are not)`);
        return port as number;
    };
    let action: Pick<Probe, "exec" | "httpGet" | "tcpSocket"> = {};
    if (exec) {
        const { command, ...execRest } = exec;
        found.refuseRest(fieldPath(path, "exec"), execRest, {});
        if (command === undefined) found.refuse(fieldPath(fieldPath(path, "exec"), "command"), "is required: the command the probe runs");
        action = { exec: { command: command ?? [] } };
    } else if (httpGet) {
        const { path: httpPath, port, scheme, ...httpRest } = httpGet;
        found.refuseRest(fieldPath(path, "httpGet"), httpRest, {
            host: "is not supported: the prober asks the pod's localhost",
            httpHeaders: "is not supported: the prober sends a plain GET",
        });
        // kubectl writes the default scheme; the prober speaks HTTP.
        if (scheme === "HTTP") found.ignore(fieldPath(fieldPath(path, "httpGet"), "scheme"));
        else if (scheme !== undefined)
            found.refuse(fieldPath(fieldPath(path, "httpGet"), "scheme"), "is not supported: the prober speaks HTTP only");
        action = { httpGet: compact({ path: httpPath, port: numericPort(fieldPath(fieldPath(path, "httpGet"), "port"), port) }) };
    } else if (tcpSocket) {
        const { port, ...tcpRest } = tcpSocket;
        found.refuseRest(fieldPath(path, "tcpSocket"), tcpRest, { host: "is not supported: the prober connects to the pod's localhost" });
        action = { tcpSocket: { port: numericPort(fieldPath(fieldPath(path, "tcpSocket"), "port"), port) } };
    } else if (Object.keys(others).length === 0) {
        found.refuse(fieldPath(path, "exec"), "is required: a probe is exec, httpGet or tcpSocket");
    }
    return compact({
        ...action,
        initialDelaySeconds,
        periodSeconds,
        timeoutSeconds,
        failureThreshold,
    });
}

/** A seccomp or AppArmor profile: only RuntimeDefault (Docker's default profile) is accepted, and ignored. */
function ignoreDefaultProfiles(found: Findings, path: string, profiles: [string, { type?: string } | undefined][]): void {
    for (const [key, profile] of profiles) {
        if (profile === undefined) continue;
        if (profile.type === "RuntimeDefault" && Object.keys(profile).length === 1) found.ignore(fieldPath(path, key));
        else found.refuse(fieldPath(path, key), "is not supported: only type RuntimeDefault is (Docker's default profile)");
    }
}

function mapSecurityContext(found: Findings, path: string, sc: ISecurityContext): SecurityContext {
    const {
        runAsUser,
        runAsGroup,
        runAsNonRoot,
        privileged,
        readOnlyRootFilesystem,
        allowPrivilegeEscalation,
        capabilities,
        seccompProfile,
        appArmorProfile,
        procMount,
        ...rest
    } = sc;
    found.refuseRest(path, rest, {
        seLinuxOptions: "is not supported: dockerpod sets no SELinux labels",
        windowsOptions: "is not supported: dockerpod runs Linux containers",
    });
    // runAsNonRoot without runAsUser is checked against the image's user at `up`; privileged
    // passes through, for checkPod to refuse unless host.allowPrivileged is set.
    ignoreDefaultProfiles(found, path, [
        ["seccompProfile", seccompProfile],
        ["appArmorProfile", appArmorProfile],
    ]);
    if (procMount === "Default") found.ignore(fieldPath(path, "procMount"));
    else if (procMount !== undefined) found.refuse(fieldPath(path, "procMount"), "is not supported: only Default is");
    let caps: SecurityContext["capabilities"];
    if (capabilities) {
        const { add, drop, ...capRest } = capabilities;
        found.refuseRest(fieldPath(path, "capabilities"), capRest, {});
        caps = compact({ add, drop });
    }
    return compact({
        runAsUser,
        runAsGroup,
        runAsNonRoot,
        privileged,
        readOnlyRootFilesystem,
        allowPrivilegeEscalation,
        capabilities: caps,
    });
}

const NO_SELINUX = "is not supported: dockerpod sets no SELinux labels";

/**
 * The pod-level securityContext: runAsUser, runAsGroup and runAsNonRoot are
 * the pod's defaults (each container's own settings win). Returns undefined
 * when none of them is set.
 */
function mapPodSecurityContext(found: Findings, sc: IPodSecurityContext): SecurityContext | undefined {
    const path = "spec.securityContext";
    const { runAsUser, runAsGroup, runAsNonRoot, seccompProfile, appArmorProfile, supplementalGroupsPolicy, ...rest } = sc;
    found.refuseRest(path, rest, {
        fsGroup:
            "is not supported: Docker does not change the ownership of volumes; chown the hostPath directory, " +
            "or set runAsUser/runAsGroup to its owner",
        fsGroupChangePolicy: "is not supported: Docker does not change the ownership of volumes",
        supplementalGroups: "is not supported: dockerpod adds no groups; the image's /etc/group memberships apply",
        sysctls: "is not supported: dockerpod sets no sysctls",
        seLinuxOptions: NO_SELINUX,
        seLinuxChangePolicy: NO_SELINUX,
        windowsOptions: "is not supported: dockerpod runs Linux containers",
    });
    ignoreDefaultProfiles(found, path, [
        ["seccompProfile", seccompProfile],
        ["appArmorProfile", appArmorProfile],
    ]);
    // Merge (the default) keeps the groups of the image's /etc/group, as Docker does.
    if (supplementalGroupsPolicy === "Merge") found.ignore(fieldPath(path, "supplementalGroupsPolicy"));
    else if (supplementalGroupsPolicy !== undefined) {
        found.refuse(
            fieldPath(path, "supplementalGroupsPolicy"),
            '"Strict" is not supported: Docker keeps the groups of the image\'s /etc/group',
        );
    }
    // `securityContext: {}` is what a cluster writes when none was given.
    if (Object.keys(sc).length === 0) found.ignore(path);
    const mapped = compact({ runAsUser, runAsGroup, runAsNonRoot });
    return Object.keys(mapped).length > 0 ? mapped : undefined;
}

function mapDnsConfig(found: Findings, dc: IPodDNSConfig): PodDNSConfig {
    const path = "spec.dnsConfig";
    const { nameservers, searches, options, ...rest } = dc;
    found.refuseRest(path, rest, {});
    return compact({
        nameservers,
        searches,
        options: options?.map((o, i) => {
            const { name, value, ...oRest } = o;
            found.refuseRest(`${path}.options[${i}]`, oRest, {});
            if (name === undefined) found.refuse(`${path}.options[${i}].name`, "is required: the resolver option, e.g. ndots");
            return compact({ name: name as string, value });
        }),
    });
}

function mapHostAlias(found: Findings, path: string, h: IHostAlias): HostAlias {
    const { ip, hostnames, ...rest } = h;
    found.refuseRest(path, rest, {});
    // An alias without hostnames passes through, for checkPod to refuse with its own message.
    return { ip, hostnames: hostnames ?? [] };
}

function mapEnv(found: Findings, path: string, podName: string, e: IEnvVar): EnvVar {
    const { name, value, valueFrom, ...rest } = e;
    found.refuseRest(path, rest, {});
    const { fieldRef, resourceFieldRef, ...otherSources } = valueFrom ?? {};
    if (valueFrom !== undefined && Object.keys(otherSources).length === 0 && (fieldRef !== undefined || resourceFieldRef !== undefined)) {
        // The downward API: passed through for checkPod, which checks the field and the resource.
        const { apiVersion, ...field } = fieldRef ?? {};
        if (apiVersion !== undefined && apiVersion !== "v1") found.refuse(fieldPath(path, "valueFrom.fieldRef.apiVersion"), "must be v1");
        // kubectl writes an unset divisor as "0".
        const divisor =
            resourceFieldRef?.divisor === undefined || String(resourceFieldRef.divisor) === "0"
                ? undefined
                : String(resourceFieldRef.divisor);
        return {
            name,
            valueFrom: compact({
                fieldRef: fieldRef && (field as { fieldPath: string }),
                resourceFieldRef:
                    resourceFieldRef &&
                    compact({ resource: resourceFieldRef.resource, divisor, containerName: resourceFieldRef.containerName }),
            }),
        };
    }
    if (valueFrom !== undefined) {
        const ref = valueFrom.secretKeyRef;
        found.refuse(
            fieldPath(path, "valueFrom"),
            ref?.name === manifestSecretName(podName)
                ? `is a secret value dockerpod wrote out (Secret "${ref.name}", key "${ref.key}"); a manifest cannot carry it: ` +
                      "pass the pod's args, with the secret value, instead of the manifest"
                : "is not supported: only literal values and the downward API (fieldRef, resourceFieldRef) are; put the value in `value` " +
                      "(a secret value belongs in the DockerPod args, as a secret Input)",
        );
    }
    // An env var without a value is set to the empty string, as in Kubernetes.
    return { name, value: value ?? "" };
}

function mapPort(found: Findings, path: string, p: IContainerPort): ContainerPort {
    const { containerPort, hostPort, hostIP, protocol, name, ...rest } = p;
    found.refuseRest(path, rest, {});
    // SCTP passes through for checkPod to refuse with its own message.
    return compact({ containerPort, hostPort, hostIP, protocol: protocol as Protocol | undefined, name });
}

function mapVolumeMount(found: Findings, path: string, m: IVolumeMount): VolumeMount {
    const { name, mountPath, readOnly, ...rest } = m;
    found.refuseRest(path, rest, {
        subPath: "is not supported: mount the whole volume, or a hostPath volume of the sub-directory",
        subPathExpr: "is not supported: mount the whole volume",
        mountPropagation: "is not supported: Docker mounts are private",
        recursiveReadOnly: "is not supported: readOnly is what Docker offers",
    });
    return compact({ name, mountPath, readOnly });
}

function mapContainer(found: Findings, path: string, podName: string, c: IContainer, tokenVolumes: Set<string>): Container {
    const {
        name,
        image,
        imagePullPolicy,
        command,
        args,
        env,
        ports,
        resources,
        volumeMounts,
        workingDir,
        readinessProbe,
        livenessProbe,
        startupProbe,
        lifecycle,
        securityContext,
        terminationMessagePath,
        terminationMessagePolicy,
        stdin,
        stdinOnce,
        tty,
        restartPolicy,
        ...rest
    } = c;
    found.refuseRest(path, rest, {
        envFrom: "is not supported: list each variable under env with a literal value",
        resizePolicy: "is not supported: dockerpod updates resources in place without restart policies",
        volumeDevices: "is not supported: dockerpod has no block-device volumes",
    });
    if (image === undefined) found.refuse(fieldPath(path, "image"), 'is required: name the image, e.g. "nginx:alpine"');
    // The kubelet's defaults, written by every cluster; Docker keeps no termination message.
    if (terminationMessagePath === "/dev/termination-log") found.ignore(fieldPath(path, "terminationMessagePath"));
    else if (terminationMessagePath !== undefined)
        found.refuse(fieldPath(path, "terminationMessagePath"), "is not supported: Docker keeps no termination message");
    if (terminationMessagePolicy === "File") found.ignore(fieldPath(path, "terminationMessagePolicy"));
    else if (terminationMessagePolicy !== undefined)
        found.refuse(fieldPath(path, "terminationMessagePolicy"), "is not supported: Docker keeps no termination message");
    for (const [key, value] of [
        ["stdin", stdin],
        ["stdinOnce", stdinOnce],
        ["tty", tty],
    ] as const) {
        if (value === false) found.ignore(fieldPath(path, key));
        else if (value !== undefined)
            found.refuse(fieldPath(path, key), "is not supported: dockerpod containers run detached, without a terminal or stdin");
    }
    // The service-account token mount a cluster adds goes with its volume.
    const mounts = (volumeMounts ?? []).flatMap((m, i) => {
        const mPath = `${path}.volumeMounts[${i}]`;
        if (tokenVolumes.has(m.name)) {
            if (m.mountPath === SERVICE_ACCOUNT_PATH) {
                found.ignore(mPath);
            } else {
                found.refuse(mPath, "mounts the cluster's service-account token volume, which a Docker host does not have");
            }
            return [];
        }
        return [mapVolumeMount(found, mPath, m)];
    });
    return compact({
        name,
        image: image as string,
        imagePullPolicy: imagePullPolicy as ImagePullPolicy | undefined,
        command,
        args,
        env: env?.map((e, i) => mapEnv(found, `${path}.env[${i}]`, podName, e)),
        ports: ports?.map((p, i) => mapPort(found, `${path}.ports[${i}]`, p)),
        resources: resources && mapResources(found, fieldPath(path, "resources"), resources),
        volumeMounts: volumeMounts && (mounts.length > 0 || volumeMounts.length === 0) ? mounts : undefined,
        workingDir,
        readinessProbe: readinessProbe && mapProbe(found, fieldPath(path, "readinessProbe"), readinessProbe),
        // Passed through: checkPod refuses them, with its own explanation.
        livenessProbe: livenessProbe && mapProbe(found, fieldPath(path, "livenessProbe"), livenessProbe),
        startupProbe: startupProbe && mapProbe(found, fieldPath(path, "startupProbe"), startupProbe),
        lifecycle: lifecycle && mapLifecycle(found, fieldPath(path, "lifecycle"), lifecycle),
        securityContext: securityContext && mapSecurityContext(found, fieldPath(path, "securityContext"), securityContext),
        // Passed through: checkPod takes Always on an init container (a sidecar) and refuses the rest.
        restartPolicy,
    });
}

/** The token volume a cluster adds to every pod (`kube-api-access-*`, or `default-token-*` before 1.21). */
function isTokenVolume(v: IVolume): boolean {
    const keys = Object.keys(v).filter((k) => k !== "name");
    return (
        keys.length === 1 &&
        ((v.name.startsWith("kube-api-access-") && v.projected !== undefined) ||
            (v.name.startsWith("default-token-") && v.secret !== undefined))
    );
}

const VOLUME_SOURCE = "is not supported: only emptyDir and hostPath volumes are";
const FILES_VOLUME = `${VOLUME_SOURCE}; put the files in a host directory and mount it as a hostPath volume`;

function mapVolume(found: Findings, path: string, v: IVolume): Volume {
    const { name, emptyDir, hostPath, ...rest } = v;
    found.refuseRest(path, rest, {
        awsElasticBlockStore: VOLUME_SOURCE,
        azureDisk: VOLUME_SOURCE,
        azureFile: VOLUME_SOURCE,
        cephfs: VOLUME_SOURCE,
        cinder: VOLUME_SOURCE,
        configMap: FILES_VOLUME,
        csi: VOLUME_SOURCE,
        downwardAPI: FILES_VOLUME,
        ephemeral: VOLUME_SOURCE,
        fc: VOLUME_SOURCE,
        flexVolume: VOLUME_SOURCE,
        flocker: VOLUME_SOURCE,
        gcePersistentDisk: VOLUME_SOURCE,
        gitRepo: FILES_VOLUME,
        glusterfs: VOLUME_SOURCE,
        image: VOLUME_SOURCE,
        iscsi: VOLUME_SOURCE,
        nfs: VOLUME_SOURCE,
        persistentVolumeClaim: `${VOLUME_SOURCE}; use a hostPath volume for lasting data`,
        photonPersistentDisk: VOLUME_SOURCE,
        portworxVolume: VOLUME_SOURCE,
        projected: FILES_VOLUME,
        quobyte: VOLUME_SOURCE,
        rbd: VOLUME_SOURCE,
        scaleIO: VOLUME_SOURCE,
        secret: FILES_VOLUME,
        storageos: VOLUME_SOURCE,
        vsphereVolume: VOLUME_SOURCE,
    });
    let emptyDirArgs: Volume["emptyDir"];
    if (emptyDir) {
        const { medium, sizeLimit, ...edRest } = emptyDir;
        found.refuseRest(fieldPath(path, "emptyDir"), edRest, {});
        if (sizeLimit !== undefined)
            found.refuse(fieldPath(fieldPath(path, "emptyDir"), "sizeLimit"), "is not supported: Docker volumes have no size limit");
        // medium passes through: checkPod refuses Memory with its own message.
        emptyDirArgs = compact({ medium });
    }
    let hostPathArgs: Volume["hostPath"];
    if (hostPath) {
        const { path: hostDir, type, ...hpRest } = hostPath;
        found.refuseRest(fieldPath(path, "hostPath"), hpRest, {});
        // A cluster writes type "" (no check); other types check or create the path, which a bind mount does not.
        if (type === "") found.ignore(fieldPath(fieldPath(path, "hostPath"), "type"));
        else if (type !== undefined)
            found.refuse(
                fieldPath(fieldPath(path, "hostPath"), "type"),
                `"${type}" is not supported: Docker bind-mounts the path as it is (it must exist); remove type`,
            );
        hostPathArgs = { path: hostDir };
    }
    return compact({ name, emptyDir: emptyDirArgs, hostPath: hostPathArgs });
}

/** The tolerations every cluster adds: evict after 300 s on a not-ready or unreachable node. */
function isDefaultToleration(t: IToleration): boolean {
    return (
        (t.key === "node.kubernetes.io/not-ready" || t.key === "node.kubernetes.io/unreachable") &&
        t.operator === "Exists" &&
        t.effect === "NoExecute" &&
        t.tolerationSeconds === 300 &&
        Object.keys(t).length === 4
    );
}

const SCHEDULING = "is not supported: a DockerPod runs on the one Docker host it is given; remove it";

/** Maps the PodSpec; `path` is "spec". */
function mapSpec(found: Findings, podName: string, spec: IPodSpec): DockerPodArgs {
    const {
        containers,
        initContainers,
        volumes,
        hostname,
        shareProcessNamespace,
        hostNetwork,
        hostIPC,
        hostPID,
        restartPolicy,
        terminationGracePeriodSeconds,
        resources,
        nodeName,
        dnsPolicy,
        schedulerName,
        serviceAccount,
        serviceAccountName,
        automountServiceAccountToken,
        enableServiceLinks,
        preemptionPolicy,
        priority,
        overhead,
        tolerations,
        securityContext,
        os,
        hostUsers,
        setHostnameAsFQDN,
        dnsConfig,
        hostAliases,
        ...rest
    } = spec;
    found.refuseRest("spec", rest, {
        activeDeadlineSeconds: "is not supported: dockerpod does not stop pods after a deadline",
        affinity: SCHEDULING,
        ephemeralContainers: "is not supported: use `docker exec` on the host to debug",
        imagePullSecrets:
            "is not supported: put the registry's credentials on the docker provider (registryAuth), pass it in the pod's providers, and remove it",
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
        if (value !== undefined) found.ignore(fieldPath("spec", key));
    }
    // Ignored only at the values a cluster writes by default or that a Docker host does anyway.
    const ignoreIf = (key: string, value: unknown, harmless: (v: unknown) => boolean, why: string) => {
        if (value === undefined) return;
        if (harmless(value)) found.ignore(fieldPath("spec", key));
        else found.refuse(fieldPath("spec", key), why);
    };
    // "None" (only dnsConfig's settings) is what Docker does when name servers are given: honoured then.
    // Other policies name the cluster's DNS, which a Docker host does not have: the host's DNS is used.
    if (dnsPolicy === "None") {
        if ((dnsConfig?.nameservers ?? []).length === 0) {
            found.refuse(
                "spec.dnsPolicy",
                '"None" needs the pod\'s name servers in spec.dnsConfig.nameservers; ' +
                    "or remove dnsPolicy to use the Docker host's DNS settings",
            );
        }
    } else if (dnsPolicy !== undefined) {
        found.ignore("spec.dnsPolicy");
    }
    ignoreIf("schedulerName", schedulerName, (v) => v === "default-scheduler", SCHEDULING);
    const noAccount = 'is not supported: a Docker host has no Kubernetes API, so no service account but "default"';
    ignoreIf("serviceAccount", serviceAccount, (v) => v === "default", noAccount);
    ignoreIf("serviceAccountName", serviceAccountName, (v) => v === "default", noAccount);
    ignoreIf("priority", priority, (v) => v === 0, SCHEDULING);
    ignoreIf(
        "os",
        os,
        (v) => isObject(v) && v.name === "linux" && Object.keys(v).length === 1,
        "is not supported: dockerpod runs Linux containers",
    );
    ignoreIf("hostUsers", hostUsers, (v) => v === true, "false is not supported: dockerpod uses no user namespaces");
    ignoreIf("setHostnameAsFQDN", setHostnameAsFQDN, (v) => v === false, "is not supported: there is no cluster DNS on a Docker host");
    (tolerations ?? []).forEach((t, i) => {
        if (isDefaultToleration(t)) found.ignore(`spec.tolerations[${i}]`);
        else found.refuse(`spec.tolerations[${i}]`, SCHEDULING);
    });
    // Known first, so that the containers' mounts of the token volume are ignored with it.
    const tokenVolumes = new Set((volumes ?? []).filter(isTokenVolume).map((v) => v.name));
    const mappedContainers = (containers ?? []).map((c, i) => mapContainer(found, `spec.containers[${i}]`, podName, c, tokenVolumes));
    const mappedInits = initContainers?.map((c, i) => mapContainer(found, `spec.initContainers[${i}]`, podName, c, tokenVolumes));
    const mappedVolumes = (volumes ?? []).flatMap((v, i) => {
        if (tokenVolumes.has(v.name)) {
            found.ignore(`spec.volumes[${i}]`);
            return [];
        }
        return [mapVolume(found, `spec.volumes[${i}]`, v)];
    });

    let podResources: DockerPodArgs["resources"];
    if (resources !== undefined) {
        // Pod-level resources (Kubernetes 1.32+): the limits are dockerpod's pod-wide limits.
        const { limits, ...resRest } = resources;
        found.refuseRest("spec.resources", resRest, {
            requests: "is not supported: dockerpod enforces pod-wide limits only; set requests on the containers",
            claims: "is not supported: dockerpod has no dynamic resource allocation",
        });
        podResources = compact({ limits: limits && mapResourceList(found, "spec.resources.limits", limits) });
    }

    return compact({
        containers: mappedContainers,
        initContainers: mappedInits,
        volumes: volumes && (mappedVolumes.length > 0 || volumes.length === 0) ? mappedVolumes : undefined,
        hostname,
        shareProcessNamespace,
        hostNetwork,
        hostIPC,
        hostPID,
        restartPolicy: restartPolicy as RestartPolicy | undefined,
        terminationGracePeriodSeconds,
        resources: podResources,
        securityContext: securityContext && mapPodSecurityContext(found, securityContext),
        dnsConfig: dnsConfig && mapDnsConfig(found, dnsConfig),
        hostAliases: hostAliases?.map((h, i) => mapHostAlias(found, `spec.hostAliases[${i}]`, h)),
    });
}

/** Metadata a cluster fills in: ignored when a manifest is read. */
const CLUSTER_METADATA = new Set([
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "managedFields",
    "generation",
    "selfLink",
    "ownerReferences",
    "finalizers",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
]);

/** Maps metadata: the name and labels; the rest is the cluster's bookkeeping, or annotations. */
function mapMetadata(found: Findings, meta: ObjectMeta): Record<string, string> | undefined {
    const { name: _name, labels, annotations, ...others } = meta;
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(others)) {
        if (!CLUSTER_METADATA.has(key)) rest[key] = value;
        else if (value !== undefined) found.ignore(fieldPath("metadata", key));
    }
    found.refuseRest("metadata", rest, {});
    // Annotations change nothing on a Docker host (kubectl's last-applied-configuration is the usual one).
    for (const key of Object.keys(annotations ?? {})) found.ignore(fieldPath("metadata.annotations", key));
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
    manifest: string | object,
    overrides?: Partial<DockerPodArgs>,
): { name: string; args: DockerPodArgs; warnings: string[] } {
    const raw = typeof manifest === "string" ? parseYaml(manifest) : manifest;
    if (!isObject(raw)) {
        throw new ManifestError(
            `manifest: expected a Pod manifest (a mapping with apiVersion: v1 and kind: Pod), got ${Array.isArray(raw) ? "a list" : JSON.stringify(raw)}`,
        );
    }
    const obj = dropNulls(raw) as Record<string, unknown>;
    if (obj.kind !== "Pod") {
        throw new ManifestError(
            obj.kind === undefined
                ? "manifest: kind is missing: a Pod manifest has apiVersion: v1 and kind: Pod"
                : `manifest: kind is ${JSON.stringify(obj.kind)}, but only a Pod (apiVersion: v1, kind: Pod) can become a DockerPod` +
                      (obj.kind === "List"
                          ? ": take one item of the list"
                          : ": for a workload, copy its pod template (spec.template) into a Pod manifest"),
        );
    }
    if (obj.apiVersion !== "v1") {
        throw new ManifestError(`manifest: apiVersion is ${JSON.stringify(obj.apiVersion)}: a Pod is apiVersion: v1`);
    }
    const name = isObject(obj.metadata) ? obj.metadata.name : undefined;
    if (name === undefined || name === "") {
        throw new ManifestError(
            "manifest: metadata.name is required: the pod's name (generateName is not supported: a DockerPod needs a fixed name)",
        );
    }
    if (typeof name !== "string" || !isDns1123Label(name)) {
        throw new ManifestError(
            `manifest: metadata.name ${JSON.stringify(name)} is not a valid pod name: use a DNS-1123 label ` +
                "(lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)",
        );
    }
    checkSchema(name, obj);

    const pod = obj as unknown as IPod;
    const found = new Findings();
    const { apiVersion: _apiVersion, kind: _kind, metadata, spec, status, ...rest } = pod;
    found.refuseRest("", rest, {});
    if (status !== undefined) found.ignore("status");
    const labels = mapMetadata(found, metadata!);
    if (spec === undefined) found.refuse("spec", "is required: a Pod needs spec.containers");
    const mapped = mapSpec(found, name, spec ?? { containers: [] });
    found.problems.throwIfAny(name);

    const args: DockerPodArgs = compact({ ...mapped, labels, podName: name });
    for (const [key, value] of Object.entries(overrides ?? {})) {
        if (value !== undefined) (args as unknown as Record<string, unknown>)[key] = value;
    }
    const warnings =
        found.ignored.length === 0
            ? []
            : [
                  `manifest: ignored ${found.ignored.length} field(s) that a cluster fills in or that change nothing on a Docker host: ` +
                      found.ignored.join(", "),
              ];
    // A manifest dockerpod wrote names what it left out: say so, unless the args give it again.
    const left = typeof manifest === "string" ? notCarriedIn(manifest) : [];
    const missing = left.filter((field) => {
        const top = field.replace(/\[.*$/, "") as keyof DockerPodArgs;
        return (overrides ?? {})[top] === undefined;
    });
    if (missing.length > 0) {
        warnings.push(
            `manifest: written by dockerpod without ${missing.join(", ")} (Docker-host only): ` +
                "the pod has them only if the args give them again",
        );
    }
    return { name, args, warnings };
}

/** The fields named by the `# dockerpod: not carried: ...` line manifestFromArgs writes first, if any. */
function notCarriedIn(text: string): string[] {
    const match = /^# dockerpod: not carried: (.*) \(Docker-host only\)$/m.exec(text.split("\n", 1)[0]);
    return match ? match[1].split(", ") : [];
}
