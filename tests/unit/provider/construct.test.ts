// The component provider other languages go through: `construct` under
// mocks, with inputs as the provider host deserializes them, must register
// the same children as the TypeScript class; secret and unknown structural
// inputs are handled in provider/provider.ts.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConstructResult } from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { rpcKeepAlive } from "@pulumi/pulumi/runtime/settings";
import { specialOutputValueSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { DockerPod, DockerPodArgs, PayloadContainer } from "../../../sdk";
import { components } from "../../../provider/components";
import { packageName } from "../../../provider/schema";
import { DockerPodProvider } from "../../../provider/provider";
import { seedPod } from "../../fixtures/pods";
import { RecordingMocks } from "../../support/mocks";
import { Registration, customNamed, runProgram, valueOf } from "../../support/program";

// What the provider host does with a ConstructRequest's inputs (internal to @pulumi/pulumi).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { deserializeInputs } = require("@pulumi/pulumi/provider/server") as {
    deserializeInputs(inputs: Struct, dependencies: Map<string, { getUrnsList(): string[] }>): Promise<Record<string, unknown>>;
};

const DIR = path.join(__dirname, "../../../provider");
const DOCKER_POD = "dockerpod:index:DockerPod";
const provider = new DockerPodProvider({ name: packageName, dirname: DIR, components });

beforeAll(async () => {
    await provider.getSchema();
}, 120_000);
afterEach(() => jest.restoreAllMocks());

/** A secret value as the engine sends it. */
const secretSig = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
/** An output value (nested Output) as the engine sends it to a provider that accepts them. */
const outputSig = (value: unknown, secret: boolean, dependencies: string[] = []) => ({
    [specialSigKey]: specialOutputValueSig,
    ...(value === undefined ? {} : { value }),
    secret,
    dependencies,
});

/** The inputs `construct` gets from the host for this wire form (deserialized inside the mocked runtime). */
function wireInputs(wire: Record<string, unknown>, dependencies: Record<string, string[]> = {}): Promise<Record<string, unknown>> {
    const deps = new Map(Object.entries(dependencies).map(([key, urns]) => [key, { getUrnsList: () => urns }]));
    return deserializeInputs(Struct.fromJavaScript(wire as never), deps);
}

interface Run {
    registrations: Registration[];
    mocks: RecordingMocks;
    errors: Error[];
    /** What construct returned, or the error it threw. */
    outcome: { result?: ConstructResult; error?: Error };
}

/** Runs `construct` as the host would, inside the mocked runtime, until every registration settled. */
async function viaProvider(
    name: string,
    inputs: () => Promise<Record<string, unknown>> | Record<string, unknown>,
    { type = DOCKER_POD, preview = false, using = provider as ComponentProvider } = {},
): Promise<Run> {
    const mocks = new RecordingMocks({ unknownIds: preview });
    let pending!: Promise<ConstructResult>;
    const run = await runProgram(
        mocks,
        (transformations) => {
            const done = rpcKeepAlive();
            pending = Promise.resolve()
                .then(inputs)
                .then((given) => using.construct(name, type, given as pulumi.Inputs, { transformations }))
                .finally(done);
            pending.catch(() => undefined);
        },
        { preview },
    );
    const outcome = await pending.then(
        (result) => ({ result }),
        (error: Error) => ({ error }),
    );
    return { ...run, mocks, outcome };
}

/** Runs a TypeScript program under the same mocks. */
async function viaClass(program: (opts: pulumi.ComponentResourceOptions) => unknown, preview = false): Promise<Run> {
    const mocks = new RecordingMocks({ unknownIds: preview });
    const run = await runProgram(mocks, (transformations) => program({ transformations }), { preview });
    return { ...run, mocks, outcome: {} };
}

/** A value as the engine got it, with secrets unwrapped. */
function unsecret(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unsecret);
    if (typeof value !== "object" || value === null) return value;
    const record = value as Record<string, unknown>;
    if (record[specialSigKey] === specialSecretSig) return unsecret(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unsecret(v)]));
}

