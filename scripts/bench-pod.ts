// `npm run bench:pod`: the seed pod on this machine's Docker engine, made by
// DockerPod through the realizer (tests/support/realizer.ts) beside the same
// pod made with the tutorial's raw `docker run` commands. Prints
// create-to-ready and destroy times, and the sandbox's memory use; then, for
// the same pod with `heal: true`, the time from killing its sandbox until the
// page answers again on the host port (the guardian's recovery), and the
// guardian's memory use; a native sidecar's ready-to-app-start time, an
// httpGet probe's latency and its prober's memory, and the time a hooks
// Command adds after a start and before a removal.
//
// Needs root, the cgroupfs driver and the local test images
// (bash .ci/dockerd.sh && bash tests/images/build.sh). BENCH_RUNS=n (default 3).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import Docker from "dockerode";
import { DockerPod } from "../sdk";
import { DockerPodArgs } from "../sdk/types";
import { Realizer } from "../tests/support/realizer";
import { cgroupDir, hostPid, procCgroup, readCgroup } from "../tests/support/inspect";
import { freePort } from "../tests/engine/helpers";

const BUSYBOX = "dockerpod-test/busybox:1";
const PAUSE = "registry.k8s.io/pause:3.9";
const PARENT = "/dockerpod-bench";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GRACE = 10;
const docker = new Docker({ socketPath: "/var/run/docker.sock" });

// Both pods run the same payloads; each exits promptly on SIGTERM.
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

interface Sample {
    ready: number;
    destroy: number;
    sandboxBytes: number;
    statsBytes: number;
}

async function sandboxMemory(container: string): Promise<{ cgroup: number; stats: number }> {
    const cgroup = Number(readCgroup("memory", procCgroup(await hostPid(container), "memory"), "memory.usage_in_bytes"));
    const stats = (await docker.getContainer(container).stats({ stream: false })) as any;
    return { cgroup, stats: stats.memory_stats?.usage ?? 0 };
}

async function viaRealizer(run: number): Promise<Sample> {
    const pod = `bench-${process.pid}-${run}`;
    const port = await freePort();
    const realizer = new Realizer({ stack: `bench${run}` });
    const started = Date.now();
    const up = await realizer.up((transformations) => new DockerPod(pod, seedPod(port), { transformations }));
    if (up.errors.length) throw up.errors[0];
    const ready = await untilServed(port, started);
    const memory = await sandboxMemory(`${pod}_sandbox`);
    const t = Date.now();
    await realizer.destroy();
    return { ready, destroy: Date.now() - t, sandboxBytes: memory.cgroup, statsBytes: memory.stats };
}

