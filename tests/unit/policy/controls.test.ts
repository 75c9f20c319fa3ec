// The Pod Security Standards controls on their own: a compliant pod and
// container pass at restricted, each control has a pod or container that
// breaks it and is reported at its field, and the pack's level presets
// enable exactly the controls of their level.
import * as fs from "fs";
import * as path from "path";
import { CONTROLS, Control, containerViolations, podViolations } from "../../../sdk/policy/controls";
import * as controlsModule from "../../../sdk/policy/controls";
import { controlPolicy, violationsOf } from "../../../sdk/policy/pack";
import { DockerPodArgs } from "../../../sdk/types";

const POLICY_DIR = path.join(__dirname, "../../../policy");

/** A pod that meets the restricted level. */
function restrictedPod(): DockerPodArgs & { containers: NonNullable<DockerPodArgs["containers"]> } {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 1000 },
        volumes: [{ name: "data", emptyDir: {} }],
        containers: [
            {
                name: "app",
                image: "busybox",
                ports: [{ containerPort: 8080 }],
                volumeMounts: [{ name: "data", mountPath: "/data" }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } },
            },
        ],
    };
}

/** A raw container that meets the restricted level. */
function restrictedContainer(): Record<string, any> {
    return {
        name: "web",
        image: "busybox",
        user: "1000:1000",
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        mounts: [{ type: "volume", source: "data", target: "/data" }],
        sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
    };
}

const found = (violations: { control: Control; path: string }[]) => violations.map((v) => `${v.control.name} ${v.path}`).sort();

test("a restricted pod and a restricted container break no control", () => {
    expect(podViolations("web", restrictedPod())).toEqual([]);
    expect(containerViolations(restrictedContainer())).toEqual([]);
});

type PodChange = (a: ReturnType<typeof restrictedPod>) => void;
const podCases: Array<[string, PodChange, string[]]> = [
    [
        "host namespaces",
        (a) => Object.assign(a, { hostNetwork: true, hostPID: true, hostIPC: true }),
        ["host-namespaces hostIPC", "host-namespaces hostNetwork", "host-namespaces hostPID"],
    ],
    [
        "privileged",
        (a) => (a.containers[0].securityContext!.privileged = true),
        ["privileged-containers containers[0].securityContext.privileged"],
    ],
    [
        "a capability beyond the baseline set",
        (a) => (a.containers[0].securityContext!.capabilities!.add = ["cap_sys_admin"]),
        [
            "capabilities-baseline containers[0].securityContext.capabilities.add[0]",
            "capabilities-restricted containers[0].securityContext.capabilities.add[0]",
        ],
    ],
    [
        "a baseline capability added back",
        (a) => (a.containers[0].securityContext!.capabilities!.add = ["CHOWN"]),
        ["capabilities-restricted containers[0].securityContext.capabilities.add[0]"],
    ],
    [
        "capabilities not dropped",
        (a) => delete a.containers[0].securityContext!.capabilities!.drop,
        ["capabilities-restricted containers[0].securityContext.capabilities.drop"],
    ],
    [
        "a host path",
        (a) => a.volumes!.push({ name: "etc", hostPath: { path: "/etc" } }),
        ["hostpath-volumes volumes[1].hostPath", "volume-types volumes[1].hostPath"],
    ],
    ["a host port", (a) => (a.containers[0].ports![0].hostPort = 8080), ["host-ports containers[0].ports[0].hostPort"]],
    [
        "privilege escalation",
        (a) => delete a.containers[0].securityContext!.allowPrivilegeEscalation,
        ["privilege-escalation containers[0].securityContext.allowPrivilegeEscalation"],
    ],
    [
        "runAsNonRoot unset",
        (a) => delete a.securityContext!.runAsNonRoot,
        ["running-as-non-root containers[0].securityContext.runAsNonRoot"],
    ],
    [
        "runAsNonRoot false in a container",
        (a) => (a.containers[0].securityContext!.runAsNonRoot = false),
        ["running-as-non-root containers[0].securityContext.runAsNonRoot"],
    ],
    [
        "uid 0, in the pod and in an init container",
        (a) => {
            a.securityContext!.runAsUser = 0;
            a.initContainers = [
                { ...a.containers[0], name: "init", securityContext: { ...a.containers[0].securityContext, runAsUser: 0 } },
            ];
        },
        ["running-as-non-root-user initContainers[0].securityContext.runAsUser", "running-as-non-root-user securityContext.runAsUser"],
    ],
    ["heal: the guardian", (a) => (a.heal = true), ["dockerpod-guardian-docker-socket heal"]],
];

