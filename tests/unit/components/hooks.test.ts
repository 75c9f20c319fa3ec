// Startup probes and lifecycle hooks: checked once, run by one Command on the
// host per container (after the container and its prober), carried by the
// container's label so a change replaces it, and written to manifests both ways.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { DockerPod, PayloadContainer } from "../../../sdk";
import { renderStartScript, renderStopScript } from "../../../sdk/core/hooks";
import { manifestFromArgs, podArgsFromManifest } from "../../../sdk/core/manifest";
import { shellQuote } from "../../../sdk/core/names";
import { checkPod, podPayloads } from "../../../sdk/core/pod";
import { PayloadSpec } from "../../../sdk/core/container";
import { DockerPodArgs, RestartPolicy } from "../../../sdk/types";
import { RecordingMocks } from "../../support/mocks";
import { customNamed, resourceTree, runProgram, valueOf } from "../../support/program";

const args: DockerPodArgs = {
    host: { cgroupDriver: "cgroupfs" },
    terminationGracePeriodSeconds: 20,
    initContainers: [
        {
            name: "proxy",
            image: "envoy:1",
            restartPolicy: "Always",
            startupProbe: { tcpSocket: { port: 9901 }, periodSeconds: 1, failureThreshold: 30 },
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
        },
        { name: "migrate", image: "app:1", command: ["migrate"] },
    ],
    containers: [
        {
            name: "app",
            image: "app:1",
            startupProbe: { exec: { command: ["test", "-f", "/tmp/started"] }, failureThreshold: 30 },
            readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
            lifecycle: {
                postStart: { exec: { command: ["sh", "-c", "echo it's up > /tmp/up"] } },
                preStop: { exec: { command: ["app", "drain"] } },
            },
        },
        { name: "plain", image: "busybox", readinessProbe: { exec: { command: ["true"] } } },
    ],
};

const spec = checkPod("foo", args);

const deps = async (registrations: any[], name: string) =>
    ((await valueOf(customNamed(registrations, name).opts.dependsOn as any)) as any[]).map((d) => d.__name);

describe("hooks and startup probes: registrations", () => {
    test("one hooks Command per container that has any, after the container and its prober, replaced with the container", async () => {
        const mocks = new RecordingMocks();
        const { registrations, errors } = await runProgram(mocks, (transformations) => new DockerPod("foo", args, { transformations }));
        expect(errors).toEqual([]);
        const hooks = mocks.created.filter((r) => r.name.endsWith(".hooks")).map((r) => r.name);
        expect(hooks).toEqual(["foo-proxy.hooks", "foo-app.hooks"]);
        const app = mocks.inputsOf("foo-app.hooks");
        expect(app.create).toContain("'sh' '-c' 'echo it'\\''s up > /tmp/up'");
        expect(app.create).toContain("exec -- foo_app 'test' '-f' '/tmp/started'");
        // Readiness (the prober's healthcheck) is waited for by the Command, after the startup probe.
        expect(app.create).toContain("TARGET='foo_app.probe'");
        expect(app.delete).toContain("exec -- \"$CONTAINER\" 'app' 'drain'");
        expect(app.update).toMatch(/nothing to run now/);
        expect(app.triggers).toEqual(["foo-app-id"]);
        expect(await deps(registrations, "foo-app.hooks")).toEqual(["foo-app", "foo-app.probe"]);
        // Neither the container nor its prober waits in the provider: the Command does, with the probe's output.
        expect(mocks.inputsOf("foo-app")).not.toHaveProperty("wait");
        expect(mocks.inputsOf("foo-app.probe")).not.toHaveProperty("wait");
        expect(mocks.inputsOf("foo-app.probe").healthcheck.tests).toEqual([
            "CMD",
            "wget",
            "-q",
            "-O",
            "/dev/null",
            "http://127.0.0.1:8080/ready",
        ]);
        // A container without hooks keeps the provider's wait.
        expect(mocks.inputsOf("foo-plain")).toMatchObject({ wait: true });
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-plain.hooks");
    });

    test("the next init container waits for the sidecar's startup probe; the sidecar's preStop-only Command has a delete", async () => {
        const mocks = new RecordingMocks();
        const { registrations } = await runProgram(mocks, (transformations) => new DockerPod("foo", args, { transformations }));
        expect(await deps(registrations, "foo-migrate")).toContain("foo-proxy.hooks");
        const proxy = mocks.inputsOf("foo-proxy.hooks");
        expect(proxy.create).toContain("exec -- foo_proxy.probe 'sh' '-c' 'nc -w 1 127.0.0.1 9901 </dev/null'");
        expect(proxy.delete).toContain("timeout 20 sleep 5");
    });

    test("the hooks are in the container's label, so a change to them replaces the container", async () => {
        const mocks = new RecordingMocks();
        await runProgram(mocks, (transformations) => new DockerPod("foo", args, { transformations }));
        const label = mocks.inputsOf("foo-app").labels.find((l: any) => l.label === "dockerpod.hooks").value;
        expect(JSON.parse(label)).toEqual({
            lifecycle: {
                postStart: { exec: { command: ["sh", "-c", "echo it's up > /tmp/up"] } },
                preStop: { exec: { command: ["app", "drain"] } },
            },
            startupProbe: {
                exec: { command: ["test", "-f", "/tmp/started"] },
                initialDelaySeconds: 0,
                periodSeconds: 10,
                timeoutSeconds: 1,
                failureThreshold: 30,
            },
        });
        expect(mocks.inputsOf("foo-plain").labels.map((l: any) => l.label)).not.toContain("dockerpod.hooks");
    });
});

