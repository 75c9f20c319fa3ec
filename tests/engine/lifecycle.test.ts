// Init containers, emptyDir, readiness and convergence of later `up`s on the real engine.
import { Container, DockerPodArgs } from "../../sdk/types";
import { T_COMMAND, T_CONTAINER, T_POD, changes } from "../support/engine";
import { exec, existingCgroupDirs, procCgroup, readCgroup } from "../support/inspect";
import {
    BUSYBOX,
    HOST,
    IDLE,
    IDLE_SCRIPT,
    Stacks,
    docker,
    inspect,
    podName,
    podObjects,
    podProgram,
    requireEngine,
    until,
    upOk,
} from "./helpers";

jest.setTimeout(120_000);

const stacks = new Stacks();
beforeAll(requireEngine);
afterEach(() => stacks.destroyAll());

const WORK = [{ name: "work", mountPath: "/work" }];

function init(name: string, script: string): Container {
    return { name, image: BUSYBOX, imagePullPolicy: "Never", command: ["sh", "-c", script], volumeMounts: WORK };
}

function podWithInits(inits: Container[]): DockerPodArgs {
    return {
        host: HOST,
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: "work", emptyDir: {} }],
        initContainers: inits,
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                imagePullPolicy: "Never",
                volumeMounts: WORK,
                command: ["sh", "-c", `echo app >> /work/order; ${IDLE_SCRIPT}`],
            },
        ],
    };
}

describe("init containers", () => {
    test("6: run to completion, in order, before the app starts", async () => {
        const pod = podName("init");
        await upOk(
            stacks.create(),
            podProgram(
                pod,
                podWithInits([init("first", "sleep 1; echo first >> /work/order"), init("second", "echo second >> /work/order")]),
            ),
        );
        const order = await exec(`${pod}_app`, ["cat", "/work/order"]);
        expect(order.stdout.split("\n").filter(Boolean)).toEqual(["first", "second", "app"]);
        const [first, second, app] = await Promise.all(["first", "second", "app"].map((n) => inspect(`${pod}_${n}`)));
        expect(first.State).toMatchObject({ Running: false, ExitCode: 0 });
        expect(second.State).toMatchObject({ Running: false, ExitCode: 0 });
        expect(Date.parse(first.State.FinishedAt)).toBeLessThanOrEqual(Date.parse(second.State.StartedAt));
        expect(Date.parse(second.State.FinishedAt)).toBeLessThanOrEqual(Date.parse(app.State.StartedAt));
        // Init containers never restart, and are not restarted by a later up.
        expect(first.HostConfig.RestartPolicy?.Name).toBe("no");
    });

    test("6: a failing init container stops the up with its name and exit code; the fixed pod converges", async () => {
        const pod = podName("badinit");
        const stack = stacks.create();
        const failed = await stack.up(podProgram(pod, podWithInits([init("check", "exit 3"), init("after", "true")])));
        const messages = failed.errors.map((e) => e.message).join("\n");
        expect(messages).toContain(`init container "check" exited with code 3`);
        const afterFailure = await podObjects(pod);
        expect(afterFailure.containers).toEqual([`${pod}_check`, `${pod}_sandbox`]);

        const fixed = await upOk(stack, podProgram(pod, podWithInits([init("check", "exit 0"), init("after", "true")])));
        expect(fixed.steps.find((s) => s.key === `${T_CONTAINER}::${pod}-check`)?.op).toBe("replace");
        const converged = await podObjects(pod);
        expect(converged.containers).toEqual([`${pod}_after`, `${pod}_app`, `${pod}_check`, `${pod}_sandbox`]);
        expect((await inspect(`${pod}_check`)).State.ExitCode).toBe(0);
        expect((await inspect(`${pod}_app`)).State.Running).toBe(true);

        // Another up changes nothing: the exited init containers are left alone.
        const again = await upOk(stack, podProgram(pod, podWithInits([init("check", "exit 0"), init("after", "true")])));
        expect(changes(again.steps)).toEqual([]);
    });
});

