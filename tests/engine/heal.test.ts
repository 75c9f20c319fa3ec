// Pods that heal like Kubernetes pods (heal: true): the guardian brings a dead
// sandbox back, reruns the init containers, restarts the stranded containers.
import { execFileSync } from "child_process";
import Docker from "dockerode";
import * as pulumiDocker from "@pulumi/docker";
import { DockerPod } from "../../sdk";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderStopScript } from "../../sdk/core/hooks";
import { checkPod, podPayloads } from "../../sdk/core/pod";
import { DockerPodArgs } from "../../sdk/types";
import { startDedicatedDaemon } from "../support/daemon";
import { agentName } from "../../sdk/core/agent";
import { EngineStack, Program, T_CONTAINER, changes } from "../support/engine";
import { demux, exec, guardianAgents, hostPid, procCgroup, readCgroup } from "../support/inspect";
import {
    BUSYBOX,
    HOST,
    IDLE,
    PARENT,
    PAUSE,
    Stacks,
    docker,
    freePort,
    httpGet,
    inspect,
    podName,
    podProgram,
    requireEngine,
    until,
    upOk,
} from "./helpers";

jest.setTimeout(180_000);
const GUARDIAN = "docker:28-cli";
const stacks = new Stacks();
beforeAll(async () => {
    await requireEngine();
    await docker
        .getImage(GUARDIAN)
        .inspect()
        .catch(() => {
            throw new Error(`test image ${GUARDIAN} is missing: run tests/images/build.sh`);
        });
});
afterAll(() => stacks.destroyAll());

/** The seed pod with a guardian: init writes the page (and a line per run) into the shared emptyDir. */
function healingPod(port: number, extra: Partial<DockerPodArgs> = {}): DockerPodArgs {
    return {
        heal: true,
        guardianImage: GUARDIAN,
        host: HOST,
        terminationGracePeriodSeconds: 2,
        volumes: [{ name: "www", emptyDir: {} }],
        initContainers: [
            {
                name: "page",
                image: BUSYBOX,
                imagePullPolicy: "Never",
                command: ["sh", "-c", "echo run >> /www/runs && echo healthy > /www/index.html"],
                volumeMounts: [{ name: "www", mountPath: "/www" }],
            },
        ],
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                imagePullPolicy: "Never",
                command: ["httpd", "-f", "-p", "80", "-h", "/www"],
                ports: [{ containerPort: 80, hostPort: port, hostIP: "127.0.0.1" }],
                volumeMounts: [{ name: "www", mountPath: "/www" }],
            },
            { name: "sidecar", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE },
        ],
        ...extra,
    };
}

async function podWorks(pod: string, port: number, d: Docker = docker): Promise<boolean> {
    const inside = await exec(`${pod}_sidecar`, ["timeout", "2", "wget", "-qO-", "http://127.0.0.1:80/"], d).catch(() => undefined);
    if (inside?.stdout !== "healthy\n") return false;
    const outside = await httpGet(`http://127.0.0.1:${port}/`).catch(() => undefined);
    return outside?.body === "healthy\n";
}

async function initRuns(pod: string, d: Docker = docker): Promise<number> {
    const out = await exec(`${pod}_sidecar`, ["true"], d).then(() => exec(`${pod}_app`, ["cat", "/www/runs"], d));
    return out.stdout.split("\n").filter(Boolean).length;
}

/** Waits until the pod serves again; returns how long that took. */
async function recovery(pod: string, port: number, d: Docker = docker, limitMs = 10_000): Promise<number> {
    const started = Date.now();
    await until(`pod ${pod} to serve again`, async () => ((await podWorks(pod, port, d)) ? true : undefined), limitMs, 100);
    return Date.now() - started;
}

async function startedAt(name: string, d: Docker = docker): Promise<string> {
    return (await d.getContainer(name).inspect()).State.StartedAt;
}

/** The pod's guardian's lines in the log of the host's guardian agent. */
async function guardianLog(pod: string, d: Docker = docker): Promise<string> {
    const logs = await Promise.all(
        (await guardianAgents(d)).map(
            async (a) => demux((await d.getContainer(a.Id).logs({ stdout: true, stderr: true })) as unknown as Buffer).stdout,
        ),
    );
    return logs
        .join("")
        .split("\n")
        .filter((line) => line.includes(`guardian[${pod}]`))
        .join("\n");
}

