import * as pulumi from "@pulumi/pulumi";

// Enums are `as const` objects with a same-named type: the Pulumi schema
// turns them into enums, and TypeScript still accepts the plain string.

/**
 * A whole number: a port, a count, seconds, an id, permission bits. TypeScript
 * has only `number`; the package schema other languages see types every field
 * declared `Integer` as an integer (`int` in Python and Go), see
 * provider/schema.ts. The components refuse a fraction either way.
 */
export type Integer = number;

/** How Docker's daemon manages cgroups on the host; it decides the pod cgroup's format. */
export const CgroupDriver = {
    /** systemd driver: the pod is a `name.slice` unit. */
    Systemd: "systemd",
    /** cgroupfs driver: the pod is a cgroup directory path. */
    Cgroupfs: "cgroupfs",
} as const;
export type CgroupDriver = (typeof CgroupDriver)[keyof typeof CgroupDriver];

/**
 * A container's own `restartPolicy` (Kubernetes 1.33): only `Always`, and only
 * on an init container, which makes it a native sidecar.
 */
export const ContainerRestartPolicy = {
    /** A sidecar: starts in order with the init containers, keeps running beside the app containers, restarts when it dies. */
    Always: "Always",
} as const;
export type ContainerRestartPolicy = (typeof ContainerRestartPolicy)[keyof typeof ContainerRestartPolicy];

/** Kubernetes `restartPolicy`: what happens when a container exits. */
export const RestartPolicy = {
    /** Restart every container whenever it stops (Docker `always`). */
    Always: "Always",
    /** Restart a container that exits non-zero (Docker `on-failure`). */
    OnFailure: "OnFailure",
    /** Never restart (Docker `no`). */
    Never: "Never",
} as const;
export type RestartPolicy = (typeof RestartPolicy)[keyof typeof RestartPolicy];

/** Kubernetes `imagePullPolicy`. */
export const ImagePullPolicy = {
    /** Pull only when the image is not on the host. */
    IfNotPresent: "IfNotPresent",
    /** Check the registry on every `up`; re-pull when the digest moved. */
    Always: "Always",
    /** Use the image on the host as it is; never pull. */
    Never: "Never",
} as const;
export type ImagePullPolicy = (typeof ImagePullPolicy)[keyof typeof ImagePullPolicy];

/** Transport protocol of a published port. */
export const Protocol = {
    TCP: "TCP",
    UDP: "UDP",
} as const;
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** Resource amounts as Kubernetes quantities. */
export interface ResourceList {
    /** Memory, e.g. `"256Mi"`, `"1G"`, `"536870912"`. At least 6Mi (Docker's minimum). */
    memory?: string;
    /** CPU, e.g. `"500m"` (half a core) or `"2"`. Must be above 0. */
    cpu?: string;
}

/** Limits and requests of one container. */
export interface ResourceRequirements {
    /** Hard limits: memory becomes Docker `--memory` (with swap equal), cpu a CFS quota (what `--cpus` sets). */
    limits?: ResourceList;
    /** Requests: cpu becomes the relative `--cpu-shares` weight; memory becomes `--memory-reservation`. */
    requests?: ResourceList;
}

/** Pod-wide limits, enforced on the pod's parent cgroup (the slice). */
export interface PodResources {
    /** Limits for the whole pod: `MemoryMax=` / `CPUQuota=` on the slice, or the cgroupfs equivalents. */
    limits?: ResourceList;
}

/** A field of the pod, for an env var (the downward API). */
export interface ObjectFieldSelector {
    /**
     * `metadata.name` (the pod name), `metadata.namespace` (always `default`: a Docker host has no
     * namespaces), `metadata.labels['<key>']`, `metadata.annotations['<key>']` (empty: a DockerPod
     * has no annotations), `status.podIP` (the sandbox's address), `status.hostIP` (the host's address
     * on the pod's network, its bridge gateway) or `spec.nodeName` (the Docker host's name: the SSH
     * host of `host.connection`, else this machine's hostname).
     */
    fieldPath: string;
}