describe("emptyDir", () => {
    const args: DockerPodArgs = {
        host: HOST,
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: "scratch", emptyDir: {} }],
        containers: ["writer", "reader"].map((name) => ({
            name,
            image: BUSYBOX,
            imagePullPolicy: "Never" as const,
            command: IDLE,
            volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
        })),
    };

    test("7: what one container writes another reads; a new pod starts empty", async () => {
        const pod = podName("empty");
        const stack = stacks.create();
        await upOk(stack, podProgram(pod, args));
        expect((await podObjects(pod)).volumes).toEqual([`${pod}_scratch`]);
        expect((await exec(`${pod}_writer`, ["sh", "-c", "echo note > /scratch/note"])).exitCode).toBe(0);
        expect((await exec(`${pod}_reader`, ["cat", "/scratch/note"])).stdout.trim()).toBe("note");

        await stack.destroy();
        expect(await podObjects(pod)).toEqual({ containers: [], volumes: [], cgroups: [] });
        await upOk(stack, podProgram(pod, args));
        expect((await exec(`${pod}_reader`, ["test", "-e", "/scratch/note"])).exitCode).not.toBe(0);
    });
});

describe("readinessProbe", () => {
    function probed(command: string[], probe: string[], failureThreshold = 3): DockerPodArgs {
        return {
            host: HOST,
            terminationGracePeriodSeconds: 1,
            containers: [
                {
                    name: "app",
                    image: BUSYBOX,
                    imagePullPolicy: "Never",
                    command,
                    readinessProbe: { exec: { command: probe }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold },
                },
            ],
        };
    }

    test("8: the up returns only once the container is healthy", async () => {
        const pod = podName("ready");
        const started = Date.now();
        await upOk(
            stacks.create(),
            podProgram(pod, probed(["sh", "-c", `sleep 3; touch /tmp/ready; ${IDLE_SCRIPT}`], ["test", "-f", "/tmp/ready"])),
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
        expect((await inspect(`${pod}_app`)).State.Health?.Status).toBe("healthy");
    });

    test("8: a probe that never passes fails the up within its timeout", async () => {
        const pod = podName("never");
        // waitTimeout = initialDelay 0 + (period 1 + timeout 1) * failureThreshold 2 + 5 = 9 s
        const started = Date.now();
        const run = await stacks.create().up(podProgram(pod, probed(IDLE, ["false"], 2)));
        const elapsed = Date.now() - started;
        expect(run.errors.map((e) => e.message).join("\n")).toMatch(/container failed to be in healthy state/);
        expect(elapsed).toBeGreaterThanOrEqual(9000);
        expect(elapsed).toBeLessThan(20000);
        expect((await inspect(`${pod}_app`)).State.Health?.Status).toBe("unhealthy");
    });
});

describe("refresh and drift", () => {
    test("a container removed or stopped by hand is recreated by the next up", async () => {
        const pod = podName("drift");
        const args: DockerPodArgs = {
            host: HOST,
            terminationGracePeriodSeconds: 1,
            containers: ["one", "two"].map((name) => ({ name, image: BUSYBOX, imagePullPolicy: "Never" as const, command: IDLE })),
        };
        const stack = stacks.create();
        await upOk(stack, podProgram(pod, args));
        const sandboxId = (await inspect(`${pod}_sandbox`)).Id;
        await docker.getContainer(`${pod}_one`).remove({ force: true });
        await docker.getContainer(`${pod}_two`).stop({ t: 0 });
        await stack.refresh();
        // The provider's read forgets a removed container; a stopped one it keeps, and the next up starts it again.
        expect(stack.state.has(`${T_CONTAINER}::${pod}-one`)).toBe(false);

        const run = await upOk(stack, podProgram(pod, args));
        expect(run.steps.filter((s) => s.op === "create").map((s) => s.key)).toEqual([`${T_CONTAINER}::${pod}-one`]);
        for (const n of ["one", "two"]) expect((await inspect(`${pod}_${n}`)).State.Running).toBe(true);
        expect((await inspect(`${pod}_sandbox`)).Id).toBe(sandboxId);
        expect((await podObjects(pod)).containers).toHaveLength(3);
    });
});

describe("moving the pod's cgroup parent", () => {
    // The slice Command is replaced delete-before-create. The engine deletes its dependents first only where
    // their provider says a changed dependency would replace them: the containers' cgroupParent carries the
    // slice as a property dependency for that (seen on the real engine: with only a dependsOn edge and a label,
    // the old slice's delete ran first and failed, "rmdir .../blkio/...: Device or resource busy").
    test("a changed host.parentSlice moves the running pod", async () => {
        const pod = podName("move");
        const args = (parentSlice: string): DockerPodArgs => ({
            host: { cgroupDriver: "cgroupfs", parentSlice },
            terminationGracePeriodSeconds: 1,
            containers: [{ name: "app", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE }],
        });
        const stack = stacks.create();
        await upOk(stack, podProgram(pod, args(HOST.parentSlice)));
        const moved = await upOk(stack, podProgram(pod, args(`${HOST.parentSlice}/moved`)));
        // The containers go before the old slice, the new slice comes before them (and the pod's args changed).
        expect(changes(moved.steps)).toEqual([
            `replace ${T_COMMAND}::${pod}-slice`,
            `replace ${T_CONTAINER}::${pod}-sandbox`,
            `replace ${T_CONTAINER}::${pod}-app`,
            `update ${T_POD}::${pod}`,
        ]);
        expect((await inspect(`${pod}_app`)).HostConfig.CgroupParent).toBe(`${HOST.parentSlice}/moved/${pod}`);
        expect(existingCgroupDirs(`${HOST.parentSlice}/${pod}`)).toEqual([]);
        expect(existingCgroupDirs(`${HOST.parentSlice}/moved/${pod}`)).not.toEqual([]);
        await stack.destroy();
        expect(existingCgroupDirs(`${HOST.parentSlice}/moved/${pod}`)).toEqual([]);
    });
});

describe("native sidecars (restartPolicy Always on an init container)", () => {
    const sidecarPod = (): DockerPodArgs => ({
        host: HOST,
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: "work", emptyDir: {} }],
        initContainers: [
            {
                name: "proxy",
                image: BUSYBOX,
                imagePullPolicy: "Never",
                restartPolicy: "Always",
                command: ["sh", "-c", "mkdir -p /srv && echo from-sidecar > /srv/index.html && exec httpd -f -p 9000 -h /srv"],
                readinessProbe: { exec: { command: ["wget", "-qO-", "http://127.0.0.1:9000/"] }, periodSeconds: 1 },
            },
            init("warm", "wget -qO- http://127.0.0.1:9000/ > /work/warm"),
        ],
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                imagePullPolicy: "Never",
                volumeMounts: WORK,
                command: ["sh", "-c", `wget -qO- http://127.0.0.1:9000/ > /work/app; ${IDLE_SCRIPT}`],
            },
        ],
    });

    test("it is ready before the next init container runs, keeps running beside the app, comes back when killed, and goes after the app", async () => {
        const pod = podName("sidecar");
        const stack = stacks.create();
        await upOk(stack, podProgram(pod, sidecarPod()));
        // The init container after it reached it over localhost, and so does the app.
        expect((await exec(`${pod}_app`, ["cat", "/work/warm", "/work/app"])).stdout).toBe("from-sidecar\nfrom-sidecar\n");
        const [proxy, warm, app] = await Promise.all(["proxy", "warm", "app"].map((n) => inspect(`${pod}_${n}`)));
        expect(proxy.State).toMatchObject({ Running: true, Health: { Status: "healthy" } });
        expect(warm.State).toMatchObject({ Running: false, ExitCode: 0 });
        expect(Date.parse(proxy.State.StartedAt)).toBeLessThanOrEqual(Date.parse(warm.State.StartedAt));
        // Still running beside the app, which started after the init container ended.
        expect(Date.parse(warm.State.FinishedAt)).toBeLessThanOrEqual(Date.parse(app.State.StartedAt));
        expect(proxy.HostConfig.RestartPolicy?.Name).toBe("always");
        expect(proxy.Config.Labels?.["dockerpod.role"]).toBe("sidecar");

        // Its process dies (killed from the host, not by `docker kill`, which Docker counts as a stop by hand):
        // Docker brings it back (restart always), in the pod's namespaces.
        process.kill(proxy.State.Pid!, "SIGKILL");
        await until(
            "the sidecar to run again",
            async () => ((await inspect(`${pod}_proxy`)).State.Running ? true : undefined),
            15_000,
            100,
        );
        await until(
            "the sidecar to serve again",
            async () => {
                const r = await exec(`${pod}_app`, ["wget", "-qO-", "http://127.0.0.1:9000/"]);
                return r.exitCode === 0 ? r.stdout : undefined;
            },
            15_000,
            200,
        );

        // Destroy stops the app before the sidecar it relies on.
        const steps = await stack.destroy();
        const deletes = steps.filter((s) => s.op === "delete").map((s) => s.key);
        expect(deletes.indexOf(`${T_CONTAINER}::${pod}-app`)).toBeLessThan(deletes.indexOf(`${T_CONTAINER}::${pod}-proxy`));
        expect((await podObjects(pod)).containers).toEqual([]);
    });
});

