// Bad input on the real engine: a PodSpecError, and nothing made at all.
import { PodSpecError } from "../../sdk";
import { DockerPodArgs } from "../../sdk/types";
import { BUSYBOX, HOST, IDLE, Stacks, engineSnapshot, podProgram, requireEngine } from "./helpers";

jest.setTimeout(60_000);

const stacks = new Stacks();
beforeAll(requireEngine);
afterAll(() => stacks.destroyAll());

const app = { name: "app", image: BUSYBOX, imagePullPolicy: "Never" as const, command: IDLE };
const valid = (extra: Partial<DockerPodArgs> = {}): DockerPodArgs => ({ host: HOST, containers: [app], ...extra });

const cases: [string, string, DockerPodArgs, string][] = [
    ["a shell-injecting pod name", "x; rm -rf /", valid(), "name"],
    ["a shell-injecting podName", "ok", valid({ podName: "x; rm -rf /" }), "podName"],
    ["no containers", "empty", valid({ containers: [] }), "containers"],
    [
        "a memory quantity that is not one",
        "badmem",
        valid({ containers: [{ ...app, resources: { limits: { memory: "12Q" } } }] }),
        "containers[0].resources.limits.memory",
    ],
    ["a pod memory below Docker's minimum", "tiny", valid({ resources: { limits: { memory: "1Mi" } } }), "resources.limits.memory"],
    [
        "duplicate ports",
        "dupports",
        valid({
            containers: [
                { ...app, ports: [{ containerPort: 80 }] },
                { ...app, name: "other", ports: [{ containerPort: 80 }] },
            ],
        }),
        "containers[1].ports[0].containerPort",
    ],
    [
        "a mount of an undeclared volume",
        "novol",
        valid({ containers: [{ ...app, volumeMounts: [{ name: "data", mountPath: "/data" }] }] }),
        "containers[0].volumeMounts[0].name",
    ],
    [
        "a livenessProbe",
        "live",
        valid({ containers: [{ ...app, livenessProbe: { exec: { command: ["true"] } } }] }),
        "containers[0].livenessProbe",
    ],
    [
        "a relative cgroupfs parent",
        "relparent",
        valid({ host: { cgroupDriver: "cgroupfs", parentSlice: "dockerpod-test" } }),
        "host.parentSlice",
    ],
    [
        "a container above the pod's limit",
        "over",
        valid({
            resources: { limits: { memory: "64Mi" } },
            containers: [{ ...app, resources: { limits: { memory: "128Mi" } } }],
        }),
        "containers[0].resources.limits.memory",
    ],
    ["a container named sandbox", "sbx", valid({ containers: [{ ...app, name: "sandbox" }] }), "containers[0].name"],
];

describe("10: every bad input throws a PodSpecError and creates nothing on the engine", () => {
    test.each(cases)("%s", async (_what, name, args, path) => {
        const before = await engineSnapshot();
        const stack = stacks.create();
        const run = await stack.up(podProgram(name, args));
        expect(run.errors).toHaveLength(1);
        const error = run.errors[0] as PodSpecError;
        expect(error).toBeInstanceOf(PodSpecError);
        expect(error.problems.map((p) => p.path)).toContain(path);
        expect(stack.state.size).toBe(0);
        // The DockerPod component itself is registered before its check throws; nothing below it.
        expect(run.steps.filter((s) => s.key !== `dockerpod:index:DockerPod::${name}`)).toEqual([]);
        expect(await engineSnapshot()).toEqual(before);
    });
});
