// The pod's parent cgroup enforces the pod's limit across its containers,
// and limits change in place (docker update / the slice's update script).
import { DockerPodArgs } from "../../sdk/types";
import { T_COMMAND, T_CONTAINER } from "../support/engine";
import { exec, hostPid, procCgroup, readCgroup } from "../support/inspect";
import { BUSYBOX, HOST, IDLE, PARENT, Stacks, inspect, podName, podProgram, requireEngine, until, upOk } from "./helpers";

jest.setTimeout(120_000);

const stacks = new Stacks();
beforeAll(requireEngine);
afterEach(() => stacks.destroyAll());

const MiB = 2 ** 20;
const HOLD = 40 * MiB;

/**
 * A container whose main process (PID 1, so its death ends the container)
 * reads 40 MiB from a fifo and holds it: busybox `tail -c N` keeps the last
 * N bytes in anonymous memory (~41.5 MiB peak, measured). The writer starts
 * after 2 s, once both containers run.
 */
const HOG = ["sh", "-c", `mkfifo /tmp/f; (sleep 2; head -c ${HOLD} /dev/zero; exec sleep 3600) > /tmp/f & exec tail -c ${HOLD} /tmp/f`];

function hogPod(podLimit: string): DockerPodArgs {
    return {
        host: HOST,
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 0,
        resources: { limits: { memory: podLimit } },
        containers: ["a", "b"].map((name) => ({
            name,
            image: BUSYBOX,
            imagePullPolicy: "Never" as const,
            command: HOG,
            resources: { limits: { memory: "48Mi" } },
        })),
    };
}

/** Memory the container's cgroup uses now, in bytes. */
async function usage(container: string): Promise<number> {
    return Number(readCgroup("memory", procCgroup(await hostPid(container), "memory"), "memory.usage_in_bytes"));
}

describe("pod memory limit", () => {
    test("control: with room in the pod, each container holds ~40 MiB under its own 48 MiB limit", async () => {
        const pod = podName("roomy");
        await upOk(stacks.create(), podProgram(pod, hogPod("256Mi")));
        for (const c of ["a", "b"].map((n) => `${pod}_${n}`)) {
            const used = await until(`${c} to hold its memory`, async () => {
                const u = await usage(c);
                return u >= HOLD ? u : undefined;
            });
            expect(used).toBeLessThan(48 * MiB);
            expect((await inspect(c)).State.Running).toBe(true);
        }
    });

    test("two containers each under their own limit are OOM-killed together past the pod's 64 MiB", async () => {
        const pod = podName("oom");
        await upOk(stacks.create(), podProgram(pod, hogPod("64Mi")));
        const names = ["a", "b"].map((n) => `${pod}_${n}`);
        const killed = await until("a container of the pod to be OOM-killed", async () => {
            const states = await Promise.all(names.map(async (n) => (await inspect(n)).State));
            const dead = states.filter((s) => !s.Running);
            return dead.length > 0 ? dead : undefined;
        });
        for (const state of killed) {
            expect(state.ExitCode).toBe(137);
            expect(state.OOMKilled).toBe(true);
        }
        // Each container was limited to 48 MiB; the pod's 64 MiB parent is what ran full and failed charges.
        for (const n of names) expect((await inspect(n)).HostConfig.Memory).toBe(48 * MiB);
        const parent = `${PARENT}/${pod}`;
        expect(readCgroup("memory", parent, "memory.limit_in_bytes")).toBe(String(64 * MiB));
        expect(Number(readCgroup("memory", parent, "memory.max_usage_in_bytes"))).toBe(64 * MiB);
        expect(Number(readCgroup("memory", parent, "memory.failcnt"))).toBeGreaterThan(0);
    });
});

describe("limits change in place", () => {
    test("a container's memory limit and the pod's limits update without replacing anything", async () => {
        const pod = podName("grow");
        const args = (memory: string, podMemory: string, cpu: string): DockerPodArgs => ({
            host: HOST,
            terminationGracePeriodSeconds: 1,
            resources: { limits: { memory: podMemory, cpu } },
            containers: [{ name: "app", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE, resources: { limits: { memory } } }],
        });
        const stack = stacks.create();
        await upOk(stack, podProgram(pod, args("32Mi", "128Mi", "500m")));
        const before = await inspect(`${pod}_app`);
        expect(before.HostConfig.Memory).toBe(32 * MiB);

        const run = await upOk(stack, podProgram(pod, args("64Mi", "256Mi", "1")));
        const changed = run.steps.filter((s) => s.op !== "same");
        expect(changed.map((s) => [s.op, s.key])).toEqual(
            expect.arrayContaining([
                ["update", `${T_CONTAINER}::${pod}-app`],
                ["update", `${T_COMMAND}::${pod}-slice`],
            ]),
        );
        expect(changed.every((s) => s.op === "update")).toBe(true);
        const after = await inspect(`${pod}_app`);
        expect(after.Id).toBe(before.Id);
        expect(after.HostConfig.Memory).toBe(64 * MiB);
        expect(after.HostConfig.MemorySwap).toBe(64 * MiB);
        expect(readCgroup("memory", `${PARENT}/${pod}`, "memory.limit_in_bytes")).toBe(String(256 * MiB));
        expect(readCgroup("cpu", `${PARENT}/${pod}`, "cpu.cfs_quota_us")).toBe("100000");
        expect((await exec(`${pod}_app`, ["true"])).exitCode).toBe(0);
    });
});
