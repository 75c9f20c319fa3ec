// The Kubernetes Pod Security Standards (baseline and restricted, as of
// Kubernetes 1.34) applied to what a Docker host runs: a DockerPod, checked
// on its args with the pod spec's field paths, and a raw pulumi-docker
// Container, checked on its inputs with the provider's field names. Pure: the
// policy pack (pack.ts) only hands resources in and reports what comes out.
import { guardianName } from "../core/names";
import { DockerPodArgs } from "../types";

/** A Pod Security Standards level. */
export const PodSecurityLevel = {
    Baseline: "baseline",
    Restricted: "restricted",
} as const;
export type PodSecurityLevel = (typeof PodSecurityLevel)[keyof typeof PodSecurityLevel];

/** One control: a policy of the pack, named after the Kubernetes control. */
export interface Control {
    /** The policy's name. */
    name: string;
    /** The Kubernetes control's title, as the standard's table gives it. */
    title: string;
    level: PodSecurityLevel;
    description: string;
}

const control = (name: string, title: string, level: PodSecurityLevel, description: string): Control => ({
    name,
    title,
    level,
    description,
});

/**
 * Every control the pack checks, in the standard's order. Two have no Docker
 * equivalent and no policy: HostProcess (Windows), and Host Probes / Lifecycle
 * Hooks (a pod's probes and hooks only reach its own localhost; Docker's
 * healthchecks run inside the container).
 */
export const CONTROLS = {
    hostNamespaces: control(
        "host-namespaces",
        "Host Namespaces",
        "baseline",
        "Sharing the host's network, PID or IPC namespace must be disallowed.",
    ),
    privileged: control(
        "privileged-containers",
        "Privileged Containers",
        "baseline",
        "Privileged containers disable most security mechanisms.",
    ),
    capabilities: control(
        "capabilities-baseline",
        "Capabilities",
        "baseline",
        "Adding capabilities beyond the baseline set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT) must be disallowed.",
    ),
    hostPath: control("hostpath-volumes", "HostPath Volumes", "baseline", "Host paths (bind mounts) must be forbidden."),
    hostPorts: control(
        "host-ports",
        "Host Ports",
        "baseline",
        "Host ports must be disallowed, or restricted to a known list (allowedHostPorts).",
    ),
    appArmor: control(
        "apparmor",
        "AppArmor",
        "baseline",
        "Overriding or disabling the default AppArmor profile to unconfined must be disallowed.",
    ),
    seLinux: control(
        "selinux",
        "SELinux",
        "baseline",
        "Setting a custom SELinux user or role, or a type other than a container type, or disabling labels, must be forbidden.",
    ),
    procMount: control(
        "proc-mount-type",
        "/proc Mount Type",
        "baseline",
        "The default masked /proc paths are required (no systempaths=unconfined).",
    ),
    seccomp: control(
        "seccomp",
        "Seccomp",
        "baseline",
        "Seccomp must not be Unconfined. Docker applies its default profile (RuntimeDefault) unless told otherwise, which also meets the restricted level.",
    ),
    sysctls: control("sysctls", "Sysctls", "baseline", "Sysctls outside the safe set must be disallowed."),
    volumeTypes: control(
        "volume-types",
        "Volume Types",
        "restricted",
        "Only emptyDir, Docker volumes, tmpfs and files are allowed: no host paths.",
    ),
    privilegeEscalation: control(
        "privilege-escalation",
        "Privilege Escalation",
        "restricted",
        "Privilege escalation (setuid binaries, file capabilities) must be disallowed: allowPrivilegeEscalation false, Docker's no-new-privileges.",
    ),
    nonRoot: control("running-as-non-root", "Running as Non-root", "restricted", "Containers must be required to run as non-root users."),
    nonRootUser: control("running-as-non-root-user", "Running as Non-root user", "restricted", "Containers must not set uid 0."),
    capabilitiesRestricted: control(
        "capabilities-restricted",
        "Capabilities",
        "restricted",
        "Containers must drop ALL capabilities, and may only add back NET_BIND_SERVICE.",
    ),
    /** Not a Kubernetes control: the healing pod's guardian holds the Docker socket (root on the host), under its own name so a team can allow exactly that. */
    guardian: control(
        "dockerpod-guardian-docker-socket",
        "dockerpod guardian (not a Kubernetes control)",
        "baseline",
        "dockerpod (not a Kubernetes control): a healing pod's guardian runs in the host's guardian agent, which holds the Docker socket (root on the host).",
    ),
} as const;

/** A finding: which control, where (a field path of the resource's inputs), and what to do. */
export interface Violation {
    control: Control;
    path: string;
    message: string;
}

/** Options a policy takes from the pack's config. */
export interface ControlOptions {
    /** Host ports allowed by `host-ports` (Kubernetes' "known list"). */
    allowedHostPorts?: number[];
}

/** The capabilities the baseline level allows adding (Kubernetes 1.34). */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
] as const;

/** The sysctls the baseline level allows (Kubernetes 1.34): namespaced and isolated from other pods. */
export const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
] as const;

/** SELinux types the baseline level allows. */
const SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

