// The pod's parent cgroup: the host settings and the slice or cgroupfs path.
import * as pulumi from "@pulumi/pulumi";
import { CgroupDriver, Host, PodResources, PodSliceArgs, SshConnection } from "../types";
import { Problems } from "./errors";
import { Limits, MAX_SOCKET_PATH, checkLimits, checkPodName, enumCheck, intCheck, pathCheck, quantityText } from "./checks";
import {
    DEFAULT_PARENT_PATH,
    cgroupfsMarkFile,
    DEFAULT_PARENT_SLICE,
    isCgroupPath,
    isSliceName,
    podCgroupPath,
    podSliceName,
} from "./names";

export interface HostSpec {
    driver: CgroupDriver;
    /** Parent slice (systemd) or parent path (cgroupfs). */
    parent: string;
    sudo: boolean;
    remote: boolean;
    /** The daemon's socket when set in host.dockerSocket: host scripts then talk to it (`docker -H`). */
    dockerSocket?: string;
    /** SSH connection of a remote host; host scripts run there. */
    connection?: SshConnection;
    allowPrivileged: boolean;
    /** host.dockerApiVersion as given (checked at create against the daemon). */
    dockerApiVersion?: string;
    /** The daemon takes `noCopy` on volume mounts (API 1.45+): emptyDir volumes start empty. */
    emptyDirNoCopy: boolean;
}

/** The oldest Engine API dockerpod runs on (Docker 20.10), and the first whose volume mounts take noCopy through the docker provider (Docker 26). */
export const MIN_DOCKER_API = 41;
export const NO_COPY_DOCKER_API = 45;

export interface SliceSpec {
    podName: string;
    host: HostSpec;
    /** The value Docker's `--cgroup-parent` takes: a slice name or a path. */
    cgroupParent: string;
    limits: Limits;
    /** The limits as written (checked), for messages and the manifest. */
    limitsText: { memory?: string; cpu?: string };
}

/** Slices and cgroup trees that systemd, logind, machined and kubelets make and manage. */
export const FOREIGN_SLICE = /^(-|system|user|machine|kubepods)([-.]|$)/;
export const FOREIGN_CGROUP =
    /^\/(system\.slice|user\.slice|machine\.slice|init\.scope|kubepods|kubepods\.slice|kubelet|kubelet\.slice)(\/|$)/;

export function isForeignParent(driver: CgroupDriver, parent: string): boolean {
    return driver === CgroupDriver.Systemd ? FOREIGN_SLICE.test(parent) : FOREIGN_CGROUP.test(parent);
}

