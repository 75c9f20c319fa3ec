// The sandbox: the container that owns the pod's network and IPC namespaces.
import { HostAlias, ImagePullPolicy, PodDNSConfig, PodNetwork, RestartPolicy, SandboxContainerArgs } from "../types";
import { Problems } from "./errors";
import { checkLabels, checkPodName, enumCheck, imageCheck, isIpAddress, nameCheck } from "./checks";
import { PortSpec, checkPortClashes, checkPorts } from "./container";
import { sandboxName } from "./names";
import { checkCgroupParent } from "./slice";

export const DEFAULT_SANDBOX_IMAGE = "registry.k8s.io/pause:3.9";

/** The sandbox, checked: everything its Docker container is made from but the wiring (image id, cgroup parent). */
export interface SandboxSpec {
    podName: string;
    /** Docker name, `<pod>_sandbox`. */
    containerName: string;
    image: string;
    pullPolicy: ImagePullPolicy;
    /** The pod's hostname; unset with hostNetwork (the pod has the host's). */
    hostname?: string;
    /** Every port of the pod, published here. */
    ports: PortSpec[];
    networks: PodNetwork[];
    dns: DnsSpec;
    /** `/etc/hosts` entries, one per hostname. */
    hosts: { host: string; ip: string }[];
    hostNetwork: boolean;
    hostIPC: boolean;
    hostPID: boolean;
    /** Whether the payloads join the sandbox's PID namespace. */
    shareProcessNamespace: boolean;
    /** The pod's restart policy (the sandbox itself is kept running unless it is `Never`). */
    restartPolicy: RestartPolicy;
    labels: Record<string, string>;
}

/** The sandbox's fields, as a SandboxContainer and a DockerPod both give them. */
export type SandboxFields = Omit<SandboxContainerArgs, "podName" | "cgroupParent">;

/**
 * The checks of the sandbox's fields, for a SandboxContainer and a DockerPod
 * alike. `paths` names a field where the caller's args call it otherwise
 * (a DockerPod's `sandboxImage` is the sandbox's `image`).
 */
export function checkSandbox(problems: Problems, podName: string, f: SandboxFields, paths: { [field: string]: string } = {}): SandboxSpec {
    const at = (field: string) => paths[field] ?? field;
    const flag = (field: "hostNetwork" | "hostIPC" | "hostPID" | "shareProcessNamespace") => {
        if (f[field] !== undefined && typeof f[field] !== "boolean") problems.add(at(field), "must be true or false");
        return f[field] === true;
    };
    const hostNetwork = flag("hostNetwork");
    const hostIPC = flag("hostIPC");
    const hostPID = flag("hostPID");
    const shareProcessNamespace = flag("shareProcessNamespace");
    if (f.image !== undefined) imageCheck(problems, at("image"), f.image);
    const pullPolicy = enumCheck(problems, at("imagePullPolicy"), f.imagePullPolicy, ImagePullPolicy, ImagePullPolicy.IfNotPresent);
    if (f.hostname !== undefined) {
        nameCheck(problems, at("hostname"), f.hostname, "hostname");
        if (hostNetwork) problems.add(at("hostname"), "cannot be set with hostNetwork: the pod then has the host's hostname");
    }
    if (shareProcessNamespace && hostPID) {
        problems.add(
            at("shareProcessNamespace"),
            "cannot be combined with hostPID (a cluster refuses it too): the containers see the host's processes already; drop one",
        );
    }
    const ports = checkPorts(problems, at("ports"), f.ports, hostNetwork);
    // Checked when every port was readable, so that each index is the port's own.
    if (ports.length === (f.ports ?? []).length)
        checkPortClashes(
            problems,
            ports.map((port, i) => ({ at: `${at("ports")}[${i}]`, port })),
        );
    const networking = checkNetworking(problems, f.networks, f.dnsConfig, f.hostAliases, hostNetwork);
    const restartPolicy = enumCheck(problems, at("restartPolicy"), f.restartPolicy, RestartPolicy, RestartPolicy.Always);
    const labels = checkLabels(problems, at("labels"), f.labels);
    return {
        podName,
        containerName: sandboxName(podName),
        image: typeof f.image === "string" ? f.image : DEFAULT_SANDBOX_IMAGE,
        pullPolicy,
        hostname: hostNetwork ? undefined : typeof f.hostname === "string" ? f.hostname : podName,
        ports,
        ...networking,
        hostNetwork,
        hostIPC,
        hostPID,
        shareProcessNamespace,
        restartPolicy,
        labels,
    };
}

