// Names that reach Docker, unit files, shell scripts and cgroup paths. They are
// validated strictly, so nothing here ever needs escaping to be safe.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes DNS-1123 label: lower-case letters, digits and `-`, at most 63 long. */
export function isDns1123Label(name: string): boolean {
    return typeof name === "string" && name.length <= 63 && DNS1123_LABEL.test(name);
}

/** systemd slice names we accept: `a.slice` or `a-b.slice`, parts of `[A-Za-z0-9_]`. */
const SLICE = /^[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*\.slice$/;
export function isSliceName(name: string): boolean {
    return typeof name === "string" && name.length <= 200 && SLICE.test(name) && !name.startsWith("-");
}

/** cgroupfs parent paths we accept: absolute, parts of `[A-Za-z0-9_.-]`, no `.` or `..`. */
const CGROUP_PATH = /^(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/;
export function isCgroupPath(path: string): boolean {
    return (
        typeof path === "string" &&
        path.length <= 200 &&
        CGROUP_PATH.test(path) &&
        !path.split("/").some((part) => part === "." || part === "..")
    );
}

export const DEFAULT_PARENT_SLICE = "dockerpod.slice";
export const DEFAULT_PARENT_PATH = "/dockerpod";

/**
 * The pod's slice unit under the parent slice. systemd reads every `-` as a
 * level of nesting, so the pod name's `-` become `_` (as Kubernetes does for
 * pod uids under `kubepods.slice`): `web-1` under `dockerpod.slice` is
 * `dockerpod-web_1.slice`, a direct child of `dockerpod.slice`.
 */
export function podSliceName(parentSlice: string, podName: string): string {
    const prefix = parentSlice.slice(0, -".slice".length);
    return `${prefix}-${podName.replace(/-/g, "_")}.slice`;
}

/** Where the cgroupfs driver's owner mark lives (cgroupfs has no room for files). */
export function cgroupfsMarkFile(cgroupPath: string): string {
    return `/run/dockerpod/owners/${cgroupPath.slice(1).replace(/\//g, ":")}`;
}

/** The pod's cgroup path under a cgroupfs parent path. */
export function podCgroupPath(parentPath: string, podName: string): string {
    return `${parentPath}/${podName}`;
}

/**
 * Docker names derived from a pod are `<pod>_<member>`. Pod, container and
 * volume names are DNS-1123 labels, which never hold `_`, so the first `_`
 * ends the pod name: no two pods, and no two members of one pod, can derive
 * the same name (with `-`, pod `web` + `api-sandbox` and pod `web-api` +
 * `sandbox` were both `web-api-sandbox`). The pod's own members, `sandbox` and
 * `guardian`, are names its containers may not take.
 */
export const NAME_SEPARATOR = "_";

/** Member names the pod itself uses for its containers. */
export const SANDBOX_MEMBER = "sandbox";
export const GUARDIAN_MEMBER = "guardian";

/** Docker container name of a pod member. */
export function containerName(podName: string, member: string): string {
    return `${podName}${NAME_SEPARATOR}${member}`;
}

/** Name of the pod's sandbox container. */
export function sandboxName(podName: string): string {
    return containerName(podName, SANDBOX_MEMBER);
}

/** Name of the healing pod's guardian container. */
export function guardianName(podName: string): string {
    return containerName(podName, GUARDIAN_MEMBER);
}

/**
 * The prober of a container: `<pod>_<member>.probe`. Member names never hold
 * `.`, so it is no member's name.
 */
export function proberName(containerDockerName: string): string {
    return `${containerDockerName}.probe`;
}

/**
 * The name a container's stop script gives it before its preStop hook: the
 * guardian looks containers up by name, so it does not start again one that
 * is on its way out (the provider removes it by id). Member names never hold
 * `.`, so it is no member's or prober's name.
 */
export function stoppingName(containerDockerName: string): string {
    return `${containerDockerName}.stopping`;
}

/** Docker volume name of an emptyDir volume (volumes are a namespace of their own). */
export function volumeName(podName: string, volume: string): string {
    return `${podName}${NAME_SEPARATOR}${volume}`;
}

/** Labels that mark every Docker object of a pod. */
export const LABEL_POD = "dockerpod.pod";
export const LABEL_ROLE = "dockerpod.role";
export const LABEL_CONTAINER = "dockerpod.container";
export const LABEL_NAMESPACES = "dockerpod.namespaces";
/**
 * The slice Command's id, on every container of the pod. The id only changes
 * when the slice is replaced, and this reference makes the engine replace the
 * containers first: a slice cannot be removed while they run in it.
 */
export const LABEL_SLICE = "dockerpod.slice";
/**
 * A container's startup probe and lifecycle hooks, as JSON: the host's hooks
 * Command runs them, so this label is what makes a change to them replace the
 * container (as a cluster makes the pod again), and not run a new postStart
 * hook in a container that already ran the old one.
 */
export const LABEL_HOOKS = "dockerpod.hooks";
/** The pod-level name of an emptyDir volume, on its Docker volume. */
export const LABEL_VOLUME = "dockerpod.volume";

/**
 * Names of a DockerPod's children in the program: `<resource name>-<member>`,
 * as Pulumi names children. Each part's own resources take its name, a `.`
 * and their role (`partChildName`).
 */
export const CHILD = {
    slice: "slice",
    sandbox: SANDBOX_MEMBER,
    guardian: GUARDIAN_MEMBER,
    guardianImage: `${GUARDIAN_MEMBER}-image`,
    volumeModes: "volumes",
} as const;

/** The name of a child of the pod (or of a part) named `resourceName`. */
export function childName(resourceName: string, member: string): string {
    return `${resourceName}-${member}`;
}

/**
 * What a part makes for itself besides its container, each named
 * `<part>.<role>` (`foo-app.image`, `foo-app.probe`). A part is named
 * `<pod resource>-<member>`, and member names are DNS labels, which never hold
 * `.`: so no container, volume or part of any pod is named like a part's own
 * resource (with `-`, container `api-probe` beside `api`'s prober made
 * `foo-api-probe` twice).
 */
export const PART_CHILD = {
    image: "image",
    userCheck: "user-check",
    probe: "probe",
    probeImage: "probe-image",
    hooks: "hooks",
} as const;
export type PartChildRole = (typeof PART_CHILD)[keyof typeof PART_CHILD];

/** The name of a part's own resource. */
export function partChildName(partName: string, role: PartChildRole): string {
    return `${partName}.${role}`;
}

/**
 * The name a part's own resource had until version 0.2 (`<part>-<role>`): an
 * alias to it keeps an existing stack's resources where they are.
 */
export function legacyPartChildName(partName: string, role: PartChildRole): string {
    return childName(partName, role);
}

/** Quotes a string for POSIX sh. Used on top of validation, never instead of it. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
