// The example programs are real programs:
// - the TypeScript ones run under mocks (their types are checked by
//   `tsc -p examples/tsconfig.json`), and their pods' manifests read back;
// - the YAML, Python and Go ones are projects of their language that add the
//   provider (they run through the real engine in tests/engine/languages.test.ts).
import * as pulumiDocker from "@pulumi/docker";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import { parse } from "yaml";
import { Pod } from "kubernetes-models/v1/Pod";
import { DockerPod, DockerPodArgs } from "../../sdk";
import { RecordingMocks } from "../support/mocks";
import { EXAMPLES, loadExample } from "../support/examples";
import { runProgram, valueOf } from "../support/program";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

const ROOT = path.join(__dirname, "..", "..");

// ---------------------------------------------------------------------------
// TypeScript examples, run under mocks
// ---------------------------------------------------------------------------

interface ExampleRun {
    outputs: Record<string, unknown>;
    mocks: RecordingMocks;
    errors: Error[];
    /** The DockerPods the program made. */
    pods: DockerPod[];
}

async function runExample(dir: string, config: Record<string, string> = {}, secretKeys: string[] = []): Promise<ExampleRun> {
    const mocks = new RecordingMocks();
    // Every component registers its outputs last: that is where the program's pods are seen.
    const registerOutputs = jest.spyOn(pulumi.ComponentResource.prototype as any, "registerOutputs");
    try {
        const run = await runProgram(mocks, () => {
            pulumi.runtime.setAllConfig(
                Object.fromEntries(Object.entries(config).map(([k, v]) => [`project:${k}`, v])),
                secretKeys.map((k) => `project:${k}`),
            );
            return loadExample(dir);
        });
        const pods = [...new Set(registerOutputs.mock.contexts.filter((c): c is DockerPod => c instanceof DockerPod))];
        return { outputs: run.result ?? {}, mocks, errors: run.errors, pods };
    } finally {
        registerOutputs.mockRestore();
        pulumi.runtime.setAllConfig({});
    }
}