/** Docker accepts `CAP_NET_ADMIN`, `net_admin` and `NET_ADMIN` alike. */
export function capabilityName(value: string): string {
    return value.toUpperCase().replace(/^CAP_/, "");
}

// What the engine hands a policy: plain values of whatever shape a program gave, read field by field and defensively.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Plain = Record<string, any>;
const isTrue = (value: unknown) => value === true;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const list = <T = any>(value: unknown): T[] => (Array.isArray(value) ? value : []);

/** The findings of a DockerPod's args (after its manifest, if any, was read into them); `resourceName` names its guardian. */
export function podViolations(resourceName: string, args: DockerPodArgs, options: ControlOptions = {}): Violation[] {
    const found: Violation[] = [];
    const add = (c: Control, path: string, message: string) => found.push({ control: c, path, message });
    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (isTrue(args[field])) add(CONTROLS.hostNamespaces, field, `shares the host's namespace: remove ${field} (or set it to false)`);
    }
    list(args.volumes).forEach((v, i) => {
        if (v?.hostPath !== undefined && v.hostPath !== null) {
            const message = `mounts the host's ${JSON.stringify(v.hostPath?.path)}: use an emptyDir volume, or files`;
            add(CONTROLS.hostPath, `volumes[${i}].hostPath`, message);
            add(CONTROLS.volumeTypes, `volumes[${i}].hostPath`, message);
        }
    });
    if (isTrue(args.heal)) {
        add(
            CONTROLS.guardian,
            "heal",
            `the guardian ${JSON.stringify(guardianName(args.podName ?? resourceName))} runs in the host's guardian agent, which holds the Docker socket (root on the host): allow this policy for pods that heal, or set heal to false`,
        );
    }
    const pod = args.securityContext ?? {};
    if (pod.runAsUser === 0) add(CONTROLS.nonRootUser, "securityContext.runAsUser", "is 0 (root): set a uid other than 0");
    const allowed = new Set(options.allowedHostPorts ?? []);
    for (const [key, containers] of [
        ["initContainers", args.initContainers],
        ["containers", args.containers],
    ] as const) {
        list(containers).forEach((c, i) => {
            const at = `${key}[${i}]`;
            const sc = c?.securityContext ?? {};
            if (isTrue(sc.privileged))
                add(CONTROLS.privileged, `${at}.securityContext.privileged`, "runs privileged (root on the host): remove it");
            const adds = list<string>(sc.capabilities?.add).map(String);
            adds.forEach((cap, j) => {
                const name = capabilityName(cap);
                if (!(BASELINE_CAPABILITIES as readonly string[]).includes(name)) {
                    add(
                        CONTROLS.capabilities,
                        `${at}.securityContext.capabilities.add[${j}]`,
                        `adds ${name}, beyond the baseline set: remove it`,
                    );
                }
                if (name !== "NET_BIND_SERVICE") {
                    add(
                        CONTROLS.capabilitiesRestricted,
                        `${at}.securityContext.capabilities.add[${j}]`,
                        `adds ${name}: only NET_BIND_SERVICE may be added`,
                    );
                }
            });
            if (!list<string>(sc.capabilities?.drop).some((cap) => capabilityName(String(cap)) === "ALL")) {
                add(
                    CONTROLS.capabilitiesRestricted,
                    `${at}.securityContext.capabilities.drop`,
                    'does not drop ALL: set capabilities.drop to ["ALL"]',
                );
            }
            list(c?.ports).forEach((p, j) => {
                const hostPort = p?.hostPort;
                if (typeof hostPort === "number" && hostPort !== 0 && !allowed.has(hostPort)) {
                    add(
                        CONTROLS.hostPorts,
                        `${at}.ports[${j}].hostPort`,
                        `publishes host port ${hostPort}: remove it, or add it to the policy's allowedHostPorts`,
                    );
                }
            });
            if (sc.allowPrivilegeEscalation !== false) {
                add(CONTROLS.privilegeEscalation, `${at}.securityContext.allowPrivilegeEscalation`, "is not false: set it to false");
            }
            if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) {
                add(
                    CONTROLS.nonRoot,
                    `${at}.securityContext.runAsNonRoot`,
                    "is not true: set runAsNonRoot to true here or in the pod's securityContext",
                );
            }
            if (sc.runAsUser === 0) add(CONTROLS.nonRootUser, `${at}.securityContext.runAsUser`, "is 0 (root): set a uid other than 0");
        });
    }
    return found;
}

/** `key=value` or `key:value` options of Docker's `--security-opt`, as `[key, value]`. */
function securityOpts(inputs: Plain): Array<{ index: number; key: string; value: string }> {
    return list<string>(inputs.securityOpts).map((opt, index) => {
        const text = String(opt);
        const cut = text.search(/[=:]/);
        return cut < 0 ? { index, key: text, value: "" } : { index, key: text.slice(0, cut), value: text.slice(cut + 1) };
    });
}

const DOCKER_SOCKET = /(^|\/)docker\.sock$/;

