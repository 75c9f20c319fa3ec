// The pure core: checks a pod's input and normalizes it into a PodSpec that
// the Pulumi layer turns into resources. Nothing here touches Pulumi's engine.
// A pod is checked as its parts are: the slice's, the sandbox's and each
// payload's checks are the ones PodSlice, SandboxContainer and
// PayloadContainer apply on their own; what is left here spans the parts.
import { DockerPodArgs, ImagePullPolicy, SecurityContext } from "../types";
import { Problems } from "./errors";
import { MAX_SCRIPT_BYTES, checkPodName, imageCheck, intCheck, scriptedBytes } from "./checks";
import { renderGuardianScript } from "./guardian";
import { renderStartScript, renderStopScript } from "./hooks";
import {
    checkPortClashes,
    ContainerSpec,
    HookSpec,
    ProbeSpec,
    DEFAULT_GRACE_SECONDS,
    PayloadSpec,
    PortSpec,
    VolumeSpec,
    checkPayload,
    checkSecurity,
    checkSecurityCombination,
    checkVolumes,
} from "./container";
import { resolveDownward } from "./downward";
import { SandboxSpec, checkSandbox } from "./sandbox";
import { CHILD, PART_CHILD, childName, partChildName } from "./names";
import { SliceSpec, checkSlice } from "./slice";

export const DEFAULT_GUARDIAN_IMAGE = "docker:28-cli";
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

export interface PodSpec {
    podName: string;
    slice: SliceSpec;
    /** The sandbox, with every port of every container. */
    sandbox: SandboxSpec;
    graceSeconds: number;
    /** The guardian's image, when the pod heals itself. */
    guardianImage?: string;
    /** The daemon's socket on the host, mounted into the guardian. */
    dockerSocket: string;
    volumes: VolumeSpec[];
    /** The pod-wide security defaults (each container's `security` already has them under its own). */
    podSecurity: SecurityContext;
    initContainers: ContainerSpec[];
    containers: ContainerSpec[];
    warnings: string[];
}

/**
 * Checks a DockerPod's input and returns its normalized spec, or throws one
 * PodSpecError listing every problem with its field path and fix.
 */
