// `npm run bench:pod` (the second half of `npm run bench`): what a DockerPod's
// features cost on this machine's Docker engine, each pod made by the real
// Pulumi engine (toolchain/): for the seed pod with `heal: true`, the time
// from killing its sandbox until the page answers again on the host port (the
// guardian's recovery), and the guardian's memory use; a native sidecar's
// ready-to-app-start time; an httpGet probe's latency and its prober's memory;
// and the time a hooks Command adds after a start and before a removal.
//
// Needs root, the cgroupfs driver and the local test images
// (bash .ci/dockerd.sh && bash tests/images/build.sh). BENCH_RUNS=n (default 3).
import * as http from "http";
import Docker from "dockerode";
import { DockerPod } from "../sdk";
import { DockerPodArgs } from "../sdk/types";
import { EngineStack, Run } from "../tests/support/engine";
import { hostPid, procCgroup, readCgroup } from "../tests/support/inspect";
import { freePort } from "../tests/support/net";

const BUSYBOX = "dockerpod-test/busybox:1";
const PARENT = "/dockerpod-bench";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GRACE = 10;
const docker = new Docker({ socketPath: "/var/run/docker.sock" });

const APP = "echo hello > /www/index.html; trap 'kill $!; exit 0' TERM; httpd -f -p 80 -h /www & wait $!";
const SIDECAR = "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";

function get(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
        });
        req.on("error", reject);
        req.setTimeout(1000, () => req.destroy(new Error("timeout")));
    });
}

/** Milliseconds from `since` until the page answers on the host port. */
async function untilServed(port: number, since: number): Promise<number> {
    for (;;) {
        try {
            if ((await get(`http://127.0.0.1:${port}/`)).trim() === "hello") return Date.now() - since;
        } catch {
            // not yet
        }
        if (Date.now() - since > 30000) throw new Error(`the page on port ${port} did not answer within 30 s`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

function seedPod(port: number): DockerPodArgs {
    return {
        host: { cgroupDriver: "cgroupfs", parentSlice: PARENT },
        terminationGracePeriodSeconds: GRACE,
        resources: { limits: { memory: "512Mi", cpu: "500m" } },
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                imagePullPolicy: "IfNotPresent",
                command: ["sh", "-c", APP],
                ports: [{ containerPort: 80, hostPort: port, hostIP: "127.0.0.1" }],
                resources: { limits: { memory: "256Mi" } },
            },
            {
                name: "sidecar",
                image: BUSYBOX,
                imagePullPolicy: "IfNotPresent",
                command: ["sh", "-c", SIDECAR],
                resources: { limits: { memory: "128Mi" } },
            },
        ],
    };
}

/** A container's memory use, from its cgroup (memory.usage_in_bytes). */
async function memoryOf(container: string): Promise<number> {
    return Number(readCgroup("memory", procCgroup(await hostPid(container), "memory"), "memory.usage_in_bytes"));
}

/** Ups one pod in a stack of its own, hands the run to `measure`, then destroys the stack. */
async function withPod<T>(
    stackName: string,
    pod: string,
    args: DockerPodArgs,
    measure: (up: Run<DockerPod>, stack: EngineStack) => Promise<T>,
): Promise<T> {
    const stack = new EngineStack(stackName, { project: "dockerpod-bench" });
    try {
        const up = await stack.up(() => new DockerPod(pod, args));
        if (up.errors.length) throw new Error(`${pod}: up failed:\n${up.errors.map((e) => e.message).join("\n")}`);
        return await measure(up, stack);
    } finally {
        await stack.dispose();
    }
}

/** Kills the sandbox of a healing pod several times; returns kill-to-served times and the guardian's memory. */
async function healRecovery(kills: number): Promise<{ recovery: number[]; guardianBytes: number }> {
    const pod = `heal-${process.pid}`;
    const port = await freePort();
    const args = { ...seedPod(port), heal: true, guardianImage: "docker:28-cli", terminationGracePeriodSeconds: 2 };
    return withPod("benchheal", pod, args, async () => {
        await untilServed(port, Date.now());
        const recovery: number[] = [];
        let guardianBytes = 0;
        for (let i = 0; i < kills; i++) {
            const killed = Date.now();
            await docker.getContainer(`${pod}_sandbox`).kill();
            // The old namespace dies with the sandbox: wait for the page to fail first, then to come back.
            while (
                await get(`http://127.0.0.1:${port}/`).then(
                    () => Date.now() - killed < 2000,
                    () => false,
                )
            ) {
                await new Promise((r) => setTimeout(r, 20));
            }
            recovery.push(await untilServed(port, killed));
            guardianBytes = Math.max(guardianBytes, await memoryOf(`${pod}_guardian`));
            await new Promise((r) => setTimeout(r, 1000));
        }
        return { recovery, guardianBytes };
    });
}

/**
 * A pod whose native sidecar (an init container with restartPolicy Always)
 * has a readiness probe: milliseconds from the sidecar's first passing probe
 * (Docker's health log) until the app container started.
 */
async function sidecarReadyToApp(run: number): Promise<number> {
    const pod = `side-${process.pid}-${run}`;
    const args: DockerPodArgs = {
        host: { cgroupDriver: "cgroupfs", parentSlice: PARENT },
        terminationGracePeriodSeconds: 1,
        initContainers: [
            {
                name: "proxy",
                image: BUSYBOX,
                imagePullPolicy: "IfNotPresent",
                restartPolicy: "Always",
                command: ["sh", "-c", "mkdir -p /srv && echo ok > /srv/index.html && exec httpd -f -p 9000 -h /srv"],
                readinessProbe: { exec: { command: ["wget", "-qO-", "http://127.0.0.1:9000/"] }, periodSeconds: 1 },
            },
        ],
        containers: [{ name: "app", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: ["sh", "-c", SIDECAR] }],
    };
    return withPod(`benchside${run}`, pod, args, async () => {
        const proxy = await docker.getContainer(`${pod}_proxy`).inspect();
        const firstPass = (proxy.State.Health?.Log ?? []).find((entry) => entry.ExitCode === 0);
        if (!firstPass) throw new Error("the sidecar's health log has no passing probe");
        const app = await docker.getContainer(`${pod}_app`).inspect();
        return Date.parse(app.State.StartedAt) - Date.parse(firstPass.End);
    });
}

/**
 * A pod of one static binary with an httpGet readiness probe: the probe's
 * latency (Docker's health log, start to end, from the prober) and the
 * prober's memory.
 */
async function httpProbe(): Promise<{ latency: number[]; proberBytes: number }> {
    const pod = `probe-${process.pid}`;
    const args: DockerPodArgs = {
        host: { cgroupDriver: "cgroupfs", parentSlice: PARENT },
        terminationGracePeriodSeconds: 1,
        proberImage: BUSYBOX,
        containers: [
            {
                name: "web",
                image: "dockerpod-test/static-httpd:1",
                imagePullPolicy: "Never",
                readinessProbe: { httpGet: { path: "/index.html", port: 8080 }, periodSeconds: 1 },
            },
        ],
    };
    return withPod("benchprobe", pod, args, async () => {
        await new Promise((r) => setTimeout(r, 5000));
        const prober = await docker.getContainer(`${pod}_web.probe`).inspect();
        const latency = (prober.State.Health?.Log ?? []).map((entry) => Date.parse(entry.End) - Date.parse(entry.Start));
        return { latency, proberBytes: await memoryOf(`${pod}_web.probe`) };
    });
}

/**
 * A container with a no-op postStart hook, startup probe and preStop hook
 * (each `true`, by `docker exec`): how long its hooks Command takes on the
 * host after the container started (create), and before it is removed
 * (delete: the preStop hook and the stop), as the engine's events tell.
 */
async function hooksCommand(run: number): Promise<{ start: number; stop: number }> {
    const pod = `hooks-${process.pid}-${run}`;
    const noop = { exec: { command: ["true"] } };
    const args: DockerPodArgs = {
        host: { cgroupDriver: "cgroupfs", parentSlice: PARENT },
        terminationGracePeriodSeconds: 1,
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                imagePullPolicy: "IfNotPresent",
                command: ["sh", "-c", SIDECAR],
                startupProbe: { ...noop, periodSeconds: 1 },
                lifecycle: { postStart: noop, preStop: noop },
            },
        ],
    };
    const key = `command:local:Command::${pod}-app.hooks`;
    return withPod(`benchhooks${run}`, pod, args, async (up, stack) => {
        const start = up.steps.find((s) => s.key === key && s.op === "create")?.ms;
        const stop = (await stack.destroy()).find((s) => s.key === key && s.op === "delete")?.ms;
        if (start === undefined || stop === undefined) throw new Error(`${key}: the engine reported no create or delete step`);
        return { start, stop };
    });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

