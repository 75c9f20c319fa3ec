// One container of a pod: its checks and its normalized spec.
import * as pulumi from "@pulumi/pulumi";
import {
    Container,
    ContainerPort,
    ContainerRestartPolicy,
    ImagePullPolicy,
    LifecycleHandler,
    PayloadContainerArgs,
    Probe,
    Protocol,
    RestartPolicy,
    SecurityContext,
    Volume,
} from "../types";
import { Problems } from "./errors";
import {
    CAPABILITY,
    ENV_NAME,
    Limits,
    checkCommand,
    checkExecCommand,
    checkLabels,
    quantityText,
    checkLimits,
    checkPodName,
    checkProbe,
    enumCheck,
    imageCheck,
    intCheck,
    isIpAddress,
    nameCheck,
    pathCheck,
} from "./checks";
import { HostSpec, checkCgroupParent, checkHost } from "./slice";
import { EnvSpec, checkEnvVar, resolveDownward } from "./downward";

export const DEFAULT_GRACE_SECONDS = 30;
import { GUARDIAN_MEMBER, SANDBOX_MEMBER, containerName, volumeName } from "./names";

export interface VolumeSpec {
    name: string;
    /** Docker volume name for emptyDir; host path for hostPath. */
    source: string;
    type: "volume" | "bind";
}

export interface PortSpec {
    /** The port's name, for the manifest (Docker has no use for it). */
    name?: string;
    containerPort: number;
    hostPort?: number;
    hostIP?: string;
    protocol: "tcp" | "udp";
}

export interface FileSpec {
    path: string;
    content: pulumi.Input<string>;
    /** Octal permission string, e.g. "0644". */
    permissions: string;
}

/** A probe with Kubernetes' defaults filled in. */
export interface ProbeSpec {
    /**
     * Where the probe runs: `container` (exec, inside the container) or `prober` (httpGet and
     * tcpSocket, from the container's prober, in the pod's network namespace).
     */
    runsIn: "container" | "prober";
    /** The command run there: the exec command, or the prober's `wget` or `nc`. */
    command: string[];
    /** The probe's action as given (checked), for manifests. */
    action: Pick<Probe, "exec" | "httpGet" | "tcpSocket">;
    initialDelaySeconds: number;
    periodSeconds: number;
    timeoutSeconds: number;
    failureThreshold: number;
}

/** A lifecycle hook, checked: a command run in the container, or a wait on the host. */
export interface HookSpec {
    /** The command `docker exec` runs in the container. */
    exec?: string[];
    /** Seconds the host waits instead. */
    sleepSeconds?: number;
}

export interface ContainerSpec {
    name: string;
    /** An init container with restartPolicy Always: a native sidecar. */
    sidecar: boolean;
    dockerName: string;
    /** The image as given (checked when it is plain; a computed one is checked when it resolves). */
    image: pulumi.Input<string>;
    command?: pulumi.Input<string>[];
    args?: pulumi.Input<string>[];
    /** Env vars; downward ones are resolved by the pod's (or the part's) check. */
    env: EnvSpec[];
    readinessProbe?: ProbeSpec;
    livenessProbe?: ProbeSpec;
    /** Runs before readiness and liveness count, after every start. */
    startupProbe?: ProbeSpec;
    /** postStart and preStop hooks. */
    lifecycle: { postStart?: HookSpec; preStop?: HookSpec };
    /** With httpGet or tcpSocket probes: the image of the container's prober. */
    proberImage?: string;
    /** The limits and requests as written (checked), for messages and the manifest. */
    limitsText: { memory?: string; cpu?: string };
    requestsText: { memory?: string; cpu?: string };
    /** The container's security settings over the pod's defaults. */
    security: SecurityContext;
    files: FileSpec[];
    pullPolicy: ImagePullPolicy;
    limits: Limits;
    requests: Limits;
    /** Each mount: the pod's volume it mounts, and where Docker finds it. */
    mounts: { volume: string; target: string; source: string; type: "volume" | "bind"; readOnly: boolean }[];
    ports: PortSpec[];
    /**
     * The working directory without a trailing '/': Docker stores it so and the
     * docker provider reads it back so, and a change of it replaces the container.
     */
    workingDir?: string;
}