describe("a killed or restarted sandbox", () => {
    const pod = podName("heal");
    let port: number;
    let stack: EngineStack;
    beforeAll(async () => {
        port = await freePort();
        stack = stacks.create();
        await upOk(stack, podProgram(pod, healingPod(port)));
        expect(await podWorks(pod, port)).toBe(true);
        expect(await initRuns(pod)).toBe(1);
    });

    test("1: kill the sandbox: within 10 s the pod serves inside and on the published port; init ran again", async () => {
        await docker.getContainer(`${pod}_sandbox`).kill();
        // Give Docker a moment to see the death before polling (the old namespaces may still answer).
        await until("the sandbox to restart", async () => ((await inspect(`${pod}_sandbox`)).State.Running ? true : undefined), 10_000, 50);
        const ms = await recovery(pod, port);
        expect(ms).toBeLessThan(10_000);
        expect(await initRuns(pod)).toBe(2);
        expect(await guardianLog(pod)).toMatch(/rerunning init container .*_page: the sandbox started at/);
    });

    test("2: docker restart of the sandbox: the same", async () => {
        const before = await initRuns(pod);
        await docker.getContainer(`${pod}_sandbox`).restart({ t: 1 });
        expect(await recovery(pod, port)).toBeLessThan(10_000);
        expect(await initRuns(pod)).toBe(before + 1);
    });

    test("3: killed three times in a row, the pod recovers each time; no duplicate containers, no growth in processes", async () => {
        const count = async () =>
            (await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dockerpod.pod=${pod}`] }) })).length;
        // Processes (not threads) of each container; the guardian's Docker CLI calls come and go, so take its fewest.
        const processes = async (member: string) => {
            const id = (await inspect(`${pod}_${member}`)).Id;
            return readCgroup("pids", `${PARENT}/${pod}/${id}`, "cgroup.procs").split("\n").filter(Boolean).length;
        };
        // The host's guardian agent: its shell, the event stream, a loop per pod; Docker CLI calls come and go.
        const agentProcesses = async () => {
            const [agent] = await guardianAgents(docker, false);
            return readCgroup("pids", procCgroup(await hostPid(agent.Id), "pids"), "cgroup.procs")
                .split("\n")
                .filter(Boolean).length;
        };
        const tasks = async () => {
            let guardian = Infinity;
            for (let i = 0; i < 8; i++) {
                guardian = Math.min(guardian, await agentProcesses());
                await new Promise((r) => setTimeout(r, 250));
            }
            return { sandbox: await processes("sandbox"), app: await processes("app"), sidecar: await processes("sidecar"), guardian };
        };
        const containers = await count();
        const before = await tasks();
        for (let i = 0; i < 3; i++) {
            await docker.getContainer(`${pod}_sandbox`).kill();
            await until(
                "the sandbox to restart",
                async () => ((await inspect(`${pod}_sandbox`)).State.Running ? true : undefined),
                10_000,
                50,
            );
            expect(await recovery(pod, port)).toBeLessThan(10_000);
        }
        expect(await count()).toBe(containers);
        const after = await tasks();
        expect({ ...after, guardian: 0 }).toEqual({ ...before, guardian: 0 });
        // The agent: its shell, its event stream (the CLI and the subshell that reports its end), this pod's loop.
        expect(after.guardian).toBeLessThanOrEqual(5);
    });

    test("after the heals: refresh and preview --expect-no-changes pass; the stack's container ids are the live ones", async () => {
        await expectNoDrift(stack, podProgram(pod, healingPod(port)), pod);
    });
});

/**
 * The guardian restarts containers in place (same ids), so the stack still
 * describes the pod: `refresh --expect-no-changes`, then
 * `preview --expect-no-changes`, and every container id in the state is live.
 */
async function expectNoDrift(stack: EngineStack, program: Program<DockerPod>, pod: string, d: Docker = docker): Promise<void> {
    const refresh = await stack.refresh({ expectNoChanges: true });
    expect(refresh.errors.map((e) => e.message)).toEqual([]);
    expect(changes(refresh.steps)).toEqual([]);
    const preview = await stack.preview(program, { expectNoChanges: true });
    expect(preview.errors.map((e) => e.message)).toEqual([]);
    expect(changes(preview.steps)).toEqual([]);
    const inState = [...stack.state.values()]
        .filter((r) => r.type === T_CONTAINER)
        .map((r) => ({ name: r.outputs.name as string, id: r.id }))
        .sort((a, b) => a.name.localeCompare(b.name));
    expect(inState.length).toBeGreaterThanOrEqual(4);
    const live = await Promise.all(inState.map(async (c) => ({ name: c.name, id: (await d.getContainer(c.name).inspect()).Id })));
    expect(inState).toEqual(live);
    expect(inState.every((c) => c.name.startsWith(`${pod}_`))).toBe(true);
}

test("4: a failing liveness probe restarts only that container", async () => {
    const pod = podName("live");
    const port = await freePort();
    const args = healingPod(port);
    args.containers![1] = {
        name: "sidecar",
        image: BUSYBOX,
        imagePullPolicy: "Never",
        command: ["sh", "-c", `touch /tmp/alive; ${IDLE[2]}`],
        livenessProbe: { exec: { command: ["test", "-f", "/tmp/alive"] }, periodSeconds: 1, failureThreshold: 2 },
    };
    await upOk(stacks.create(), podProgram(pod, args));
    const before = {
        sandbox: await startedAt(`${pod}_sandbox`),
        app: await startedAt(`${pod}_app`),
        sidecar: await startedAt(`${pod}_sidecar`),
    };
    await exec(`${pod}_sidecar`, ["rm", "/tmp/alive"]);
    await until(
        "the sidecar to be restarted",
        async () => ((await startedAt(`${pod}_sidecar`)) !== before.sidecar ? true : undefined),
        15_000,
    );
    expect(await startedAt(`${pod}_sandbox`)).toBe(before.sandbox);
    expect(await startedAt(`${pod}_app`)).toBe(before.app);
    expect((await exec(`${pod}_sidecar`, ["test", "-f", "/tmp/alive"])).exitCode).toBe(0);
    expect(await guardianLog(pod)).toMatch(/restarting .*_sidecar: its liveness probe failed 2 times in a row/);
});

test("a liveness restart runs the preStop hook before and the postStart hook after; liveness waits for the new start's startup probe", async () => {
    const pod = podName("hooks");
    const args = healingPod(await freePort());
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-heal-hooks-"));
    fs.chmodSync(logDir, 0o777);
    args.volumes!.push({ name: "log", hostPath: { path: logDir } });
    const hook = (what: string) => ({ exec: { command: ["sh", "-c", `echo ${what} >> /log/log`] } });
    // Each start takes 6 s before /tmp/started exists (the guardian probes every 2 s or sooner); liveness looks
    // for it and fails at once without it.
    args.containers![1] = {
        name: "slow",
        image: BUSYBOX,
        imagePullPolicy: "Never",
        command: ["sh", "-c", `rm -f /tmp/started; sleep 6; touch /tmp/started; ${IDLE[2]}`],
        volumeMounts: [{ name: "log", mountPath: "/log" }],
        startupProbe: { exec: { command: ["test", "-f", "/tmp/started"] }, periodSeconds: 1, failureThreshold: 15 },
        livenessProbe: { exec: { command: ["test", "-f", "/tmp/started"] }, periodSeconds: 1, failureThreshold: 1 },
        lifecycle: { postStart: hook("poststart"), preStop: hook("prestop") },
    };
    const stack = stacks.create();
    await upOk(stack, podProgram(pod, args));
    const log = () => fs.readFileSync(path.join(logDir, "log"), "utf8").trim().split("\n");
    expect(log()).toEqual(["poststart"]);
    // The guardian probes the start it finds first (it cannot know that start passed); then liveness runs.
    const passes = async () => ((await guardianLog(pod)).match(/startup probe of .*_slow passed/g) ?? []).length;
    await until("the guardian to probe the start it found", async () => ((await passes()) === 1 ? true : undefined), 15_000);
    await exec(`${pod}_slow`, ["rm", "/tmp/started"]);
    await until("the guardian to see the restarted container start", async () => ((await passes()) === 2 ? true : undefined), 30_000);
    // Held during the 6 s start (a startup probe failed in it): one restart, not one per second.
    await new Promise((r) => setTimeout(r, 3000));
    const guardian = await guardianLog(pod);
    expect(guardian.match(/restarting .*_slow: its liveness probe failed/g)).toHaveLength(1);
    expect(guardian).toMatch(/startup probe of .*_slow failed \(1\/15\)/);
    expect(log()).toEqual(["poststart", "prestop", "poststart"]);
    await stack.destroy();
    expect(log()).toEqual(["poststart", "prestop", "poststart", "prestop"]);
    fs.rmSync(logDir, { recursive: true, force: true });
});

test("a postStart hook that fails after a guardian restart stops the container, which is started again after a 10 s back-off", async () => {
    const pod = podName("backoff");
    const args = healingPod(await freePort());
    // The hook fails once /tmp/broken exists (the container's own filesystem survives its restarts).
    args.containers![1] = {
        name: "hooked",
        image: BUSYBOX,
        imagePullPolicy: "Never",
        command: ["sh", "-c", `touch /tmp/alive; ${IDLE[2]}`],
        livenessProbe: { exec: { command: ["test", "-f", "/tmp/alive"] }, periodSeconds: 1, failureThreshold: 1 },
        lifecycle: { postStart: { exec: { command: ["sh", "-c", "test ! -f /tmp/broken"] } } },
    };
    await upOk(stacks.create(), podProgram(pod, args));
    await exec(`${pod}_hooked`, ["sh", "-c", "touch /tmp/broken; rm /tmp/alive"]);
    await until(
        "the guardian to stop the container after its failed hook",
        async () => (/postStart hook of .*_hooked failed \(exit 1\).*again in 10 s/.test(await guardianLog(pod)) ? true : undefined),
        15_000,
    );
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 6000));
    expect((await inspect(`${pod}_hooked`)).State.Running).toBe(false);
    await until(
        "the container to be started again, and its hook to fail again",
        async () => (/again in 20 s/.test(await guardianLog(pod)) ? true : undefined),
        20_000,
    );
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(9000);
    expect(await guardianLog(pod)).toMatch(/starting .*_hooked: it is not running/);
});

test("an httpGet liveness probe keeps passing after the sandbox is killed: the prober joins the new sandbox too", async () => {
    const pod = podName("prober");
    const port = await freePort();
    const args = healingPod(port, { proberImage: BUSYBOX });
    args.containers![0].livenessProbe = { httpGet: { path: "/", port: 80 }, periodSeconds: 1, failureThreshold: 3 };
    await upOk(stacks.create(), podProgram(pod, args));
    await docker.getContainer(`${pod}_sandbox`).kill();
    await until("the sandbox to restart", async () => ((await inspect(`${pod}_sandbox`)).State.Running ? true : undefined), 10_000, 50);
    await recovery(pod, port);
    const served = await startedAt(`${pod}_app`);
    // A prober left in the dead namespace fails every probe: the app would be restarted after 3 failures (the guardian
    // looks every 2 s at most), about 8 s with its grace (seen before the fix).
    await new Promise((r) => setTimeout(r, 9000));
    expect(await startedAt(`${pod}_app`)).toBe(served);
    const guardian = await guardianLog(pod);
    expect(guardian).toMatch(/starting prober .*_app\.probe: it is not running/);
    expect(guardian).not.toMatch(/its liveness probe failed/);
});

test("a container with a preStop hook replaced while the guardian runs is not started again on its way out", async () => {
    const pod = podName("swap");
    const args = healingPod(await freePort());
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-heal-swap-"));
    fs.chmodSync(logDir, 0o777);
    args.volumes!.push({ name: "log", hostPath: { path: logDir } });
    const hook = (what: string) => ({ exec: { command: ["sh", "-c", `echo ${what} $VERSION >> /log/log`] } });
    const hooked = (version: string) => ({
        name: "hooked",
        image: BUSYBOX,
        imagePullPolicy: "Never" as const,
        command: IDLE,
        env: [{ name: "VERSION", value: version }],
        volumeMounts: [{ name: "log", mountPath: "/log" }],
        lifecycle: { postStart: hook("poststart"), preStop: hook("prestop") },
    });
    args.containers![1] = hooked("1");
    const stack = stacks.create();
    await upOk(stack, podProgram(pod, args));
    const log = () => fs.readFileSync(path.join(logDir, "log"), "utf8").trim().split("\n");
    // The hooks Command's delete, run as the engine runs it; the provider's removal comes later (here: 4 s later,
    // time enough for the guardian to wake on the death and start it again, had it found it).
    const hookedPayload = podPayloads(checkPod(pod, args)).find((p) => p.container.name === "hooked")!;
    const old = (await inspect(`${pod}_hooked`)).Id;
    execFileSync("sh", ["-c", renderStopScript(hookedPayload)], { stdio: "pipe" });
    await new Promise((r) => setTimeout(r, 4000));
    expect(log()).toEqual(["poststart 1", "prestop 1"]);
    expect(await guardianLog(pod)).not.toMatch(/starting .*_hooked/);
    const stopping = await inspect(old);
    expect(stopping.State.Running).toBe(false);
    expect(stopping.Name).toBe(`/${pod}_hooked.stopping`);
    // The replacement removes it by id and makes the new one.
    args.containers![1] = hooked("2");
    await upOk(stack, podProgram(pod, args));
    expect(log()).toEqual(["poststart 1", "prestop 1", "poststart 2"]);
    expect(await docker.listContainers({ all: true, filters: JSON.stringify({ name: [`${pod}_hooked.stopping`] }) })).toEqual([]);
    expect((await inspect(`${pod}_hooked`)).Config.Env).toContain("VERSION=2");
    await stack.destroy();
    fs.rmSync(logDir, { recursive: true, force: true });
});

test("6: restartPolicy Never: nothing is restarted; the guardian reports the pod down", async () => {
    const pod = podName("never");
    const port = await freePort();
    await upOk(stacks.create(), podProgram(pod, healingPod(port, { restartPolicy: "Never" })));
    const app = await startedAt(`${pod}_app`);
    await docker.getContainer(`${pod}_sandbox`).kill();
    await until(
        "the guardian to report the pod down",
        async () => (/pod down: sandbox .* is not running and restartPolicy is Never/.test(await guardianLog(pod)) ? true : undefined),
        10_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect((await inspect(`${pod}_sandbox`)).State.Running).toBe(false);
    expect(await startedAt(`${pod}_app`)).toBe(app);
    expect(await guardianLog(pod)).not.toMatch(/starting|restarting|rerunning/);
});

test("7: destroy while the guardian runs: nothing is restarted during destroy; nothing is left", async () => {
    const pod = podName("bye");
    const stack = stacks.create();
    await upOk(stack, podProgram(pod, healingPod(await freePort())));
    // Events have whole-second times: start counting in the second after the up's own starts.
    await new Promise((r) => setTimeout(r, 1100));
    const since = Math.floor(Date.now() / 1000);
    const steps = await stack.destroy();
    const until_ = Math.ceil(Date.now() / 1000) + 1;
    const deletes = steps.filter((s) => s.op === "delete").map((s) => s.key);
    // The guardian stops (its agent Command's delete) before its claim and any container of the pod go.
    const agentDelete = deletes.indexOf(`command:local:Command::${pod}-guardian-agent`);
    expect(agentDelete).toBeGreaterThanOrEqual(0);
    expect(agentDelete).toBeLessThan(deletes.indexOf(`${T_CONTAINER}::${pod}-guardian`));
    expect(deletes.indexOf(`${T_CONTAINER}::${pod}-guardian`)).toBeLessThan(deletes.indexOf(`${T_CONTAINER}::${pod}-app`));
    const events = await docker.getEvents({
        since,
        until: until_,
        filters: JSON.stringify({ label: [`dockerpod.pod=${pod}`], event: ["start", "restart"] }),
    });
    const text = await new Promise<string>((resolve) => {
        let s = "";
        events.on("data", (d) => (s += d));
        events.on("end", () => resolve(s));
    });
    expect(text).toBe("");
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dockerpod.pod=${pod}`] }) });
    expect(left).toEqual([]);
});

