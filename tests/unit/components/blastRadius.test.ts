// Blast radius: the same program run twice (before, after) and planned as the
// engine would, in preview and in update mode. Each row is a change and the
// exact set of children that change, and how.
import { DockerPod } from "../../../sdk";
import { CONTAINER_IN_PLACE } from "../../support/engine-model";
import { describeChanges, plan } from "../../support/planner";
import { PodArgs } from "../../fixtures/pods";

// How the mock monitor hands an unknown input to the mocks.
const UNKNOWN = { __pulumiUnknown: true };

function pod(change: (args: PodArgs) => void = () => undefined, name = "foo"): (t: any) => DockerPod {
    const args: PodArgs = {
        resources: { limits: { memory: "512Mi", cpu: "500m" } },
        host: { cgroupDriver: "cgroupfs" },
        volumes: [{ name: "data", emptyDir: {} }],
        containers: [
            {
                name: "app",
                image: "nginx:alpine",
                ports: [{ containerPort: 80, hostPort: 8080 }],
                env: [
                    { name: "MODE", value: "prod" },
                    { name: "LEVEL", value: "info" },
                ],
                volumeMounts: [{ name: "data", mountPath: "/data" }],
                readinessProbe: { exec: { command: ["true"] } },
                resources: { limits: { memory: "256Mi", cpu: "250m" } },
            },
            {
                name: "sidecar",
                image: "curlimages/curl:8.3.0",
                command: ["/bin/sleep", "3650d"],
                resources: { limits: { memory: "128Mi" } },
            },
        ],
    };
    change(args);
    return (transformations) => new DockerPod(name, args, { transformations });
}

const everyContainer = ["foo-app", "foo-sandbox", "foo-sidecar"];
const replaced = (names: string[]) => names.map((n) => expect.stringMatching(new RegExp(`^${n}: replace`)));

// [change, mutation, what changes: exact lines or matchers, sorted by name]
const rows: [string, (a: PodArgs) => void, (string | jest.AsymmetricMatcher)[]][] = [
    ["nothing", () => undefined, []],
    [
        "one container's image",
        (a) => {
            a.containers[1].image = "curlimages/curl:8.4.0";
        },
        ["foo-sidecar-image: replace(name)", "foo-sidecar: replace(image)"],
    ],
    [
        "an app container made a native sidecar (restartPolicy Always on an init container)",
        (a) => {
            a.initContainers = [{ ...a.containers[1], restartPolicy: "Always" }];
            a.containers.splice(1, 1);
        },
        ["foo-sidecar: replace(labels)"],
    ],
    [
        "a preStop hook added to one container",
        (a) => {
            a.containers[1].lifecycle = { preStop: { sleep: { seconds: 5 } } };
        },
        ["foo-sidecar-hooks: create", "foo-sidecar: replace(labels)"],
    ],
    [
        "a startup probe added to one container",
        (a) => {
            a.containers[0].startupProbe = { exec: { command: ["test", "-f", "/tmp/started"] }, failureThreshold: 30 };
        },
        ["foo-app-hooks: create", "foo-app: replace(labels,wait,waitTimeout)"],
    ],
    [
        "one container's command",
        (a) => {
            a.containers[1].command = ["/bin/sleep", "1d"];
        },
        ["foo-sidecar: replace(entrypoints)"],
    ],
    [
        "one container's env",
        (a) => {
            a.containers[0].env![0].value = "dev";
        },
        ["foo-app: replace(envs)"],
    ],
    [
        "one container's probe",
        (a) => {
            a.containers[0].readinessProbe = { exec: { command: ["false"] } };
        },
        ["foo-app: replace(healthcheck)"],
    ],
    [
        "one container's memory limit",
        (a) => {
            a.containers[1].resources!.limits!.memory = "192Mi";
        },
        ["foo-sidecar: update(memory,memorySwap)"],
    ],
    [
        "one container's cpu limit",
        (a) => {
            a.containers[0].resources!.limits!.cpu = "300m";
        },
        ["foo-app: replace(cpuQuota)"],
    ],
    [
        "one container's ports",
        (a) => {
            a.containers[0].ports = [{ containerPort: 80, hostPort: 9090 }];
        },
        replaced(everyContainer),
    ],
    [
        "the pod's memory limit",
        (a) => {
            a.resources!.limits!.memory = "1Gi";
        },
        ["foo-slice: update(create,update)"],
    ],
    [
        "the pod's cpu limit",
        (a) => {
            a.resources!.limits!.cpu = "1";
        },
        ["foo-slice: update(create,update)"],
    ],
    [
        "the hostname",
        (a) => {
            a.hostname = "web";
        },
        replaced(everyContainer),
    ],
    [
        "the sandbox image",
        (a) => {
            a.sandboxImage = "registry.k8s.io/pause:3.10";
        },
        [
            "foo-app: replace(ipcMode,networkMode)",
            "foo-sandbox-image: replace(name)",
            "foo-sandbox: replace(image)",
            "foo-sidecar: replace(ipcMode,networkMode)",
        ],
    ],
    [
        "hostNetwork",
        (a) => {
            a.hostNetwork = true;
            a.containers[0].ports = [{ containerPort: 80 }];
        },
        replaced(everyContainer),
    ],
    [
        "hostIPC",
        (a) => {
            a.hostIPC = true;
        },
        replaced(everyContainer),
    ],
    [
        "shareProcessNamespace",
        (a) => {
            a.shareProcessNamespace = true;
        },
        replaced(everyContainer),
    ],
    [
        "the grace period",
        (a) => {
            a.terminationGracePeriodSeconds = 60;
        },
        ["foo-app: update(destroyGraceSeconds)", "foo-sidecar: update(destroyGraceSeconds)"],
    ],
    [
        "adding a container",
        (a) => {
            a.containers.push({ name: "extra", image: "busybox" });
        },
        ["foo-extra-image: create", "foo-extra: create"],
    ],
    [
        "removing a container",
        (a) => {
            a.containers.pop();
        },
        ["foo-sidecar-image: delete", "foo-sidecar: delete"],
    ],
    [
        "the pod's name",
        (a) => {
            a.podName = "bar";
        },
        [
            "foo-app: replace(cgroupParent,ipcMode,labels,mounts,name,networkMode)",
            "foo-data: replace(labels,name)",
            "foo-sandbox: replace(cgroupParent,hostname,labels,name)",
            "foo-sidecar: replace(cgroupParent,ipcMode,labels,name,networkMode)",
            "foo-slice: replace(create,delete,triggers,update)",
            "foo-volumes: replace(create,triggers)",
        ],
    ],
    [
        "the cgroup driver",
        (a) => {
            a.host = { cgroupDriver: "systemd" };
        },
        [
            "foo-app: replace(cgroupParent,ipcMode,labels,networkMode)",
            "foo-sandbox: replace(cgroupParent,labels)",
            "foo-sidecar: replace(cgroupParent,ipcMode,labels,networkMode)",
            "foo-slice: replace(create,delete,triggers,update)",
        ],
    ],
];