/** Checks the host settings (`host.*`, under `path`). */
export function checkHost(problems: Problems, host: Host | undefined, path = ""): HostSpec {
    const at = (field: string) => (path ? `${path}.${field}` : field);
    const driver = enumCheck(problems, at("host.cgroupDriver"), host?.cgroupDriver, CgroupDriver, CgroupDriver.Systemd);
    let parent = host?.parentSlice ?? (driver === CgroupDriver.Systemd ? DEFAULT_PARENT_SLICE : DEFAULT_PARENT_PATH);
    if (driver === CgroupDriver.Systemd && !isSliceName(parent)) {
        problems.add(
            at("host.parentSlice"),
            `"${parent}" is not a systemd slice name for the systemd driver: ` +
                `write e.g. "dockerpod.slice" (parts of letters, digits and '_', joined by '-', ending in ".slice")`,
        );
        parent = DEFAULT_PARENT_SLICE;
    } else if (driver === CgroupDriver.Cgroupfs && !isCgroupPath(parent)) {
        problems.add(
            at("host.parentSlice"),
            `"${parent}" is not a cgroup path for the cgroupfs driver: ` +
                `write an absolute path such as "/dockerpod" (parts of letters, digits, '_', '.', '-')`,
        );
        parent = DEFAULT_PARENT_PATH;
    }
    if (host?.allowForeignParent !== true && isForeignParent(driver, parent)) {
        problems.add(
            at("host.parentSlice"),
            `"${parent}" is managed by systemd, logind, machined or a kubelet, and a pod's ` +
                `slice there can take the name of one of theirs: use a parent of your own, e.g. "${driver === CgroupDriver.Systemd ? DEFAULT_PARENT_SLICE : DEFAULT_PARENT_PATH}" ` +
                "(or set host.allowForeignParent: true if you mean it)",
        );
    }
    if (host?.connection !== undefined && host.connection !== null) checkConnection(problems, at("host.connection"), host.connection);
    for (const flag of ["sudo", "allowPrivileged", "allowForeignParent"] as const) {
        if (host?.[flag] !== undefined && typeof host[flag] !== "boolean") problems.add(at(`host.${flag}`), "must be true or false");
    }
    if (
        host?.dockerSocket !== undefined &&
        pathCheck(problems, at("host.dockerSocket"), host.dockerSocket, "socket path") &&
        Buffer.byteLength(host.dockerSocket) > MAX_SOCKET_PATH
    ) {
        problems.add(
            at("host.dockerSocket"),
            `is longer than ${MAX_SOCKET_PATH} bytes, the most a Unix socket path can be: use a shorter path`,
        );
    }
    let apiMinor: number | undefined;
    if (host?.dockerApiVersion !== undefined) {
        const match = typeof host.dockerApiVersion === "string" ? /^1\.(\d{1,3})$/.exec(host.dockerApiVersion) : null;
        if (!match) {
            problems.add(
                at("host.dockerApiVersion"),
                `${JSON.stringify(host.dockerApiVersion)} is not an Engine API version: write what \`docker version -f '{{.Server.APIVersion}}'\` prints, e.g. "1.45"`,
            );
        } else if (Number(match[1]) < MIN_DOCKER_API) {
            problems.add(
                at("host.dockerApiVersion"),
                `"${host.dockerApiVersion}" is older than dockerpod supports: it needs API 1.${MIN_DOCKER_API} (Docker 20.10) or later`,
            );
        } else {
            apiMinor = Number(match[1]);
        }
    }
    return {
        driver,
        parent,
        sudo: host?.sudo === true,
        ...(apiMinor !== undefined ? { dockerApiVersion: host!.dockerApiVersion } : {}),
        emptyDirNoCopy: apiMinor !== undefined && apiMinor >= NO_COPY_DOCKER_API,
        remote: host?.connection !== undefined && host.connection !== null,
        ...(typeof host?.dockerSocket === "string" ? { dockerSocket: host.dockerSocket } : {}),
        ...(host?.connection !== undefined && host.connection !== null ? { connection: host.connection } : {}),
        allowPrivileged: host?.allowPrivileged === true,
    };
}

/** Checks the host settings and computes the pod's cgroup parent. */
export function checkSlice(
    problems: Problems,
    podName: string,
    resources: PodResources | undefined,
    host: Host | undefined,
    path = "",
): SliceSpec {
    const at = (field: string) => (path ? `${path}.${field}` : field);
    const hostSpec = checkHost(problems, host, path);
    const { driver, parent } = hostSpec;
    const limits = checkLimits(problems, at("resources.limits"), resources?.limits);
    const cgroupParent = driver === CgroupDriver.Systemd ? podSliceName(parent, podName) : podCgroupPath(parent, podName);
    // systemd refuses unit names of 256 bytes or more (a long parent and a long pod name reach it).
    if (driver === CgroupDriver.Systemd && cgroupParent.length >= 256) {
        problems.add(
            at("host.parentSlice"),
            `makes the pod's slice name ${cgroupParent.length} characters long, over systemd's 255: ` + "use a shorter parent or pod name",
        );
    } else {
        const tooLong = overlongHostPath(driver, cgroupParent);
        if (tooLong) {
            problems.add(
                at("host.parentSlice"),
                `with the pod name "${podName}" makes the host path ${JSON.stringify(tooLong.path.slice(0, 120) + (tooLong.path.length > 120 ? "..." : ""))} ` +
                    `${tooLong.why}: use a shorter parent (fewer or shorter levels) or a shorter pod name`,
            );
        }
    }
    const limitsText = { memory: quantityText(resources?.limits?.memory), cpu: quantityText(resources?.limits?.cpu) };
    return { podName, host: hostSpec, cgroupParent, limits, limitsText };
}

/**
 * Checks a cgroup parent given to a part: a computed one (a PodSlice's
 * `cgroupParent`) was checked by that slice; a plain one must be a slice
 * name or an absolute cgroup path.
 */