test.each(podCases)("a pod with %s is reported at its field, and nothing else", (_name, change, expected) => {
    const args = restrictedPod();
    change(args);
    expect(found(podViolations("web", args))).toEqual(expected);
});

const containerCases: Array<[string, Record<string, any>, string[]]> = [
    ["privileged", { privileged: true }, ["privileged-containers privileged"]],
    [
        "host namespaces",
        { networkMode: "host", pidMode: "host", ipcMode: "host" },
        ["host-namespaces ipcMode", "host-namespaces networkMode", "host-namespaces pidMode"],
    ],
    [
        "a capability beyond the baseline set",
        { capabilities: { adds: ["NET_ADMIN"], drops: ["ALL"] } },
        ["capabilities-baseline capabilities.adds[0]", "capabilities-restricted capabilities.adds[0]"],
    ],
    ["capabilities not dropped", { capabilities: {} }, ["capabilities-restricted capabilities.drops"]],
    [
        "a bind of the Docker socket and a host-path volume",
        {
            mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }],
            volumes: [{ hostPath: "/etc", containerPath: "/host" }],
        },
        [
            "hostpath-volumes mounts[0].source",
            "hostpath-volumes volumes[0].hostPath",
            "volume-types mounts[0].source",
            "volume-types volumes[0].hostPath",
        ],
    ],
    ["a published port", { ports: [{ internal: 80, external: 8080 }] }, ["host-ports ports[0]"]],
    ["a port Docker publishes on a port of its choosing", { ports: [{ internal: 80 }] }, ["host-ports ports[0]"]],
    ["AppArmor unconfined", { securityOpts: ["no-new-privileges", "apparmor=unconfined"] }, ["apparmor securityOpts[1]"]],
    ["seccomp unconfined", { securityOpts: ["no-new-privileges", "seccomp:unconfined"] }, ["seccomp securityOpts[1]"]],
    ["/proc unmasked", { securityOpts: ["no-new-privileges", "systempaths=unconfined"] }, ["proc-mount-type securityOpts[1]"]],
    [
        "SELinux labels off, a user and a foreign type",
        {
            securityOpts: [
                "no-new-privileges",
                "label=disable",
                "label=user:system_u",
                "label=type:spc_t",
                "label=type:container_t",
                "label=level:s0:c1",
            ],
        },
        ["selinux securityOpts[1]", "selinux securityOpts[2]", "selinux securityOpts[3]"],
    ],
    ["an unsafe sysctl", { sysctls: { "kernel.msgmax": "65536", "net.ipv4.tcp_syncookies": "1" } }, ['sysctls sysctls["kernel.msgmax"]']],
    ["no no-new-privileges", { securityOpts: [] }, ["privilege-escalation securityOpts"]],
    ["root by name", { user: "root:root" }, ["running-as-non-root-user user"]],
    ["uid 0", { user: "0" }, ["running-as-non-root-user user"]],
    ["no user (the image's)", { user: undefined }, ["running-as-non-root user"]],
];

test.each(containerCases)("a raw container with %s is reported at its field, and nothing else", (_name, change, expected) => {
    expect(found(containerViolations({ ...restrictedContainer(), ...change }))).toEqual(expected);
});

test("every control has a violating case above", () => {
    const reported = new Set([...podCases, ...containerCases].flatMap(([, , expected]) => expected.map((line) => line.split(" ")[0])));
    expect(
        Object.values(CONTROLS)
            .map((c) => c.name)
            .filter((name) => !reported.has(name)),
    ).toEqual([]);
});

test("host ports in the policy's allowedHostPorts pass, for pods and containers", () => {
    const pod = restrictedPod();
    pod.containers[0].ports = [
        { containerPort: 8080, hostPort: 8080 },
        { containerPort: 9090, hostPort: 9090 },
    ];
    expect(found(podViolations("web", pod, { allowedHostPorts: [8080] }))).toEqual(["host-ports containers[0].ports[1].hostPort"]);
    const container = { ...restrictedContainer(), ports: [{ internal: 80, external: 8080 }] };
    expect(containerViolations(container, { allowedHostPorts: [8080] })).toEqual([]);
});