function sh(args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

async function viaDockerRun(run: number): Promise<Sample> {
    const pod = `raw-${process.pid}-${run}`;
    const parent = `${PARENT}/${pod}`;
    const port = await freePort();
    const started = Date.now();
    // The tutorial's parent cgroup, in cgroupfs form (it writes a systemd slice: this host has the cgroupfs driver).
    for (const c of ["memory", "cpu", "pids"]) fs.mkdirSync(cgroupDir(c, parent), { recursive: true });
    fs.writeFileSync(`${cgroupDir("memory", parent)}/memory.limit_in_bytes`, String(512 * 2 ** 20));
    fs.writeFileSync(`${cgroupDir("cpu", parent)}/cpu.cfs_quota_us`, "50000");
    sh([
        "run",
        "-d",
        "--name",
        `${pod}_sandbox`,
        "--cgroup-parent",
        parent,
        "--ipc",
        "shareable",
        "--hostname",
        pod,
        "-p",
        `127.0.0.1:${port}:80`,
        PAUSE,
    ]);
    sh([
        "run",
        "-d",
        "--name",
        `${pod}_app`,
        "--cgroup-parent",
        parent,
        "--network",
        `container:${pod}_sandbox`,
        "--ipc",
        `container:${pod}_sandbox`,
        "--memory",
        "256m",
        BUSYBOX,
        "sh",
        "-c",
        APP,
    ]);
    sh([
        "run",
        "-d",
        "--name",
        `${pod}_sidecar`,
        "--cgroup-parent",
        parent,
        "--network",
        `container:${pod}_sandbox`,
        "--ipc",
        `container:${pod}_sandbox`,
        "--memory",
        "128m",
        BUSYBOX,
        "sh",
        "-c",
        SIDECAR,
    ]);
    const ready = await untilServed(port, started);
    const memory = await sandboxMemory(`${pod}_sandbox`);
    const t = Date.now();
    for (const c of ["sidecar", "app", "sandbox"]) {
        sh(["stop", "-t", String(GRACE), `${pod}_${c}`]);
        sh(["rm", "-v", `${pod}_${c}`]);
    }
    for (const h of fs.readdirSync("/sys/fs/cgroup")) {
        const dir = `/sys/fs/cgroup/${h}${parent}`;
        if (fs.existsSync(dir)) fs.rmdirSync(dir);
    }
    return { ready, destroy: Date.now() - t, sandboxBytes: memory.cgroup, statsBytes: memory.stats };
}

/** Kills the sandbox of a healing pod several times; returns kill-to-served times and the guardian's memory. */
async function healRecovery(kills: number): Promise<{ recovery: number[]; guardianBytes: number }> {
    const pod = `heal-${process.pid}`;
    const port = await freePort();
    const realizer = new Realizer({ stack: "benchheal" });
    const args = { ...seedPod(port), heal: true, guardianImage: "docker:28-cli", terminationGracePeriodSeconds: 2 };
    const up = await realizer.up((transformations) => new DockerPod(pod, args, { transformations }));
    if (up.errors.length) throw up.errors[0];
    await untilServed(port, Date.now());
    const recovery: number[] = [];
    let guardianBytes = 0;
    try {
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
            guardianBytes = Math.max(guardianBytes, (await sandboxMemory(`${pod}_guardian`)).cgroup);
            await new Promise((r) => setTimeout(r, 1000));
        }
    } finally {
        await realizer.destroy();
    }
    return { recovery, guardianBytes };
}

/**
 * A pod whose native sidecar (an init container with restartPolicy Always)
 * has a readiness probe: milliseconds from the sidecar's first passing probe
 * (Docker's health log) until the app container started.
 */
async function sidecarReadyToApp(run: number): Promise<number> {
    const pod = `side-${process.pid}-${run}`;
    const realizer = new Realizer({ stack: `benchside${run}` });
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
    const up = await realizer.up((transformations) => new DockerPod(pod, args, { transformations }));
    try {
        if (up.errors.length) throw up.errors[0];
        const proxy = await docker.getContainer(`${pod}_proxy`).inspect();
        const firstPass = (proxy.State.Health?.Log ?? []).find((entry) => entry.ExitCode === 0);
        if (!firstPass) throw new Error("the sidecar's health log has no passing probe");
        const app = await docker.getContainer(`${pod}_app`).inspect();
        return Date.parse(app.State.StartedAt) - Date.parse(firstPass.End);
    } finally {
        await realizer.destroy();
    }
}

/**
 * A pod of one static binary with an httpGet readiness probe: the probe's
 * latency (Docker's health log, start to end, from the prober) and the
 * prober's memory.
 */
async function httpProbe(): Promise<{ latency: number[]; proberBytes: number }> {
    const pod = `probe-${process.pid}`;
    const realizer = new Realizer({ stack: "benchprobe" });
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
    const up = await realizer.up((transformations) => new DockerPod(pod, args, { transformations }));
    try {
        if (up.errors.length) throw up.errors[0];
        await new Promise((r) => setTimeout(r, 5000));
        const prober = await docker.getContainer(`${pod}_web.probe`).inspect();
        const latency = (prober.State.Health?.Log ?? []).map((entry) => Date.parse(entry.End) - Date.parse(entry.Start));
        return { latency, proberBytes: (await sandboxMemory(`${pod}_web.probe`)).cgroup };
    } finally {
        await realizer.destroy();
    }
}