export function checkSecurity(problems: Problems, path: string, sc: SecurityContext | undefined, allowPrivileged = true): void {
    if (sc === undefined) return;
    if (sc.privileged === true && !allowPrivileged) {
        problems.add(
            `${path}.privileged`,
            "a privileged container is root on the host: set host.allowPrivileged: true to allow it, or remove it",
        );
    }
    intCheck(problems, `${path}.runAsUser`, sc.runAsUser, 0, 2 ** 31 - 1);
    intCheck(problems, `${path}.runAsGroup`, sc.runAsGroup, 0, 2 ** 31 - 1);
    for (const key of ["add", "drop"] as const) {
        (sc.capabilities?.[key] ?? []).forEach((cap, i) => {
            if (typeof cap !== "string" || !CAPABILITY.test(cap)) {
                problems.add(
                    `${path}.capabilities.${key}[${i}]`,
                    `${JSON.stringify(cap)} is not a capability name: write e.g. "NET_ADMIN" or "ALL"`,
                );
            }
        });
    }
}

/**
 * Capability names as Docker stores them (`CAP_` + name, `ALL` as is): the
 * docker provider reads them back so, and a change replaces the container,
 * so `NET_ADMIN` would plan a replacement after every refresh (seen on the
 * real engine).
 */
export function dockerCapabilities(caps: string[] | undefined): string[] | undefined {
    return caps?.map((cap) => (cap === "ALL" || cap.startsWith("CAP_") ? cap : `CAP_${cap}`));
}

export function checkPorts(problems: Problems, path: string, ports: ContainerPort[] | undefined, hostNetwork: boolean): PortSpec[] {
    return (ports ?? []).flatMap((port, i) => {
        const at = `${path}[${i}]`;
        const containerPort = intCheck(problems, `${at}.containerPort`, port.containerPort, 1, 65535);
        if (port.containerPort === undefined || port.containerPort === null) problems.add(`${at}.containerPort`, "is required");
        const hostPort = intCheck(problems, `${at}.hostPort`, port.hostPort, 1, 65535);
        const protocol = enumCheck(problems, `${at}.protocol`, port.protocol, Protocol, Protocol.TCP);
        if (port.hostIP !== undefined && (typeof port.hostIP !== "string" || !isIpAddress(port.hostIP))) {
            problems.add(`${at}.hostIP`, `${JSON.stringify(port.hostIP)} is not an IP address`);
        }
        if (hostNetwork && hostPort !== undefined && hostPort !== containerPort) {
            problems.add(
                `${at}.hostPort`,
                `with hostNetwork the process binds the host's port directly, so hostPort ` +
                    `(${hostPort}) must equal containerPort (${containerPort}) or be left out`,
            );
        }
        if (containerPort === undefined) return [];
        return [
            {
                containerPort,
                hostPort: hostNetwork ? undefined : hostPort,
                hostIP: port.hostIP,
                protocol: protocol === Protocol.UDP ? ("udp" as const) : ("tcp" as const),
                ...(typeof port.name === "string" ? { name: port.name } : {}),
            },
        ];
    });
}

/**
 * The ports of one network namespace (a pod's, on its sandbox), each with its
 * field path: no two may listen on one port inside, nor bind one host port
 * (a port on every address takes it on each single address too).
 */
export function checkPortClashes(problems: Problems, entries: { at: string; port: PortSpec }[]): void {
    const byContainerPort = new Map<string, string>();
    const byHostPort = new Map<string, string>();
    for (const { at, port: p } of entries) {
        const inside = `${p.containerPort}/${p.protocol}`;
        if (byContainerPort.has(inside)) {
            problems.add(
                `${at}.containerPort`,
                `${inside} is already used by ${byContainerPort.get(inside)}: containers of a pod share one network, use another port`,
            );
        } else byContainerPort.set(inside, at);
        if (p.hostPort === undefined) continue;
        const all = p.hostIP === undefined || p.hostIP === "0.0.0.0" || p.hostIP === "::";
        const outside = `${all ? "*" : p.hostIP}:${p.hostPort}/${p.protocol}`;
        const clash =
            byHostPort.get(outside) ??
            byHostPort.get(`*:${p.hostPort}/${p.protocol}`) ??
            (all ? [...byHostPort.entries()].find(([k]) => k.endsWith(`:${p.hostPort}/${p.protocol}`))?.[1] : undefined);
        if (clash) {
            problems.add(
                `${at}.hostPort`,
                `${p.hostIP ?? "every address"}:${p.hostPort}/${p.protocol} would bind the host port ${clash} already publishes: use another hostPort`,
            );
        } else byHostPort.set(outside, at);
    }
}

