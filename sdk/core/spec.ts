// The pure core: checks a pod's input and normalizes it into a PodSpec that
// the Pulumi layer turns into resources. Nothing here touches Pulumi's engine.
import { isIP } from "net";
import * as pulumi from "@pulumi/pulumi";
import {
    CgroupDriver, Container, ContainerPort, DockerPodArgs, HostAlias, HostArgs, ImagePullPolicy, PodDNSConfig,
    PodNetwork, PodResources, Probe, Protocol, RestartPolicy, SecurityContext, Volume,
} from "../types";
import { Problems } from "./errors";
import {
    DEFAULT_PARENT_PATH, DEFAULT_PARENT_SLICE, containerName, isCgroupPath, isDns1123Label,
    isSliceName, podCgroupPath, podSliceName, volumeName,
} from "./names";
import { imageReferenceProblem } from "./reference";
import { MAX_CPU_MILLIS, MAX_MEMORY_BYTES, MIN_CPU_MILLIS, MIN_MEMORY_BYTES, parseCpuMillis, parseMemoryBytes } from "./quantity";

export const DEFAULT_SANDBOX_IMAGE = "registry.k8s.io/pause:3.9";
export const DEFAULT_GRACE_SECONDS = 30;
export const DEFAULT_GUARDIAN_IMAGE = "docker:28-cli";

export interface Limits {
    memoryBytes?: number;
    cpuMillis?: number;
}

export interface HostSpec {
    driver: CgroupDriver;
    /** Parent slice (systemd) or parent path (cgroupfs). */
    parent: string;
    sudo: boolean;
    remote: boolean;
    /** The daemon's socket when set in host.dockerSocket: host scripts then talk to it (`docker -H`). */
    dockerSocket?: string;
}

export interface SliceSpec {
    podName: string;
    host: HostSpec;
    /** The value Docker's `--cgroup-parent` takes: a slice name or a path. */
    cgroupParent: string;
    limits: Limits;
}

export interface VolumeSpec {
    name: string;
    /** Docker volume name for emptyDir; host path for hostPath. */
    source: string;
    type: "volume" | "bind";
}