async function main(): Promise<void> {
    await docker.ping();
    for (const image of [BUSYBOX, "docker:28-cli", "dockerpod-test/static-httpd:1"]) await docker.getImage(image).inspect();
    const heal = await healRecovery(Math.max(RUNS, 5));
    const sidecar: number[] = [];
    for (let i = 0; i < RUNS; i++) sidecar.push(await sidecarReadyToApp(i));
    const probe = await httpProbe();
    const hooks: { start: number; stop: number }[] = [];
    for (let i = 0; i < RUNS; i++) hooks.push(await hooksCommand(i));
    const starts = hooks.map((h) => h.start);
    const stops = hooks.map((h) => h.stop);
    console.log(
        [
            `heal: true, sandbox killed ${heal.recovery.length} times (raw docker run never recovers: the app keeps a dead namespace)`,
            `  kill-to-served    ${median(heal.recovery)} ms median (min ${Math.min(...heal.recovery)}, max ${Math.max(...heal.recovery)})`,
            `  guardian memory   ${mib(heal.guardianBytes)} at most (cgroup memory.usage_in_bytes)`,
            `native sidecar with a readiness probe (periodSeconds 1), ${RUNS} run(s)`,
            `  sidecar-ready-to-app-start ${median(sidecar)} ms median (min ${Math.min(...sidecar)}, max ${Math.max(...sidecar)})`,
            `httpGet readiness probe from the prober (image of one static binary), ${probe.latency.length} probes`,
            `  probe latency     ${median(probe.latency)} ms median (min ${Math.min(...probe.latency)}, max ${Math.max(...probe.latency)}; Docker's exec included)`,
            `  prober memory     ${mib(probe.proberBytes)} (cgroup memory.usage_in_bytes; limit 16 MiB)`,
            `hooks Command of a container with a no-op postStart, startup probe and preStop (docker exec each), ${RUNS} run(s), engine step times`,
            `  after the start   ${median(starts)} ms median (min ${Math.min(...starts)}, max ${Math.max(...starts)}; postStart and startup probe)`,
            `  before the removal ${median(stops)} ms median (min ${Math.min(...stops)}, max ${Math.max(...stops)}; preStop and the stop)`,
        ].join("\n"),
    );
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
