// Startup probes and lifecycle hooks on the real Docker engine: the hooks
// Command runs on this host, as the kubelet's work around each container.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Container, DockerPodArgs } from "../../sdk/types";
import { exec } from "../support/inspect";
import { BUSYBOX, HOST, IDLE_SCRIPT, Stacks, inspect, podName, podProgram, requireEngine, upOk } from "./helpers";

jest.setTimeout(120_000);

const stacks = new Stacks();
beforeAll(requireEngine);
afterEach(() => stacks.destroyAll());

const STATIC = "dockerpod-test/static-httpd:1";

function onePod(app: Container, extra: Partial<DockerPodArgs> = {}): DockerPodArgs {
    return { host: HOST, terminationGracePeriodSeconds: 3, proberImage: BUSYBOX, containers: [app], ...extra };
}

function busybox(name: string, script: string, extra: Partial<Container> = {}): Container {
    return { name, image: BUSYBOX, imagePullPolicy: "Never", command: ["sh", "-c", script], ...extra };
}

/** A host directory every container user may write, for what the hooks and the app log. */
function hostLog(): { dir: string; read: () => string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-hooks-"));
    fs.chmodSync(dir, 0o777);
    const file = path.join(dir, "log");
    return {
        dir,
        read: () => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : []),
    };
}

describe("startupProbe", () => {
    test("up waits for a slow start; readiness is checked after it", async () => {
        const pod = podName("slow");
        const began = Date.now();
        await upOk(
            stacks.create(),
            podProgram(
                pod,
                onePod(
                    busybox("app", `sleep 3; touch /tmp/started; ${IDLE_SCRIPT}`, {
                        startupProbe: { exec: { command: ["test", "-f", "/tmp/started"] }, periodSeconds: 1, failureThreshold: 10 },
                        readinessProbe: { exec: { command: ["test", "-f", "/tmp/started"] }, periodSeconds: 1, failureThreshold: 1 },
                    }),
                ),
            ),
        );
        // A readiness budget alone (one failure) would have failed this up; the startup probe's held it.
        expect(Date.now() - began).toBeGreaterThanOrEqual(3000);
        expect((await exec(`${pod}_app`, ["test", "-f", "/tmp/started"])).exitCode).toBe(0);
        const app = await inspect(`${pod}_app`);
        expect(app.State).toMatchObject({ Running: true, Health: { Status: "healthy" } });
        expect(JSON.parse(app.Config.Labels!["dockerpod.hooks"])).toMatchObject({
            startupProbe: { exec: { command: ["test", "-f", "/tmp/started"] } },
        });
    });

    test("over HTTP from the prober, for an image of one static binary", async () => {
        const pod = podName("slowhttp");
        await upOk(
            stacks.create(),
            podProgram(
                pod,
                onePod({
                    name: "web",
                    image: STATIC,
                    imagePullPolicy: "Never",
                    startupProbe: { httpGet: { path: "/index.html", port: 8080 }, periodSeconds: 1, failureThreshold: 5 },
                    readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
                }),
            ),
        );
        expect((await inspect(`${pod}_web.probe`)).State.Health?.Status).toBe("healthy");
    });

    test("one that never passes fails the up with the container's name and the probe's last output; the container is stopped", async () => {
        const pod = podName("nostart");
        const result = await stacks.create().up(
            podProgram(
                pod,
                onePod(
                    busybox("app", IDLE_SCRIPT, {
                        startupProbe: {
                            exec: { command: ["sh", "-c", "echo still warming up >&2; exit 1"] },
                            periodSeconds: 1,
                            failureThreshold: 2,
                        },
                    }),
                ),
            ),
        );
        const messages = result.errors.map((e) => e.message).join("\n");
        expect(messages).toContain(`the startup probe of container ${pod}_app failed 2 times in a row`);
        expect(messages).toContain("still warming up");
        expect((await inspect(`${pod}_app`)).State.Running).toBe(false);
    });
});

describe("lifecycle hooks", () => {
    test("postStart runs in the container before up returns; a failing one fails the up, stops the container, and the fixed hook runs", async () => {
        const pod = podName("poststart");
        const stack = stacks.create();
        const failing = onePod(
            busybox("app", IDLE_SCRIPT, {
                lifecycle: { postStart: { exec: { command: ["sh", "-c", "echo cannot reach the config >&2; exit 4"] } } },
            }),
        );
        const failed = await stack.up(podProgram(pod, failing));
        const messages = failed.errors.map((e) => e.message).join("\n");
        expect(messages).toContain(`the postStart hook of container ${pod}_app failed (exit 4), so the container was stopped`);
        expect(messages).toContain("cannot reach the config");
        expect((await inspect(`${pod}_app`)).State.Running).toBe(false);

        // The fixed hook: a new container (the hooks are in its label), and the hook has run when up returns.
        const fixed = onePod(
            busybox("app", IDLE_SCRIPT, {
                lifecycle: { postStart: { exec: { command: ["sh", "-c", "echo configured > /tmp/config"] } } },
            }),
        );
        await upOk(stack, podProgram(pod, fixed));
        expect((await exec(`${pod}_app`, ["cat", "/tmp/config"])).stdout).toBe("configured\n");
        expect((await inspect(`${pod}_app`)).State.Running).toBe(true);
    });

    test("preStop runs before SIGTERM on replacement and on destroy, within the grace", async () => {
        const pod = podName("prestop");
        const log = hostLog();
        const stack = stacks.create();
        // The app logs its SIGTERM; the hook logs itself and takes 2 s of the 3 s grace.
        const app = (version: string): Container =>
            busybox("app", `trap 'echo "term ${version} $(date +%s)" >> /log/log; exit 0' TERM; while :; do sleep 1 & wait $!; done`, {
                env: [{ name: "VERSION", value: version }],
                volumeMounts: [{ name: "log", mountPath: "/log" }],
                lifecycle: {
                    preStop: { exec: { command: ["sh", "-c", `echo "prestop $VERSION $(date +%s)" >> /log/log; sleep 2`] } },
                },
            });
        const args = (version: string) => onePod(app(version), { volumes: [{ name: "log", hostPath: { path: log.dir } }] });
        await upOk(stack, podProgram(pod, args("v1")));
        await upOk(stack, podProgram(pod, args("v2"))); // a new env: the container is replaced
        await stack.destroy();
        const lines = log.read().map((l) => l.split(" "));
        expect(lines.map(([what, version]) => `${what} ${version}`)).toEqual(["prestop v1", "term v1", "prestop v2", "term v2"]);
        // SIGTERM came after the hook's 2 s, within the grace (the stop got what was left of it).
        for (const i of [0, 2]) {
            const gap = Number(lines[i + 1][2]) - Number(lines[i][2]);
            expect(gap).toBeGreaterThanOrEqual(2);
            expect(gap).toBeLessThanOrEqual(3);
        }
        fs.rmSync(log.dir, { recursive: true, force: true });
    });
});