/** A container's resource limit or request, for an env var (the downward API). */
export interface ResourceFieldSelector {
    /** `limits.cpu`, `limits.memory`, `requests.cpu` or `requests.memory`. */
    resource: string;
    /** The unit of the value, rounded up (default `1`: whole cores, or bytes), e.g. `1m` or `1Mi`. */
    divisor?: string;
    /** The container whose resources are read (default this one). */
    containerName?: string;
}

/** Where an env var's value comes from, instead of `value`. */
export interface EnvVarSource {
    /** A field of the pod. */
    fieldRef?: ObjectFieldSelector;
    /** A resource limit or request of a container of the pod. */
    resourceFieldRef?: ResourceFieldSelector;
}

/** An environment variable of a container. */
export interface EnvVar {
    /** Variable name: letters, digits and `_`, not starting with a digit. */
    name: string;
    /** Value; may be a secret Input and stays secret. */
    value?: pulumi.Input<string>;
    /** The downward API: a field of the pod or a container's resources, instead of `value`. */
    valueFrom?: EnvVarSource;
}

/** A port of a container, published on the pod's sandbox. */
export interface ContainerPort {
    /** Port the process listens on inside the pod (1-65535). */
    containerPort: Integer;
    /** Port on the host; without it the port is not published (as in Kubernetes). */
    hostPort?: Integer;
    /** Host address to bind the published port to; default all addresses. */
    hostIP?: string;
    /** `TCP` (default) or `UDP`. */
    protocol?: Protocol;
    /** Optional name of the port (documentation only). */
    name?: string;
}

/** A mount of one of the pod's volumes into a container. */
export interface VolumeMount {
    /** Name of a volume declared in the pod's `volumes`. */
    name: string;
    /** Absolute path inside the container. */
    mountPath: string;
    /** Mount read-only. */
    readOnly?: boolean;
}

/** A command run inside the container. */
export interface ExecAction {
    /** The command and its arguments (no shell unless you name one). */
    command: string[];
}

/** An HTTP GET on the pod's localhost; a status from 200 to 399 is success. */
export interface HTTPGetAction {
    /** Path, e.g. `/healthz` (default `/`). */
    path?: string;
    /** Port the container listens on (a number). */
    port: Integer;
    /** `HTTP` (the default) only. */
    scheme?: string;
}

/** A TCP connection to the pod's localhost; an accepted connection is success. */
export interface TCPSocketAction {
    /** Port the container listens on (a number). */
    port: Integer;
}

/**
 * A probe: exactly one of `exec` (run inside the container), `httpGet` or `tcpSocket` (run from a
 * prober container in the pod's network namespace, so the app's image needs no shell, curl or nc).
 */
export interface Probe {
    /** The command to run; exit 0 means success. */
    exec?: ExecAction;
    /** An HTTP GET on the pod's localhost. */
    httpGet?: HTTPGetAction;
    /** A TCP connection to the pod's localhost. */
    tcpSocket?: TCPSocketAction;
    /** Seconds before the first probe (default 0). */
    initialDelaySeconds?: Integer;
    /** Seconds between probes (default 10). */
    periodSeconds?: Integer;
    /** Seconds before a probe times out (default 1). */
    timeoutSeconds?: Integer;
    /** Consecutive failures before the container counts as failed (default 3). */
    failureThreshold?: Integer;
}

/** Wait a number of seconds (on the Docker host, so the image needs no `sleep`). */
export interface SleepAction {
    /** Seconds to wait. */
    seconds: Integer;
}

/** One lifecycle hook: exactly one of `exec` (run inside the container) or `sleep`. */
export interface LifecycleHandler {
    /** A command run inside the container, as `docker exec` runs it (its user, env and working directory). */
    exec?: ExecAction;
    /** Wait before going on (e.g. while a load balancer drains the pod). */
    sleep?: SleepAction;
}

/**
 * Hooks around a container's start and stop, as the kubelet runs them; a change to either
 * replaces the container (a Pod's containers take new hooks only when made again).
 */