/** What a container is checked against: the pod's volumes, network mode, defaults and host. */
export interface ContainerContext {
    /** Declared volume names to their sources. */
    volumes: PodVolumes;
    hostNetwork: boolean;
    /** Pod-wide security defaults. */
    podSecurity?: SecurityContext;
    allowPrivileged: boolean;
    /** The pod has a guardian, which runs liveness probes. */
    heal?: boolean;
    /** The image of the prober that runs httpGet and tcpSocket probes. */
    proberImage?: string;
    /** The pod's termination grace, which bounds sleep hooks. */
    graceSeconds: number;
}

/**
 * Settings that contradict each other, checked on what a container ends up
 * with (its own fields over the pod's), so a pod-wide default is checked too.
 */
export function checkSecurityCombination(problems: Problems, path: string, sc: SecurityContext): void {
    if (sc.runAsNonRoot === true && sc.runAsUser === 0) {
        problems.add(
            `${path}.runAsUser`,
            "is 0 (root) but runAsNonRoot is set (here or in the pod's securityContext): choose a non-zero user id",
        );
    }
    if (sc.runAsGroup !== undefined && sc.runAsUser === undefined) {
        problems.add(`${path}.runAsGroup`, "needs runAsUser too (here or in the pod's securityContext): Docker's --user takes uid:gid");
    }
    if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
        problems.add(
            `${path}.allowPrivilegeEscalation`,
            "is false but the container is privileged (as Kubernetes, dockerpod refuses both): " +
                "drop one of them, or set allowPrivilegeEscalation: true on the privileged container",
        );
    }
}