/** The paths of the inputs the engine got as secrets, e.g. `foo-app.envs`. */
function secretsAtEngine(run: Run): string[] {
    const found: string[] = [];
    const walk = (value: unknown, at: string): void => {
        if (typeof value !== "object" || value === null) return;
        const record = value as Record<string, unknown>;
        if (record[specialSigKey] === specialSecretSig) {
            found.push(at);
            return;
        }
        for (const [k, v] of Object.entries(record)) walk(v, Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`);
    };
    for (const r of run.mocks.created) walk(r.inputs, r.name);
    return found.sort();
}

/** What reached the engine, by name: type, kind, provider and inputs (secrets unwrapped: see secretsAtEngine). */
function children(run: Run) {
    return run.mocks.created
        .map((r) => ({ type: r.type, name: r.name, custom: r.custom, provider: r.provider, inputs: unsecret(r.inputs) }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

/** The registration tree: type, name and parent, in order. */
function tree(run: Run) {
    return run.registrations.map((r) => `${r.type} ${r.name} <- ${r.parent ?? "(stack)"}`);
}

function expectSameAs(actual: Run, expected: Run): void {
    expect(actual.outcome.error).toBeUndefined();
    expect(actual.errors).toEqual([]);
    expect(expected.errors).toEqual([]);
    expect(tree(actual)).toEqual(tree(expected));
    expect(children(actual)).toEqual(children(expected));
}

const byName = (run: Run, name: string) => customNamed(run.registrations, name);

/** The example's pod.yaml: the tutorial's pod with its hostPort. */
const TUTORIAL_POD = fs.readFileSync(path.join(__dirname, "..", "..", "..", "examples", "from-manifest", "pod.yaml"), "utf8");

describe("construct: the same children as the TypeScript class", () => {
    test("the seed pod's inputs", async () => {
        const wire = JSON.parse(JSON.stringify(seedPod()));
        const actual = await viaProvider("foo", () => wireInputs(wire));
        const expected = await viaClass((opts) => new DockerPod("foo", seedPod(), opts));
        expectSameAs(actual, expected);
        expect(tree(actual)[0]).toBe("dockerpod:index:DockerPod foo <- (stack)");
        expect(
            children(actual)
                .filter((c) => c.custom)
                .map((c) => c.name),
        ).toEqual(["foo-app", "foo-app.image", "foo-sandbox", "foo-sandbox.image", "foo-sidecar", "foo-sidecar.image", "foo-slice"]);
        // The state the host returns: the component's outputs.
        const state = actual.outcome.result!.state as Record<string, pulumi.Output<unknown>>;
        expect(Object.keys(state).sort()).toEqual(["cgroupParent", "containerIds", "manifest", "podName", "sandboxId", "summary"]);
        expect(await valueOf(state.podName)).toBe("foo");
        expect(await valueOf(state.cgroupParent)).toBe("dockerpod-foo.slice");
        expect(await valueOf(state.containerIds)).toEqual({ app: "foo-app-id", sidecar: "foo-sidecar-id" });
    });

    test("a manifest, with the Docker-host fields as the other inputs", async () => {
        const overrides: DockerPodArgs = { resources: { limits: { memory: "512Mi", cpu: "500m" } }, host: { cgroupDriver: "cgroupfs" } };
        const actual = await viaProvider("foo", () => wireInputs({ manifest: TUTORIAL_POD, ...overrides }));
        const expected = await viaClass((opts) => DockerPod.fromManifest("foo", TUTORIAL_POD, overrides, opts));
        expectSameAs(actual, expected);
        // ... which is the seed pod.
        expectSameAs(actual, await viaClass((opts) => new DockerPod("foo", seedPod({ host: { cgroupDriver: "cgroupfs" } }), opts)));
        const state = actual.outcome.result!.state as Record<string, pulumi.Output<string>>;
        expect(await valueOf(state.manifest)).toContain("hostPort: 8080");
    });

    test("in preview, with unknown ids", async () => {
        const wire = JSON.parse(JSON.stringify(seedPod()));
        const actual = await viaProvider("foo", () => wireInputs(wire), { preview: true });
        const expected = await viaClass((opts) => new DockerPod("foo", seedPod(), opts), true);
        expectSameAs(actual, expected);
    });

    test("a PayloadContainer keeps its sandboxId Output, with its dependency", async () => {
        const sandbox = "urn:pulumi:stack::project::docker:index/container:Container::other-sandbox";
        const wire = {
            podName: "foo",
            cgroupParent: "dockerpod-foo.slice",
            sandboxId: "abc123",
            container: { name: "app", image: "nginx:alpine" },
        };
        const actual = await viaProvider("foo-app", () => wireInputs(wire, { sandboxId: [sandbox] }), {
            type: "dockerpod:index:PayloadContainer",
        });
        const expected = await viaClass((opts) => new PayloadContainer("foo-app", { ...wire, sandboxId: pulumi.output("abc123") }, opts));
        expectSameAs(actual, expected);
        expect(actual.mocks.inputsOf("foo-app").networkMode).toBe("container:abc123");
    });
});

describe("construct: secret structural inputs", () => {
    const withSecrets = (value: (v: string) => unknown) => ({
        containers: [
            {
                name: "app",
                image: "nginx:alpine",
                env: [
                    { name: "TOKEN", value: value("s3cr3t") },
                    { name: "MODE", value: "prod" },
                ],
                files: [{ path: "/etc/app/key.pem", content: "-----KEY-----", mode: 0o600 }],
            },
            { name: "sidecar", image: "busybox", command: ["sleep", "1d"] },
        ],
    });
    const plainArgs = (): DockerPodArgs => withSecrets((v) => v) as DockerPodArgs;

    test("the host hands a structure with a secret inside over as ONE secret Output, which the plain class cannot read", async () => {
        let containers: unknown;
        const plain = await viaProvider(
            "foo",
            async () => {
                const inputs = await wireInputs(withSecrets(secretSig));
                containers = inputs.containers;
                return inputs;
            },
            { using: new ComponentProvider({ name: packageName, dirname: DIR, components }) },
        );
        expect(pulumi.Output.isInstance(containers)).toBe(true);
        expect(await pulumi.isSecret(containers as pulumi.Output<unknown>)).toBe(true);
        expect(plain.outcome.error?.message).toMatch(/containers: a pod needs at least one container/);
    });

    test("is awaited; every Input field inside is secret again, and a warning says the plain fields are not", async () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        try {
            const actual = await viaProvider("foo", () => wireInputs(withSecrets(secretSig)));
            const expected = await viaClass((opts) => new DockerPod("foo", plainArgs(), opts));
            // The same resources and (resolved) inputs ...
            expectSameAs(actual, expected);
            // ... with the env value and the file content secret.
            const app = byName(actual, "foo-app").inputs;
            for (const value of [...app.envs, app.uploads[0].content]) {
                expect(await pulumi.isSecret(pulumi.output(value))).toBe(true);
            }
            expect(await valueOf(app.envs[0])).toBe("TOKEN=s3cr3t");
            expect(await valueOf(app.uploads[0].content)).toBe("-----KEY-----");
            // The image came from the same secret structure: kept secret too. What the engine got:
            expect(await pulumi.isSecret(pulumi.output(byName(actual, "foo-app.image").inputs.name))).toBe(true);
            expect(secretsAtEngine(actual)).toEqual([
                "foo-app.envs",
                "foo-app.image.name",
                "foo-app.uploads",
                "foo-sidecar.entrypoints",
                "foo-sidecar.image.name",
            ]);
            expect(secretsAtEngine(expected)).toEqual([]);
            const messages = warn.mock.calls.map((call) => String(call[0]));
            expect(messages).toEqual([expect.stringMatching(/^foo: dockerpod: containers arrived secret as a whole/)]);
        } finally {
            warn.mockRestore();
        }
    });

    test("a secret sent as a nested output value stays where it is: only that value is secret, no warning", async () => {
        const warn = jest.spyOn(pulumi.log, "warn");
        try {
            const actual = await viaProvider("foo", () => wireInputs(withSecrets((v) => outputSig(v, true))));
            const expected = await viaClass((opts) => new DockerPod("foo", plainArgs(), opts));
            expectSameAs(actual, expected);
            const app = byName(actual, "foo-app").inputs;
            expect(await pulumi.isSecret(pulumi.output(app.envs[0]))).toBe(true);
            expect(await pulumi.isSecret(pulumi.output(app.envs[1]))).toBe(false);
            expect(await pulumi.isSecret(pulumi.output(byName(actual, "foo-app.image").inputs.name))).toBe(false);
            expect(secretsAtEngine(actual)).toEqual(["foo-app.envs"]);
            expect(warn).not.toHaveBeenCalled();
        } finally {
            warn.mockRestore();
        }
    });

    test("dependencies of a structural input are kept on its Input fields", async () => {
        const built = "urn:pulumi:stack::project::docker:index/image:Image::built";
        const actual = await viaProvider("foo", () =>
            wireInputs(
                withSecrets((v) => v),
                { containers: [built] },
            ),
        );
        expectSameAs(actual, await viaClass((opts) => new DockerPod("foo", plainArgs(), opts)));
        const image = pulumi.output(byName(actual, "foo-app.image").inputs.name) as any;
        const urns = await Promise.all([...(await image.allResources())].map((r: pulumi.Resource) => valueOf(r.urn)));
        expect(urns).toContain(built);
    });

    test("a secret host (SSH credentials) keeps the connection secret", async () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        const wire = {
            ...JSON.parse(JSON.stringify(seedPod())),
            host: secretSig({ connection: { host: "10.0.0.5", user: "deploy", privateKey: "-----PRIVATE-----" }, sudo: true }),
        };
        const actual = await viaProvider("foo", () => wireInputs(wire));
        expectSameAs(
            actual,
            await viaClass(
                (opts) =>
                    new DockerPod(
                        "foo",
                        seedPod({
                            host: { connection: { host: "10.0.0.5", user: "deploy", privateKey: "-----PRIVATE-----" }, sudo: true },
                        }),
                        opts,
                    ),
            ),
        );
        const slice = byName(actual, "foo-slice");
        expect(slice.type).toBe("command:remote:Command");
        expect(await pulumi.isSecret(pulumi.output(slice.inputs.connection))).toBe(true);
        expect(secretsAtEngine(actual)).toEqual(["foo-slice.connection"]);
        expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([
            expect.stringMatching(/^foo: dockerpod: host arrived secret as a whole/),
        ]);
        warn.mockRestore();
    });

    test("a secret manifest: the values it gives to Input fields stay secret", async () => {
        const text = TUTORIAL_POD.replace(
            "      image: nginx:alpine\n",
            "      image: nginx:alpine\n      env:\n        - name: TOKEN\n          value: s3cr3t\n",
        );
        const actual = await viaProvider("foo", () =>
            wireInputs({ manifest: secretSig(text), sandboxImage: "registry.k8s.io/pause:3.10" }),
        );
        const expected = await viaClass((opts) =>
            DockerPod.fromManifest("foo", text, { sandboxImage: "registry.k8s.io/pause:3.10" }, opts),
        );
        expectSameAs(actual, expected);
        const app = byName(actual, "foo-app").inputs;
        expect(await pulumi.isSecret(pulumi.output(app.envs[0]))).toBe(true);
        expect(await valueOf(app.envs[0])).toBe("TOKEN=s3cr3t");
        expect(secretsAtEngine(actual)).toEqual([
            "foo-app.envs",
            "foo-app.image.name",
            "foo-sidecar.entrypoints",
            "foo-sidecar.image.name",
        ]);
        // The manifest it writes back is secret too (its image came from the secret text).
        const state = actual.outcome.result!.state as Record<string, pulumi.Output<string>>;
        expect(await pulumi.isSecret(state.manifest)).toBe(true);
    });

    test("a secret plain scalar is refused: it could not stay secret", async () => {
        const wire = { ...JSON.parse(JSON.stringify(seedPod())), hostname: secretSig("hidden") };
        const run = await viaProvider("foo", () => wireInputs(wire));
        expect(pulumi.InputPropertiesError.isInstance(run.outcome.error)).toBe(true);
        expect((run.outcome.error as pulumi.InputPropertiesError).errors).toEqual([
            { propertyPath: "hostname", reason: expect.stringMatching(/^is secret, but dockerpod writes it in plain/) },
        ]);
        expect(run.mocks.created).toEqual([]);
    });
});

describe("construct: unknown and bad inputs", () => {
    const built = "urn:pulumi:stack::project::docker:index/image:Image::built";

    test("an unknown structural input in preview is a clear error, and nothing is registered", async () => {
        const run = await viaProvider("foo", () => wireInputs({ containers: unknownValue }, { containers: [built] }), { preview: true });
        expect(pulumi.InputPropertiesError.isInstance(run.outcome.error)).toBe(true);
        expect(run.outcome.error!.message).toMatch(
            /^dockerpod: cannot build "foo":\n {2}- containers: is not known yet \(it is computed from another resource\)/,
        );
        expect((run.outcome.error as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath)).toEqual(["containers"]);
        expect(run.mocks.created).toEqual([]);
    });

    test("an unknown value where an Input is taken is fine in preview", async () => {
        const wire = JSON.parse(JSON.stringify(seedPod()));
        wire.containers[0].image = outputSig(undefined, false, [built]);
        const run = await viaProvider("foo", () => wireInputs(wire), { preview: true });
        expect(run.outcome.error).toBeUndefined();
        expect(run.errors).toEqual([]);
        expect(run.registrations.map((r) => r.name)).toContain("foo-app");
    });

    test("an unknown value where a plain value is needed names its path", async () => {
        const wire = JSON.parse(JSON.stringify(seedPod()));
        wire.containers[0].ports[0].hostPort = outputSig(undefined, false, [built]);
        const run = await viaProvider("foo", () => wireInputs(wire), { preview: true });
        expect((run.outcome.error as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath)).toEqual([
            "containers[0].ports[0].hostPort",
        ]);
    });

    test("the pod's own checks come back field by field", async () => {
        const wire = JSON.parse(JSON.stringify(seedPod()));
        wire.containers[0].resources.limits.memory = "12Q";
        wire.podName = "Bad_Name";
        const run = await viaProvider("foo", () => wireInputs(wire));
        expect(pulumi.InputPropertiesError.isInstance(run.outcome.error)).toBe(true);
        expect(run.outcome.error!.message).toMatch(/^dockerpod: invalid input for "foo":/);
        expect((run.outcome.error as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath)).toEqual([
            "podName",
            "containers[0].resources.limits.memory",
        ]);
        expect(run.mocks.created.filter((r) => r.custom !== false)).toEqual([]);
    });
});