export interface Lifecycle {
    /**
     * Run right after the container starts; the containers after it, its startup and readiness
     * waits and `up` wait for it. When it fails, the container is stopped (as the kubelet kills
     * it) and `up` fails with the hook's output; the next `up` starts it and runs the hook again.
     */
    postStart?: LifecycleHandler;
    /**
     * Run before the container gets SIGTERM: on destroy, on replacement and before the guardian
     * restarts it. Hook and stop share the pod's `terminationGracePeriodSeconds`: the hook is cut
     * off at the grace, and the container gets what is left before SIGKILL. A failing hook is
     * logged and the container is stopped anyway, as in Kubernetes.
     */
    preStop?: LifecycleHandler;
}

/** Linux capabilities to add or drop. */
export interface Capabilities {
    /** Capabilities to add, e.g. `NET_ADMIN`. */
    add?: string[];
    /** Capabilities to drop, e.g. `ALL`. */
    drop?: string[];
}

/** Security settings of a container (the Docker-expressible subset of Kubernetes'). */
export interface SecurityContext {
    /** Numeric user id the process runs as (Docker `--user`). */
    runAsUser?: Integer;
    /** Numeric group id the process runs as (needs `runAsUser`). */
    runAsGroup?: Integer;
    /** Refuse to run as uid 0: a `runAsUser` of 0 is refused at preview; without `runAsUser`, an image whose user is root is refused at `up`. */
    runAsNonRoot?: boolean;
    /** Run privileged (Docker `--privileged`); refused unless `host.allowPrivileged` is set. */
    privileged?: boolean;
    /** Mount the container's root filesystem read-only. */
    readOnlyRootFilesystem?: boolean;
    /** `false` sets Docker's `no-new-privileges`. */
    allowPrivilegeEscalation?: boolean;
    /** Capabilities to add or drop. */
    capabilities?: Capabilities;
}

/** One container of the pod. */
export interface Container {
    /** Name inside the pod (DNS-1123 label); the Docker container is `<pod>_<name>`. */
    name: string;
    /**
     * Image reference, e.g. `nginx:alpine` or `registry.example.com:5000/team/app:1.4`. A private
     * registry's credentials are the docker provider's `registryAuth`: pass that provider in the pod's `providers`.
     */
    image: pulumi.Input<string>;
    /** `IfNotPresent` (default), `Always` (re-pulled when the registry's digest for the tag moved) or `Never`. */
    imagePullPolicy?: ImagePullPolicy;
    /** Entrypoint (Kubernetes `command`); replaces the image's ENTRYPOINT. */
    command?: pulumi.Input<string>[];
    /** Arguments (Kubernetes `args`); replace the image's CMD. */
    args?: pulumi.Input<string>[];
    /** Environment variables. */
    env?: EnvVar[];
    /** Ports; they are published on the sandbox, which owns the pod's network. */
    ports?: ContainerPort[];
    /** Limits and requests of this container, below the pod's. */
    resources?: ResourceRequirements;
    /** Mounts of the pod's volumes. */
    volumeMounts?: VolumeMount[];
    /** Working directory (absolute path). */
    workingDir?: string;
    /** Readiness probe: a Docker healthcheck (of the container, or of its prober for httpGet and tcpSocket); `up` waits until it passes. */
    readinessProbe?: Probe;
    /** Liveness probe: the pod's guardian restarts the container when it keeps failing (needs `heal: true`). */
    livenessProbe?: Probe;
    /**
     * Startup probe: readiness and liveness wait until it passes. `up` waits for it (within
     * `initialDelaySeconds + failureThreshold * periodSeconds`) and fails naming the container
     * and the probe's last output when it never passes (the container is then stopped, as the
     * kubelet kills it). With `heal: true` the guardian runs it again after every restart and
     * restarts a container that never passes it.
     */
    startupProbe?: Probe;
    /** Hooks run after the container starts (`postStart`) and before it stops (`preStop`). */
    lifecycle?: Lifecycle;
    /**
     * `Always` on an init container makes it a native sidecar (Kubernetes 1.33): it starts in order
     * with the other init containers, the next one waits for its readiness probe (or its start),
     * it keeps running beside the app containers, is restarted whenever it dies (by Docker, and by
     * the guardian with `heal: true`, whatever the pod's restartPolicy), and stops after them.
     * (A string in the schema: an enum of one value has no schema type; `ContainerRestartPolicy.Always`.)
     */
    restartPolicy?: string;
    /** Security settings; unset fields take the pod's `securityContext`. */
    securityContext?: SecurityContext;
    /** Files written into the container before its process starts (the counterpart of ConfigMap and Secret volumes). */
    files?: ContainerFile[];
}

