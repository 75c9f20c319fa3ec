// Shared helpers of the real-engine tests: a pod program, engine checks,
// what exists on the engine for a pod, and cleanup.
import * as fs from "fs";
import * as http from "http";
import Docker from "dockerode";
import { DockerPod } from "../../sdk";
import { DockerPodArgs } from "../../sdk/types";
import { EngineStack, Program, Run } from "../support/engine";
import { existingCgroupDirs } from "../support/inspect";

export { EngineStacks as Stacks, value } from "../support/engine";

export const docker = new Docker({ socketPath: "/var/run/docker.sock" });
export const BUSYBOX = "dockerpod-test/busybox:1";
export const PAUSE = "registry.k8s.io/pause:3.9";
export const PARENT = "/dockerpod-test";
export const HOST = { cgroupDriver: "cgroupfs", parentSlice: PARENT } as const;

/**
 * Fails (never skips) when the daemon or the test images are missing: the
 * real-engine suite must prove something or go red.
 */
export async function requireEngine(): Promise<void> {
    try {
        await docker.ping();
    } catch (err) {
        throw new Error(`the Docker daemon does not answer on /var/run/docker.sock (run .ci/dockerd.sh): ${(err as Error).message}`, {
            cause: err,
        });
    }
    const info = await docker.info();
    if (info.CgroupDriver !== "cgroupfs" || String(info.CgroupVersion) !== "1") {
        throw new Error(
            `these tests need Docker's cgroupfs driver on cgroup v1, the daemon has ${info.CgroupDriver} on v${info.CgroupVersion}`,
        );
    }
    for (const image of [BUSYBOX, PAUSE]) {
        await docker
            .getImage(image)
            .inspect()
            .catch(() => {
                throw new Error(`test image ${image} is missing: run tests/images/build.sh`);
            });
    }
}

/** A unique pod name per test run (DNS-1123, short). */
let counter = 0;
export function podName(prefix: string): string {
    return `${prefix}-${process.pid.toString(36)}${(counter++).toString(36)}`;
}

export { freePort } from "../support/net";

/** The program of one DockerPod. */
export function podProgram(name: string, args: DockerPodArgs): Program<DockerPod> {
    return () => new DockerPod(name, args);
}

/** Ups a program through the real engine and fails the test with every error when the up failed. */
export async function upOk<T>(stack: EngineStack, program: Program<T>): Promise<Run<T>> {
    const run = await stack.up(program);
    if (run.errors.length > 0) {
        throw new Error(`up failed:\n${run.errors.map((e) => e.stack ?? e.message).join("\n---\n")}\n${run.output}`);
    }
    return run;
}

/** What exists on the engine for a pod: containers, volumes, cgroup directories. */
export async function podObjects(pod: string): Promise<{ containers: string[]; volumes: string[]; cgroups: string[] }> {
    const filters = JSON.stringify({ label: [`dockerpod.pod=${pod}`] });
    const containers = (await docker.listContainers({ all: true, filters })).map((c) => c.Names[0].replace(/^\//, "")).sort();
    const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name).sort();
    const cgroups = existingCgroupDirs(`${PARENT}/${pod}`);
    return { containers, volumes, cgroups };
}

/** Everything on the engine (names of containers and volumes, and the test parent's cgroup dirs). */
export async function engineSnapshot(): Promise<{ containers: string[]; volumes: string[]; cgroups: string[] }> {
    const containers = (await docker.listContainers({ all: true })).map((c) => c.Names[0]).sort();
    const volumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).sort();
    return { containers, volumes, cgroups: existingParentDirs() };
}

/** The pods' cgroup directories under the test parent, in every v1 hierarchy. */
export function existingParentDirs(): string[] {
    return existingCgroupDirs(PARENT)
        .flatMap((d) =>
            fs
                .readdirSync(d, { withFileTypes: true })
                .filter((e) => e.isDirectory())
                .map((e) => `${d}/${e.name}`),
        )
        .sort();
}

export async function inspect(container: string): Promise<Docker.ContainerInspectInfo> {
    return docker.getContainer(container).inspect();
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20000, everyMs = 200): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const result = await check();
        if (result !== undefined) return result;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, everyMs));
    }
}

/** A payload that exits 0 promptly on SIGTERM (busybox `sleep` as PID 1 ignores it). */
export const IDLE_SCRIPT = "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";
export const IDLE = ["sh", "-c", IDLE_SCRIPT];

/** Fetches a URL from the host. */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get(url, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

/** How a container stopped: its exit code and the time from the first signal Docker sent it to its death. */
export interface Stop {
    exitCode: number;
    ms: number;
}

/**
 * Runs `action` (e.g. a `destroy`) and returns, by container name, how each
 * container it stopped died, from the daemon's own events (`kill` with the
 * signal, then `die` with the exit code).
 */
export async function stopsDuring(action: () => Promise<unknown>, d: Docker = docker): Promise<Map<string, Stop>> {
    const since = Math.floor(Date.now() / 1000) - 1;
    await action();
    const until = Math.ceil(Date.now() / 1000) + 1;
    const stream = (await d.getEvents({
        since,
        until,
        filters: JSON.stringify({ type: ["container"], event: ["kill", "die"] }),
    })) as unknown as NodeJS.ReadableStream;
    let text = "";
    for await (const chunk of stream) text += chunk.toString();
    const firstSignal = new Map<string, number>();
    const stops = new Map<string, Stop>();
    for (const line of text.split("\n").filter(Boolean)) {
        const e = JSON.parse(line) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number };
        const name = e.Actor.Attributes.name;
        if (e.Action === "kill" && !firstSignal.has(e.Actor.ID)) firstSignal.set(e.Actor.ID, e.timeNano);
        if (e.Action === "die" && firstSignal.has(e.Actor.ID)) {
            stops.set(name, { exitCode: Number(e.Actor.Attributes.exitCode), ms: (e.timeNano - firstSignal.get(e.Actor.ID)!) / 1e6 });
        }
    }
    return stops;
}