/** Checks one container of a pod. */
export function checkContainer(
    problems: Problems,
    path: string,
    podName: string,
    c: Container,
    ctx: ContainerContext,
): ContainerSpec | undefined {
    const { volumes, hostNetwork } = ctx;
    if (c === null || typeof c !== "object") {
        problems.add(path, "must be a container object");
        return undefined;
    }
    nameCheck(problems, `${path}.name`, c.name, "container name");
    if (c.name === SANDBOX_MEMBER)
        problems.add(`${path}.name`, `"${SANDBOX_MEMBER}" is the pod's own sandbox container: choose another name`);
    if (c.name === GUARDIAN_MEMBER && ctx.heal)
        problems.add(`${path}.name`, `"${GUARDIAN_MEMBER}" is the healing pod's own guardian container: choose another name`);
    imageCheck(problems, `${path}.image`, c.image);
    const pullPolicy = enumCheck(problems, `${path}.imagePullPolicy`, c.imagePullPolicy, ImagePullPolicy, ImagePullPolicy.IfNotPresent);
    (c.env ?? []).forEach((e, i) => {
        if (typeof e?.name !== "string" || !ENV_NAME.test(e.name)) {
            problems.add(
                `${path}.env[${i}].name`,
                `${JSON.stringify(e?.name)} is not a variable name: use letters, digits and '_', not starting with a digit`,
            );
        }
    });
    const envNames = (c.env ?? []).map((e) => e?.name);
    envNames.forEach((n, i) => {
        if (envNames.indexOf(n) !== i) problems.add(`${path}.env[${i}].name`, `"${n}" is set twice: keep one`);
    });
    const ports = checkPorts(problems, `${path}.ports`, c.ports, hostNetwork);
    const limits = checkLimits(problems, `${path}.resources.limits`, c.resources?.limits);
    const requests = checkLimits(problems, `${path}.resources.requests`, c.resources?.requests, "requests");
    if (limits.memoryBytes !== undefined && requests.memoryBytes !== undefined && requests.memoryBytes > limits.memoryBytes) {
        problems.add(`${path}.resources.requests.memory`, "is above the memory limit: lower it or raise the limit");
    }
    if (limits.cpuMillis !== undefined && requests.cpuMillis !== undefined && requests.cpuMillis > limits.cpuMillis) {
        problems.add(`${path}.resources.requests.cpu`, "is above the cpu limit (a cluster refuses it too): lower it or raise the limit");
    }
    if (c.workingDir !== undefined) pathCheck(problems, `${path}.workingDir`, c.workingDir, "working directory");
    const mounts: ContainerSpec["mounts"] = [];
    const targets = new Set<string>();
    (c.volumeMounts ?? []).forEach((m, i) => {
        const at = `${path}.volumeMounts[${i}]`;
        const volume = volumes.get(m?.name);
        // A volume refused on its own (its name or source) is reported there, not again at each mount of it.
        if (!volume && !volumes.refused(m?.name)) {
            problems.add(`${at}.name`, `"${m?.name}" is not a volume of the pod: declare it in volumes (emptyDir or hostPath)`);
        }
        // "/data" and "/data/" are one mount point to Docker: compare and mount them without the '/'.
        const target = typeof m?.mountPath === "string" && m.mountPath.length > 1 ? m.mountPath.replace(/\/+$/, "") : m?.mountPath;
        if (pathCheck(problems, `${at}.mountPath`, m?.mountPath, "mount path")) {
            if (target === "/")
                problems.add(`${at}.mountPath`, '"/" would hide the container\'s whole filesystem: mount the volume on a directory');
            else if (targets.has(target)) problems.add(`${at}.mountPath`, `"${m.mountPath}" is mounted twice`);
            targets.add(target);
        }
        if (volume) mounts.push({ volume: volume.name, target, source: volume.source, type: volume.type, readOnly: m.readOnly === true });
    });
    checkCommand(problems, `${path}.command`, c.command);
    checkCommand(problems, `${path}.args`, c.args);
    checkProbe(problems, `${path}.readinessProbe`, c.readinessProbe);
    if (c.livenessProbe !== undefined) {
        if (ctx.heal) checkProbe(problems, `${path}.livenessProbe`, c.livenessProbe, true);
        else
            problems.add(
                `${path}.livenessProbe`,
                "needs heal: true: Docker never restarts an unhealthy container, the pod's guardian does; set heal: true or remove it",
            );
    }
    checkProbe(problems, `${path}.startupProbe`, c.startupProbe, true);
    const lifecycle = checkLifecycle(problems, `${path}.lifecycle`, c.lifecycle, ctx.graceSeconds);
    const security: SecurityContext = { ...ctx.podSecurity, ...c.securityContext };
    checkSecurity(problems, `${path}.securityContext`, c.securityContext, ctx.allowPrivileged);
    // Without its own fields the container has the pod's, which are checked once, at the pod.
    if (c.securityContext !== undefined) checkSecurityCombination(problems, `${path}.securityContext`, security);
    const files = checkFiles(problems, `${path}.files`, c, targets);
    if (files.length > 0 && security.readOnlyRootFilesystem === true) {
        problems.add(
            `${path}.files`,
            "cannot be written into a read-only root filesystem (readOnlyRootFilesystem): " +
                "drop readOnlyRootFilesystem, or put the files in a hostPath volume",
        );
    }
    return {
        name: c.name,
        dockerName: containerName(podName, c.name),
        sidecar: false,
        image: c.image,
        command: c.command && [...c.command],
        args: c.args && [...c.args],
        env: (c.env ?? []).map((e, i) => checkEnvVar(problems, `${path}.env[${i}]`, e)),
        readinessProbe: probeSpec(c.readinessProbe),
        livenessProbe: probeSpec(c.livenessProbe),
        startupProbe: probeSpec(c.startupProbe),
        lifecycle,
        ...([c.readinessProbe, c.livenessProbe, c.startupProbe].some((p) => p?.httpGet || p?.tcpSocket)
            ? { proberImage: ctx.proberImage ?? DEFAULT_PROBER_IMAGE }
            : {}),
        limitsText: { memory: quantityText(c.resources?.limits?.memory), cpu: quantityText(c.resources?.limits?.cpu) },
        requestsText: { memory: quantityText(c.resources?.requests?.memory), cpu: quantityText(c.resources?.requests?.cpu) },
        security,
        files,
        pullPolicy,
        limits,
        requests,
        mounts,
        ports,
        workingDir: typeof c.workingDir === "string" && c.workingDir.length > 1 ? c.workingDir.replace(/\/+$/, "") : c.workingDir,
    };
}