export function checkPod(resourceName: string, args: DockerPodArgs): PodSpec {
    const problems = new Problems();
    if (args === undefined || args === null || typeof args !== "object") {
        problems.add("args", "a DockerPod needs args with at least `containers`");
        problems.throwIfAny(resourceName);
    }
    // Names below derive from the pod name: a bad one is reported once, and the other
    // fields are still checked, under a stand-in name that derives nothing wrong.
    const podName = checkPodName(problems, args.podName !== undefined ? "podName" : "name", args.podName ?? resourceName);
    const slice = checkSlice(problems, podName, args.resources, args.host);
    const sandbox = checkSandbox(
        problems,
        podName,
        {
            image: args.sandboxImage,
            hostname: args.hostname,
            networks: args.networks,
            dnsConfig: args.dnsConfig,
            hostAliases: args.hostAliases,
            hostNetwork: args.hostNetwork,
            hostIPC: args.hostIPC,
            hostPID: args.hostPID,
            shareProcessNamespace: args.shareProcessNamespace,
            restartPolicy: args.restartPolicy,
            labels: args.labels,
        },
        { image: "sandboxImage" },
    );
    const grace = intCheck(problems, "terminationGracePeriodSeconds", args.terminationGracePeriodSeconds, 0, 86400);
    const volumes = checkVolumes(problems, podName, args.volumes);
    if (!Array.isArray(args.containers) || args.containers.length === 0) {
        problems.add("containers", "a pod needs at least one container");
    }
    checkSecurity(problems, "securityContext", args.securityContext, slice.host.allowPrivileged);
    if (args.securityContext) checkSecurityCombination(problems, "securityContext", args.securityContext);
    if (args.heal !== undefined && typeof args.heal !== "boolean") problems.add("heal", "must be true or false");
    const context = {
        volumes,
        hostNetwork: sandbox.hostNetwork,
        podSecurity: args.securityContext,
        allowPrivileged: slice.host.allowPrivileged,
        heal: args.heal === true,
        portsOnSandbox: true,
        proberImage: args.proberImage,
        graceSeconds: grace ?? DEFAULT_GRACE_SECONDS,
    };
    const containers = (Array.isArray(args.containers) ? args.containers : []).map((c, i) =>
        checkPayload(problems, `containers[${i}]`, podName, c, { ...context, initContainer: false }),
    );
    const initContainers = (Array.isArray(args.initContainers) ? args.initContainers : []).map((c, i) =>
        checkPayload(problems, `initContainers[${i}]`, podName, c, { ...context, initContainer: true }),
    );

    const seen = new Map<string, string>();
    const check = (list: (ContainerSpec | undefined)[], field: string) =>
        list.forEach((c, i) => {
            if (!c || typeof c.name !== "string") return;
            const other = seen.get(c.name);
            if (other) problems.add(`${field}[${i}].name`, `"${c.name}" is already the name of ${other}: names must be unique in the pod`);
            else seen.set(c.name, `${field}[${i}]`);
        });
    check(containers, "containers");
    check(initContainers, "initContainers");
    const ports = checkPodPorts(problems, containers, initContainers);
    // The downward API, once every container is known (one may read another's resources).
    const byName = new Map([...initContainers, ...containers].flatMap((c) => (c ? [[c.name, c] as const] : [])));
    const downward = {
        podName,
        labels: sandbox.labels,
        podLimits: slice.limits,
        containers: byName,
        hostNetwork: sandbox.hostNetwork,
        addresses: { podIP: true, hostIP: true },
    };
    for (const [list, field] of [
        [containers, "containers"],
        [initContainers, "initContainers"],
    ] as const) {
        list.forEach((c, i) => {
            if (c) c.env = resolveDownward(problems, `${field}[${i}]`, c.name, c.env, downward);
        });
    }
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
                problems.add(
                    `containers[${i}].resources.limits.${field}`,
                    `"${c!.limitsText[field]}" is above the pod's limit ` +
                        `"${args.resources!.limits![field]}": lower it or raise resources.limits.${field}`,
                );
            }
        });
        if (sum > podLimit) {
            warnings.push(
                `dockerpod: the containers' ${field} limits add up past the pod's limit ("${args.resources!.limits![field]}"): ` +
                    `they overcommit inside the pod, which enforces its own limit`,
            );
        }
    }
    if (args.guardianImage !== undefined) imageCheck(problems, "guardianImage", args.guardianImage);
    if (args.proberImage !== undefined) imageCheck(problems, "proberImage", args.proberImage);
    problems.throwIfAny(resourceName);
    const spec: PodSpec = {
        podName,
        slice,
        sandbox: { ...sandbox, ports },
        graceSeconds: grace ?? DEFAULT_GRACE_SECONDS,
        guardianImage: args.heal === true ? (args.guardianImage ?? DEFAULT_GUARDIAN_IMAGE) : undefined,
        dockerSocket: slice.host.dockerSocket ?? DEFAULT_DOCKER_SOCKET,
        volumes: [...volumes.values()],
        podSecurity: { ...args.securityContext },
        initContainers: initContainers as ContainerSpec[],
        containers: containers as ContainerSpec[],
        warnings,
    };
    checkScriptSizes(problems, spec);
    problems.throwIfAny(resourceName);
    return spec;
}