function engine(mocks: RecordingMocks) {
    return mocks.created
        .map((r) => ({ type: r.type, name: r.name, custom: r.custom, provider: r.provider, inputs: r.inputs }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

/** The pod's manifest is a valid Pod, and reading it back (with the Docker-host fields) registers the same resources. */
async function expectManifestRoundTrip(
    example: ExampleRun,
    pod: DockerPod,
    hostOverrides: Omit<DockerPodArgs, "manifest">,
    opts: () => pulumi.ComponentResourceOptions = () => ({}),
): Promise<string> {
    const text = (await valueOf(pod.manifest))!;
    expect(() => new Pod(parse(text)).validate()).not.toThrow();
    const name = (pod as unknown as { __name: string }).__name;
    const mocks = new RecordingMocks();
    const back = await runProgram(mocks, () => DockerPod.fromManifest(name, text, hostOverrides, opts()));
    expect(back.errors).toEqual([]);
    const mine = (created: ReturnType<typeof engine>) => created.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
    expect(mine(engine(mocks))).toEqual(mine(engine(example.mocks)));
    return text;
}

describe("TypeScript examples under mocks", () => {
    const systemd = { cgroupDriver: "systemd" as const };

    test.each(["from-manifest", "remote-host", "private-registry"])(
        "%s is a project of its own: main index.ts, dockerpod typed from sdk/",
        (dir) => {
            const project = parse(fs.readFileSync(path.join(EXAMPLES, dir, "Pulumi.yaml"), "utf8"));
            expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true } });
            // Without `main`, Pulumi would run the entry point of the repository's package.json (the SDK).
            expect(project.main).toBe("index.ts");
            const tsconfig = ts.readConfigFile(path.join(EXAMPLES, dir, "tsconfig.json"), ts.sys.readFile);
            expect(tsconfig.error).toBeUndefined();
            expect(tsconfig.config).toEqual({ extends: "../tsconfig.json" });
            const base = ts.readConfigFile(path.join(EXAMPLES, "tsconfig.json"), ts.sys.readFile).config;
            expect(base.compilerOptions.paths).toEqual({ dockerpod: ["sdk/index.ts"] });
        },
    );

    test("seed-pod: the tutorial's pod", async () => {
        const example = await runExample("seed-pod");
        expect(example.errors).toEqual([]);
        expect(example.pods).toHaveLength(1);
        expect(
            engine(example.mocks)
                .filter((r) => r.custom)
                .map((r) => r.name),
        ).toEqual(["foo-app", "foo-app.image", "foo-sandbox", "foo-sandbox.image", "foo-sidecar", "foo-sidecar.image", "foo-slice"]);
        expect(await valueOf(example.outputs.summary as pulumi.Output<string>)).toMatch(/^### Pod `foo`/);
        await expectManifestRoundTrip(example, example.pods[0], {
            resources: { limits: { memory: "512Mi", cpu: "500m" } },
            host: systemd,
        });
    });

    test("from-manifest: pod.yaml gives the very pod of seed-pod, and exports its manifest", async () => {
        const example = await runExample("from-manifest");
        expect(example.errors).toEqual([]);
        expect(engine(example.mocks)).toEqual(engine((await runExample("seed-pod")).mocks));
        const manifest = await valueOf(example.outputs.manifest as pulumi.Output<string>);
        expect(parse(manifest!)).toMatchObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "foo" } });
        expect(await valueOf(example.outputs.summary as pulumi.Output<string>)).toContain("nginx:alpine");
        await expectManifestRoundTrip(example, example.pods[0], {
            resources: { limits: { memory: "512Mi", cpu: "500m" } },
            host: systemd,
        });
    });

    test("from-manifest: cgroupDriver comes from config", async () => {
        const example = await runExample("from-manifest", { cgroupDriver: "cgroupfs" });
        expect(example.errors).toEqual([]);
        expect(example.mocks.inputsOf("foo-app").cgroupParent).toBe("/dockerpod/foo");
    });

    test("remote-host: every docker resource goes through the ssh:// docker provider; the slice runs over SSH with sudo", async () => {
        const example = await runExample("remote-host", { sshHost: "203.0.113.10", sshPrivateKey: "-----PRIVATE-----" }, ["sshPrivateKey"]);
        expect(example.errors).toEqual([]);
        const created = engine(example.mocks);
        const provider = created.find((r) => r.type === "pulumi:providers:docker")!;
        expect(provider.name).toBe("remote");
        expect(provider.inputs.host).toBe("ssh://deploy@203.0.113.10:22");
        const reference = `urn:pulumi:stack::project::pulumi:providers:docker::remote::remote-id`;
        const docker = created.filter((r) => r.type.startsWith("docker:"));
        expect(docker.map((r) => r.name)).toEqual([
            "web-app",
            "web-app.image",
            "web-sandbox",
            "web-sandbox.image",
            "web-sidecar",
            "web-sidecar.image",
        ]);
        for (const r of docker) expect([r.name, r.provider]).toEqual([r.name, reference]);
        // The slice is a remote Command (the command package's default provider), its connection secret.
        const slice = created.find((r) => r.custom !== false && r.name === "web-slice")!;
        expect(slice.type).toBe("command:remote:Command");
        expect(slice.provider).not.toContain("providers:docker");
        expect(slice.inputs.create).toMatch(/sudo -n/);
        expect(example.mocks.created.find((r) => r.name === "web-slice")!.inputs.connection).toMatchObject({
            [specialSigKey]: specialSecretSig,
            value: { host: "203.0.113.10", port: 22, user: "deploy", privateKey: "-----PRIVATE-----" },
        });
        // Its manifest is a Pod a cluster takes; reading it back on the same host gives the same pod.
        const remote = () =>
            new pulumiDocker.Provider("remote", { host: "ssh://deploy@203.0.113.10:22", sshOpts: ["-o", "BatchMode=yes"] });
        const text = await expectManifestRoundTrip(
            example,
            example.pods[0],
            {
                resources: { limits: { memory: "512Mi", cpu: "1" } },
                host: {
                    connection: { host: "203.0.113.10", port: 22, user: "deploy", privateKey: pulumi.secret("-----PRIVATE-----") },
                    sudo: true,
                    cgroupDriver: "systemd",
                },
            },
            () => ({ providers: { docker: remote() } }),
        );
        expect(text).not.toContain("203.0.113.10");
    });

    test("private-registry: every pull and the digest lookup go through the provider with registryAuth; no credential leaves it", async () => {
        const password = "pw-7f3a9c";
        const example = await runExample(
            "private-registry",
            { registry: "registry.example.com:5000", registryUser: "deploy", registryPassword: password },
            ["registryPassword"],
        );
        expect(example.errors).toEqual([]);
        const provider = example.mocks.created.find((r) => r.type === "pulumi:providers:docker")!;
        expect(provider.name).toBe("registry");
        // The SDK sends provider config JSON-encoded; the secret password makes all of it secret.
        expect(provider.inputs.registryAuth).toMatchObject({ [specialSigKey]: specialSecretSig });
        expect(JSON.parse(provider.inputs.registryAuth.value)).toEqual([
            { address: "https://registry.example.com:5000", username: "deploy", password },
        ]);
        const reference = "urn:pulumi:stack::project::pulumi:providers:docker::registry::registry-id";
        const images = example.mocks.created.filter((r) => r.type === "docker:index/remoteImage:RemoteImage");
        expect(images.map((r) => [r.name, r.provider])).toEqual([
            ["web-sandbox.image", reference],
            ["web-app.image", reference],
        ]);
        expect(example.mocks.inputsOf("web-app.image").name).toBe("registry.example.com:5000/team/web:1@sha256:digest");
        expect(example.mocks.calls.map((c) => [c.inputs.name, c.provider])).toEqual([["registry.example.com:5000/team/web:1", reference]]);
        // Nothing the pod registers or exports holds the password.
        const pod = example.mocks.created.filter((r) => r.type !== "pulumi:providers:docker");
        expect(JSON.stringify(pod)).not.toContain(password);
        const outputs = await Promise.all(Object.values(example.outputs).map((o) => valueOf(o as pulumi.Output<unknown>)));
        expect(JSON.stringify(outputs)).not.toContain(password);
        expect(JSON.stringify(outputs)).toContain("registry.example.com:5000/team/web:1");
    });

    test("remote-host: `provider` instead of `providers` reaches the children too", async () => {
        const mocks = new RecordingMocks();
        const run = await runProgram(mocks, () => {
            const remote = new pulumiDocker.Provider("remote", { host: "ssh://deploy@203.0.113.10" });
            return new DockerPod("web", { containers: [{ name: "app", image: "nginx:alpine" }] }, { provider: remote });
        });
        expect(run.errors).toEqual([]);
        const docker = mocks.created.filter((r) => r.type.startsWith("docker:"));
        expect(docker.length).toBe(4);
        for (const r of docker) expect(r.provider).toMatch(/::pulumi:providers:docker::remote::/);
    });
});