/** Checks postStart and preStop: exactly one of exec or sleep each, a sleep within the pod's grace (as a cluster checks it), no preStop without a grace. */
function checkLifecycle(problems: Problems, path: string, given: unknown, graceSeconds: number): ContainerSpec["lifecycle"] {
    if (given === undefined) return {};
    if (given === null || typeof given !== "object" || Array.isArray(given)) {
        problems.add(path, "must be { postStart?: ..., preStop?: ... }, or left out");
        return {};
    }
    const result: ContainerSpec["lifecycle"] = {};
    for (const [key, value] of Object.entries(given)) {
        const at = `${path}.${key}`;
        if (key !== "postStart" && key !== "preStop") {
            problems.add(at, "is not a lifecycle hook: use postStart or preStop");
            continue;
        }
        if (value === undefined) continue;
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            problems.add(at, "must be a hook ({ exec: { command: [...] } } or { sleep: { seconds: N } })");
            continue;
        }
        if (key === "preStop" && graceSeconds === 0) {
            // The kubelet skips the hook then; refused here rather than dropped without a word.
            problems.add(
                at,
                "never runs with terminationGracePeriodSeconds 0 (the kubelet skips it too): raise the grace or remove the hook",
            );
            continue;
        }
        const hook = value as LifecycleHandler & Record<string, unknown>;
        const kinds = Object.keys(hook).filter((k) => hook[k] !== undefined && hook[k] !== null);
        const other = kinds.find((k) => k !== "exec" && k !== "sleep");
        if (other !== undefined) {
            problems.add(
                `${at}.${other}`,
                other === "httpGet" || other === "tcpSocket"
                    ? "is not supported in a hook: use exec (a command in the container) or sleep"
                    : "is not a hook action: use exec or sleep",
            );
        } else if (kinds.length !== 1) {
            problems.add(at, "needs exactly one of exec or sleep");
        } else if (hook.exec) {
            if (checkExecCommand(problems, `${at}.exec.command`, hook.exec.command, "a hook", true)) {
                result[key] = { exec: hook.exec.command.map(String) };
            }
        } else if (hook.sleep) {
            if (hook.sleep.seconds === undefined || hook.sleep.seconds === null)
                problems.add(`${at}.sleep.seconds`, "is required (a number of seconds)");
            const seconds = intCheck(problems, `${at}.sleep.seconds`, hook.sleep.seconds, 0, 86400);
            if (seconds !== undefined && seconds > graceSeconds) {
                problems.add(
                    `${at}.sleep.seconds`,
                    `(${seconds}) is longer than the pod's terminationGracePeriodSeconds (${graceSeconds}), which a cluster refuses too: ` +
                        "shorten the sleep or raise the grace",
                );
            } else if (seconds !== undefined) result[key] = { sleepSeconds: seconds };
        }
    }
    return result;
}

/** Kubernetes' probe defaults: every period 10 s, timeout 1 s, 3 failures, no initial delay. */
export const PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 } as const;

/** The pod's prober image when it has httpGet or tcpSocket probes: sh, wget and nc. */
export const DEFAULT_PROBER_IMAGE = "busybox:1.37";
/** Seconds a prober gets to stop: it exits on SIGTERM at once. */
export const PROBER_STOP_SECONDS = 2;