/** A file written into a container before it starts. */
export interface ContainerFile {
    /** Absolute path in the container. */
    path: string;
    /** Contents; may be a secret Input and stays secret in state and in the summary. */
    content: pulumi.Input<string>;
    /** Permission bits, e.g. `0o640` (default `0o644`). */
    mode?: Integer;
}

/** A user-defined Docker network the pod's sandbox joins. */
export interface PodNetwork {
    /** Name of an existing Docker network. */
    name: string;
    /** Names other containers on that network reach the pod by. */
    aliases?: string[];
}

/** A resolver option, e.g. `ndots` with value `2`. */
export interface PodDNSConfigOption {
    /** Option name. */
    name: string;
    /** Option value, when it takes one. */
    value?: string;
}

/** DNS settings of the pod, in every container's `/etc/resolv.conf`. */
export interface PodDNSConfig {
    /** Name server addresses. */
    nameservers?: string[];
    /** Search domains. */
    searches?: string[];
    /** Resolver options. */
    options?: PodDNSConfigOption[];
}

/** Extra `/etc/hosts` entries of the pod. */
export interface HostAlias {
    /** The address. */
    ip: string;
    /** Names for it. */
    hostnames: string[];
}

/** Scratch space shared by the pod's containers, fresh and empty for each pod, writable by every user (a Docker volume, mode 0777). */
export interface EmptyDirVolumeSource {
    /** Only the default (disk) medium is supported; `Memory` is refused. */
    medium?: string;
}

/** A directory of the host mounted into the pod. */
export interface HostPathVolumeSource {
    /** Absolute path on the host. */
    path: string;
}

/** A volume of the pod; exactly one source is set. */
export interface Volume {
    /** Volume name (DNS-1123 label), referred to by `volumeMounts`. */
    name: string;
    /** A fresh Docker volume for this pod. */
    emptyDir?: EmptyDirVolumeSource;
    /** A host directory bind-mounted. */
    hostPath?: HostPathVolumeSource;
}

/** SSH connection to a remote Docker host (for the slice's commands). */
export interface SshConnection {
    /** Host name or address. */
    host: pulumi.Input<string>;
    /** SSH port (default 22). */
    port?: pulumi.Input<Integer>;
    /** User to log in as (default `root`). */
    user?: pulumi.Input<string>;
    /** Private key (PEM); keep it secret. */
    privateKey?: pulumi.Input<string>;
    /** Password, when no key is used; keep it secret. */
    password?: pulumi.Input<string>;
}

/**
 * Everything about the Docker host the pod runs on. (Named `Host`, not `HostArgs`: the SDKs of
 * other languages add `Args` to input types themselves, so Python and Go get `HostArgs`.)
 */