describe("a PayloadContainer on its own", () => {
    test("has its hooks Command under it, over SSH on a remote host, with the part's own grace", async () => {
        const mocks = new RecordingMocks();
        const { registrations, errors } = await runProgram(
            mocks,
            (transformations) =>
                new PayloadContainer(
                    "foo-app",
                    {
                        podName: "foo",
                        sandboxId: "abc123",
                        cgroupParent: "/dockerpod/foo",
                        terminationGracePeriodSeconds: 7,
                        host: { connection: { host: "203.0.113.10" }, sudo: true },
                        container: { name: "app", image: "busybox", lifecycle: { preStop: { exec: { command: ["drain"] } } } },
                    },
                    { transformations },
                ),
        );
        expect(errors).toEqual([]);
        expect(resourceTree(registrations)).toContain("  command:remote:Command foo-app.hooks");
        const hooks = mocks.created.find((r) => r.name === "foo-app.hooks")!;
        expect(hooks.inputs.delete).toContain("timeout 7 $SUDO docker exec -- \"$CONTAINER\" 'drain'");
        expect(hooks.inputs.delete).toMatch(/sudo -n/);
    });

    test("a preStop sleep longer than the part's grace is refused by path", async () => {
        const { errors } = await runProgram(
            new RecordingMocks(),
            () =>
                new PayloadContainer("foo-app", {
                    podName: "foo",
                    sandboxId: "abc123",
                    cgroupParent: "/dockerpod/foo",
                    terminationGracePeriodSeconds: 2,
                    container: { name: "app", image: "busybox", lifecycle: { preStop: { sleep: { seconds: 3 } } } },
                }),
        );
        expect(errors.map((e) => e.message).join()).toMatch(/container\.lifecycle\.preStop\.sleep\.seconds: \(3\) is longer/);
    });
});