// ---------------------------------------------------------------------------
// YAML, Python and Go: their programs run through the real engine and each
// language's own checks in tests/engine/languages.test.ts; here, only that
// each is a project of its language that adds this repository's provider.
// ---------------------------------------------------------------------------

describe.each([
    ["yaml", "yaml"],
    ["python", "python"],
    ["go", "go"],
])("examples/%s", (dir, runtime) => {
    const project = parse(fs.readFileSync(path.join(EXAMPLES, dir, "Pulumi.yaml"), "utf8"));

    test("is a project of its language that adds the provider from this repository", () => {
        expect(typeof project.runtime === "string" ? project.runtime : project.runtime.name).toBe(runtime);
        expect(project.packages).toEqual({ dockerpod: "../../provider" });
        const providerDir = path.resolve(EXAMPLES, dir, project.packages.dockerpod);
        expect(parse(fs.readFileSync(path.join(providerDir, "PulumiPlugin.yaml"), "utf8"))).toEqual({ runtime: "nodejs" });
        expect(JSON.parse(fs.readFileSync(path.join(providerDir, "package.json"), "utf8")).main).toBe("plugin.js");
    });

    test("commits no generated SDK: `pulumi install` makes it", () => {
        const tracked = execFileSync("git", ["ls-files", path.join("examples", dir)], { cwd: ROOT, encoding: "utf8" });
        expect(tracked.split("\n").filter((f) => f.includes("/sdks/") || f.includes("/venv/"))).toEqual([]);
    });
});

test("examples/python pins the pulumi package and installs the SDK `pulumi install` generates", () => {
    const requirements = fs
        .readFileSync(path.join(EXAMPLES, "python", "requirements.txt"), "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"));
    expect(requirements).toEqual([expect.stringMatching(/^pulumi==3\.\d+\.\d+$/), "sdks/dockerpod"]);
});

test("examples/go points the generated SDK's import path at sdks/dockerpod", () => {
    const goMod = fs.readFileSync(path.join(EXAMPLES, "go", "go.mod"), "utf8");
    expect(goMod).toMatch(/^replace example\.com\/pulumi-dockerpod\/sdk\/go => \.\/sdks\/dockerpod$/m);
    expect(fs.readFileSync(path.join(EXAMPLES, "go", "main.go"), "utf8")).toContain('"example.com/pulumi-dockerpod/sdk/go/dockerpod"');
});