export interface Host {
    /** Docker's cgroup driver on the host: `systemd` (default) or `cgroupfs`. Checked against the daemon at create. */
    cgroupDriver?: CgroupDriver;
    /** SSH connection for the slice's commands; unset means this machine. Point the docker provider at the same host. */
    connection?: SshConnection;
    /** Run the slice's privileged commands through `sudo -n` (the user needs password-less sudo). */
    sudo?: boolean;
    /** Allow containers with `securityContext.privileged` on this host (they are root on the host). */
    allowPrivileged?: boolean;
    /**
     * The Docker daemon's Engine API version, as `docker version -f '{{.Server.APIVersion}}'` prints it
     * (e.g. `1.45` for Docker 26). Unset, dockerpod uses only what API 1.41 (Docker 20.10) has. From
     * `1.45` on, emptyDir volumes are mounted with `noCopy`, so they start empty, as in Kubernetes,
     * even over a directory the image fills. Checked against the daemon at create: it must be at least this.
     */
    dockerApiVersion?: string;
    /**
     * Path of the Docker daemon's socket on the host (default `/var/run/docker.sock`): mounted into the
     * guardian, and the daemon the host scripts ask (`docker -H`) when set.
     */
    dockerSocket?: string;
    /**
     * Where all pods are grouped: a slice name for `systemd` (default `dockerpod.slice`),
     * an absolute cgroup path for `cgroupfs` (default `/dockerpod`).
     */
    parentSlice?: string;
    /**
     * Allow a `parentSlice` that systemd, logind, machined or a kubelet manage (`system.slice`,
     * `user.slice`, `machine.slice`, `kubepods...`): off by default, since a pod's slice there can
     * have the name of one of theirs (pod `1000` under `user.slice` is logind's `user-1000.slice`).
     * A slice or cgroup that exists and is not the pod's own is refused at create either way.
     */
    allowForeignParent?: boolean;
}

/** @deprecated Renamed `Host` in 0.4 (other languages saw `HostArgsArgs`); this alias stays for TypeScript programs. */
export type HostArgs = Host;

/** Arguments of a DockerPod: Kubernetes PodSpec names where they exist, plus the Docker host. */
export interface DockerPodArgs {
    /**
     * A Kubernetes v1 Pod manifest (YAML text) to build the pod from, e.g. `kubectl get pod -o yaml`
     * output. The other args (host, sandboxImage, resources, ...) override its fields.
     */
    manifest?: string;
    /** The app containers (at least one, here or in `manifest`). They join the sandbox's network and IPC namespaces. */
    containers?: Container[];
    /** Containers run to completion, in order, before the app containers start. */
    initContainers?: Container[];
    /** Volumes the containers may mount: `emptyDir` (a fresh Docker volume per pod) or `hostPath`. */
    volumes?: Volume[];
    /** Hostname every container of the pod sees (default the pod name). */
    hostname?: string;
    /** Share one PID namespace between the containers (the sandbox's). */
    shareProcessNamespace?: boolean;
    /** Use the host's network namespace; ports are then not published but bound directly. */
    hostNetwork?: boolean;
    /** Use the host's IPC namespace. */
    hostIPC?: boolean;
    /** Use the host's PID namespace. */
    hostPID?: boolean;
    /** `Always` (default), `OnFailure` or `Never`: the Docker restart policy of the app containers. */
    restartPolicy?: RestartPolicy;
    /** Seconds a container gets between SIGTERM and SIGKILL on destroy (default 30). */
    terminationGracePeriodSeconds?: Integer;
    /** Pod-wide limits on the pod's parent cgroup. */
    resources?: PodResources;
    /** Labels put on every Docker object of the pod. */
    labels?: { [key: string]: string };
    /** Pod-wide security defaults; each container's own settings win. */
    securityContext?: SecurityContext;
    /** User-defined Docker networks the sandbox joins, instead of the default bridge. */
    networks?: PodNetwork[];
    /** DNS settings for every container of the pod. */
    dnsConfig?: PodDNSConfig;
    /** Extra `/etc/hosts` entries for every container of the pod. */
    hostAliases?: HostAlias[];
    /**
     * Heal the pod like the kubelet: a guardian container (`<pod>_guardian`) brings a dead sandbox
     * back, reruns the init containers, restarts the containers stranded in its old namespaces,
     * and runs liveness probes. It talks to the Docker daemon (root on the host).
     */
    heal?: boolean;
    /** Image of the guardian: it needs `sh` and the Docker CLI (default `docker:28-cli`). */
    guardianImage?: string;
    /**
     * Image of the prober that runs `httpGet` and `tcpSocket` probes from the pod's network namespace:
     * it needs `sh`, `wget` and `nc` (default `busybox:1.37`).
     */
    proberImage?: string;
    /** Physical pod name (DNS-1123 label); default the resource name. */
    podName?: string;
    /** Image of the sandbox container (default `registry.k8s.io/pause:3.9`); it must exit promptly on SIGTERM. */
    sandboxImage?: string;
    /** The Docker host: cgroup driver, SSH connection, sudo, parent slice. */
    host?: Host;
}

