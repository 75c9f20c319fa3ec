// Blast radius, as a reviewer reads it in a pull request: a whole DockerPod
// is up on the real engine, then each change of the README's "Reviewing a pod
// change" table is previewed (`pulumi preview --diff`, nothing applied), and
// the planned steps must be exactly the row's: which children change, how,
// and for which fields.
import { DockerPod } from "../../sdk";
import { DockerPodArgs } from "../../sdk/types";
import { EngineStack, Step } from "../support/engine";
import { BUSYBOX, HOST, IDLE, PARENT, PAUSE, Stacks, docker, freePort, podName, requireEngine, upOk } from "./helpers";

jest.setTimeout(300_000);

/** The fields pulumi-docker applies to a running container (`docker update`), and the grace it reads from state at destroy. */
const APPLIED_IN_PLACE = new Set([
    "restart",
    "maxRetryCount",
    "cpuShares",
    "memory",
    "memoryReservation",
    "memorySwap",
    "cpuSet",
    "destroyGraceSeconds",
]);

const SIDECAR_IMAGE_2 = "dockerpod-test/blast:2";
const SANDBOX_IMAGE_2 = "dockerpod-test/pause:2";

const stacks = new Stacks();
const pod = podName("blast");
let port: number;
let stack: EngineStack;

function args(
    change: (a: DockerPodArgs & { containers: NonNullable<DockerPodArgs["containers"]> }) => void = () => undefined,
): DockerPodArgs {
    const a = {
        resources: { limits: { memory: "512Mi", cpu: "500m" } },
        host: HOST,
        terminationGracePeriodSeconds: 1,
        sandboxImage: PAUSE,
        volumes: [{ name: "data", emptyDir: {} }],
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                command: ["httpd", "-f", "-p", "80", "-h", "/data"],
                ports: [{ containerPort: 80, hostPort: port, hostIP: "127.0.0.1" }],
                env: [
                    { name: "MODE", value: "prod" },
                    { name: "LEVEL", value: "info" },
                ],
                volumeMounts: [{ name: "data", mountPath: "/data" }],
                readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 },
                resources: { limits: { memory: "64Mi", cpu: "250m" } },
            },
            { name: "sidecar", image: BUSYBOX, command: IDLE, resources: { limits: { memory: "32Mi" } } },
        ],
    };
    change(a);
    return a;
}

/** Planned steps of the pod's resources (its parts, components, left out) as `name: op(fields)` lines, sorted, with the pod's name written `foo`. */
function describeSteps(steps: Step[]): string[] {
    return steps
        .filter((s) => s.op !== "same" && !s.key.startsWith("dockerpod:"))
        .map((s) => `${s.key.split("::")[1].replace(pod, "foo")}: ${s.op}${s.diff ? `(${s.diff.join(",")})` : ""}`)
        .sort();
}

const everyContainer = ["foo-app", "foo-sandbox", "foo-sidecar"];
const replaced = (names: string[]) => names.map((n) => expect.stringMatching(new RegExp(`^${n}: replace`)));

