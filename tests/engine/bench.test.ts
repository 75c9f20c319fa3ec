// `npm run bench` as the README runs it (one run each, to keep CI short): both
// halves finish on the real engine, print every figure the README quotes, and
// leave no container or cgroup behind.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { existingCgroupDirs } from "../support/inspect";
import { docker, requireEngine } from "./helpers";

jest.setTimeout(900_000);
const ROOT = path.resolve(__dirname, "../..");

beforeAll(requireEngine);

/**
 * The daemon's container count. Asked again once on EPIPE: the bench runs for
 * minutes, and a CI run failed once with "write EPIPE" on a connection kept
 * open from before it.
 */
async function containerCount(): Promise<number> {
    try {
        return (await docker.listContainers({ all: true })).length;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EPIPE") throw err;
        return (await docker.listContainers({ all: true })).length;
    }
}

/** The directories under the bench's parent cgroup, in every hierarchy. */
function benchCgroups(): string[] {
    return existingCgroupDirs("/dockerpod-bench").flatMap((dir) =>
        fs
            .readdirSync(dir, { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => `${dir}/${e.name}`),
    );
}

test("npm run bench prints the seed pod's three ways, the scale figures and the features' figures, and cleans up", async () => {
    const before = await containerCount();
    // What an earlier, interrupted bench left is not this run's to answer for.
    const cgroupsBefore = new Set(benchCgroups());
    const r = spawnSync("npm", ["run", "--silent", "bench"], {
        cwd: ROOT,
        env: { ...process.env, BENCH_RUNS: "1" },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const out = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`npm run bench failed (exit ${r.status}):\n${out}`);
    console.log(out);
    const ms = "(\\d+) ms";
    expect(out).toMatch(new RegExp(`DockerPod \\(7 resources\\) +${ms} +${ms} +${ms}`));
    expect(out).toMatch(new RegExp(`raw pulumi-docker \\+ command \\(6 resources\\) +${ms} +${ms} +${ms}`));
    expect(out).toMatch(new RegExp(`the tutorial's docker run commands +${ms} +n/a +${ms}`));
    expect(out).toMatch(/DockerPod \/ raw +\d+\.\d\dx +\d+\.\d\dx +\d+\.\d\dx/);
    // The scale figures: 1, 10 and 30 seed pods in one program, both ways, and where the largest up went.
    for (const n of [1, 10, 30]) {
        expect(out).toMatch(new RegExp(`DockerPod x${n} \\(${7 * n} resources\\) +${ms} +${ms} +${ms} +\\(\\d+ / \\d+ / \\d+ ms\\)`));
        expect(out).toMatch(new RegExp(`raw pulumi-docker x${n} \\(${6 * n} resources\\) +${ms} +${ms} +${ms}`));
    }
    // A no-change preview of 30 pods costs less per pod than of one (the CLI's and plugins' start is paid once).
    const previewPerPod = (n: number) => Number(new RegExp(`DockerPod x${n} .*\\(\\d+ / (\\d+) / \\d+ ms\\)`).exec(out)![1]);
    expect(previewPerPod(30)).toBeLessThanOrEqual(previewPerPod(1));
    expect(out).toMatch(/where the up of 30 DockerPods went .*docker:index\/container:Container \d+\.\d s in 90/);
    for (const line of [
        "kill-to-served",
        "guardian memory",
        "SIGTERM ignored",
        "liveness restart",
        "sidecar-ready-to-app-start",
        "probe latency",
        "prober memory",
        "after the start",
        "before the removal",
    ]) {
        expect(out).toMatch(new RegExp(`${line} +\\d+(\\.\\d+)? (ms|MiB)`));
    }
    // Loose guards against a regression to a guardian per pod (11.4 MiB each) or to waiting out a grace; the
    // figures themselves (README) are from a quiet machine.
    expect(Number(/guardian memory +(\d+\.\d+) MiB per pod/.exec(out)![1])).toBeLessThan(4);
    expect(Number(/kill-to-served +(\d+) ms/.exec(out)![1])).toBeLessThan(3000);
    expect(await containerCount()).toBe(before);
    // The cgroups this run's pods made under the bench's parent are gone (the parent itself may stay).
    expect(benchCgroups().filter((dir) => !cgroupsBefore.has(dir))).toEqual([]);
});