describe("hooks scripts", () => {
    /** A container's payload, as the pod makes it, with the host and grace given. */
    const payload = (name: string, host: { sudo?: boolean; dockerSocket?: string } = {}, graceSeconds = spec.graceSeconds) => {
        const p = podPayloads(spec).find((q) => q.container.name === name)!;
        return { ...p, graceSeconds, host: { ...p.host, sudo: false, ...host } };
    };
    const app = payload("app");

    test("snapshots", () => {
        expect(renderStartScript(app)).toMatchSnapshot();
        expect(renderStopScript(payload("app", { sudo: true, dockerSocket: "/run/other.sock" }))).toMatchSnapshot();
    });

    test("are valid POSIX sh", () => {
        for (const script of [
            renderStartScript(app),
            renderStopScript(payload("app", { sudo: true, dockerSocket: "/run/x.sock" })),
            renderStartScript(payload("proxy")),
        ]) {
            expect(() => execFileSync("sh", ["-n"], { input: script })).not.toThrow();
        }
    });

    test("the stop script cuts the preStop hook off at the grace; the stop after it still gets 2 s (the kubelet's minimum)", () => {
        // A stand-in docker on the PATH: the container runs, the hook never ends, a stop is logged.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-stop-"));
        try {
            fs.writeFileSync(
                path.join(bin, "docker"),
                `#!/bin/sh\ncase "$1" in inspect) echo true ;; exec) echo "$3" >>${shellQuote(path.join(bin, "log"))}; exec sleep 30 ;; *) echo "$*" >>${shellQuote(path.join(bin, "log"))} ;; esac\n`,
                { mode: 0o755 },
            );
            const started = Date.now();
            const out = execFileSync("sh", ["-c", renderStopScript(payload("app", {}, 1))], {
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            });
            const seconds = (Date.now() - started) / 1000;
            expect(out).toContain("running the preStop hook of foo_app");
            expect(seconds).toBeGreaterThanOrEqual(0.9);
            expect(seconds).toBeLessThan(10);
            expect(fs.readFileSync(path.join(bin, "log"), "utf8")).toBe(
                // Renamed first, out of the guardian's sight; the hook and the stop by the new name.
                "rename -- foo_app foo_app.stopping\nfoo_app.stopping\nstop -t 2 -- foo_app.stopping\n",
            );
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
        expect(renderStopScript(app)).toContain("out=$(timeout 20 $SUDO docker exec");
    });

    test("a container found stopped is started again only when its policy restarts it: a job is never run twice", () => {
        // A stand-in docker on the PATH: the container has exited with code 0; every other call is logged.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-start-"));
        const run = (p: PayloadSpec) => {
            fs.writeFileSync(
                path.join(bin, "docker"),
                `#!/bin/sh\ncase "$1" in inspect) case "$*" in *Running*) echo false ;; *) echo 0 ;; esac ;; *) echo "$*" >>${shellQuote(path.join(bin, "log"))} ;; esac\n`,
                { mode: 0o755 },
            );
            fs.rmSync(path.join(bin, "log"), { force: true });
            try {
                execFileSync("sh", ["-c", renderStartScript(p)], {
                    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
                    stdio: ["ignore", "pipe", "pipe"],
                });
                return { failed: "", calls: fs.readFileSync(path.join(bin, "log"), "utf8") };
            } catch (err) {
                const calls = fs.existsSync(path.join(bin, "log")) ? fs.readFileSync(path.join(bin, "log"), "utf8") : "";
                return { failed: String((err as { stderr: Buffer }).stderr), calls };
            }
        };
        try {
            const job = { ...app, restartPolicy: RestartPolicy.Never };
            const never = run(job);
            expect(never.calls).toBe("");
            expect(never.failed).toMatch(
                /container foo_app is not running \(exit code 0\), so its hooks and startup probe cannot run, and with restartPolicy Never it is not started again/,
            );
            expect(run({ ...app, restartPolicy: RestartPolicy.OnFailure }).failed).toMatch(/with restartPolicy OnFailure/);
            // Always, and a sidecar whatever the pod's policy: started, then its postStart hook runs.
            expect(run({ ...app, restartPolicy: RestartPolicy.Always }).calls).toMatch(/^start -- foo_app\nexec -- foo_app sh -c/);
            expect(run({ ...payload("proxy"), restartPolicy: RestartPolicy.Never }).calls).toMatch(/^start -- foo_proxy\n/);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    test("the readiness wait prints the last health result, not the first", () => {
        const script = renderStartScript(app);
        const sed = script.match(/\| *\n\s*(sed -n [^)]*)\)/)![1];
        const health = "@@dockerpod@@\nexit 1: first\n@@dockerpod@@\nexit 1: second\nline two\n";
        expect(execFileSync("sh", ["-c", sed], { input: health, encoding: "utf8" })).toBe("exit 1: second\nline two\n");
    });
});

describe("hooks and startup probes in manifests", () => {
    test("written and read back as the same pod", async () => {
        const text = (await valueOf(manifestFromArgs("foo", args)))!;
        const [proxy] = YAML.parse(text).spec.initContainers;
        const [app] = YAML.parse(text).spec.containers;
        expect(proxy.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
        expect(app.startupProbe).toMatchObject({ exec: { command: ["test", "-f", "/tmp/started"] }, failureThreshold: 30 });
        expect(app.lifecycle.postStart.exec.command).toEqual(["sh", "-c", "echo it's up > /tmp/up"]);
        const back = podArgsFromManifest(text, { host: args.host });
        expect(back.warnings).toEqual([]);
        expect(checkPod(back.name, back.args)).toEqual(spec);
    });

    test("httpGet and tcpSocket hooks and stopSignal are refused by path", () => {
        let message = "";
        try {
            podArgsFromManifest(
                `apiVersion: v1
kind: Pod
metadata: { name: foo }
spec:
  containers:
    - name: web
      image: nginx
      lifecycle:
        postStart: { tcpSocket: { port: 80 } }
        stopSignal: SIGQUIT
`,
                { host: args.host },
            );
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message).toContain("spec.containers[0].lifecycle.postStart.tcpSocket: is not supported in a hook");
        expect(message).toContain("spec.containers[0].lifecycle.stopSignal: is not supported");
    });
});