describe.each([
    ["update", false],
    ["preview", true],
])("blast radius (%s)", (_mode, preview) => {
    test.each(rows)("%s", async (_what, change, expected) => {
        const p = await plan(pod(), pod(change), { preview: preview as boolean });
        expect(p.errors).toEqual([]);
        expect(describeChanges(p)).toEqual(expected);
        // Never a planned update that changes nothing live: only fields `docker update` applies,
        // and the grace the provider reads from state at destroy.
        for (const [name, step] of Object.entries(p.steps)) {
            if (step.change === "update" && name !== "foo-slice") {
                expect([name, step.fields.filter((f) => !CONTAINER_IN_PLACE.has(f) && f !== "destroyGraceSeconds")]).toEqual([name, []]);
            }
        }
    });
});

describe("preview details", () => {
    test("a pod limit change keeps every container's cgroupParent known and unchanged", async () => {
        const p = await plan(
            pod(),
            pod((a) => {
                a.resources!.limits!.memory = "1Gi";
            }),
            { preview: true },
        );
        for (const name of everyContainer) expect(p.inputs[name].cgroupParent).toBe("/dockerpod/foo");
    });

    test("a sandbox change leaves the payloads' container: modes unknown without a crash", async () => {
        const p = await plan(
            pod(),
            pod((a) => {
                a.hostname = "web";
            }),
            { preview: true },
        );
        expect(p.errors).toEqual([]);
        expect(p.inputs["foo-app"].networkMode).toEqual(UNKNOWN);
        expect(p.inputs["foo-sidecar"].ipcMode).toEqual(UNKNOWN);
    });

    test("an unchanged pod joins by id, never by name", async () => {
        const p = await plan(pod(), pod(), { preview: false });
        expect(p.inputs["foo-app"].networkMode).toBe("container:foo-sandbox-id");
    });
});

describe.each([
    ["update", false],
    ["preview", true],
])("imagePullPolicy Always (%s)", (_mode, preview) => {
    const always = pod((a) => {
        a.containers[1].imagePullPolicy = "Always";
    });
    const digest = (c: string) => `sha256:${c.repeat(64)}`;

    test("a tag whose registry digest moved replaces that container and its image, nothing else", async () => {
        const p = await plan(always, always, { preview: preview as boolean, registryDigests: [digest("a"), digest("b")] });
        expect(p.errors).toEqual([]);
        expect(describeChanges(p)).toEqual(["foo-sidecar-image: replace(name)", "foo-sidecar: replace(image)"]);
        // The preview names the digest it will pull.
        expect(p.inputs["foo-sidecar-image"].name).toBe(`curlimages/curl:8.3.0@${digest("b")}`);
    });

    test("an unmoved digest changes nothing", async () => {
        const p = await plan(always, always, { preview: preview as boolean, registryDigests: [digest("a"), digest("a")] });
        expect(describeChanges(p)).toEqual([]);
    });
});

describe.each([
    ["update", false],
    ["preview", true],
])("files (%s)", (_mode, preview) => {
    const withFile = (content: string) =>
        pod((a) => {
            a.containers[1].files = [{ path: "/etc/tool.conf", content, mode: 0o600 }];
        });

    test("a file's new content replaces that container only", async () => {
        const p = await plan(withFile("level=1"), withFile("level=2"), { preview: preview as boolean });
        expect(p.errors).toEqual([]);
        expect(describeChanges(p)).toEqual(["foo-sidecar: replace(uploads)"]);
    });
});
