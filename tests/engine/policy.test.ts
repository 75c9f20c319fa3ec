// The Pod Security Standards policy pack (policy/) through the real engine:
// `pulumi preview --policy-pack` and `up` run it through the nodejs language
// host, as a pipeline does. Each control has a violating pod or container,
// reported with its resource and field; `mandatory` fails the preview and an
// `up` creates nothing; `advisory` warns and `up` goes on; a pod made for the
// restricted level passes it.
import * as docker from "@pulumi/docker";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DockerPod } from "../../sdk";
import { CONTROLS } from "../../sdk/policy/controls";
import { DockerPodArgs } from "../../sdk/types";
import { EngineStack, PolicyFinding } from "../support/engine";
import { ROOT, npmPulumi } from "../support/examples";
import { BUSYBOX, HOST, PAUSE, Stacks, freePort, httpGet, podName, podObjects, requireEngine } from "./helpers";

jest.setTimeout(600_000);

const PACK = path.join(ROOT, "policy");
const stacks = new Stacks();
const configs = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-policy-"));

beforeAll(async () => {
    await requireEngine();
    // The pack runs the compiled SDK, as it does from the npm package.
    if (!fs.existsSync(path.join(ROOT, "bin/sdk/policy/pack.js"))) throw new Error("bin/sdk/policy/pack.js is missing: run npm run build");
});
afterAll(async () => {
    await stacks.destroyAll();
    fs.rmSync(configs, { recursive: true, force: true });
});

/** A policy pack config file with these contents. */
function config(name: string, contents: object): string {
    const file = path.join(configs, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(contents));
    return file;
}

const preset = (level: "baseline" | "restricted") => path.join(PACK, `${level}.json`);
/** `<policy> <level> <resource>: <field>: <what to do>` (the engine puts the policy's description before the violation). */
const lines = (findings: PolicyFinding[]) =>
    findings.map((f) => `${f.policy} ${f.level} ${f.resource}: ${f.message.split("\n").pop()}`).sort();

/** A pod that meets the restricted level: busybox's httpd as uid 1000, no capabilities, no escalation. */
function restrictedPod(pod: string, hostPort: number): DockerPodArgs {
    return {
        host: HOST,
        sandboxImage: PAUSE,
        terminationGracePeriodSeconds: 1,
        securityContext: { runAsNonRoot: true, runAsUser: 1000 },
        containers: [
            {
                name: "web",
                image: BUSYBOX,
                imagePullPolicy: "Never",
                command: ["sh", "-c", `echo ${pod} > /tmp/index.html && exec httpd -f -p 8080 -h /tmp`],
                ports: [{ containerPort: 8080, hostPort, hostIP: "127.0.0.1" }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
        ],
    };
}

describe("the policy pack on the real engine", () => {
    test("every control reports its violating pod or container with its field; mandatory fails the preview", async () => {
        const stack = stacks.create("controls");
        const run = await stack.preview(
            () => {
                new DockerPod("loose", {
                    host: { ...HOST, allowPrivileged: true },
                    hostPID: true,
                    heal: true,
                    volumes: [{ name: "etc", hostPath: { path: "/etc" } }],
                    containers: [
                        {
                            name: "app",
                            image: BUSYBOX,
                            ports: [{ containerPort: 80, hostPort: 8081 }],
                            volumeMounts: [{ name: "etc", mountPath: "/host-etc", readOnly: true }],
                            securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ["SYS_ADMIN"] } },
                        },
                    ],
                });
                new docker.Container("raw", {
                    image: BUSYBOX,
                    networkMode: "host",
                    mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }],
                    securityOpts: ["apparmor=unconfined", "seccomp=unconfined", "systempaths=unconfined", "label=disable"],
                    sysctls: { "kernel.msgmax": "65536" },
                });
            },
            { policyPacks: [PACK], policyPackConfigs: [preset("restricted")] },
        );
        expect(run.errors.length).toBeGreaterThan(0);
        const found = lines(run.policies);
        const expected = [
            "host-namespaces mandatory loose: hostPID: shares the host's namespace",
            "privileged-containers mandatory loose: containers[0].securityContext.privileged: runs privileged",
            "capabilities-baseline mandatory loose: containers[0].securityContext.capabilities.add[0]: adds SYS_ADMIN",
            'hostpath-volumes mandatory loose: volumes[0].hostPath: mounts the host\'s "/etc"',
            "host-ports mandatory loose: containers[0].ports[0].hostPort: publishes host port 8081",
            'dockerpod-guardian-docker-socket mandatory loose: heal: the guardian "loose_guardian" runs in the host\'s guardian agent, which holds the Docker socket',
            'volume-types mandatory loose: volumes[0].hostPath: mounts the host\'s "/etc"',
            "privilege-escalation mandatory loose: containers[0].securityContext.allowPrivilegeEscalation: is not false",
            "running-as-non-root mandatory loose: containers[0].securityContext.runAsNonRoot: is not true",
            "running-as-non-root-user mandatory loose: containers[0].securityContext.runAsUser: is 0 (root)",
            "capabilities-restricted mandatory loose: containers[0].securityContext.capabilities.drop: does not drop ALL",
            "host-namespaces mandatory raw: networkMode: shares the host's network namespace",
            'hostpath-volumes mandatory raw: mounts[0].source: binds the Docker socket "/var/run/docker.sock"',
            "apparmor mandatory raw: securityOpts[0]: runs without AppArmor",
            "seccomp mandatory raw: securityOpts[1]: runs without seccomp",
            "proc-mount-type mandatory raw: securityOpts[2]: unmasks /proc and /sys paths",
            "selinux mandatory raw: securityOpts[3]: disables SELinux labels",
            'sysctls mandatory raw: sysctls["kernel.msgmax"]: sets kernel.msgmax',
        ];
        for (const line of expected) expect(found).toEqual(expect.arrayContaining([expect.stringContaining(line)]));
        // Every control of the pack was seen through the engine.
        const seen = new Set(run.policies.map((f) => f.policy));
        expect(Object.values(CONTROLS).filter((c) => !seen.has(c.name))).toEqual([]);
        // The pod's own containers are checked at the pod, not again as raw containers.
        expect(run.policies.filter((f) => f.urn.includes("dockerpod:index:DockerPod$"))).toEqual([]);
    });

    test("mandatory fails the up before anything of the pod exists; advisory warns and the up goes on", async () => {
        const pod = podName("pss");
        const port = await freePort();
        const stack = stacks.create("levels");
        const args: DockerPodArgs = { ...restrictedPod(pod, port), podName: pod };
        const failed = await stack.up(() => new DockerPod(pod, args), { policyPacks: [PACK], policyPackConfigs: [preset("baseline")] });
        expect(failed.errors.length).toBeGreaterThan(0);
        expect(lines(failed.policies)).toEqual([
            `host-ports mandatory ${pod}: containers[0].ports[0].hostPort: publishes host port ${port}: remove it, or add it to the policy's allowedHostPorts`,
        ]);
        expect(await podObjects(pod)).toEqual({ containers: [], volumes: [], cgroups: [] });
        expect([...stack.state.keys()]).toEqual([]);

        // The pack's defaults: baseline advisory, restricted off.
        const advisory = await stack.up(() => new DockerPod(pod, args), { policyPacks: [PACK] });
        expect(advisory.errors).toEqual([]);
        expect(lines(advisory.policies)).toEqual([
            `host-ports advisory ${pod}: containers[0].ports[0].hostPort: publishes host port ${port}: remove it, or add it to the policy's allowedHostPorts`,
        ]);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: `${pod}\n` });
    });

    test("a pod made for the restricted level passes it, its host port allowed by the pack's config, and serves", async () => {
        const pod = podName("pssr");
        const port = await freePort();
        const stack: EngineStack = stacks.create("restricted");
        const allow = config("allow", { all: "mandatory", "host-ports": { allowedHostPorts: [port] } });
        const run = await stack.up(() => new DockerPod(pod, restrictedPod(pod, port)), { policyPacks: [PACK], policyPackConfigs: [allow] });
        expect(run.errors).toEqual([]);
        expect(run.policies).toEqual([]);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: `${pod}\n` });
    });
});