/** The commands of a container that its scripts carry, with their field paths and sizes. */
function scriptedFields(c: ContainerSpec, at: string): { path: string; bytes: number; in: "start" | "stop" | "guardian" }[] {
    const probe = (name: "startupProbe" | "livenessProbe", p: ProbeSpec | undefined) =>
        p === undefined
            ? []
            : [
                  {
                      path: `${at}.${name}${p.action.exec ? ".exec.command" : p.action.httpGet ? ".httpGet" : ".tcpSocket"}`,
                      bytes: scriptedBytes(p.command),
                  },
              ];
    const hook = (name: "postStart" | "preStop", h: HookSpec | undefined) =>
        h?.exec === undefined ? [] : [{ path: `${at}.lifecycle.${name}.exec.command`, bytes: scriptedBytes(h.exec) }];
    return [
        ...hook("postStart", c.lifecycle.postStart).map((f) => ({ ...f, in: "start" as const })),
        ...probe("startupProbe", c.startupProbe).map((f) => ({ ...f, in: "start" as const })),
        ...hook("preStop", c.lifecycle.preStop).map((f) => ({ ...f, in: "stop" as const })),
        ...probe("livenessProbe", c.livenessProbe).map((f) => ({ ...f, in: "guardian" as const })),
    ];
}

/**
 * Every script the pod renders fits the kernel's limit for one argument. Each
 * command is bounded on its own; what they add up to in one script is checked
 * here, and refused at the largest command that script carries.
 */
function checkScriptSizes(problems: Problems, spec: PodSpec): void {
    const at = new Map<ContainerSpec, string>([
        ...spec.initContainers.map((c, i) => [c, `initContainers[${i}]`] as const),
        ...spec.containers.map((c, i) => [c, `containers[${i}]`] as const),
    ]);
    const refuse = (script: string, what: string, fields: { path: string; bytes: number }[]) => {
        const bytes = Buffer.byteLength(script);
        if (bytes < MAX_SCRIPT_BYTES || fields.length === 0) return;
        const largest = fields.reduce((a, b) => (b.bytes > a.bytes ? b : a));
        problems.add(
            largest.path,
            `makes ${what} ${bytes} bytes, over the kernel's ${MAX_SCRIPT_BYTES}-byte limit for one argument: ` +
                "shorten the pod's hook and probe commands (this one is the longest)",
        );
    };
    for (const p of podPayloads(spec)) {
        const fields = scriptedFields(p.container, at.get(p.container)!);
        refuse(
            renderStartScript(p),
            `the start script of ${p.container.dockerName}`,
            fields.filter((f) => f.in === "start"),
        );
        if (p.container.lifecycle.preStop) {
            refuse(
                renderStopScript(p),
                `the stop script of ${p.container.dockerName}`,
                fields.filter((f) => f.in === "stop"),
            );
        }
    }
    if (spec.guardianImage !== undefined) {
        refuse(
            renderGuardianScript(spec),
            "the pod's guardian script",
            [...at].flatMap(([c, path]) => scriptedFields(c, path)),
        );
    }
}

/** Ports live on the sandbox: no two containers may claim one inside the pod, nor one port on the host. */
function checkPodPorts(
    problems: Problems,
    containers: (ContainerSpec | undefined)[],
    initContainers: (ContainerSpec | undefined)[],
): PortSpec[] {
    // Sidecars run beside the app containers, on the same network: their ports count too.
    const entries = [
        ...initContainers.flatMap((c, i) =>
            (c?.sidecar ? c.ports : []).map((port, j) => ({ at: `initContainers[${i}].ports[${j}]`, port })),
        ),
        ...containers.flatMap((c, i) => (c?.ports ?? []).map((port, j) => ({ at: `containers[${i}].ports[${j}]`, port }))),
    ];
    checkPortClashes(problems, entries);
    return entries.map((e) => e.port);
}

/** Each payload of a checked pod, with the pod-wide settings it is made with. */
export function podPayloads(spec: PodSpec): PayloadSpec[] {
    const payload = (container: ContainerSpec, initContainer: boolean): PayloadSpec => ({
        podName: spec.podName,
        container,
        initContainer,
        restartPolicy: spec.sandbox.restartPolicy,
        graceSeconds: spec.graceSeconds,
        shareProcessNamespace: spec.sandbox.shareProcessNamespace,
        hostIPC: spec.sandbox.hostIPC,
        hostPID: spec.sandbox.hostPID,
        labels: spec.sandbox.labels,
        host: spec.slice.host,
    });
    return [...spec.initContainers.map((c) => payload(c, true)), ...spec.containers.map((c) => payload(c, false))];
}

