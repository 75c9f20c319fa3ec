// `npm run bench` (first half): the seed pod through the real Pulumi engine
// (the CLI and the docker and command plugins of toolchain/), median of
// BENCH_RUNS (default 3): `up` until the page is served, a no-change
// `preview`, and `destroy`, for
//   - the whole pod as one DockerPod,
//   - the same pod written as raw pulumi-docker and command resources in one
//     program, with the care a user needs for a fair comparison: the slice as
//     a Command with the same limits, memorySwap equal to memory (left out, the
//     provider previews a change on every run), the same stop grace,
//   - the tutorial's `docker run` commands (no engine, so no preview).
// Every payload stops on SIGTERM, so no destroy waits out its grace.
//
// Needs root, the cgroupfs driver and the local test images
// (bash .ci/dockerd.sh && bash tests/images/build.sh).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerPod } from "../sdk";
import { DockerPodArgs } from "../sdk/types";
import { EngineStack, Program, Step } from "../tests/support/engine";
import { freePort } from "../tests/support/net";

const BUSYBOX = "dockerpod-test/busybox:1";
const PAUSE = "registry.k8s.io/pause:3.9";
const PARENT = "/dockerpod-bench";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Pod counts of the scale figures: that many seed pods in one program, once each. */
const SCALE = (process.env.BENCH_SCALE ?? "1,10,30").split(",").map(Number);
/** Kubernetes' default, which a DockerPod takes when terminationGracePeriodSeconds is not set. */
const GRACE = 30;
const APP = "mkdir -p /www && echo hello > /www/index.html; trap 'kill $!; exit 0' TERM; httpd -f -p 80 -h /www & wait $!";
const SIDECAR = "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";
const MiB = 2 ** 20;

function served(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const req = http.get(`http://127.0.0.1:${port}/`, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
        });
        req.on("error", () => resolve(false));
        req.setTimeout(1000, () => {
            req.destroy();
            resolve(false);
        });
    });
}

async function untilServed(port: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(await served(port))) {
        if (Date.now() > deadline) throw new Error(`nothing served on port ${port} within 60 s`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

/** The seed pod: an app serving a page and a sidecar, under 512Mi and half a core. */
function seedPod(port: number): DockerPodArgs {
    return {
        host: { cgroupDriver: "cgroupfs", parentSlice: PARENT },
        resources: { limits: { memory: "512Mi", cpu: "500m" } },
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                command: ["sh", "-c", APP],
                ports: [{ containerPort: 80, hostPort: port, hostIP: "127.0.0.1" }],
                resources: { limits: { memory: "256Mi" } },
            },
            { name: "sidecar", image: BUSYBOX, command: ["sh", "-c", SIDECAR], resources: { limits: { memory: "128Mi" } } },
        ],
    };
}

function podProgram(pod: string, port: number): Program<unknown> {
    return () => new DockerPod(pod, seedPod(port));
}

/** The same pod by hand: a cgroupfs parent made by a Command, the pause sandbox, two joined containers. */
function rawProgram(pod: string, port: number): Program<unknown> {
    return () => {
        const cgroupParent = `${PARENT}/${pod}`;
        const slice = new command.local.Command(`${pod}-slice`, {
            create:
                `set -e; for c in memory cpu pids; do mkdir -p /sys/fs/cgroup/$c${cgroupParent}; done; ` +
                `echo ${512 * MiB} > /sys/fs/cgroup/memory${cgroupParent}/memory.limit_in_bytes; ` +
                `echo 50000 > /sys/fs/cgroup/cpu${cgroupParent}/cpu.cfs_quota_us`,
            delete: `for d in /sys/fs/cgroup/*${cgroupParent}; do [ ! -d "$d" ] || rmdir "$d"; done`,
        });
        const pause = new docker.RemoteImage(`${pod}-pause`, { name: PAUSE, keepLocally: true });
        const busybox = new docker.RemoteImage(`${pod}-busybox`, { name: BUSYBOX, keepLocally: true });
        const sandbox = new docker.Container(
            `${pod}-sandbox`,
            {
                name: `${pod}_sandbox`,
                image: pause.imageId,
                ipcMode: "shareable",
                hostname: pod,
                cgroupParent,
                ports: [{ internal: 80, external: port, ip: "127.0.0.1" }],
                memory: 16,
                memorySwap: 16,
                restart: "unless-stopped",
                destroyGraceSeconds: 10,
            },
            { dependsOn: [slice] },
        );
        const join = pulumi.interpolate`container:${sandbox.id}`;
        for (const [name, script, memory] of [
            ["app", APP, 256],
            ["sidecar", SIDECAR, 128],
        ] as const) {
            new docker.Container(
                `${pod}-${name}`,
                {
                    name: `${pod}_${name}`,
                    image: busybox.imageId,
                    entrypoints: ["sh", "-c", script],
                    networkMode: join,
                    ipcMode: join,
                    cgroupParent,
                    memory,
                    memorySwap: memory,
                    restart: "unless-stopped",
                    destroyGraceSeconds: GRACE,
                },
                { dependsOn: [slice] },
            );
        }
    };
}