test("a pod given as a manifest is checked on the fields the manifest gives it; a pod's own containers are not checked again", () => {
    const manifest = [
        "apiVersion: v1",
        "kind: Pod",
        "metadata: { name: web }",
        "spec:",
        "  hostPID: true",
        "  containers:",
        "    - name: app",
        "      image: busybox",
        "      securityContext: { privileged: true }",
    ].join("\n");
    const urn = "urn:pulumi:s::p::dockerpod:index:DockerPod::web";
    const pod = violationsOf({ type: "dockerpod:index:DockerPod", urn, name: "web", props: { manifest } }, {});
    expect(found(pod).filter((line) => !line.includes("restricted") && !/non-root|escalation/.test(line))).toEqual([
        "host-namespaces hostPID",
        "privileged-containers containers[0].securityContext.privileged",
    ]);
    const child = "urn:pulumi:s::p::dockerpod:index:DockerPod$dockerpod:index:PayloadContainer$docker:index/container:Container::web-app";
    expect(
        violationsOf({ type: "docker:index/container:Container", urn: child, name: "web-app", props: { privileged: true } }, {}),
    ).toEqual([]);
    const raw = "urn:pulumi:s::p::docker:index/container:Container::other";
    expect(
        found(
            violationsOf(
                {
                    type: "docker:index/container:Container",
                    urn: raw,
                    name: "other",
                    props: { ...restrictedContainer(), privileged: true },
                },
                {},
            ),
        ),
    ).toEqual(["privileged-containers privileged"]);
});

test("the level presets: baseline.json turns the restricted controls off, restricted.json enforces every control", () => {
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(POLICY_DIR, file), "utf8"));
    const restrictedOnly = Object.values(CONTROLS)
        .filter((c) => c.level === "restricted")
        .map((c) => c.name)
        .sort();
    // Each preset enforces every control and sets the restricted-only ones apart: off, or a warning.
    for (const [file, restrictedLevel] of [
        ["baseline.json", "disabled"],
        ["baseline-warn-restricted.json", "advisory"],
    ]) {
        const { all, ...rest } = read(file);
        expect([file, all, Object.keys(rest).sort()]).toEqual([file, "mandatory", restrictedOnly]);
        expect(Object.values(rest).filter((level) => level !== restrictedLevel)).toEqual([]);
    }
    expect(read("restricted.json")).toEqual({ all: "mandatory" });
});

test("the pack's package.json (its name and version for the engine) follows the package's version", () => {
    const read = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));
    const pack = read(path.join(POLICY_DIR, "package.json"));
    expect([pack.name, pack.version, pack.main]).toEqual([
        "dockerpod-pod-security",
        read(path.join(POLICY_DIR, "../package.json")).version,
        "index.js",
    ]);
});

test("the README's table has a row for every policy of the pack", () => {
    const readme = fs.readFileSync(path.join(POLICY_DIR, "../README.md"), "utf8");
    // The table of "Pod Security Standards in pull requests": from its header to the first line that is no row.
    const table = readme.slice(readme.indexOf("| Kubernetes control (policy) |")).split("\n\n")[0];
    const rows = table.split("\n").filter((l) => /\(`[a-z-]+`\)/.test(l));
    const named = rows.map((l) => l.match(/\(`([a-z-]+)`\)/)![1]).sort();
    expect(named).toEqual(
        Object.values(CONTROLS)
            .map((c) => c.name)
            .sort(),
    );
});

test("every policy reports its own control's findings, computed once per resource for all of them", () => {
    const spy = jest.spyOn(controlsModule, "podViolations");
    try {
        const pod = restrictedPod();
        pod.containers[0].securityContext = { ...pod.containers[0].securityContext, privileged: true };
        const resource = {
            type: "dockerpod:index:DockerPod",
            urn: "urn:pulumi:s::p::dockerpod:index:DockerPod::once",
            name: "once",
            props: pod,
        };
        const reported: string[] = [];
        for (const control of Object.values(CONTROLS)) {
            const policy = controlPolicy(control);
            const validate = policy.validateResource as (args: unknown, report: (message: string) => void) => void;
            validate({ ...resource, getConfig: () => ({}) }, (message) => reported.push(`${control.name} ${message}`));
        }
        expect(reported).toEqual([expect.stringMatching(/^privileged-containers containers\[0\]\.securityContext\.privileged: /)]);
        // One computation for the controls without options, one for host-ports (it reads allowedHostPorts).
        expect(spy.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
        spy.mockRestore();
    }
});

test("a pod's own container is passed over without reading its props (in preview they may be unknown, and reading one throws)", () => {
    const unknown = new Proxy(
        {},
        {
            get: () => {
                throw new Error("string value at .image can't be known during preview");
            },
        },
    );
    const urn =
        "urn:pulumi:s::p::dockerpod:index:DockerPod$dockerpod:index:SandboxContainer$docker:index/container:Container::loose-sandbox";
    const reported: string[] = [];
    for (const control of Object.values(CONTROLS)) {
        const validate = controlPolicy(control).validateResource as (args: unknown, report: (message: string) => void) => void;
        validate({ type: "docker:index/container:Container", urn, name: "loose-sandbox", props: unknown, getConfig: () => ({}) }, (m) =>
            reported.push(m),
        );
    }
    expect(reported).toEqual([]);
});
