// Shared helpers of the real-engine tests: a pod program, engine checks,
// what exists on the engine for a pod, and cleanup.
import * as fs from "fs";
import * as http from "http";
import Docker from "dockerode";
import * as pulumi from "@pulumi/pulumi";
import { DockerPod } from "../../sdk";
import { DockerPodArgs } from "../../sdk/types";
import { Realizer, UpResult } from "../support/realizer";
import { existingCgroupDirs } from "../support/inspect";

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

/** The program of one DockerPod; transformations let the realizer see resource options. */
export function podProgram(name: string, args: DockerPodArgs) {
    return (transformations: pulumi.ResourceTransformation[]) => new DockerPod(name, args, { transformations });
}

/** Realizers made by a test file; `destroyAll` in afterEach/afterAll cleans up even after a failure. */
export class Stacks {
    private list: Realizer[] = [];
    create(stack?: string): Realizer {
        const r = new Realizer({ stack: stack ?? `s${this.list.length}` });
        this.list.push(r);
        return r;
    }
    async destroyAll(): Promise<void> {
        const errors: string[] = [];
        for (const r of this.list.reverse()) {
            await r.destroy().catch((e) => errors.push((e as Error).message));
        }
        this.list = [];
        if (errors.length) throw new Error(`cleanup failed:\n${errors.join("\n")}`);
    }
}

/** Ups a pod and fails the test with every program error when the up failed. */
export async function upOk<T>(realizer: Realizer, program: (t: pulumi.ResourceTransformation[]) => T): Promise<UpResult<T>> {
    const run = await realizer.up(program);
    if (run.errors.length > 0) {
        throw new Error(`up failed:\n${run.errors.map((e) => e.stack ?? e.message).join("\n---\n")}`);
    }
    return run;
}

/** Resolves an Output in a test. */
export function value<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as any).promise() as Promise<T>;
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