export interface PortSpec {
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

export interface ContainerSpec {
    name: string;
    dockerName: string;
    source: Container;
    /** The container's security settings over the pod's defaults. */
    security: SecurityContext;
    files: FileSpec[];
    pullPolicy: ImagePullPolicy;
    limits: Limits;
    requests: Limits;
    mounts: { target: string; source: string; type: "volume" | "bind"; readOnly: boolean }[];
    ports: PortSpec[];
    /**
     * The working directory without a trailing '/': Docker stores it so and the
     * docker provider reads it back so, and a change of it replaces the container.
     */
    workingDir?: string;
}

export interface PodSpec {
    podName: string;
    hostname: string;
    slice: SliceSpec;
    restartPolicy: RestartPolicy;
    graceSeconds: number;
    sandboxImage: string;
    /** The guardian's image, when the pod heals itself. */
    guardianImage?: string;
    dockerSocket: string;
    shareProcessNamespace: boolean;
    hostNetwork: boolean;
    hostIPC: boolean;
    hostPID: boolean;
    labels: Record<string, string>;
    volumes: VolumeSpec[];
    initContainers: ContainerSpec[];
    containers: ContainerSpec[];
    /** Every port of every container, published on the sandbox. */
    ports: PortSpec[];
    networks: PodNetwork[];
    dns: DnsSpec;
    /** `/etc/hosts` entries, one per hostname. */
    hosts: { host: string; ip: string }[];
    warnings: string[];
}

export interface DnsSpec {
    nameservers: string[];
    searches: string[];
    /** `name` or `name:value`, as Docker's `--dns-option` takes them. */
    options: string[];
}

function enumCheck<T extends string>(
    problems: Problems, path: string, value: unknown, allowed: Record<string, T>, fallback: T,
): T {
    if (value === undefined || value === null) return fallback;
    const values = Object.values(allowed);
    if (typeof value !== "string" || !values.includes(value as T)) {
        problems.add(path, `"${String(value)}" is not one of ${values.map((v) => `"${v}"`).join(", ")}`);
        return fallback;
    }
    return value as T;
}

function intCheck(problems: Problems, path: string, value: unknown, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        problems.add(path, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
        return undefined;
    }
    return value;
}

function nameCheck(problems: Problems, path: string, name: unknown, what: string): name is string {
    if (pulumi.Output.isInstance(name)) {
        problems.add(path, `is a computed value (an Output), but the ${what} names the pod's objects and must be known at preview: pass a plain string`);
        return false;
    }
    if (typeof name !== "string" || !isDns1123Label(name)) {
        problems.add(path, `${JSON.stringify(name)} is not a valid ${what}: use a DNS-1123 label ` +
            `(lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`);
        return false;
    }
    return true;
}

const ABSOLUTE_PATH = /^\/[A-Za-z0-9._@+=,\/-]*$/;
/** sun_path holds 108 bytes with its NUL. */
const MAX_SOCKET_PATH = 107;
/**
 * An image reference as Docker parses it (distribution's grammar): a bad one
 * fails at preview rather than at the pull. A computed image is checked by Docker.
 */
function imageCheck(problems: Problems, path: string, image: unknown): void {
    if (image === undefined || image === null || image === "") {
        problems.add(path, "is required: name the image, e.g. \"nginx:alpine\" or \"registry.example.com:5000/team/app:1.4\"");
        return;
    }
    if (pulumi.Output.isInstance(image)) return;
    if (typeof image !== "string") {
        problems.add(path, "must be an image reference string, e.g. \"nginx:alpine\"");
        return;
    }
    const problem = imageReferenceProblem(image);
    if (problem !== undefined) {
        problems.add(path, `${JSON.stringify(image.slice(0, 80))}${image.length > 80 ? "..." : ""} is not an image reference (${problem}): ` +
            "write [registry[:port]/]repository[:tag][@sha256:digest] in lowercase, e.g. \"registry.example.com:5000/team/app:1.4\"");
    }
}

function pathCheck(problems: Problems, path: string, value: unknown, what: string): value is string {
    if (typeof value !== "string" || !ABSOLUTE_PATH.test(value) || value.split("/").includes("..")) {
        problems.add(path, `${JSON.stringify(value)} is not an accepted ${what}: use an absolute path of ` +
            `letters, digits and . _ @ + = , / - without '..'`);
        return false;
    }
    return true;
}

/**
 * Parses limits (or requests), adding a problem per bad quantity. A cpu limit
 * becomes a CFS quota, which the kernel refuses below 1 ms: requests only
 * weigh shares and may be smaller.
 */
export function checkLimits(problems: Problems, path: string, list: unknown, kind: "limits" | "requests" = "limits"): Limits {
    if (list === undefined || list === null) return {};
    if (typeof list !== "object") {
        problems.add(path, "must be an object with `memory` and/or `cpu`");
        return {};
    }
    const limits: Limits = {};
    const { memory, cpu, ...rest } = list as Record<string, unknown>;
    for (const key of Object.keys(rest)) {
        problems.add(`${path}.${key}`, "is not supported: only `memory` and `cpu` are");
    }
    if (memory !== undefined) {
        const bytes = typeof memory === "string" ? parseMemoryBytes(memory) : undefined;
        if (bytes === undefined) {
            problems.add(`${path}.memory`, `${JSON.stringify(memory)} is not a Kubernetes quantity: write e.g. "256Mi", "1Gi" or "512M"`);
        } else if (bytes > MAX_MEMORY_BYTES) {
            problems.add(`${path}.memory`, `"${memory}" is more memory than any host has: at most 8Pi (leave it out for no limit)`);
        } else if (bytes < MIN_MEMORY_BYTES) {
            problems.add(`${path}.memory`, `"${memory}" is below Docker's minimum of 6Mi: raise it to at least "6Mi"`);
        } else {
            limits.memoryBytes = bytes;
        }
    }
    if (cpu !== undefined) {
        const millis = typeof cpu === "string" ? parseCpuMillis(cpu) : undefined;
        if (millis === undefined) {
            problems.add(`${path}.cpu`, `${JSON.stringify(cpu)} is not a Kubernetes quantity: write e.g. "500m" or "2"`);
        } else if (millis <= 0) {
            problems.add(`${path}.cpu`, `"${cpu}" must be above 0: write e.g. "100m"`);
        } else if (millis > MAX_CPU_MILLIS) {
            problems.add(`${path}.cpu`, `"${cpu}" is more than ${MAX_CPU_MILLIS / 1000} cores: lower it (leave it out for no limit)`);
        } else if (kind === "limits" && millis < MIN_CPU_MILLIS) {
            problems.add(`${path}.cpu`, `"${cpu}" is below ${MIN_CPU_MILLIS}m, the smallest limit the kernel enforces ` +
                `(a 1 ms quota per 100 ms): write at least "${MIN_CPU_MILLIS}m"`);
        } else {
            limits.cpuMillis = millis;
        }
    }
    return limits;
}

/** Slices and cgroup trees that systemd, logind, machined and kubelets make and manage. */
const FOREIGN_SLICE = /^(-|system|user|machine|kubepods)([-.]|$)/;
const FOREIGN_CGROUP = /^\/(system\.slice|user\.slice|machine\.slice|init\.scope|kubepods|kubepods\.slice|kubelet|kubelet\.slice)(\/|$)/;

function isForeignParent(driver: CgroupDriver, parent: string): boolean {
    return driver === CgroupDriver.Systemd ? FOREIGN_SLICE.test(parent) : FOREIGN_CGROUP.test(parent);
}

/** Checks the host settings and computes the pod's cgroup parent. */
export function checkSlice(
    problems: Problems, podName: string, resources: PodResources | undefined, host: HostArgs | undefined,
    path = "",
): SliceSpec {
    const at = (field: string) => (path ? `${path}.${field}` : field);
    const driver = enumCheck(problems, at("host.cgroupDriver"), host?.cgroupDriver, CgroupDriver, CgroupDriver.Systemd);
    let parent = host?.parentSlice ?? (driver === CgroupDriver.Systemd ? DEFAULT_PARENT_SLICE : DEFAULT_PARENT_PATH);
    if (driver === CgroupDriver.Systemd && !isSliceName(parent)) {
        problems.add(at("host.parentSlice"), `"${parent}" is not a systemd slice name for the systemd driver: ` +
            `write e.g. "dockerpod.slice" (parts of letters, digits and '_', joined by '-', ending in ".slice")`);
        parent = DEFAULT_PARENT_SLICE;
    } else if (driver === CgroupDriver.Cgroupfs && !isCgroupPath(parent)) {
        problems.add(at("host.parentSlice"), `"${parent}" is not a cgroup path for the cgroupfs driver: ` +
            `write an absolute path such as "/dockerpod" (parts of letters, digits, '_', '.', '-')`);
        parent = DEFAULT_PARENT_PATH;
    }
    if (host?.allowForeignParent !== true && isForeignParent(driver, parent)) {
        problems.add(at("host.parentSlice"), `"${parent}" is managed by systemd, logind, machined or a kubelet, and a pod's ` +
            `slice there can take the name of one of theirs: use a parent of your own, e.g. "${driver === CgroupDriver.Systemd ? DEFAULT_PARENT_SLICE : DEFAULT_PARENT_PATH}" ` +
            "(or set host.allowForeignParent: true if you mean it)");
    }
    if (host?.sudo !== undefined && typeof host.sudo !== "boolean") {
        problems.add(at("host.sudo"), "must be true or false");
    }
    if (host?.dockerSocket !== undefined && pathCheck(problems, at("host.dockerSocket"), host.dockerSocket, "socket path") &&
        Buffer.byteLength(host.dockerSocket) > MAX_SOCKET_PATH) {
        problems.add(at("host.dockerSocket"), `is longer than ${MAX_SOCKET_PATH} bytes, the most a Unix socket path can be: use a shorter path`);
    }
    const limits = checkLimits(problems, at("resources.limits"), resources?.limits);
    const cgroupParent = driver === CgroupDriver.Systemd ? podSliceName(parent, podName) : podCgroupPath(parent, podName);
    // systemd refuses unit names of 256 bytes or more (a long parent and a long pod name reach it;
    // cgroupfs parents of at most 200 characters always leave room for a 55-character pod name).
    if (driver === CgroupDriver.Systemd && cgroupParent.length >= 256) {
        problems.add(at("host.parentSlice"), `makes the pod's slice name ${cgroupParent.length} characters long, over systemd's 255: ` +
            "use a shorter parent or pod name");
    }
    return {
        podName,
        host: {
            driver, parent, sudo: host?.sudo === true, remote: host?.connection !== undefined,
            ...(typeof host?.dockerSocket === "string" ? { dockerSocket: host.dockerSocket } : {}),
        },
        cgroupParent,
        limits,
    };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CAPABILITY = /^(CAP_)?[A-Z][A-Z_]*$/;
/** An IPv4 or IPv6 address, by Node's own parser (a pattern let 999.1.1.1 and "beef" through). */
function isIpAddress(value: string): boolean {
    return isIP(value) !== 0;
}

/** Docker's limits for one argument are far larger; these keep a command readable and a request small. */
const MAX_ARGS = 256;
const MAX_ARG_LENGTH = 4096;

/** A command line (probe, command, args): a list of strings, none with a NUL, bounded. */
function checkCommand(problems: Problems, path: string, command: unknown): void {
    if (command === undefined) return;
    if (!Array.isArray(command)) {
        problems.add(path, "must be a list of strings, e.g. [\"cat\", \"/tmp/healthy\"]");
        return;
    }
    if (command.length > MAX_ARGS) problems.add(path, `has ${command.length} entries: at most ${MAX_ARGS}`);
    command.slice(0, MAX_ARGS).forEach((arg, i) => {
        // A computed argument (an Output or a Promise) reaches Docker as a string; the SDK checks its type.
        if (pulumi.Output.isInstance(arg) || (typeof arg === "object" && arg !== null && typeof (arg as PromiseLike<unknown>).then === "function")) return;
        if (typeof arg !== "string") {
            problems.add(`${path}[${i}]`, `${JSON.stringify(arg)} is not a string: quote it`);
        } else if (arg.includes("\0")) {
            problems.add(`${path}[${i}]`, "contains a NUL character, which no command line can carry: remove it");
        } else if (arg.length > MAX_ARG_LENGTH) {
            problems.add(`${path}[${i}]`, `is ${arg.length} characters long: at most ${MAX_ARG_LENGTH} (put long content in files)`);
        }
    });
}

function checkProbe(problems: Problems, path: string, given: unknown): void {
    if (given === undefined) return;
    if (given === null || typeof given !== "object" || Array.isArray(given)) {
        problems.add(path, "must be a probe ({ exec: { command: [...] } }), or left out");
        return;
    }
    const probe = given as Probe;
    if (!probe.exec || !Array.isArray(probe.exec.command) || probe.exec.command.length === 0) {
        problems.add(`${path}.exec.command`, "an exec probe needs a command (only exec probes are supported)");
    } else {
        checkCommand(problems, `${path}.exec.command`, probe.exec.command);
    }
    intCheck(problems, `${path}.initialDelaySeconds`, probe.initialDelaySeconds, 0, 3600);
    intCheck(problems, `${path}.periodSeconds`, probe.periodSeconds, 1, 3600);
    intCheck(problems, `${path}.timeoutSeconds`, probe.timeoutSeconds, 1, 3600);
    intCheck(problems, `${path}.failureThreshold`, probe.failureThreshold, 1, 100);
}

function checkSecurity(problems: Problems, path: string, sc: SecurityContext | undefined, allowPrivileged = true): void {
    if (sc === undefined) return;
    if (sc.privileged === true && !allowPrivileged) {
        problems.add(`${path}.privileged`, "a privileged container is root on the host: set host.allowPrivileged: true to allow it, or remove it");
    }
    intCheck(problems, `${path}.runAsUser`, sc.runAsUser, 0, 2 ** 31 - 1);
    intCheck(problems, `${path}.runAsGroup`, sc.runAsGroup, 0, 2 ** 31 - 1);
    for (const key of ["add", "drop"] as const) {
        (sc.capabilities?.[key] ?? []).forEach((cap, i) => {
            if (typeof cap !== "string" || !CAPABILITY.test(cap)) {
                problems.add(`${path}.capabilities.${key}[${i}]`, `${JSON.stringify(cap)} is not a capability name: write e.g. "NET_ADMIN" or "ALL"`);
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
        if (port.containerPort === undefined) problems.add(`${at}.containerPort`, "is required");
        const hostPort = intCheck(problems, `${at}.hostPort`, port.hostPort, 1, 65535);
        const protocol = enumCheck(problems, `${at}.protocol`, port.protocol, Protocol, Protocol.TCP);
        if (port.hostIP !== undefined && (typeof port.hostIP !== "string" || !isIpAddress(port.hostIP))) {
            problems.add(`${at}.hostIP`, `${JSON.stringify(port.hostIP)} is not an IP address`);
        }
        if (hostNetwork && hostPort !== undefined && hostPort !== containerPort) {
            problems.add(`${at}.hostPort`, `with hostNetwork the process binds the host's port directly, so hostPort ` +
                `(${hostPort}) must equal containerPort (${containerPort}) or be left out`);
        }
        if (containerPort === undefined) return [];
        return [{
            containerPort,
            hostPort: hostNetwork ? undefined : hostPort,
            hostIP: port.hostIP,
            protocol: protocol === Protocol.UDP ? "udp" as const : "tcp" as const,
        }];
    });
}

/** What a container is checked against: the pod's volumes, network mode, defaults and host. */
export interface ContainerContext {
    /** Declared volume names to their sources. */
    volumes: Map<string, VolumeSpec>;
    hostNetwork: boolean;
    /** Pod-wide security defaults. */
    podSecurity?: SecurityContext;
    allowPrivileged: boolean;
    /** The pod has a guardian, which runs liveness probes. */
    heal?: boolean;
}

/**
 * Settings that contradict each other, checked on what a container ends up
 * with (its own fields over the pod's), so a pod-wide default is checked too.
 */
function checkSecurityCombination(problems: Problems, path: string, sc: SecurityContext): void {
    if (sc.runAsNonRoot === true && sc.runAsUser === 0) {
        problems.add(`${path}.runAsUser`, "is 0 (root) but runAsNonRoot is set (here or in the pod's securityContext): choose a non-zero user id");
    }
    if (sc.runAsGroup !== undefined && sc.runAsUser === undefined) {
        problems.add(`${path}.runAsGroup`, "needs runAsUser too (here or in the pod's securityContext): Docker's --user takes uid:gid");
    }
    if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
        problems.add(`${path}.allowPrivilegeEscalation`, "is false but the container is privileged (as Kubernetes, dockerpod refuses both): " +
            "drop one of them, or set allowPrivilegeEscalation: true on the privileged container");
    }
}

/** Checks one container of a pod. */
export function checkContainer(
    problems: Problems, path: string, podName: string, c: Container, ctx: ContainerContext,
): ContainerSpec | undefined {
    const { volumes, hostNetwork } = ctx;
    if (c === null || typeof c !== "object") {
        problems.add(path, "must be a container object");
        return undefined;
    }
    nameCheck(problems, `${path}.name`, c.name, "container name");
    if (c.name === "sandbox") problems.add(`${path}.name`, `"sandbox" is the pod's own sandbox container: choose another name`);
    if (c.name === "guardian" && ctx.heal) problems.add(`${path}.name`, `"guardian" is the healing pod's own guardian container: choose another name`);
    imageCheck(problems, `${path}.image`, c.image);
    const pullPolicy = enumCheck(problems, `${path}.imagePullPolicy`, c.imagePullPolicy, ImagePullPolicy, ImagePullPolicy.IfNotPresent);
    (c.env ?? []).forEach((e, i) => {
        if (typeof e?.name !== "string" || !ENV_NAME.test(e.name)) {
            problems.add(`${path}.env[${i}].name`, `${JSON.stringify(e?.name)} is not a variable name: use letters, digits and '_', not starting with a digit`);
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
        if (!volume) {
            problems.add(`${at}.name`, `"${m?.name}" is not a volume of the pod: declare it in volumes (emptyDir or hostPath)`);
        }
        // "/data" and "/data/" are one mount point to Docker: compare and mount them without the '/'.
        const target = typeof m?.mountPath === "string" && m.mountPath.length > 1 ? m.mountPath.replace(/\/+$/, "") : m?.mountPath;
        if (pathCheck(problems, `${at}.mountPath`, m?.mountPath, "mount path")) {
            if (target === "/") problems.add(`${at}.mountPath`, "\"/\" would hide the container's whole filesystem: mount the volume on a directory");
            else if (targets.has(target)) problems.add(`${at}.mountPath`, `"${m.mountPath}" is mounted twice`);
            targets.add(target);
        }
        if (volume) mounts.push({ target, source: volume.source, type: volume.type, readOnly: m.readOnly === true });
    });
    checkCommand(problems, `${path}.command`, c.command);
    checkCommand(problems, `${path}.args`, c.args);
    checkProbe(problems, `${path}.readinessProbe`, c.readinessProbe);
    if (c.livenessProbe !== undefined) {
        if (ctx.heal) checkProbe(problems, `${path}.livenessProbe`, c.livenessProbe);
        else problems.add(`${path}.livenessProbe`, "needs heal: true: Docker never restarts an unhealthy container, the pod's guardian does; set heal: true or remove it");
    }
    if (c.startupProbe !== undefined) {
        problems.add(`${path}.startupProbe`, "is not supported yet: remove it, or use a readinessProbe with initialDelaySeconds");
    }
    const security: SecurityContext = { ...ctx.podSecurity, ...c.securityContext };
    checkSecurity(problems, `${path}.securityContext`, c.securityContext, ctx.allowPrivileged);
    // Without its own fields the container has the pod's, which are checked once, at the pod.
    if (c.securityContext !== undefined) checkSecurityCombination(problems, `${path}.securityContext`, security);
    const files = checkFiles(problems, `${path}.files`, c, targets);
    if (files.length > 0 && security.readOnlyRootFilesystem === true) {
        problems.add(`${path}.files`, "cannot be written into a read-only root filesystem (readOnlyRootFilesystem): " +
            "drop readOnlyRootFilesystem, or put the files in a hostPath volume");
    }
    return {
        name: c.name,
        dockerName: containerName(podName, c.name),
        source: c,
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

function checkFiles(problems: Problems, path: string, c: Container, mountTargets: Set<string>): FileSpec[] {
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

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;

/** Checks networks, DNS and /etc/hosts entries, which all live on the sandbox. */
export function checkNetworking(
    problems: Problems, networks: PodNetwork[] | undefined, dnsConfig: PodDNSConfig | undefined,
    hostAliases: HostAlias[] | undefined, hostNetwork: boolean,
): { networks: PodNetwork[]; dns: DnsSpec; hosts: { host: string; ip: string }[] } {
    const names = new Set<string>();
    (networks ?? []).forEach((n, i) => {
        if (typeof n?.name !== "string" || !NETWORK_NAME.test(n.name) || ["host", "none"].includes(n.name)) {
            problems.add(`networks[${i}].name`, `${JSON.stringify(n?.name)} is not a user-defined network name: name an existing Docker network (for the host's network use hostNetwork)`);
        } else if (names.has(n.name)) {
            problems.add(`networks[${i}].name`, `"${n.name}" is listed twice`);
        }
        names.add(n?.name);
        (n?.aliases ?? []).forEach((a, j) => {
            if (typeof a !== "string" || !DNS_NAME.test(a)) problems.add(`networks[${i}].aliases[${j}]`, `${JSON.stringify(a)} is not a DNS name`);
        });
    });
    if (hostNetwork && (networks ?? []).length > 0) {
        problems.add("networks", "cannot be used with hostNetwork: the pod then uses the host's network; remove one of them");
    }
    const dns: DnsSpec = { nameservers: [], searches: [], options: [] };
    (dnsConfig?.nameservers ?? []).forEach((ns, i) => {
        if (typeof ns !== "string" || !isIpAddress(ns)) problems.add(`dnsConfig.nameservers[${i}]`, `${JSON.stringify(ns)} is not an IP address`);
        else dns.nameservers.push(ns);
    });
    (dnsConfig?.searches ?? []).forEach((d, i) => {
        if (typeof d !== "string" || !DNS_NAME.test(d)) problems.add(`dnsConfig.searches[${i}]`, `${JSON.stringify(d)} is not a domain name`);
        else dns.searches.push(d);
    });
    (dnsConfig?.options ?? []).forEach((o, i) => {
        if (typeof o?.name !== "string" || !/^[a-z][a-z0-9_-]*$/i.test(o.name)) {
            problems.add(`dnsConfig.options[${i}].name`, `${JSON.stringify(o?.name)} is not a resolver option name, e.g. "ndots"`);
        } else if (o.value !== undefined && (typeof o.value !== "string" || !/^[A-Za-z0-9._-]+$/.test(o.value))) {
            problems.add(`dnsConfig.options[${i}].value`, `${JSON.stringify(o.value)} is not a resolver option value`);
        } else {
            dns.options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name);
        }
    });
    const hosts: { host: string; ip: string }[] = [];
    (hostAliases ?? []).forEach((h, i) => {
        if (typeof h?.ip !== "string" || !isIpAddress(h.ip)) {
            problems.add(`hostAliases[${i}].ip`, `${JSON.stringify(h?.ip)} is not an IP address`);
        } else if (h.ip.includes(":")) {
            // The docker provider splits `host:ip` on ':' when it reads the sandbox back, so an IPv6
            // alias would plan a new pod on every preview (seen on the real engine).
            problems.add(`hostAliases[${i}].ip`, `"${h.ip}" is IPv6, which the docker provider cannot read back: ` +
                "use an IPv4 address, or a DNS name the pod resolves (dnsConfig)");
        }
        if (!Array.isArray(h?.hostnames) || h.hostnames.length === 0) problems.add(`hostAliases[${i}].hostnames`, "name at least one host");
        (h?.hostnames ?? []).forEach((name, j) => {
            if (typeof name !== "string" || !DNS_NAME.test(name)) problems.add(`hostAliases[${i}].hostnames[${j}]`, `${JSON.stringify(name)} is not a host name`);
            else if (typeof h.ip === "string") hosts.push({ host: name, ip: h.ip });
        });
    });
    return { networks: networks ?? [], dns, hosts };
}

/** Checks the pod's volumes and maps each name to its Docker source. */
export function checkVolumes(problems: Problems, podName: string, volumes: Volume[] | undefined): Map<string, VolumeSpec> {
    const result = new Map<string, VolumeSpec>();
    (volumes ?? []).forEach((v, i) => {
        const at = `volumes[${i}]`;
        if (!nameCheck(problems, `${at}.name`, v?.name, "volume name")) return;
        if (result.has(v.name)) problems.add(`${at}.name`, `"${v.name}" is declared twice`);
        if ((v.emptyDir === undefined) === (v.hostPath === undefined)) {
            problems.add(at, "set exactly one of emptyDir or hostPath");
            return;
        }
        if (v.emptyDir !== undefined) {
            if (v.emptyDir.medium !== undefined && v.emptyDir.medium !== "") {
                problems.add(`${at}.emptyDir.medium`, `"${v.emptyDir.medium}" is not supported: leave medium out (disk)`);
            }
            result.set(v.name, { name: v.name, source: volumeName(podName, v.name), type: "volume" });
        } else if (pathCheck(problems, `${at}.hostPath.path`, v.hostPath?.path, "host path")) {
            result.set(v.name, { name: v.name, source: v.hostPath!.path, type: "bind" });
        }
    });
    return result;
}

/** Kubernetes' label syntax: a name (and a value, which may also be empty) of at most 63 characters. */
const LABEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

function isLabelKey(key: string): boolean {
    const slash = key.indexOf("/");
    if (slash < 0) return LABEL_NAME.test(key);
    const prefix = key.slice(0, slash);
    return prefix.length <= 253 && LABEL_PREFIX.test(prefix) && LABEL_NAME.test(key.slice(slash + 1));
}

function checkLabels(problems: Problems, path: string, labels: Record<string, string> | undefined): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(labels ?? {})) {
        if (!isLabelKey(key)) {
            problems.add(`${path}.${key}`, "is not a Kubernetes label key: [prefix/]name, the name at most 63 letters, digits, " +
                "'.', '_', '-' (starting and ending with a letter or digit), the prefix a DNS subdomain");
        } else if (key.startsWith("dockerpod.")) {
            problems.add(`${path}.${key}`, "the dockerpod. prefix is reserved for the pod's own labels");
        } else if (typeof value !== "string") {
            problems.add(`${path}.${key}`, "label values must be strings");
        } else if (value !== "" && !LABEL_NAME.test(value)) {
            problems.add(`${path}.${key}`, `${JSON.stringify(value.slice(0, 80))} is not a Kubernetes label value: at most 63 letters, ` +
                "digits, '.', '_', '-', starting and ending with a letter or digit (or empty)");
        } else {
            result[key] = value;
        }
    }
    return result;
}

/**
 * Checks a DockerPod's input and returns its normalized spec, or throws one
 * PodSpecError listing every problem with its field path and fix.
 */
export function buildPodSpec(resourceName: string, args: DockerPodArgs): PodSpec {
    const problems = new Problems();
    if (args === undefined || args === null || typeof args !== "object") {
        problems.add("args", "a DockerPod needs args with at least `containers`");
        problems.throwIfAny(resourceName);
    }
    const givenPodName: unknown = args.podName ?? resourceName;
    const podNamePath = args.podName !== undefined ? "podName" : "name";
    // Names below derive from the pod name: a bad one is reported once, and the other
    // fields are still checked, under a stand-in name that derives nothing wrong.
    const podName = nameCheck(problems, podNamePath, givenPodName, "pod name") ? givenPodName : "pod";
    if (podName.length > 63 - "-sandbox".length) {
        problems.add(podNamePath, `"${podName}" is too long: at most ${63 - "-sandbox".length} characters, so that container names stay valid`);
    }
    const hostNetwork = args.hostNetwork === true;
    const slice = checkSlice(problems, podName, args.resources, args.host);
    const restartPolicy = enumCheck(problems, "restartPolicy", args.restartPolicy, RestartPolicy, RestartPolicy.Always);
    const grace = intCheck(problems, "terminationGracePeriodSeconds", args.terminationGracePeriodSeconds, 0, 86400);
    if (args.hostname !== undefined) {
        nameCheck(problems, "hostname", args.hostname, "hostname");
        if (hostNetwork) problems.add("hostname", "cannot be set with hostNetwork: the pod then has the host's hostname");
    }
    if (args.sandboxImage !== undefined) imageCheck(problems, "sandboxImage", args.sandboxImage);
    const volumes = checkVolumes(problems, podName, args.volumes);
    if (!Array.isArray(args.containers) || args.containers.length === 0) {
        problems.add("containers", "a pod needs at least one container");
    }
    checkSecurity(problems, "securityContext", args.securityContext, args.host?.allowPrivileged === true);
    if (args.securityContext) checkSecurityCombination(problems, "securityContext", args.securityContext);
    const context: ContainerContext = {
        volumes, hostNetwork, podSecurity: args.securityContext, allowPrivileged: args.host?.allowPrivileged === true,
        heal: args.heal === true,
    };
    const containers = (Array.isArray(args.containers) ? args.containers : [])
        .map((c, i) => checkContainer(problems, `containers[${i}]`, podName, c, context));
    const initContainers = (args.initContainers ?? [])
        .map((c, i) => checkContainer(problems, `initContainers[${i}]`, podName, c, context));
    const networking = checkNetworking(problems, args.networks, args.dnsConfig, args.hostAliases, hostNetwork);

    const seen = new Map<string, string>();
    const check = (list: (ContainerSpec | undefined)[], field: string) => list.forEach((c, i) => {
        if (!c || typeof c.name !== "string") return;
        const other = seen.get(c.name);
        if (other) problems.add(`${field}[${i}].name`, `"${c.name}" is already the name of ${other}: names must be unique in the pod`);
        else seen.set(c.name, `${field}[${i}]`);
    });
    check(containers, "containers");
    check(initContainers, "initContainers");

    // Ports live on the sandbox: no two containers may claim one.
    const ports: PortSpec[] = [];
    const byContainerPort = new Map<string, string>();
    const byHostPort = new Map<string, string>();
    containers.forEach((c, i) => c?.ports.forEach((p, j) => {
        const at = `containers[${i}].ports[${j}]`;
        const inside = `${p.containerPort}/${p.protocol}`;
        if (byContainerPort.has(inside)) {
            problems.add(`${at}.containerPort`, `${inside} is already used by ${byContainerPort.get(inside)}: containers of a pod share one network, use another port`);
        } else byContainerPort.set(inside, at);
        if (p.hostPort !== undefined) {
            // A port on every address (no hostIP, 0.0.0.0 or ::) also takes it on each single address.
            const all = p.hostIP === undefined || p.hostIP === "0.0.0.0" || p.hostIP === "::";
            const outside = `${all ? "*" : p.hostIP}:${p.hostPort}/${p.protocol}`;
            const clash = byHostPort.get(outside) ?? byHostPort.get(`*:${p.hostPort}/${p.protocol}`) ??
                (all ? [...byHostPort.entries()].find(([k]) => k.endsWith(`:${p.hostPort}/${p.protocol}`))?.[1] : undefined);
            if (clash) {
                problems.add(`${at}.hostPort`, `${p.hostIP ?? "every address"}:${p.hostPort}/${p.protocol} would bind the host port ` +
                    `${clash} already publishes: use another hostPort`);
            } else byHostPort.set(outside, at);
        }
        ports.push(p);
    }));
    initContainers.forEach((c, i) => {
        if (c && c.ports.length > 0) problems.add(`initContainers[${i}].ports`, "init containers cannot publish ports: move them to an app container");
        if (c?.source.readinessProbe) problems.add(`initContainers[${i}].readinessProbe`, "init containers run to completion and cannot have probes: remove it");
    });

    // A container may not exceed the pod; containers that only add up past it overcommit, with a warning.
    const warnings: string[] = [];
    for (const key of ["memoryBytes", "cpuMillis"] as const) {
        const podLimit = slice.limits[key];
        if (podLimit === undefined) continue;
        const field = key === "memoryBytes" ? "memory" : "cpu";
        let sum = 0;
        containers.forEach((c, i) => {
            const limit = c?.limits[key];
            if (limit === undefined) return;
            sum += limit;
            if (limit > podLimit) {
                problems.add(`containers[${i}].resources.limits.${field}`, `"${c!.source.resources!.limits![field]}" is above the pod's limit ` +
                    `"${args.resources!.limits![field]}": lower it or raise resources.limits.${field}`);
            }
        });
        if (sum > podLimit) {
            warnings.push(`dockerpod: the containers' ${field} limits add up past the pod's limit ("${args.resources!.limits![field]}"): ` +
                `they overcommit inside the pod, which enforces its own limit`);
        }
    }
    if (args.heal !== undefined && typeof args.heal !== "boolean") problems.add("heal", "must be true or false");
    if (args.shareProcessNamespace === true && args.hostPID === true) {
        problems.add("shareProcessNamespace", "cannot be combined with hostPID (a cluster refuses it too): the containers see the host's processes already; drop one");
    }
    if (args.guardianImage !== undefined) imageCheck(problems, "guardianImage", args.guardianImage);
    initContainers.forEach((c, i) => {
        if (c?.source.livenessProbe) problems.add(`initContainers[${i}].livenessProbe`, "init containers run to completion and cannot have probes: remove it");
    });
    const labels = checkLabels(problems, "labels", args.labels);
    problems.throwIfAny(resourceName);
    return {
        podName,
        hostname: args.hostname ?? podName,
        slice,
        restartPolicy,
        graceSeconds: grace ?? DEFAULT_GRACE_SECONDS,
        sandboxImage: args.sandboxImage ?? DEFAULT_SANDBOX_IMAGE,
        guardianImage: args.heal === true ? args.guardianImage ?? DEFAULT_GUARDIAN_IMAGE : undefined,
        dockerSocket: args.host?.dockerSocket ?? "/var/run/docker.sock",
        shareProcessNamespace: args.shareProcessNamespace === true,
        hostNetwork,
        hostIPC: args.hostIPC === true,
        hostPID: args.hostPID === true,
        labels,
        volumes: [...volumes.values()],
        initContainers: initContainers as ContainerSpec[],
        containers: containers as ContainerSpec[],
        ports,
        ...networking,
        warnings,
    };
}

/** Docker's restart policy for a Kubernetes one. */
export function dockerRestart(policy: RestartPolicy): string {
    switch (policy) {
        case RestartPolicy.Always: return "always";
        case RestartPolicy.OnFailure: return "on-failure";
        default: return "no";
    }
}