/**
 * A container with a no-op postStart hook, startup probe and preStop hook
 * (each `true`, by `docker exec`): how long its hooks Command takes on the
 * host after the container started (create), and before it is removed
 * (delete: the preStop hook and the stop).
 */
async function hooksCommand(run: number): Promise<{ start: number; stop: number }> {
    const pod = `hooks-${process.pid}-${run}`;
    const realizer = new Realizer({ stack: `benchhooks${run}` });
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
    const key = `command:local:Command::${pod}-app-hooks`;
    const up = await realizer.up((transformations) => new DockerPod(pod, args, { transformations }));
    try {
        if (up.errors.length) throw up.errors[0];
        const start = up.steps.find((s) => s.key === key && s.op === "create")!.ms;
        const stop = (await realizer.destroy()).find((s) => s.key === key && s.op === "delete")!.ms;
        return { start, stop };
    } finally {
        await realizer.destroy();
    }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

function report(name: string, samples: Sample[]): string[] {
    const col = (f: (s: Sample) => number, fmt: (n: number) => string) =>
        `${fmt(median(samples.map(f)))} (min ${fmt(Math.min(...samples.map(f)))}, max ${fmt(Math.max(...samples.map(f)))})`;
    return [
        `${name}`,
        `  create-to-ready   ${col(
            (s) => s.ready,
            (n) => `${n} ms`,
        )}`,
        `  destroy           ${col(
            (s) => s.destroy,
            (n) => `${n} ms`,
        )}`,
        `  sandbox memory    ${col((s) => s.sandboxBytes, mib)} (cgroup memory.usage_in_bytes)`,
        `                    ${col((s) => s.statsBytes, mib)} (docker stats memory_stats.usage)`,
    ];
}

async function main(): Promise<void> {
    await docker.ping();
    for (const image of [BUSYBOX, PAUSE, "docker:28-cli"]) await docker.getImage(image).inspect();
    const realizer: Sample[] = [];
    const raw: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
        realizer.push(await viaRealizer(i));
        raw.push(await viaDockerRun(i));
    }
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
            `seed pod (app: busybox httpd, sidecar: sleep loop), ${RUNS} run(s), median (min, max):`,
            ...report("DockerPod via the realizer (RemoteImages, slice Command, sandbox, payloads)", realizer),
            ...report("tutorial's raw docker run commands", raw),
            `heal: true, sandbox killed ${heal.recovery.length} times (raw docker run never recovers: the app keeps a dead namespace)`,
            `  kill-to-served    ${median(heal.recovery)} ms median (min ${Math.min(...heal.recovery)}, max ${Math.max(...heal.recovery)})`,
            `  guardian memory   ${mib(heal.guardianBytes)} at most (cgroup memory.usage_in_bytes)`,
            `native sidecar with a readiness probe (periodSeconds 1), ${RUNS} run(s)`,
            `  sidecar-ready-to-app-start ${median(sidecar)} ms median (min ${Math.min(...sidecar)}, max ${Math.max(...sidecar)})`,
            `httpGet readiness probe from the prober (image of one static binary), ${probe.latency.length} probes`,
            `  probe latency     ${median(probe.latency)} ms median (min ${Math.min(...probe.latency)}, max ${Math.max(...probe.latency)}; Docker's exec included)`,
            `  prober memory     ${mib(probe.proberBytes)} (cgroup memory.usage_in_bytes; limit 16 MiB)`,
            `hooks Command of a container with a no-op postStart, startup probe and preStop (docker exec each), ${RUNS} run(s)`,
            `  after the start   ${median(starts)} ms median (min ${Math.min(...starts)}, max ${Math.max(...starts)}; postStart and startup probe)`,
            `  before the removal ${median(stops)} ms median (min ${Math.min(...stops)}, max ${Math.max(...stops)}; preStop and the stop)`,
        ].join("\n"),
    );
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