describe("httpGet and tcpSocket probes, for an image of one static binary", () => {
    const STATIC = "dockerpod-test/static-httpd:1";
    const staticPod = (path: string): DockerPodArgs => ({
        host: HOST,
        terminationGracePeriodSeconds: 1,
        proberImage: BUSYBOX,
        containers: [
            {
                name: "web",
                image: STATIC,
                imagePullPolicy: "Never",
                readinessProbe: { httpGet: { path, port: 8080 }, periodSeconds: 1, failureThreshold: 3 },
            },
        ],
    });

    test("readiness over HTTP from the prober: up waits for it; the app image has no shell; the prober is small", async () => {
        const pod = podName("static");
        await upOk(stacks.create(), podProgram(pod, staticPod("/index.html")));
        const [web, prober] = await Promise.all([inspect(`${pod}_web`), inspect(`${pod}_web.probe`)]);
        expect(web.State.Running).toBe(true);
        expect(web.Config.Healthcheck).toBeUndefined();
        expect(prober.State.Health?.Status).toBe("healthy");
        expect(prober.HostConfig.NetworkMode).toBe(web.HostConfig.NetworkMode);
        // The app's image holds one binary: no shell to run a probe in.
        expect(
            (await exec(`${pod}_web`, ["sh", "-c", "true"]).catch((e: Error) => ({ exitCode: -1, stdout: e.message }))).exitCode,
        ).not.toBe(0);
        const usage = Number(readCgroup("memory", procCgroup(prober.State.Pid!, "memory"), "memory.usage_in_bytes"));
        expect(usage).toBeLessThan(16 * 2 ** 20);
    });

    test("readiness over TCP from the prober", async () => {
        const pod = podName("statictcp");
        const args = staticPod("/");
        args.containers![0].readinessProbe = { tcpSocket: { port: 8080 }, periodSeconds: 1 };
        await upOk(stacks.create(), podProgram(pod, args));
        expect((await inspect(`${pod}_web.probe`)).State.Health?.Status).toBe("healthy");
    });

    test("a path that never answers fails the up, naming the prober of that container", async () => {
        const pod = podName("static404");
        const result = await stacks.create().up(podProgram(pod, staticPod("/missing")));
        expect(result.errors.map((e) => e.message).join("\n")).toMatch(new RegExp(`${pod}_web\\.probe|${pod}-web\\.probe`));
    });
});