/** One resource a DockerPod registers (under itself or one of its parts): its type, its name, and the field it comes from. */
export interface PodChild {
    type: string;
    name: string;
    /** The field of the pod's args that names it (`name` for the pod's own). */
    field: string;
}

/**
 * The resources a DockerPod named `resourceName` registers under itself, and
 * those its payload parts register under them (a URN names the parent's type,
 * not its name, so all the parts' children share one space). A part's own
 * resources are `<part>.<role>`, a name no member can take; but the pod's
 * direct children are `<resourceName>-<member>`, so two pods can still make
 * one (`web` + container `api-x` and `web-api` + `x` both make a
 * PayloadContainer `web-api-x`), and such a program is refused.
 */
export function podChildren(resourceName: string, spec: PodSpec): PodChild[] {
    const remote = spec.slice.host.connection !== undefined;
    const children: PodChild[] = [
        { type: "dockerpod:index:SandboxContainer", name: childName(resourceName, CHILD.sandbox), field: "name" },
        ...spec.initContainers.map((c, i) => ({
            type: "dockerpod:index:PayloadContainer",
            name: childName(resourceName, c.name),
            field: `initContainers[${i}].name`,
        })),
        ...spec.containers.map((c, i) => ({
            type: "dockerpod:index:PayloadContainer",
            name: childName(resourceName, c.name),
            field: `containers[${i}].name`,
        })),
    ];
    if (spec.guardianImage !== undefined) {
        children.push({ type: "docker:index/remoteImage:RemoteImage", name: childName(resourceName, CHILD.guardianImage), field: "name" });
    }
    const emptyDirs = spec.volumes.filter((v) => v.type === "volume");
    children.push(
        ...emptyDirs.map((v) => ({
            type: "docker:index/volume:Volume",
            name: childName(resourceName, v.name),
            field: `volumes[${spec.volumes.indexOf(v)}].name`,
        })),
    );
    if (emptyDirs.length > 0) {
        children.push({
            type: remote ? "command:remote:Command" : "command:local:Command",
            name: childName(resourceName, CHILD.volumeModes),
            field: "name",
        });
    }
    children.push({ type: "dockerpod:index:PodSlice", name: childName(resourceName, CHILD.slice), field: "name" });
    if (spec.guardianImage !== undefined) {
        children.push({ type: "docker:index/container:Container", name: childName(resourceName, CHILD.guardian), field: "name" });
        children.push({
            type: remote ? "command:remote:Command" : "command:local:Command",
            name: childName(childName(resourceName, CHILD.guardian), "agent"),
            field: "name",
        });
    }
    // The payload parts' own children (components/containers.ts): the container, its image unless `Never`, and
    // a prober with its image. Their Commands (`.hooks`, `.user-check`) are named so no other child is.
    const inPart = (type: string) => `dockerpod:index:PayloadContainer$${type}`;
    for (const [list, key] of [
        [spec.initContainers, "initContainers"],
        [spec.containers, "containers"],
    ] as const) {
        list.forEach((c, i) => {
            const part = childName(resourceName, c.name);
            const field = `${key}[${i}].name`;
            children.push({ type: inPart("docker:index/container:Container"), name: part, field });
            if (c.pullPolicy !== ImagePullPolicy.Never) {
                children.push({ type: inPart("docker:index/remoteImage:RemoteImage"), name: partChildName(part, PART_CHILD.image), field });
            }
            if (c.proberImage !== undefined) {
                children.push({ type: inPart("docker:index/container:Container"), name: partChildName(part, PART_CHILD.probe), field });
                children.push({
                    type: inPart("docker:index/remoteImage:RemoteImage"),
                    name: partChildName(part, PART_CHILD.probeImage),
                    field,
                });
            }
        });
    }
    return children;
}