describe("the README's pipeline recipe, as written", () => {
    test("pulumi preview --policy-pack node_modules/dockerpod/policy in a project that installed the package", async () => {
        // A project of its own, the package installed in its node_modules (a link to this checkout, built), as users have it.
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-recipe-"));
        const backend = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-recipe-state-"));
        try {
            fs.mkdirSync(path.join(project, "node_modules"));
            fs.symlinkSync(ROOT, path.join(project, "node_modules/dockerpod"));
            for (const dep of ["@pulumi", "typescript"])
                fs.symlinkSync(path.join(ROOT, "node_modules", dep), path.join(project, "node_modules", dep));
            fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "pss-recipe", private: true }));
            fs.writeFileSync(
                path.join(project, "Pulumi.yaml"),
                "name: pss-recipe\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n",
            );
            fs.copyFileSync(path.join(ROOT, "examples/seed-pod/index.ts"), path.join(project, "index.ts"));
            fs.writeFileSync(
                path.join(project, "tsconfig.json"),
                JSON.stringify({
                    compilerOptions: {
                        strict: true,
                        target: "es2020",
                        module: "commonjs",
                        moduleResolution: "node",
                        esModuleInterop: true,
                        skipLibCheck: true,
                    },
                }),
            );
            const run = (args: string[]) => npmPulumi(project, args, backend);
            expect(run(["stack", "init", "ci"]).code).toBe(0);
            expect(run(["config", "set", "cgroupDriver", "cgroupfs"]).code).toBe(0);
            const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
            const recipe = readme.match(/\npulumi preview --policy-pack node_modules\/dockerpod\/policy[^\n]*\n/)?.[0].trim();
            expect(recipe).toBe(
                "pulumi preview --policy-pack node_modules/dockerpod/policy --policy-pack-config node_modules/dockerpod/policy/baseline.json",
            );
            const preview = run(recipe!.split(" ").slice(1));
            expect(preview.code).not.toBe(0);
            // What a reviewer reads in the pipeline's log, as the README shows it.
            const shown = readme.match(/```text\n(Policies:\n[\s\S]*?)```/)?.[1] ?? "";
            const printed = preview.out.split("\n").map((l) => l.trimEnd());
            for (const line of shown.split("\n").filter((l) => l.trim() !== "")) expect(printed).toContain(line.trimEnd());
            expect(shown).toContain("containers[0].ports[0].hostPort");
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
            fs.rmSync(backend, { recursive: true, force: true });
        }
    });
});