/** The findings of a raw pulumi-docker Container's inputs (`docker:index/container:Container`). */
export function containerViolations(inputs: Plain, options: ControlOptions = {}): Violation[] {
    const found: Violation[] = [];
    const add = (c: Control, path: string, message: string) => found.push({ control: c, path, message });
    if (isTrue(inputs.privileged)) add(CONTROLS.privileged, "privileged", "runs privileged (root on the host): remove it");
    const modes = { networkMode: "network", pidMode: "PID", ipcMode: "IPC" } as const;
    for (const [field, what] of Object.entries(modes)) {
        if (inputs[field] === "host") add(CONTROLS.hostNamespaces, field, `shares the host's ${what} namespace: remove ${field}: host`);
    }
    const adds = list<string>(inputs.capabilities?.adds).map(String);
    adds.forEach((cap, j) => {
        const name = capabilityName(cap);
        if (!(BASELINE_CAPABILITIES as readonly string[]).includes(name)) {
            add(CONTROLS.capabilities, `capabilities.adds[${j}]`, `adds ${name}, beyond the baseline set: remove it`);
        }
        if (name !== "NET_BIND_SERVICE")
            add(CONTROLS.capabilitiesRestricted, `capabilities.adds[${j}]`, `adds ${name}: only NET_BIND_SERVICE may be added`);
    });
    if (!list<string>(inputs.capabilities?.drops).some((cap) => capabilityName(String(cap)) === "ALL")) {
        add(CONTROLS.capabilitiesRestricted, "capabilities.drops", 'does not drop ALL: set capabilities.drops to ["ALL"]');
    }
    const hostPath = (path: string, source: unknown) => {
        const text = String(source);
        const message = DOCKER_SOCKET.test(text)
            ? `binds the Docker socket ${JSON.stringify(text)}, which is root on the host: remove it`
            : `binds the host's ${JSON.stringify(text)}: use a Docker volume or tmpfs instead`;
        add(CONTROLS.hostPath, path, message);
        add(CONTROLS.volumeTypes, path, message);
    };
    list(inputs.mounts).forEach((m, i) => {
        if (m?.type === "bind") hostPath(`mounts[${i}].source`, m.source);
    });
    list(inputs.volumes).forEach((v, i) => {
        if (typeof v?.hostPath === "string" && v.hostPath !== "") hostPath(`volumes[${i}].hostPath`, v.hostPath);
    });
    const allowed = new Set(options.allowedHostPorts ?? []);
    list(inputs.ports).forEach((p, i) => {
        // Without `external`, Docker publishes the port on a host port of its choosing.
        const external = p?.external;
        if (external === undefined || external === null || !allowed.has(external)) {
            add(
                CONTROLS.hostPorts,
                `ports[${i}]`,
                `publishes ${external === undefined || external === null ? "a host port Docker picks" : `host port ${external}`}: remove it, or add the port to the policy's allowedHostPorts`,
            );
        }
    });
    let noNewPrivileges = false;
    for (const { index, key, value } of securityOpts(inputs)) {
        const at = `securityOpts[${index}]`;
        if (key === "apparmor" && value === "unconfined")
            add(CONTROLS.appArmor, at, "runs without AppArmor: remove it (Docker's default profile applies)");
        if (key === "seccomp" && value === "unconfined")
            add(CONTROLS.seccomp, at, "runs without seccomp: remove it (Docker's default profile applies)");
        if (key === "systempaths" && value === "unconfined") add(CONTROLS.procMount, at, "unmasks /proc and /sys paths: remove it");
        if (key === "label") {
            const [part, ...rest] = value.split(":");
            const setting = rest.join(":");
            if (part === "disable") add(CONTROLS.seLinux, at, "disables SELinux labels: remove it");
            else if (part === "user" || part === "role") add(CONTROLS.seLinux, at, `sets the SELinux ${part}: remove it`);
            else if (part === "type" && !SELINUX_TYPES.includes(setting)) {
                add(CONTROLS.seLinux, at, `sets the SELinux type ${JSON.stringify(setting)}: use a container type (container_t) or none`);
            }
        }
        if (key === "no-new-privileges" && (value === "" || value === "true")) noNewPrivileges = true;
    }
    if (!noNewPrivileges) add(CONTROLS.privilegeEscalation, "securityOpts", 'does not set no-new-privileges: add "no-new-privileges:true"');
    for (const name of Object.keys(inputs.sysctls ?? {})) {
        if (!(SAFE_SYSCTLS as readonly string[]).includes(name))
            add(CONTROLS.sysctls, `sysctls["${name}"]`, `sets ${name}, outside the safe set: remove it`);
    }
    const user = typeof inputs.user === "string" ? inputs.user.split(":")[0] : "";
    if (user === "0" || user === "root")
        add(CONTROLS.nonRootUser, "user", `runs as ${JSON.stringify(inputs.user)} (root): set a uid other than 0`);
    else if (!/^[0-9]+$/.test(user)) {
        add(
            CONTROLS.nonRoot,
            "user",
            "does not set a numeric non-root user, so the image's (often root) applies: set user to a uid other than 0",
        );
    }
    return found;
}