type Change = Parameters<typeof args>[0];
// [the README row, the change, the planned steps: exact lines or matchers, sorted by name]
const rows: [string, Change, (string | jest.AsymmetricMatcher)[]][] = [
    ["nothing", () => undefined, []],
    [
        "one container's image",
        (a) => {
            a.containers[1].image = SIDECAR_IMAGE_2;
        },
        ["foo-sidecar.image: replace(name)", "foo-sidecar: replace(image)"],
    ],
    [
        "one container's command",
        (a) => {
            a.containers[1].command = ["sleep", "1d"];
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
            a.containers[0].readinessProbe = { exec: { command: ["test", "-d", "/data"] }, periodSeconds: 1 };
        },
        ["foo-app: replace(healthcheck)"],
    ],
    [
        "one container's memory limit",
        (a) => {
            a.containers[1].resources!.limits!.memory = "48Mi";
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
            a.containers[0].ports = [{ containerPort: 80, hostPort: port + 1, hostIP: "127.0.0.1" }];
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
    ["the hostname", (a) => void (a.hostname = "web"), replaced(everyContainer)],
    [
        "the sandbox image",
        (a) => {
            a.sandboxImage = SANDBOX_IMAGE_2;
        },
        // The payloads join the new sandbox's id, unknown at preview: replaced with no field named.
        ["foo-app: replace", "foo-sandbox.image: replace(name)", "foo-sandbox: replace(image)", "foo-sidecar: replace"],
    ],
    [
        "hostNetwork",
        (a) => {
            a.hostNetwork = true;
            a.containers[0].ports = [{ containerPort: 80 }];
        },
        replaced(everyContainer),
    ],
    ["hostIPC", (a) => void (a.hostIPC = true), replaced(everyContainer)],
    ["shareProcessNamespace", (a) => void (a.shareProcessNamespace = true), replaced(everyContainer)],
    [
        "terminationGracePeriodSeconds",
        (a) => {
            a.terminationGracePeriodSeconds = 60;
        },
        ["foo-app: update(destroyGraceSeconds)", "foo-sidecar: update(destroyGraceSeconds)"],
    ],
    [
        "adding a container",
        (a) => {
            a.containers.push({ name: "extra", image: BUSYBOX, command: IDLE });
        },
        ["foo-extra.image: create", "foo-extra: create"],
    ],
    [
        "removing a container",
        (a) => {
            a.containers.pop();
        },
        ["foo-sidecar.image: delete", "foo-sidecar: delete"],
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
        "an httpGet readiness probe added to one container",
        (a) => {
            a.proberImage = BUSYBOX;
            a.containers[1].readinessProbe = { httpGet: { path: "/", port: 80 }, periodSeconds: 1 };
        },
        ["foo-sidecar.probe-image: create", "foo-sidecar.probe: create"],
    ],
    [
        "a downward env var added to one container",
        (a) => {
            a.containers[1].env = [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }];
        },
        ["foo-sidecar: replace(envs)"],
    ],
    [
        "a preStop hook added to one container",
        (a) => {
            a.containers[1].lifecycle = { preStop: { sleep: { seconds: 1 } } };
        },
        ["foo-sidecar.hooks: create", "foo-sidecar: replace(labels)"],
    ],
    [
        "a startup probe added to one container",
        (a) => {
            a.containers[0].startupProbe = { exec: { command: ["test", "-d", "/data"] }, failureThreshold: 30 };
        },
        ["foo-app.hooks: create", "foo-app: replace(labels,wait,waitTimeout)"],
    ],
    [
        "a file's content",
        (a) => {
            a.containers[1].files = [{ path: "/etc/tool.conf", content: "level=2", mode: 0o600 }];
        },
        ["foo-sidecar: replace(uploads)"],
    ],
    [
        "the pod's name",
        (a) => {
            a.podName = `${pod}x`;
        },
        [
            "foo-app: replace",
            "foo-data: replace(labels,name)",
            "foo-sandbox: replace",
            "foo-sidecar: replace",
            "foo-slice: replace(create,delete,triggers,update)",
            "foo-volumes: replace",
        ],
    ],
    [
        "the cgroup driver",
        (a) => {
            a.host = { cgroupDriver: "systemd" };
        },
        ["foo-app: replace", "foo-sandbox: replace", "foo-sidecar: replace", "foo-slice: replace(create,delete,triggers,update)"],
    ],
    [
        "the parent slice",
        (a) => {
            a.host = { ...HOST, parentSlice: `${PARENT}/moved` };
        },
        ["foo-app: replace", "foo-sandbox: replace", "foo-sidecar: replace", "foo-slice: replace(create,delete,triggers,update)"],
    ],
];

beforeAll(async () => {
    await requireEngine();
    await docker.getImage(BUSYBOX).tag({ repo: "dockerpod-test/blast", tag: "2" });
    await docker.getImage(PAUSE).tag({ repo: "dockerpod-test/pause", tag: "2" });
    port = await freePort();
    stack = stacks.create("blast");
    await upOk(stack, () => new DockerPod(pod, args()));
});
afterAll(async () => {
    await stacks.destroyAll();
    for (const image of [SIDECAR_IMAGE_2, SANDBOX_IMAGE_2]) await docker.getImage(image).remove({ noprune: true });
});

describe("a real `pulumi preview --diff` of each change to a running pod", () => {
    test.each(rows)("%s", async (_row, change, expected) => {
        const run = await stack.preview(() => new DockerPod(pod, args(change)));
        expect(run.errors).toEqual([]);
        expect(describeSteps(run.steps)).toEqual(expected);
        // Never a planned update that changes nothing live: only fields `docker update` applies, and the grace.
        for (const step of run.steps.filter((s) => s.op === "update" && s.key.startsWith("docker:"))) {
            expect([step.key, (step.diff ?? []).filter((f) => !APPLIED_IN_PLACE.has(f))]).toEqual([step.key, []]);
        }
    });
});