function probeSpec(p: Probe | undefined): ProbeSpec | undefined {
    if (p === undefined || p === null) return undefined;
    const timeout = String(p.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds);
    // From the pod's network namespace, on localhost, as the kubelet probes the pod's IP.
    const [runsIn, command, action]: [ProbeSpec["runsIn"], string[], ProbeSpec["action"]] = p.httpGet
        ? [
              "prober",
              // No `-T`: Debian's busybox wget crashes with it; the healthcheck's own timeout bounds the request.
              ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${p.httpGet.port}${p.httpGet.path ?? "/"}`],
              { httpGet: { port: p.httpGet.port, ...(p.httpGet.path !== undefined ? { path: p.httpGet.path } : {}) } },
          ]
        : p.tcpSocket
          ? // Not every busybox nc has `-z`: connecting with an empty stdin exits at once, 0 when the port accepted.
            // The numbers were checked, so the shell line holds nothing but them.
            ["prober", ["sh", "-c", `nc -w ${timeout} 127.0.0.1 ${p.tcpSocket.port} </dev/null`], { tcpSocket: { port: p.tcpSocket.port } }]
          : ["container", [...(p.exec?.command ?? [])], { exec: { command: [...(p.exec?.command ?? [])] } }];
    return {
        runsIn,
        command,
        action,
        initialDelaySeconds: p.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds,
        periodSeconds: p.periodSeconds ?? PROBE_DEFAULTS.periodSeconds,
        timeoutSeconds: p.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds,
        failureThreshold: p.failureThreshold ?? PROBE_DEFAULTS.failureThreshold,
    };
}

/** What a payload is besides its container: the pod-wide settings it is made with. */
export interface PayloadSpec {
    podName: string;
    container: ContainerSpec;
    initContainer: boolean;
    restartPolicy: RestartPolicy;
    graceSeconds: number;
    shareProcessNamespace: boolean;
    hostIPC: boolean;
    hostPID: boolean;
    labels: Record<string, string>;
    /** Where the host checks (the image user check) run. */
    host: HostSpec;
}

/** What decides a payload's checks besides its own fields. */
export interface PayloadContext extends ContainerContext {
    initContainer: boolean;
    /**
     * A DockerPod publishes its containers' ports on its sandbox; a
     * PayloadContainer on its own has nowhere to publish them.
     */
    portsOnSandbox: boolean;
}

/**
 * The checks of one payload container, for a PayloadContainer and each
 * container of a DockerPod alike.
 */
export function checkPayload(
    problems: Problems,
    path: string,
    podName: string,
    c: Container,
    ctx: PayloadContext,
): ContainerSpec | undefined {
    const spec = checkContainer(problems, path, podName, c, ctx);
    if (!spec) return undefined;
    if (c.restartPolicy !== undefined) {
        const policy = enumCheck(problems, `${path}.restartPolicy`, c.restartPolicy, ContainerRestartPolicy, ContainerRestartPolicy.Always);
        if (!ctx.initContainer) {
            problems.add(
                `${path}.restartPolicy`,
                "is for init containers only (Always makes one a sidecar): remove it; app containers follow the pod's restartPolicy",
            );
        } else spec.sidecar = c.restartPolicy === policy; // a value enumCheck refused fell back to Always: not a sidecar
    }
    if (spec.sidecar) {
        // A sidecar runs beside the app containers: it may publish ports and have probes, as they may.
        if (!ctx.portsOnSandbox && spec.ports.length > 0) {
            problems.add(
                `${path}.ports`,
                "a payload joins the sandbox's network, where ports are published: put them on the SandboxContainer",
            );
        }
    } else if (ctx.initContainer) {
        if (spec.ports.length > 0) problems.add(`${path}.ports`, "init containers cannot publish ports: move them to an app container");
        for (const [field, what] of [
            ["readinessProbe", "probes"],
            ["livenessProbe", "probes"],
            ["startupProbe", "probes"],
            ["lifecycle", "hooks"],
        ] as const) {
            if (c[field] !== undefined)
                problems.add(
                    `${path}.${field}`,
                    `init containers run to completion and cannot have ${what} (a cluster refuses it too): ` +
                        'remove it, or make it a sidecar with restartPolicy: "Always"',
                );
        }
    } else if (!ctx.portsOnSandbox && spec.ports.length > 0) {
        problems.add(`${path}.ports`, "a payload joins the sandbox's network, where ports are published: put them on the SandboxContainer");
    }
    return spec;
}

/** The checks of a PayloadContainer on its own: its pod-wide settings, its volumes and its container. */
export function checkPayloadArgs(problems: Problems, args: PayloadContainerArgs): PayloadSpec {
    const podName = checkPodName(problems, "podName", args?.podName);
    args = args ?? ({} as PayloadContainerArgs);
    checkCgroupParent(problems, "cgroupParent", args.cgroupParent);
    if (args.sandboxId === undefined || args.sandboxId === null || args.sandboxId === "") {
        problems.add("sandboxId", "is required: pass the SandboxContainer's containerId");
    }
    const host = checkHost(problems, args.host);
    const flag = (field: "shareProcessNamespace" | "hostIPC" | "hostPID" | "initContainer" | "allowPrivileged") => {
        if (args[field] !== undefined && typeof args[field] !== "boolean") problems.add(field, "must be true or false");
        return args[field] === true;
    };
    const [shareProcessNamespace, hostIPC, hostPID, initContainer, allowPrivileged] = (
        ["shareProcessNamespace", "hostIPC", "hostPID", "initContainer", "allowPrivileged"] as const
    ).map(flag);
    if (shareProcessNamespace && hostPID) {
        problems.add("shareProcessNamespace", "cannot be combined with hostPID (a cluster refuses it too): drop one");
    }
    const restartPolicy = enumCheck(problems, "restartPolicy", args.restartPolicy, RestartPolicy, RestartPolicy.Always);
    const grace = intCheck(problems, "terminationGracePeriodSeconds", args.terminationGracePeriodSeconds, 0, 86400);
    const labels = checkLabels(problems, "labels", args.labels);
    const volumes = checkVolumes(problems, podName, args.volumes);
    const container = checkPayload(problems, "container", podName, args.container, {
        volumes,
        hostNetwork: false,
        allowPrivileged: allowPrivileged || host.allowPrivileged,
        initContainer,
        portsOnSandbox: false,
        proberImage: args.proberImage,
        graceSeconds: grace ?? DEFAULT_GRACE_SECONDS,
    });
    if (args.proberImage !== undefined) imageCheck(problems, "proberImage", args.proberImage);
    if (container) {
        container.env = resolveDownward(problems, "container", container.name, container.env, {
            podName,
            labels,
            podLimits: {},
            containers: new Map([[container.name, container]]),
            hostNetwork: false,
            addresses: { podIP: args.podIP !== undefined, hostIP: args.hostIP !== undefined },
        });
    }
    return {
        podName,
        container: container!,
        initContainer,
        restartPolicy,
        graceSeconds: grace ?? DEFAULT_GRACE_SECONDS,
        shareProcessNamespace,
        hostIPC,
        hostPID,
        labels,
        host,
    };
}

export function checkFiles(problems: Problems, path: string, c: Container, mountTargets: Set<string>): FileSpec[] {
    const seen = new Set<string>();
    return (c.files ?? []).flatMap((f, i) => {
        const at = `${path}[${i}]`;
        if (!pathCheck(problems, `${at}.path`, f?.path, "file path")) return [];
        if (f.path.endsWith("/")) problems.add(`${at}.path`, "names a directory: name the file");
        if (seen.has(f.path)) problems.add(`${at}.path`, `"${f.path}" is written twice`);
        seen.add(f.path);
        if ([...mountTargets].some((t) => f.path === t || f.path.startsWith(`${t}/`))) {
            problems.add(`${at}.path`, `"${f.path}" lies in a mounted volume: files are written into the container's own filesystem`);
        }
        if (f.content === undefined || f.content === null) problems.add(`${at}.content`, "is required");
        const mode = intCheck(problems, `${at}.mode`, f.mode, 0, 0o7777) ?? 0o644;
        return [{ path: f.path, content: f.content, permissions: `0${mode.toString(8).padStart(3, "0")}` }];
    });
}

