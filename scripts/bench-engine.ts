// `npm run bench` (first half): the pod through the real Pulumi engine (the
// CLI and docker plugin of toolchain/), median of BENCH_RUNS (default 3):
// `up` until the page is served, a no-change `preview`, and `destroy`, for
//   - the pod wired from dockerpod's parts (SandboxContainer, PayloadContainer),
//   - the same containers written as raw pulumi-docker resources in one program.
// The slice is a `command` resource, whose plugin cannot be built here (README,
// "The real engine"), so neither has one; `npm run bench:pod` (the second
// half) times the whole DockerPod through the realizer beside the tutorial's
// raw `docker run` commands.
import * as http from "http";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as auto from "@pulumi/pulumi/automation";
import { PayloadContainer, SandboxContainer } from "../sdk";
import { RealStacks } from "../tests/support/pulumi";
import { freePort } from "../tests/support/net";

const BUSYBOX = "dockerpod-test/busybox:1";
const PAUSE = "registry.k8s.io/pause:3.9";
const PARENT = "/dockerpod-bench";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const APP = "echo hello > /tmp/index.html; trap 'kill $!; exit 0' TERM; httpd -f -p 80 -h /tmp & wait $!";
const SIDECAR = "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";

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
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** The pod from dockerpod's parts. */
function partsProgram(pod: string, port: number): auto.PulumiFn {
    return async () => {
        const cgroupParent = `${PARENT}/${pod}`;
        const sandbox = new SandboxContainer(`${pod}-sandbox`, {
            podName: pod,
            image: PAUSE,
            cgroupParent,
            ports: [{ containerPort: 80, hostPort: port, hostIP: "127.0.0.1" }],
        });
        for (const [name, script, memory] of [
            ["app", APP, "256Mi"],
            ["sidecar", SIDECAR, "128Mi"],
        ]) {
            new PayloadContainer(`${pod}-${name}`, {
                podName: pod,
                sandboxId: sandbox.containerId,
                cgroupParent,
                terminationGracePeriodSeconds: 10,
                container: {
                    name,
                    image: BUSYBOX,
                    imagePullPolicy: "Never",
                    command: ["sh", "-c", script],
                    resources: { limits: { memory } },
                },
            });
        }
    };
}

/** The same containers as raw pulumi-docker resources, the way a user would write them by hand. */
function rawProgram(pod: string, port: number): auto.PulumiFn {
    return async () => {
        const cgroupParent = `${PARENT}/${pod}`;
        const pause = new docker.RemoteImage(`${pod}-pause`, { name: PAUSE, keepLocally: true });
        const sandbox = new docker.Container(`${pod}-sandbox`, {
            name: `${pod}-sandbox`,
            image: pause.imageId,
            ipcMode: "shareable",
            hostname: pod,
            cgroupParent,
            ports: [{ internal: 80, external: port, ip: "127.0.0.1" }],
            restart: "unless-stopped",
            destroyGraceSeconds: 10,
        });
        const join = pulumi.interpolate`container:${sandbox.id}`;
        for (const [name, script, memory] of [
            ["app", APP, 256],
            ["sidecar", SIDECAR, 128],
        ] as const) {
            new docker.Container(`${pod}-${name}`, {
                name: `${pod}-${name}`,
                image: BUSYBOX,
                entrypoints: ["sh", "-c", script],
                networkMode: join,
                ipcMode: join,
                cgroupParent,
                memory,
                memorySwap: memory,
                restart: "unless-stopped",
                destroyGraceSeconds: 10,
            });
        }
    };
}

interface Sample {
    up: number;
    preview: number;
    destroy: number;
}

async function measure(
    stacks: RealStacks,
    kind: string,
    program: (pod: string, port: number) => auto.PulumiFn,
    run: number,
): Promise<Sample> {
    const pod = `${kind}-${process.pid.toString(36)}${run}`;
    const port = await freePort();
    const stack = await stacks.create("dockerpod-bench", `${kind}${run}`, program(pod, port));
    let t = Date.now();
    await stack.up({ color: "never" });
    await untilServed(port);
    const up = Date.now() - t;
    t = Date.now();
    await stack.preview({ expectNoChanges: true, color: "never" });
    const preview = Date.now() - t;
    t = Date.now();
    await stack.destroy({ color: "never" });
    return { up, preview, destroy: Date.now() - t };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
    const stacks = new RealStacks();
    const results: Record<string, Sample[]> = { parts: [], raw: [] };
    try {
        for (let i = 0; i < RUNS; i++) {
            results.parts.push(await measure(stacks, "parts", partsProgram, i));
            results.raw.push(await measure(stacks, "raw", rawProgram, i));
        }
    } finally {
        await stacks.destroyAll();
    }
    const row = (name: string, s: Sample[]) =>
        `  ${name.padEnd(44)} ${[s.map((x) => x.up), s.map((x) => x.preview), s.map((x) => x.destroy)]
            .map((xs) => `${median(xs)} ms`.padStart(9))
            .join("   ")}`;
    console.log(
        [
            `the real Pulumi engine (toolchain/), ${RUNS} run(s), median:  up-to-served   no-change preview   destroy`,
            row("dockerpod parts (SandboxContainer, PayloadContainer)", results.parts),
            row("raw pulumi-docker resources, one program", results.raw),
        ].join("\n"),
    );
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