/** Arguments of a PodSlice: the pod's parent cgroup with pod-wide limits. */
export interface PodSliceArgs {
    /** Physical pod name (DNS-1123 label). */
    podName: string;
    /** Pod-wide limits. */
    resources?: PodResources;
    /** The Docker host. */
    host?: Host;
}

/** Arguments of a SandboxContainer: the container that owns the pod's namespaces. */
export interface SandboxContainerArgs {
    /** Physical pod name (DNS-1123 label); the container is `<pod>_sandbox`. */
    podName: string;
    /**
     * The pod's cgroup parent: pass a PodSlice's `cgroupParent`, which also makes the sandbox wait
     * for the slice. A plain value must be a slice name (systemd) or an absolute cgroup path (cgroupfs).
     */
    cgroupParent: pulumi.Input<string>;
    /** Image (default `registry.k8s.io/pause:3.9`). */
    image?: string;
    /** Pull policy of the image (default `IfNotPresent`). */
    imagePullPolicy?: ImagePullPolicy;
    /** Hostname of the pod (default the pod name). */
    hostname?: string;
    /** Every port of the pod, published here. */
    ports?: ContainerPort[];
    /** User-defined Docker networks to join instead of the default bridge. */
    networks?: PodNetwork[];
    /** DNS settings of the pod. */
    dnsConfig?: PodDNSConfig;
    /** Extra `/etc/hosts` entries. */
    hostAliases?: HostAlias[];
    /** Use the host's network namespace. */
    hostNetwork?: boolean;
    /** Use the host's IPC namespace instead of a shareable one. */
    hostIPC?: boolean;
    /** Use the host's PID namespace. */
    hostPID?: boolean;
    /** The payloads will join this sandbox's PID namespace (recorded on the sandbox, so a change rebuilds the pod). */
    shareProcessNamespace?: boolean;
    /** `Never` keeps a stopped sandbox stopped; otherwise Docker restarts it. */
    restartPolicy?: RestartPolicy;
    /** Labels put on the container. */
    labels?: { [key: string]: string };
}

/** Arguments of a PayloadContainer: one container joined to a sandbox. */
export interface PayloadContainerArgs {
    /** Physical pod name (DNS-1123 label); the container is `<pod>_<container.name>`. */
    podName: string;
    /** The container. */
    container: Container;
    /** Id (never the name) of the sandbox container whose namespaces it joins. */
    sandboxId: pulumi.Input<string>;
    /** The pod's cgroup parent: a PodSlice's `cgroupParent` (the container then waits for the slice). */
    cgroupParent: pulumi.Input<string>;
    /** The pod's volumes, for the container's `volumeMounts`. */
    volumes?: Volume[];
    /** Join the sandbox's PID namespace too. */
    shareProcessNamespace?: boolean;
    /** The sandbox uses the host's IPC namespace. */
    hostIPC?: boolean;
    /** Use the host's PID namespace. */
    hostPID?: boolean;
    /** Restart policy (default `Always`); init containers never restart. */
    restartPolicy?: RestartPolicy;
    /** Seconds between SIGTERM and SIGKILL on destroy (default 30). */
    terminationGracePeriodSeconds?: Integer;
    /** Run to completion once, as an init container; a non-zero exit fails the `up`. */
    initContainer?: boolean;
    /** Allow `securityContext.privileged` (the container is then root on the host). */
    allowPrivileged?: boolean;
    /** Labels put on the container. */
    labels?: { [key: string]: string };
    /** Image of the prober for `httpGet` and `tcpSocket` probes (default `busybox:1.37`). */
    proberImage?: string;
    /** The pod's address, for env `status.podIP`: a SandboxContainer's `podIP`. */
    podIP?: pulumi.Input<string>;
    /** The host's address on the pod's network, for env `status.hostIP`: a SandboxContainer's `hostIP`. */
    hostIP?: pulumi.Input<string>;
    /** The Docker host, when it is not this machine: the image user check (`runAsNonRoot`) runs there. */
    host?: Host;
}