/** The pod's checked volumes by name; `refused` tells whether a mount's volume was refused on its own. */
export class PodVolumes extends Map<string, VolumeSpec> {
    /** Names of volumes refused for their source; set when a volume's name itself was refused. */
    private readonly refusedNames = new Set<string>();
    private anyNameRefused = false;

    refuse(name: unknown, nameRefused: boolean): void {
        if (nameRefused) this.anyNameRefused = true;
        else if (typeof name === "string") this.refusedNames.add(name);
    }

    /** Whether a mount of `name` may refer to a volume already reported (so the mount is not reported too). */
    refused(name: unknown): boolean {
        return this.anyNameRefused || (typeof name === "string" && this.refusedNames.has(name));
    }
}

/** Checks the pod's volumes and maps each name to its Docker source. */
export function checkVolumes(problems: Problems, podName: string, volumes: Volume[] | undefined): PodVolumes {
    const result = new PodVolumes();
    (volumes ?? []).forEach((v, i) => {
        const at = `volumes[${i}]`;
        if (!nameCheck(problems, `${at}.name`, v?.name, "volume name")) {
            result.refuse(v?.name, true);
            return;
        }
        if (result.has(v.name)) problems.add(`${at}.name`, `"${v.name}" is declared twice`);
        if ((v.emptyDir === undefined) === (v.hostPath === undefined)) {
            problems.add(at, "set exactly one of emptyDir or hostPath");
            result.refuse(v.name, false);
            return;
        }
        if (v.emptyDir !== undefined) {
            if (v.emptyDir.medium !== undefined && v.emptyDir.medium !== "") {
                problems.add(`${at}.emptyDir.medium`, `"${v.emptyDir.medium}" is not supported: leave medium out (disk)`);
            }
            result.set(v.name, { name: v.name, source: volumeName(podName, v.name), type: "volume" });
        } else if (pathCheck(problems, `${at}.hostPath.path`, v.hostPath?.path, "host path")) {
            result.set(v.name, { name: v.name, source: v.hostPath!.path, type: "bind" });
        } else {
            result.refuse(v.name, false);
        }
    });
    return result;
}