test("8: two stacks with healing pods share one agent: healing one never touches the other; destroying one leaves the other healing", async () => {
    const [a, b] = [podName("twoa"), podName("twob")];
    const [pa, pb] = [await freePort(), await freePort()];
    const [stackA, stackB] = [stacks.create(), stacks.create()];
    await upOk(stackA, podProgram(a, healingPod(pa)));
    await upOk(stackB, podProgram(b, healingPod(pb)));
    const shared = await guardianAgents();
    expect(shared.map((c) => c.Names[0])).toEqual([`/${agentName(GUARDIAN)}`]);
    const members = ["sandbox", "app", "sidecar", "page"];
    const other = await Promise.all(members.map((m) => startedAt(`${b}_${m}`)));
    await docker.getContainer(`${a}_sandbox`).kill();
    await until("the sandbox to restart", async () => ((await inspect(`${a}_sandbox`)).State.Running ? true : undefined), 10_000, 50);
    await recovery(a, pa, docker, 20_000);
    expect(await Promise.all(members.map((m) => startedAt(`${b}_${m}`)))).toEqual(other);
    expect(await guardianLog(b)).not.toMatch(/starting|restarting|rerunning/);

    // A container from outside dockerpod that carries b's pod label: its events wake b's guardian, which finds b whole.
    const stranger = await docker.createContainer({
        name: `${b}-stranger`,
        Image: BUSYBOX,
        Cmd: ["true"],
        Labels: { "dockerpod.pod": b },
        HostConfig: { NetworkMode: "none" },
    });
    try {
        await stranger.start();
        await stranger.wait();
        await new Promise((r) => setTimeout(r, 1500));
    } finally {
        await stranger.remove({ force: true });
    }
    expect(await Promise.all(members.map((m) => startedAt(`${b}_${m}`)))).toEqual(other);

    // Destroying a leaves the agent (and b's guardian in it) alone: b still heals.
    await stackA.destroy();
    expect((await guardianAgents()).map((c) => c.Id)).toEqual([shared[0].Id]);
    await docker.getContainer(`${b}_sandbox`).kill();
    await until("b's sandbox to restart", async () => ((await inspect(`${b}_sandbox`)).State.Running ? true : undefined), 10_000, 50);
    await recovery(b, pb, docker, 20_000);
    expect(await guardianLog(a)).toMatch(/stopping/);

    // (The last healing pod's destroy taking the agent with it is shown on a daemon of its own, in 5.)
    await stackB.destroy();
    expect(await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dockerpod.pod=${b}`] }) })).toEqual([]);
});

describe("5: dockerd restarts", () => {
    const name = "dockerpod-heal";
    let daemon: Awaited<ReturnType<typeof startDedicatedDaemon>>;
    beforeAll(async () => {
        daemon = await startDedicatedDaemon(name, [BUSYBOX, PAUSE, GUARDIAN]);
    }, 120_000);
    afterAll(async () => daemon?.stop());

    test("the pod works again within 30 s without a pulumi up, after a plain restart and one in the middle of a heal", async () => {
        const pod = podName("restart");
        const port = await freePort();
        const stack = stacks.create("dedicated");
        const args = healingPod(port, { host: { ...HOST, dockerSocket: daemon.socket } });
        // The docker provider talks to the dedicated daemon; the pod's guardian gets its socket.
        const program = () =>
            new DockerPod(pod, args, {
                providers: { docker: new pulumiDocker.Provider("dedicated", { host: `unix://${daemon.socket}` }) },
            });
        await upOk(stack, program);
        expect(await podWorks(pod, port, daemon.docker)).toBe(true);
        const restarted = Date.now();
        await daemon.restart();
        const answered = Date.now();
        const ms = await recovery(pod, port, daemon.docker, 30_000);
        console.log(
            `dockerd restart to serving: ${Date.now() - restarted} ms (the daemon answered again after ${answered - restarted} ms)`,
        );
        expect(ms).toBeLessThan(30_000);
        // Mid-heal: the sandbox is killed and the daemon restarts before the guardian is done.
        await daemon.docker.getContainer(`${pod}_sandbox`).kill();
        await new Promise((r) => setTimeout(r, 300));
        await daemon.restart();
        expect(await recovery(pod, port, daemon.docker, 30_000)).toBeLessThan(30_000);
        await expectNoDrift(stack, program, pod, daemon.docker);
        // One agent on that daemon, and none left after the destroy.
        expect(await guardianAgents(daemon.docker)).toHaveLength(1);
        await stack.destroy();
        expect(await guardianAgents(daemon.docker)).toEqual([]);
    });
});