/** The checks of a SandboxContainer on its own: its pod name and cgroup parent, and the sandbox's fields. */
export function checkSandboxArgs(problems: Problems, args: SandboxContainerArgs): SandboxSpec {
    const podName = checkPodName(problems, "podName", args?.podName);
    checkCgroupParent(problems, "cgroupParent", args?.cgroupParent);
    return checkSandbox(problems, podName, args ?? {});
}

export interface DnsSpec {
    nameservers: string[];
    searches: string[];
    /** `name` or `name:value`, as Docker's `--dns-option` takes them. */
    options: string[];
}
export const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;

/** Checks networks, DNS and /etc/hosts entries, which all live on the sandbox. */
export function checkNetworking(
    problems: Problems,
    networks: PodNetwork[] | undefined,
    dnsConfig: PodDNSConfig | undefined,
    hostAliases: HostAlias[] | undefined,
    hostNetwork: boolean,
): { networks: PodNetwork[]; dns: DnsSpec; hosts: { host: string; ip: string }[] } {
    const names = new Set<string>();
    (networks ?? []).forEach((n, i) => {
        if (typeof n?.name !== "string" || !NETWORK_NAME.test(n.name) || ["host", "none"].includes(n.name)) {
            problems.add(
                `networks[${i}].name`,
                `${JSON.stringify(n?.name)} is not a user-defined network name: name an existing Docker network (for the host's network use hostNetwork)`,
            );
        } else if (names.has(n.name)) {
            problems.add(`networks[${i}].name`, `"${n.name}" is listed twice`);
        }
        names.add(n?.name);
        (n?.aliases ?? []).forEach((a, j) => {
            if (typeof a !== "string" || !DNS_NAME.test(a))
                problems.add(`networks[${i}].aliases[${j}]`, `${JSON.stringify(a)} is not a DNS name`);
        });
    });
    if (hostNetwork && (networks ?? []).length > 0) {
        problems.add("networks", "cannot be used with hostNetwork: the pod then uses the host's network; remove one of them");
    }
    const dns: DnsSpec = { nameservers: [], searches: [], options: [] };
    (dnsConfig?.nameservers ?? []).forEach((ns, i) => {
        if (typeof ns !== "string" || !isIpAddress(ns))
            problems.add(`dnsConfig.nameservers[${i}]`, `${JSON.stringify(ns)} is not an IP address`);
        else dns.nameservers.push(ns);
    });
    (dnsConfig?.searches ?? []).forEach((d, i) => {
        if (typeof d !== "string" || !DNS_NAME.test(d))
            problems.add(`dnsConfig.searches[${i}]`, `${JSON.stringify(d)} is not a domain name`);
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
            problems.add(
                `hostAliases[${i}].ip`,
                `"${h.ip}" is IPv6, which the docker provider cannot read back: ` +
                    "use an IPv4 address, or a DNS name the pod resolves (dnsConfig)",
            );
        }
        if (!Array.isArray(h?.hostnames) || h.hostnames.length === 0) problems.add(`hostAliases[${i}].hostnames`, "name at least one host");
        (h?.hostnames ?? []).forEach((name, j) => {
            if (typeof name !== "string" || !DNS_NAME.test(name))
                problems.add(`hostAliases[${i}].hostnames[${j}]`, `${JSON.stringify(name)} is not a host name`);
            else if (typeof h.ip === "string") hosts.push({ host: name, ip: h.ip });
        });
    });
    return { networks: networks ?? [], dns, hosts };
}

/** Docker's restart policy for a Kubernetes one. */
export function dockerRestart(policy: RestartPolicy): string {
    switch (policy) {
        case RestartPolicy.Always:
            return "always";
        case RestartPolicy.OnFailure:
            return "on-failure";
        default:
            return "no";
    }
}
