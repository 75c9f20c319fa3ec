import * as pulumi from "@pulumi/pulumi";
import { DockerPodArgs } from "../../../sdk";
import { PodSpecError } from "../../../sdk/core/errors";
import { checkPod } from "../../../sdk/core/pod";
import { seedPod } from "../../fixtures/pods";

function problemsOf(args: DockerPodArgs, name = "foo"): { path: string; message: string }[] {
    try {
        checkPod(name, args);
    } catch (err) {
        expect(err).toBeInstanceOf(PodSpecError);
        return (err as PodSpecError).problems;
    }
    throw new Error("expected a PodSpecError");
}

const app = (extra: object = {}) => ({ name: "app", image: "busybox", ...extra });

describe("checkPod: the seed pod", () => {
    test("normalizes the tutorial's pod", () => {
        const spec = checkPod("foo", seedPod());
        expect(spec.podName).toBe("foo");
        expect(spec.sandbox.hostname).toBe("foo");
        expect(spec.slice).toEqual({
            podName: "foo",
            host: {
                driver: "systemd",
                parent: "dockerpod.slice",
                sudo: false,
                remote: false,
                allowPrivileged: false,
                emptyDirNoCopy: false,
            },
            cgroupParent: "dockerpod-foo.slice",
            limits: { memoryBytes: 512 * 2 ** 20, cpuMillis: 500 },
            limitsText: { memory: "512Mi", cpu: "500m" },
        });
        expect(spec.containers.map((c) => [c.dockerName, c.limits])).toEqual([
            ["foo_app", { memoryBytes: 256 * 2 ** 20 }],
            ["foo_sidecar", { memoryBytes: 128 * 2 ** 20 }],
        ]);
        expect(spec.sandbox.ports).toEqual([{ containerPort: 80, hostPort: 8080, hostIP: undefined, protocol: "tcp" }]);
        expect(spec.graceSeconds).toBe(30);
        expect(spec.sandbox.image).toBe("registry.k8s.io/pause:3.9");
        expect(spec.sandbox.restartPolicy).toBe("Always");
        expect(spec.warnings).toEqual([]);
    });

    test("cgroupfs driver takes a path under the parent", () => {
        const spec = checkPod("foo", { ...seedPod(), host: { cgroupDriver: "cgroupfs" } });
        expect(spec.slice.cgroupParent).toBe("/dockerpod/foo");
        const custom = checkPod("foo", { ...seedPod(), host: { cgroupDriver: "cgroupfs", parentSlice: "/pods/team" } });
        expect(custom.slice.cgroupParent).toBe("/pods/team/foo");
    });

    test("limits that only add up past the pod's overcommit, with a warning", () => {
        const spec = checkPod("foo", {
            resources: { limits: { memory: "300Mi" } },
            containers: [
                app({ resources: { limits: { memory: "200Mi" } } }),
                { name: "b", image: "x", resources: { limits: { memory: "200Mi" } } },
            ],
        });
        expect(spec.warnings).toEqual([expect.stringMatching(/memory limits add up past the pod's limit/)]);
    });
});

// Each row: a bad input, the field path the error must name, and words of the fix.
const badInputs: [string, DockerPodArgs, string, RegExp][] = [
    ["an injected pod name", { podName: "x; rm -rf /", containers: [app()] }, "podName", /DNS-1123/],
    ["an upper-case container name", { containers: [app({ name: "App" })] }, "containers[0].name", /DNS-1123/],
    ["a duplicate container name", { containers: [app(), app()] }, "containers[1].name", /already the name of containers\[0\]/],
    ["an init container named like an app container", { containers: [app()], initContainers: [app()] }, "initContainers[0].name", /unique/],
    ["a container named sandbox", { containers: [app({ name: "sandbox" })] }, "containers[0].name", /choose another name/],
    ["no containers", { containers: [] }, "containers", /at least one container/],
    [
        "a bad memory quantity",
        { containers: [app({ resources: { limits: { memory: "12Q" } } })] },
        "containers[0].resources.limits.memory",
        /not a Kubernetes quantity/,
    ],
    [
        "memory under 6Mi",
        { containers: [app({ resources: { limits: { memory: "5Mi" } } })] },
        "containers[0].resources.limits.memory",
        /at least "6Mi"/,
    ],
    ["cpu of 0", { containers: [app({ resources: { limits: { cpu: "0" } } })] }, "containers[0].resources.limits.cpu", /above 0/],
    [
        "a host IP that is no IPv4 address",
        { containers: [app({ ports: [{ containerPort: 80, hostPort: 8080, hostIP: "999.1.1.1" }] })] },
        "containers[0].ports[0].hostIP",
        /not an IP address/,
    ],
    [
        "a nameserver that is no address",
        { dnsConfig: { nameservers: ["beef"] }, containers: [app()] },
        "dnsConfig.nameservers[0]",
        /not an IP address/,
    ],
    [
        "a host port on every address and on 127.0.0.1",
        {
            containers: [
                app({ ports: [{ containerPort: 80, hostPort: 8080 }] }),
                app({ name: "b", ports: [{ containerPort: 81, hostPort: 8080, hostIP: "127.0.0.1" }] }),
            ],
        },
        "containers[1].ports[0].hostPort",
        /would bind the host port containers\[0\]\.ports\[0\] already publishes/,
    ],
    [
        "a host port on 127.0.0.1 and then on every address",
        {
            containers: [
                app({ ports: [{ containerPort: 80, hostPort: 8080, hostIP: "127.0.0.1" }] }),
                app({ name: "b", ports: [{ containerPort: 81, hostPort: 8080, hostIP: "0.0.0.0" }] }),
            ],
        },
        "containers[1].ports[0].hostPort",
        /would bind the host port/,
    ],
    [
        "a computed hostname",
        { hostname: pulumi.output("web") as any, containers: [app()] },
        "hostname",
        /^is a computed value \(an Output\), but the hostname .* must be known at preview: pass a plain string$/,
    ],
    [
        "a long parent and pod name that make the unit name too long for systemd",
        { podName: "p".repeat(55), host: { parentSlice: "a".repeat(194) + ".slice" }, containers: [app()] },
        "host.parentSlice",
        /256 characters long, over systemd's 255/,
    ],
    [
        "a long cgroupfs parent and pod name that make the owner mark's file name longer than NAME_MAX",
        { podName: "p".repeat(63), host: { cgroupDriver: "cgroupfs", parentSlice: "/" + "a".repeat(199) }, containers: [app()] },
        "host.parentSlice",
        /with the pod name "p{63}" makes the host path "\/run\/dockerpod\/owners\/a+.*" has a 263-byte name in it, over the kernel's 255 \(NAME_MAX\)/,
    ],
    [
        "a systemd parent nested so deep that its cgroup path is longer than PATH_MAX",
        { podName: "web", host: { parentSlice: "a-".repeat(96) + "a.slice" }, containers: [app()] },
        "host.parentSlice",
        /makes the host path "\/sys\/fs\/cgroup\/.*" is \d+ bytes long, over the kernel's 4095 \(PATH_MAX\)/,
    ],
    ["a label key with two slashes", { labels: { "a/b/c": "x" }, containers: [app()] }, "labels.a/b/c", /not a Kubernetes label key/],
    ["a label key with an empty name", { labels: { "x/": "x" }, containers: [app()] }, "labels.x/", /not a Kubernetes label key/],
    ["a label value with a space", { labels: { team: "a b" }, containers: [app()] }, "labels.team", /not a Kubernetes label value/],
    [
        "a label value over 63 characters",
        { labels: { team: "a".repeat(64) }, containers: [app()] },
        "labels.team",
        /not a Kubernetes label value/,
    ],
    [
        "a cpu request above the limit",
        { containers: [app({ resources: { limits: { cpu: "500m" }, requests: { cpu: "1" } } })] },
        "containers[0].resources.requests.cpu",
        /above the cpu limit/,
    ],
    [
        "shareProcessNamespace with hostPID",
        { shareProcessNamespace: true, hostPID: true, containers: [app()] },
        "shareProcessNamespace",
        /cannot be combined with hostPID/,
    ],
    [
        "a mount on /",
        { volumes: [{ name: "d", emptyDir: {} }], containers: [app({ volumeMounts: [{ name: "d", mountPath: "/" }] })] },
        "containers[0].volumeMounts[0].mountPath",
        /whole filesystem/,
    ],
    [
        "one mount point spelled /data and /data/",
        {
            volumes: [
                { name: "d", emptyDir: {} },
                { name: "e", emptyDir: {} },
            ],
            containers: [
                app({
                    volumeMounts: [
                        { name: "d", mountPath: "/data" },
                        { name: "e", mountPath: "/data/" },
                    ],
                }),
            ],
        },
        "containers[0].volumeMounts[1].mountPath",
        /mounted twice/,
    ],
    [
        "a container named guardian in a healing pod",
        { heal: true, containers: [app({ name: "guardian" })] },
        "containers[0].name",
        /guardian container/,
    ],
    [
        "a cpu limit under the kernel's 1 ms quota",
        { containers: [app({ resources: { limits: { cpu: "0.0001" } } })] },
        "containers[0].resources.limits.cpu",
        /at least "10m"/,
    ],
    [
        "a pod cpu limit under the kernel's 1 ms quota",
        { resources: { limits: { cpu: "9m" } }, containers: [app()] },
        "resources.limits.cpu",
        /at least "10m"/,
    ],
    [
        "an IPv6 host alias (read back wrong by the docker provider)",
        { hostAliases: [{ ip: "::1", hostnames: ["v6.internal"] }], containers: [app()] },
        "hostAliases[0].ip",
        /IPv6/,
    ],
    ["a bad pod cpu", { resources: { limits: { cpu: "fast" } }, containers: [app()] }, "resources.limits.cpu", /not a Kubernetes quantity/],
    [
        "an unknown resource",
        { containers: [app({ resources: { limits: { gpu: "1" } } })] },
        "containers[0].resources.limits.gpu",
        /only `memory` and `cpu`/,
    ],
    [
        "a container limit above the pod's",
        { resources: { limits: { memory: "128Mi" } }, containers: [app({ resources: { limits: { memory: "256Mi" } } })] },
        "containers[0].resources.limits.memory",
        /above the pod's limit "128Mi"/,
    ],
    [
        "two containers on one port",
        { containers: [app({ ports: [{ containerPort: 80 }] }), { name: "b", image: "x", ports: [{ containerPort: 80 }] }] },
        "containers[1].ports[0].containerPort",
        /80\/tcp is already used by containers\[0\]\.ports\[0\]/,
    ],
    [
        "one host port twice",
        {
            containers: [
                app({
                    ports: [
                        { containerPort: 80, hostPort: 8080 },
                        { containerPort: 81, hostPort: 8080 },
                    ],
                }),
            ],
        },
        "containers[0].ports[1].hostPort",
        /would bind the host port containers\[0\]\.ports\[0\] already publishes/,
    ],
    [
        "hostNetwork with a mismatched port",
        { hostNetwork: true, containers: [app({ ports: [{ containerPort: 80, hostPort: 8080 }] })] },
        "containers[0].ports[0].hostPort",
        /must equal containerPort/,
    ],
    [
        "a port out of range",
        { containers: [app({ ports: [{ containerPort: 70000 }] })] },
        "containers[0].ports[0].containerPort",
        /1 to 65535/,
    ],
    [
        "an unknown restart policy",
        { restartPolicy: "Sometimes" as any, containers: [app()] },
        "restartPolicy",
        /"Always", "OnFailure", "Never"/,
    ],
    [
        "an image reference Docker refuses",
        { containers: [app({ image: "Nginx:alpine" })] },
        "containers[0].image",
        /"Nginx" is not a repository path component.*registry\.example\.com:5000\/team\/app:1\.4/,
    ],
    [
        "an image with a space",
        { containers: [app({ image: "nginx alpine" })] },
        "containers[0].image",
        /"nginx alpine" is not an image reference \("nginx alpine" is not a repository path component/,
    ],
    // A near-miss that made the reference library's pattern backtrack for minutes: now refused at once.
    [
        "a typo that used to hang the check",
        { containers: [app({ image: "a".repeat(40) + "-" })] },
        "containers[0].image",
        /is not a repository path component/,
    ],
    [
        "an image over the length limit",
        { containers: [app({ image: "a".repeat(600) })] },
        "containers[0].image",
        /longer than 512 characters/,
    ],
    [
        "a memory limit past any host (64Ei)",
        { containers: [app({ resources: { limits: { memory: "64Ei" } } })] },
        "containers[0].resources.limits.memory",
        /at most 8Pi/,
    ],
    [
        "a pod cpu limit past 10000 cores",
        { resources: { limits: { cpu: "1e22" } }, containers: [app()] },
        "resources.limits.cpu",
        /more than 10000 cores/,
    ],
    [
        "a Docker socket path past sun_path",
        { host: { dockerSocket: "/" + "s".repeat(120) }, containers: [app()] },
        "host.dockerSocket",
        /at most|longer than 107 bytes/,
    ],
    [
        "a probe of null",
        { heal: true, containers: [app({ livenessProbe: null as any })] },
        "containers[0].livenessProbe",
        /must be a probe/,
    ],
    [
        "a probe command with a number",
        { containers: [app({ readinessProbe: { exec: { command: ["cat", 7 as any] } } })] },
        "containers[0].readinessProbe.exec.command[1]",
        /7 is not a string/,
    ],
    [
        "a probe command with a NUL",
        { containers: [app({ readinessProbe: { exec: { command: ["cat", "a\0b"] } } })] },
        "containers[0].readinessProbe.exec.command[1]",
        /NUL/,
    ],
    ["a command that is not a list", { containers: [app({ command: "sleep 1" as any })] }, "containers[0].command", /list of strings/],
    ["a pod name that is not a string", { podName: 5 as any, containers: [app()] }, "podName", /5 is not a valid pod name/],
    [
        "a parent slice of logind's (pod 1000 would be user-1000.slice)",
        { podName: "p1000", host: { parentSlice: "user.slice" }, containers: [app()] },
        "host.parentSlice",
        /managed by systemd, logind/,
    ],
    [
        "a cgroupfs parent of a kubelet's",
        { host: { cgroupDriver: "cgroupfs", parentSlice: "/kubepods" }, containers: [app()] },
        "host.parentSlice",
        /allowForeignParent/,
    ],
    ["a bad sandbox image", { sandboxImage: "pause:", containers: [app()] }, "sandboxImage", /is not an image reference/],
    [
        "a bad guardian image",
        { heal: true, guardianImage: "docker:28-cli@sha256:xyz", containers: [app()] },
        "guardianImage",
        /is not an image reference/,
    ],
    ["an unknown pull policy", { containers: [app({ imagePullPolicy: "Often" })] }, "containers[0].imagePullPolicy", /"IfNotPresent"/],
    [
        "an unknown protocol",
        { containers: [app({ ports: [{ containerPort: 53, protocol: "SCTP" }] })] },
        "containers[0].ports[0].protocol",
        /"TCP", "UDP"/,
    ],
    [
        "an unknown cgroup driver",
        { host: { cgroupDriver: "docker" as any }, containers: [app()] },
        "host.cgroupDriver",
        /"systemd", "cgroupfs"/,
    ],
    [
        "a negative grace",
        { terminationGracePeriodSeconds: -1, containers: [app()] },
        "terminationGracePeriodSeconds",
        /whole number from 0/,
    ],
    [
        "a mount of an undeclared volume",
        { containers: [app({ volumeMounts: [{ name: "data", mountPath: "/data" }] })] },
        "containers[0].volumeMounts[0].name",
        /not a volume of the pod: declare it in volumes/,
    ],
    [
        "a relative mount path",
        { volumes: [{ name: "data", emptyDir: {} }], containers: [app({ volumeMounts: [{ name: "data", mountPath: "data" }] })] },
        "containers[0].volumeMounts[0].mountPath",
        /absolute path/,
    ],
    [
        "a volume with two sources",
        { volumes: [{ name: "v", emptyDir: {}, hostPath: { path: "/x" } }], containers: [app()] },
        "volumes[0]",
        /exactly one/,
    ],
    [
        "an injected host path",
        { volumes: [{ name: "v", hostPath: { path: "/x$(reboot)" } }], containers: [app()] },
        "volumes[0].hostPath.path",
        /absolute path/,
    ],
    [
        "a memory-backed emptyDir",
        { volumes: [{ name: "v", emptyDir: { medium: "Memory" } }], containers: [app()] },
        "volumes[0].emptyDir.medium",
        /not supported/,
    ],
    [
        "a liveness probe without heal",
        { containers: [app({ livenessProbe: { exec: { command: ["true"] } } })] },
        "containers[0].livenessProbe",
        /needs heal: true/,
    ],
    [
        "a startup probe with two actions",
        { containers: [app({ startupProbe: { exec: { command: ["true"] }, tcpSocket: { port: 80 } } })] },
        "containers[0].startupProbe",
        /exactly one of exec, httpGet or tcpSocket/,
    ],
    [
        "a startup probe on an init container",
        { initContainers: [app({ name: "init", startupProbe: { exec: { command: ["true"] } } })], containers: [app()] },
        "initContainers[0].startupProbe",
        /cannot have probes .*make it a sidecar/,
    ],
    [
        "a hook on an init container",
        { initContainers: [app({ name: "init", lifecycle: { postStart: { sleep: { seconds: 1 } } } })], containers: [app()] },
        "initContainers[0].lifecycle",
        /cannot have hooks .*make it a sidecar/,
    ],
    [
        "an httpGet hook",
        { containers: [app({ lifecycle: { preStop: { httpGet: { port: 80 } } } })] },
        "containers[0].lifecycle.preStop.httpGet",
        /not supported in a hook: use exec/,
    ],
    [
        "a hook with exec and sleep",
        { containers: [app({ lifecycle: { preStop: { exec: { command: ["x"] }, sleep: { seconds: 1 } } } })] },
        "containers[0].lifecycle.preStop",
        /exactly one of exec or sleep/,
    ],
    [
        "a hook that is not one",
        { containers: [app({ lifecycle: { preStart: { sleep: { seconds: 1 } } } })] },
        "containers[0].lifecycle.preStart",
        /use postStart or preStop/,
    ],
    [
        "an exec hook without a command",
        { containers: [app({ lifecycle: { postStart: { exec: { command: [] } } } })] },
        "containers[0].lifecycle.postStart.exec.command",
        /needs a command/,
    ],
    [
        "a computed argument in a hook (it is written into the host's script)",
        { containers: [app({ lifecycle: { postStart: { exec: { command: ["touch", pulumi.output("/tmp/x")] } } } })] },
        "containers[0].lifecycle.postStart.exec.command[1]",
        /must be a plain string: a hook is written into the host's script at preview/,
    ],
    [
        "a computed argument in a startup probe",
        { containers: [app({ startupProbe: { exec: { command: ["test", "-f", Promise.resolve("/x")] } } })] },
        "containers[0].startupProbe.exec.command[2]",
        /must be a plain string: an exec probe is written into the host's script at preview/,
    ],
    [
        "a computed argument in a liveness probe (the guardian's script)",
        { heal: true, containers: [app({ livenessProbe: { exec: { command: [pulumi.output("true")] } } })] },
        "containers[0].livenessProbe.exec.command[0]",
        /must be a plain string/,
    ],
    [
        "a sleep longer than the grace",
        { terminationGracePeriodSeconds: 10, containers: [app({ lifecycle: { preStop: { sleep: { seconds: 11 } } } })] },
        "containers[0].lifecycle.preStop.sleep.seconds",
        /\(11\) is longer than the pod's terminationGracePeriodSeconds \(10\)/,
    ],
    [
        "a preStop hook with no grace to run in",
        { terminationGracePeriodSeconds: 0, containers: [app({ lifecycle: { preStop: { exec: { command: ["drain"] } } } })] },
        "containers[0].lifecycle.preStop",
        /never runs with terminationGracePeriodSeconds 0 .*raise the grace or remove the hook/,
    ],
    [
        "a negative sleep",
        { containers: [app({ lifecycle: { postStart: { sleep: { seconds: -1 } } } })] },
        "containers[0].lifecycle.postStart.sleep.seconds",
        /./,
    ],
    [
        "a probe without a command",
        { containers: [app({ readinessProbe: { exec: { command: [] } } })] },
        "containers[0].readinessProbe.exec.command",
        /needs a command/,
    ],
    [
        "an init container with a probe",
        { containers: [app()], initContainers: [{ name: "i", image: "x", readinessProbe: { exec: { command: ["true"] } } }] },
        "initContainers[0].readinessProbe",
        /run to completion/,
    ],
    [
        "an init container with ports",
        { containers: [app()], initContainers: [{ name: "i", image: "x", ports: [{ containerPort: 1 }] }] },
        "initContainers[0].ports",
        /cannot publish ports/,
    ],
    ["a bad env name", { containers: [app({ env: [{ name: "A-B", value: "1" }] })] }, "containers[0].env[0].name", /not a variable name/],
    [
        "an env set twice",
        {
            containers: [
                app({
                    env: [
                        { name: "A", value: "1" },
                        { name: "A", value: "2" },
                    ],
                }),
            ],
        },
        "containers[0].env[1].name",
        /set twice/,
    ],
    ["a missing image", { containers: [{ name: "app" } as any] }, "containers[0].image", /is required/],
    [
        "a bad capability",
        { containers: [app({ securityContext: { capabilities: { add: ["net admin"] } } })] },
        "containers[0].securityContext.capabilities.add[0]",
        /capability name/,
    ],
    [
        "root under a pod-wide runAsNonRoot",
        { securityContext: { runAsNonRoot: true }, containers: [app({ securityContext: { runAsUser: 0 } })] },
        "containers[0].securityContext.runAsUser",
        /is 0 \(root\) but runAsNonRoot is set \(here or in the pod's securityContext\)/,
    ],
    [
        "privileged under a pod-wide allowPrivilegeEscalation: false",
        {
            host: { allowPrivileged: true },
            securityContext: { allowPrivilegeEscalation: false },
            containers: [app({ securityContext: { privileged: true } })],
        },
        "containers[0].securityContext.allowPrivilegeEscalation",
        /privileged \(as Kubernetes, dockerpod refuses both\)/,
    ],
    [
        "a pod-wide group without a user",
        { securityContext: { runAsGroup: 5 }, containers: [app()] },
        "securityContext.runAsGroup",
        /needs runAsUser/,
    ],
    [
        "a group without a user",
        { containers: [app({ securityContext: { runAsGroup: 1 } })] },
        "containers[0].securityContext.runAsGroup",
        /needs runAsUser/,
    ],
    ["an injected parent slice", { host: { parentSlice: "x.slice; reboot" }, containers: [app()] }, "host.parentSlice", /slice name/],
    ["a path as a systemd parent", { host: { parentSlice: "/dockerpod" }, containers: [app()] }, "host.parentSlice", /slice name/],
    [
        "a slice as a cgroupfs parent",
        { host: { cgroupDriver: "cgroupfs", parentSlice: "dockerpod.slice" }, containers: [app()] },
        "host.parentSlice",
        /cgroup path/,
    ],
    [
        "a hostname with hostNetwork",
        { hostNetwork: true, hostname: "x", containers: [app()] },
        "hostname",
        /cannot be set with hostNetwork/,
    ],
    ["a bad hostname", { hostname: "My_Host", containers: [app()] }, "hostname", /DNS-1123/],
    ["a reserved label", { labels: { "dockerpod.pod": "x" }, containers: [app()] }, "labels.dockerpod.pod", /reserved/],
    [
        "a bad host IP",
        { containers: [app({ ports: [{ containerPort: 80, hostPort: 80, hostIP: "localhost; x" }] })] },
        "containers[0].ports[0].hostIP",
        /not an IP/,
    ],
    ["a relative working dir", { containers: [app({ workingDir: "srv" })] }, "containers[0].workingDir", /absolute path/],
];

describe("checkPod: bad input names the field and the fix", () => {
    test.each(badInputs)("%s", (_what, args, path, message) => {
        const problems = problemsOf(args);
        expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
    });

    test("every problem is reported at once, in one error", () => {
        const problems = problemsOf({ podName: "Bad", containers: [app({ name: "X", resources: { limits: { memory: "12Q" } } })] });
        expect(problems.map((p) => p.path)).toEqual(["podName", "containers[0].name", "containers[0].resources.limits.memory"]);
        expect(() => checkPod("foo", { podName: "Bad", containers: [app()] })).toThrow(/invalid input for "foo":\n {2}- podName: "Bad"/);
    });

    test("a readiness probe, Docker's healthcheck, may take a computed argument; startup and liveness probes may not", () => {
        const computed = { exec: { command: ["test", "-f", pulumi.output("/x")] } };
        expect(checkPod("foo", { containers: [app({ readinessProbe: computed })] }).containers[0].readinessProbe).toBeDefined();
        expect(
            problemsOf({ heal: true, containers: [app({ livenessProbe: computed, startupProbe: computed })] }).map((p) => p.path),
        ).toEqual(["containers[0].livenessProbe.exec.command[2]", "containers[0].startupProbe.exec.command[2]"]);
    });

    test("a pod name is a DNS-1123 label: 63 characters are accepted, 64 are not", () => {
        expect(checkPod("foo", { podName: "a".repeat(63), containers: [app()] }).containers[0].dockerName).toBe(`${"a".repeat(63)}_app`);
        expect(problemsOf({ podName: "a".repeat(64), containers: [app()] })).toContainEqual({
            path: "podName",
            message: expect.stringMatching(/DNS-1123/),
        });
        expect(problemsOf({ containers: [app()] }, "a".repeat(64))).toContainEqual({
            path: "name",
            message: expect.stringMatching(/DNS-1123/),
        });
    });
});

describe("checkPod: securityContext, pod-wide and per container", () => {
    test("a container's own fields win over the pod's; a pod-wide combination is reported once, at the pod", () => {
        const spec = checkPod("foo", {
            securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false },
            containers: [app(), app({ name: "root", securityContext: { runAsUser: 0, runAsGroup: 0 } })],
        });
        expect(spec.containers.map((c) => c.security)).toEqual([
            { runAsUser: 1000, allowPrivilegeEscalation: false },
            { runAsUser: 0, runAsGroup: 0, allowPrivilegeEscalation: false },
        ]);
        const problems = problemsOf({ securityContext: { runAsNonRoot: true, runAsUser: 0 }, containers: [app(), app({ name: "b" })] });
        expect(problems.filter((p) => /runAsNonRoot is set/.test(p.message)).map((p) => p.path)).toEqual(["securityContext.runAsUser"]);
    });
});