export function checkCgroupParent(problems: Problems, path: string, value: unknown): void {
    if (
        pulumi.Output.isInstance(value) ||
        (value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function")
    )
        return;
    if (typeof value !== "string" || !(isSliceName(value) || isCgroupPath(value))) {
        problems.add(
            path,
            `${JSON.stringify(value)} is not a cgroup parent: pass a PodSlice's cgroupParent, ` +
                `a slice name such as "dockerpod-web.slice" (systemd) or an absolute path such as "/dockerpod/web" (cgroupfs)`,
        );
    }
}

/** The checks of a PodSlice on its own; a DockerPod makes the same through checkSlice. */
export function checkPodSliceArgs(problems: Problems, args: PodSliceArgs): SliceSpec {
    const podName = checkPodName(problems, "podName", args?.podName);
    return checkSlice(problems, podName, args?.resources, args?.host);
}

/** The SSH connection's known values: a host to reach, a port in range (computed values are the provider's to check). */
function checkConnection(problems: Problems, path: string, connection: SshConnection): void {
    if (typeof connection !== "object" || Array.isArray(connection)) {
        problems.add(path, "must be an object: { host, port?, user?, privateKey? | password? }");
        return;
    }
    const host: unknown = connection.host;
    if (host === undefined || host === null || host === "") {
        problems.add(`${path}.host`, 'is required: the host name or address to reach over SSH, e.g. "203.0.113.10"');
    } else if (!pulumi.Output.isInstance(host) && typeof host !== "string") {
        problems.add(`${path}.host`, "must be a host name or address (a string)");
    }
    if (!pulumi.Output.isInstance(connection.port)) intCheck(problems, `${path}.port`, connection.port, 1, 65535);
    if (
        connection.user !== undefined &&
        connection.user !== null &&
        !pulumi.Output.isInstance(connection.user) &&
        typeof connection.user !== "string"
    ) {
        problems.add(`${path}.user`, "must be a user name (a string)");
    }
}

/** The kernel's limits: one path component (NAME_MAX) and a whole path with its NUL (PATH_MAX). */
export const NAME_MAX = 255;
export const PATH_MAX = 4096;

/**
 * The longest paths the pod's scripts, systemd and Docker make on the host
 * for this cgroup parent, with room for what comes below it (a container's
 * cgroup, named by its 64-hex id; the longest controller and file names).
 */
export function derivedHostPaths(driver: CgroupDriver, cgroupParent: string): string[] {
    const controller = "net_cls,net_prio";
    const file = "memory.limit_in_bytes";
    const container = "docker-" + "f".repeat(64) + ".scope";
    if (driver === CgroupDriver.Systemd) {
        // systemd nests a slice under each of its `-` prefixes: a-b-c.slice is a.slice/a-b.slice/a-b-c.slice.
        const parts = cgroupParent.slice(0, -".slice".length).split("-");
        const nested = parts.map((_, i) => `${parts.slice(0, i + 1).join("-")}.slice`).join("/");
        return [
            `/etc/systemd/system/${cgroupParent}`,
            `/etc/systemd/system.control/${cgroupParent}.d/50-MemoryMax.conf`,
            `/run/systemd/system.control/${cgroupParent}.d/50-MemoryMax.conf`,
            `/sys/fs/cgroup/${controller}/${nested}/${container}/${file}`,
        ];
    }
    return [`/sys/fs/cgroup/${controller}${cgroupParent}/${"f".repeat(64)}/${file}`, cgroupfsMarkFile(cgroupParent)];
}

/** The first derived host path with a component over NAME_MAX or a length over PATH_MAX, and why. */
export function overlongHostPath(driver: CgroupDriver, cgroupParent: string): { path: string; why: string } | undefined {
    for (const path of derivedHostPaths(driver, cgroupParent)) {
        const long = path.split("/").find((part) => Buffer.byteLength(part) > NAME_MAX);
        if (long !== undefined) {
            return { path, why: `has a ${Buffer.byteLength(long)}-byte name in it, over the kernel's ${NAME_MAX} (NAME_MAX)` };
        }
        if (Buffer.byteLength(path) >= PATH_MAX) {
            return { path, why: `is ${Buffer.byteLength(path)} bytes long, over the kernel's ${PATH_MAX - 1} (PATH_MAX)` };
        }
    }
    return undefined;
}