interface Sample {
    up: number;
    preview?: number;
    destroy: number;
    /** Resources in the stack after `up` (providers left out). */
    resources?: number;
    /** The up's steps by resource type. */
    stepMs?: Record<string, { steps: number; ms: number }>;
}

/** `count` pods in one program, each `program(pod, port)`: up until every page is served, a no-change preview, destroy. */
async function viaEngine(kind: string, program: (pod: string, port: number) => Program<unknown>, run: number, count = 1): Promise<Sample> {
    const pods: { pod: string; port: number }[] = [];
    for (let i = 0; i < count; i++)
        pods.push({ pod: `${kind}-${process.pid.toString(36)}${run}${count > 1 ? `-${i}` : ""}`, port: await freePort() });
    const all: Program<unknown> = () => pods.map(({ pod, port }) => program(pod, port)());
    const stack = new EngineStack(`${kind}${run}${count > 1 ? `x${count}` : ""}`, { project: "dockerpod-bench" });
    await stack.workspaceStack();
    try {
        let t = Date.now();
        const up = await stack.up(all);
        if (up.errors.length) throw new Error(`${kind}: up failed:\n${up.errors.map((e) => e.message).join("\n")}`);
        await Promise.all(pods.map(({ port }) => untilServed(port)));
        const upMs = Date.now() - t;
        const resources = stack.state.size;
        t = Date.now();
        const preview = await stack.preview(all, { expectNoChanges: true });
        if (preview.errors.length)
            throw new Error(`${kind}: the no-change preview failed:\n${preview.errors.map((e) => e.message).join("\n")}`);
        const previewMs = Date.now() - t;
        t = Date.now();
        await stack.destroy();
        return { up: upMs, preview: previewMs, destroy: Date.now() - t, resources, stepMs: stepTimes(up.steps) };
    } finally {
        await stack.dispose();
    }
}

/** Where an up's time went: each provider resource type's steps, their count and summed time (steps run side by side, so the sum exceeds the wall time). */
function stepTimes(steps: Step[]): Record<string, { steps: number; ms: number }> {
    const byType: Record<string, { steps: number; ms: number }> = {};
    for (const step of steps) {
        // A component's step lasts as long as its children's: only the resources the providers make count.
        if (step.op === "same" || step.ms === undefined || step.key.startsWith("dockerpod:")) continue;
        const type = step.key.split("::")[0];
        byType[type] ??= { steps: 0, ms: 0 };
        byType[type].steps++;
        byType[type].ms += step.ms;
    }
    return byType;
}

