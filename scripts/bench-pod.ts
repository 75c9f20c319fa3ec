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
import { guardianAgents, hostPid, procCgroup, readCgroup } from "../tests/support/inspect";
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

/** A container's memory as `docker stats` counts it: the cgroup's usage less its inactive page cache. */
async function statsMemoryOf(container: string): Promise<number> {
    const cgroup = procCgroup(await hostPid(container), "memory");
    const stat = readCgroup("memory", cgroup, "memory.stat");
    const inactive = Number(/^total_inactive_file (\d+)$/m.exec(stat)?.[1] ?? 0);
    return Number(readCgroup("memory", cgroup, "memory.usage_in_bytes")) - inactive;
}

/** The host's guardian agent (the one container that runs every healing pod's guardian). */
async function guardianAgent(): Promise<string> {
    const agents = await guardianAgents(docker, false);
    if (agents.length !== 1) throw new Error(`expected one running guardian agent, found ${agents.length}`);
    return agents[0].Id;
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

/** Milliseconds from killing the pod's sandbox until its page is served again (after it first stopped being served). */
async function killToServed(pod: string, port: number): Promise<number> {
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
    return untilServed(port, killed);
}

interface Healing {
    pods: number;
    /** The agent's memory, `docker stats`' way, median of samples with every pod up and idle. */
    agentBytes: number;
    /** The same, cgroup usage with page cache. */
    agentUsageBytes: number;
    recovery: number[];
    /** An app that ignores SIGTERM as PID 1 (`httpd -f`). */
    stubborn: number[];
    /** From the liveness probe's first failure possible (the file removed) to the container's new start. */
    liveness: number[];
}

/**
 * Ten healing seed pods in one program: the guardian agent's memory, then the
 * sandbox of one of them killed `kills` times. A second stack, on the same
 * agent, has a pod whose app ignores SIGTERM and one with a liveness probe.
 */
async function healing(kills: number): Promise<Healing> {
    const count = 10;
    const pods: { pod: string; port: number }[] = [];
    for (let i = 0; i < count; i++) pods.push({ pod: `heal-${process.pid}-${i}`, port: await freePort() });
    const healingArgs = (port: number): DockerPodArgs => ({
        ...seedPod(port),
        heal: true,
        guardianImage: "docker:28-cli",
        terminationGracePeriodSeconds: 2,
    });
    const many = new EngineStack("benchheal", { project: "dockerpod-bench" });
    const more = new EngineStack("benchheal2", { project: "dockerpod-bench" });
    try {
        const up = await many.up(() => pods.map(({ pod, port }) => new DockerPod(pod, healingArgs(port))));
        if (up.errors.length) throw new Error(`up of ${count} healing pods failed:\n${up.errors.map((e) => e.message).join("\n")}`);
        for (const { port } of pods) await untilServed(port, Date.now());
        // Idle: every guardian has reconciled once and sleeps.
        await new Promise((r) => setTimeout(r, 3000));
        const agent = await guardianAgent();
        const stats: number[] = [];
        const usage: number[] = [];
        // Ten samples a second apart: a guardian's look at its pod is a Docker CLI call of about 10 MiB for a
        // fraction of a second, which the median of an idle agent leaves out.
        for (let i = 0; i < 10; i++) {
            stats.push(await statsMemoryOf(agent));
            usage.push(await memoryOf(agent));
            await new Promise((r) => setTimeout(r, 1000));
        }
        const recovery: number[] = [];
        for (let i = 0; i < kills; i++) {
            recovery.push(await killToServed(pods[0].pod, pods[0].port));
            await new Promise((r) => setTimeout(r, 1000));
        }

        const stubbornPod = `stubborn-${process.pid}`;
        const livePod = `live-${process.pid}`;
        const stubbornPort = await freePort();
        const seed = healingArgs(stubbornPort);
        // busybox httpd as PID 1: the kernel drops the SIGTERM it has no handler for; only SIGKILL stops it.
        const stubbornArgs: DockerPodArgs = {
            ...seed,
            containers: (seed.containers ?? []).map((c) =>
                c.name === "app" ? { ...c, command: ["sh", "-c", "echo hello > /www/index.html && exec httpd -f -p 80 -h /www"] } : c,
            ),
        };
        const liveArgs: DockerPodArgs = {
            ...healingArgs(await freePort()),
            containers: [
                {
                    name: "app",
                    image: BUSYBOX,
                    imagePullPolicy: "IfNotPresent",
                    command: ["sh", "-c", `touch /tmp/ok; ${SIDECAR}`],
                    livenessProbe: { exec: { command: ["test", "-f", "/tmp/ok"] }, periodSeconds: 1, failureThreshold: 1 },
                },
            ],
        };
        const up2 = await more.up(() => [new DockerPod(stubbornPod, stubbornArgs), new DockerPod(livePod, liveArgs)]);
        if (up2.errors.length) throw new Error(`up of the second healing stack failed:\n${up2.errors.map((e) => e.message).join("\n")}`);
        await untilServed(stubbornPort, Date.now());
        if ((await guardianAgent()) !== agent) throw new Error("the second stack's pods got another agent");
        const stubborn: number[] = [];
        const liveness: number[] = [];
        for (let i = 0; i < Math.min(kills, 3); i++) {
            stubborn.push(await killToServed(stubbornPod, stubbornPort));
            const app = docker.getContainer(`${livePod}_app`);
            const before = (await app.inspect()).State.StartedAt;
            const exec = await app.exec({ Cmd: ["rm", "/tmp/ok"] });
            await exec.start({});
            const removed = Date.now();
            while ((await app.inspect()).State.StartedAt === before) {
                if (Date.now() - removed > 30000)
                    throw new Error(`${livePod}_app was not restarted within 30 s of its liveness probe failing`);
                await new Promise((r) => setTimeout(r, 20));
            }
            liveness.push(Date.now() - removed);
            await new Promise((r) => setTimeout(r, 1000));
        }
        return { pods: count, agentBytes: median(stats), agentUsageBytes: median(usage), recovery, stubborn, liveness };
    } finally {
        await more.dispose();
        await many.dispose();
    }
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
    const heal = await healing(Math.max(RUNS, 5));
    const sidecar: number[] = [];
    for (let i = 0; i < RUNS; i++) sidecar.push(await sidecarReadyToApp(i));
    const probe = await httpProbe();
    const hooks: { start: number; stop: number }[] = [];
    for (let i = 0; i < RUNS; i++) hooks.push(await hooksCommand(i));
    const starts = hooks.map((h) => h.start);
    const stops = hooks.map((h) => h.stop);
    console.log(
        [
            `heal: true, ${heal.pods} seed pods in one program, one guardian agent for the host`,
            `  guardian memory   ${mib(heal.agentBytes / heal.pods)} per pod (the agent's ${mib(heal.agentBytes)}, as docker stats counts it, median of 10 samples 1 s apart; ${mib(heal.agentUsageBytes)} with page cache)`,
            `  kill-to-served    ${median(heal.recovery)} ms median of ${heal.recovery.length} sandbox kills (min ${Math.min(...heal.recovery)}, max ${Math.max(...heal.recovery)}; raw docker run never recovers: the app keeps a dead namespace)`,
            `  SIGTERM ignored   ${median(heal.stubborn)} ms median kill-to-served of ${heal.stubborn.length} (an app that ignores SIGTERM as PID 1: SIGKILL after 1 s)`,
            `  liveness restart  ${median(heal.liveness)} ms median of ${heal.liveness.length} (probe file removed to the container's new start; periodSeconds 1, failureThreshold 1)`,
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