function sh(args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

/** The tutorial's commands: the parent cgroup (cgroupfs form), the sandbox, two joined containers. */
async function viaDockerRun(run: number): Promise<Sample> {
    const pod = `run-${process.pid.toString(36)}${run}`;
    const parent = `${PARENT}/${pod}`;
    const port = await freePort();
    const started = Date.now();
    for (const c of ["memory", "cpu", "pids"]) fs.mkdirSync(`/sys/fs/cgroup/${c}${parent}`, { recursive: true });
    fs.writeFileSync(`/sys/fs/cgroup/memory${parent}/memory.limit_in_bytes`, String(512 * MiB));
    fs.writeFileSync(`/sys/fs/cgroup/cpu${parent}/cpu.cfs_quota_us`, "50000");
    sh(
        ["run", "-d", "--name", `${pod}_sandbox`, "--cgroup-parent", parent, "--ipc", "shareable", "--hostname", pod].concat([
            "-p",
            `127.0.0.1:${port}:80`,
            "--memory",
            "16m",
            PAUSE,
        ]),
    );
    for (const [name, script, memory] of [
        ["app", APP, "256m"],
        ["sidecar", SIDECAR, "128m"],
    ]) {
        const join = `container:${pod}_sandbox`;
        sh(
            ["run", "-d", "--name", `${pod}_${name}`, "--cgroup-parent", parent, "--network", join, "--ipc", join].concat([
                "--memory",
                memory,
                "--memory-swap",
                memory,
                BUSYBOX,
                "sh",
                "-c",
                script,
            ]),
        );
    }
    await untilServed(port);
    const up = Date.now() - started;
    const t = Date.now();
    sh(["stop", "-t", String(GRACE), `${pod}_app`, `${pod}_sidecar`]);
    sh(["stop", "-t", "10", `${pod}_sandbox`]);
    sh(["rm", "-v", `${pod}_app`, `${pod}_sidecar`, `${pod}_sandbox`]);
    for (const h of fs.readdirSync("/sys/fs/cgroup")) {
        const dir = `/sys/fs/cgroup/${h}${parent}`;
        if (fs.existsSync(dir)) fs.rmdirSync(dir);
    }
    return { up, destroy: Date.now() - t };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
    for (const image of [BUSYBOX, PAUSE]) sh(["image", "inspect", "-f", "{{.Id}}", image]);
    const results: Record<string, Sample[]> = { pod: [], raw: [], run: [] };
    // Interleaved, so a slow moment of the machine falls on all three alike.
    for (let i = 0; i < RUNS; i++) {
        results.pod.push(await viaEngine("pod", podProgram, i));
        results.raw.push(await viaEngine("raw", rawProgram, i));
        results.run.push(await viaDockerRun(i));
    }
    const ms = (xs: (number | undefined)[]) => (xs[0] === undefined ? "n/a" : `${median(xs as number[])} ms`);
    const col = (s: Sample[], f: (x: Sample) => number | undefined) => ms(s.map(f)).padStart(9);
    const row = (name: string, s: Sample[]) =>
        `  ${name.padEnd(46)} ${col(s, (x) => x.up)}   ${col(s, (x) => x.preview)}   ${col(s, (x) => x.destroy)}`;
    const ratio = (f: (x: Sample) => number | undefined) =>
        `${(median(results.pod.map(f) as number[]) / median(results.raw.map(f) as number[])).toFixed(2)}x`.padStart(9);
    console.log(
        [
            `the seed pod, real Pulumi engine (toolchain/), ${RUNS} run(s), median:   up-to-served   no-change preview   destroy`,
            row(`DockerPod (${results.pod[0].resources} resources)`, results.pod),
            row(`raw pulumi-docker + command (${results.raw[0].resources} resources)`, results.raw),
            row("the tutorial's docker run commands", results.run),
            `  ${"DockerPod / raw".padEnd(46)} ${ratio((x) => x.up)}   ${ratio((x) => x.preview)}   ${ratio((x) => x.destroy)}`,
        ].join("\n"),
    );
    // Scale: n seed pods in one program, one run each; per pod is the figure over n.
    const lines = [`n seed pods in one program, real engine, one run each:   up-to-served   no-change preview   destroy   (per pod)`];
    let largest: Sample | undefined;
    for (const n of SCALE) {
        for (const [kind, program] of [
            ["pod", podProgram],
            ["raw", rawProgram],
        ] as const) {
            const s = await viaEngine(kind, program, 0, n);
            const per = (ms: number) => `${Math.round(ms / n)}`;
            const name = `${kind === "pod" ? "DockerPod" : "raw pulumi-docker"} x${n} (${s.resources} resources)`;
            lines.push(
                `  ${name.padEnd(46)} ${`${s.up} ms`.padStart(9)}   ${`${s.preview} ms`.padStart(9)}   ${`${s.destroy} ms`.padStart(9)}   ` +
                    `(${per(s.up)} / ${per(s.preview!)} / ${per(s.destroy)} ms)`,
            );
            if (kind === "pod") largest = s;
        }
    }
    const n = SCALE[SCALE.length - 1];
    const where = Object.entries(largest!.stepMs!)
        .sort((a, b) => b[1].ms - a[1].ms)
        .map(([type, t]) => `${type} ${(t.ms / 1000).toFixed(1)} s in ${t.steps}`)
        .join(", ");
    lines.push(`  where the up of ${n} DockerPods went (summed step times, side by side): ${where}`);
    console.log(lines.join("\n"));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
