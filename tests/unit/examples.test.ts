// The example programs are real programs:
// - the TypeScript ones run under mocks (their types are checked by
//   `tsc -p examples/tsconfig.json`), and their pods' manifests read back;
// - the Pulumi YAML one is checked against the provider's schema: every
//   resource type and property exists, required ones are there, enum values
//   are valid, outputs name real outputs;
// - the Python one compiles, and passes only keyword arguments (and Args
//   classes) that the SDK generated from the schema has.
import * as pulumiDocker from "@pulumi/docker";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import { parse } from "yaml";
import { Pod } from "kubernetes-models/v1/Pod";
import { DockerPod, DockerPodArgs } from "../../sdk";
import { components, packageName } from "../../provider/components";
import { inferSchema } from "../../provider/infer";
import { seedPod } from "../fixtures/pods";
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
// The provider's schema, and checks of programs against it
// ---------------------------------------------------------------------------

interface PropertySpec {
    type?: string;
    $ref?: string;
    items?: PropertySpec;
    additionalProperties?: PropertySpec;
}
interface TypeSpec {
    type: string;
    properties?: Record<string, PropertySpec>;
    required?: string[];
    enum?: { name: string; value: string }[];
}
interface ResourceSpec {
    inputProperties: Record<string, PropertySpec>;
    requiredInputs?: string[];
    properties: Record<string, PropertySpec>;
}
interface Schema {
    name: string;
    resources: Record<string, ResourceSpec>;
    types: Record<string, TypeSpec>;
}

let schema: Schema;
beforeAll(async () => {
    schema = (await inferSchema(path.join(ROOT, "provider"), packageName, components)) as unknown as Schema;
}, 120_000);

const typeOf = (spec: PropertySpec): TypeSpec | undefined => (spec.$ref ? schema.types[spec.$ref.replace(/^#\/types\//, "")] : undefined);

/** Problems of a value against a schema property: unknown fields, missing required ones, wrong enum values or kinds. */
function checkValue(value: unknown, spec: PropertySpec, at: string, problems: string[]): void {
    if (typeof value === "string" && /^\$\{[^}]+\}$/.test(value)) return; // an interpolation: typed by Pulumi YAML
    const type = typeOf(spec);
    if (type?.enum) {
        const values = type.enum.map((e) => e.value);
        if (!values.includes(value as string)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${values.join(", ")}`);
        return;
    }
    if (type) {
        checkObject(value, type.properties ?? {}, type.required ?? [], at, problems);
        return;
    }
    const kind = Array.isArray(value) ? "array" : typeof value === "object" && value !== null ? "object" : typeof value;
    const expected = spec.type === "integer" ? "number" : spec.type;
    if (kind !== expected) {
        problems.push(`${at}: expected ${spec.type}, got ${kind}`);
    } else if (spec.type === "array" && spec.items) {
        (value as unknown[]).forEach((item, i) => checkValue(item, spec.items!, `${at}[${i}]`, problems));
    } else if (spec.type === "object" && spec.additionalProperties) {
        for (const [k, v] of Object.entries(value as object)) checkValue(v, spec.additionalProperties, `${at}.${k}`, problems);
    }
}

function checkObject(value: unknown, properties: Record<string, PropertySpec>, required: string[], at: string, problems: string[]): void {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${at}: expected an object`);
        return;
    }
    for (const [key, field] of Object.entries(value)) {
        if (!(key in properties)) problems.push(`${at}.${key}: no such property (has ${Object.keys(properties).join(", ")})`);
        else checkValue(field, properties[key], `${at}.${key}`, problems);
    }
    for (const key of required) if (!(key in value)) problems.push(`${at}.${key}: is required`);
}

/** Problems of a Pulumi YAML program's use of this package. */
function checkYamlProgram(program: Record<string, any>): string[] {
    const problems: string[] = [];
    const ours = Object.entries<any>(program.resources ?? {}).filter(([, r]) => String(r.type).startsWith(`${schema.name}:`));
    if (ours.length === 0) problems.push("resources: no resource of the package");
    for (const [name, resource] of ours) {
        const spec = schema.resources[resource.type];
        if (!spec) {
            problems.push(`resources.${name}.type: ${resource.type} is not in the schema`);
            continue;
        }
        checkObject(resource.properties ?? {}, spec.inputProperties, spec.requiredInputs ?? [], `resources.${name}.properties`, problems);
    }
    // Outputs and interpolations may only read outputs a resource has.
    const text = JSON.stringify(program);
    for (const [, name, property] of text.matchAll(/\$\{([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)/g)) {
        const resource = ours.find(([n]) => n === name);
        if (resource && !(property in schema.resources[resource[1].type].properties)) {
            problems.push(`\${${name}.${property}}: ${resource[1].type} has no output ${property}`);
        }
    }
    return problems;
}

/** Pulumi's Python names: `containerPort` is `container_port`, `hostIPC` is `host_ipc`. */
function snake(name: string): string {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
        .toLowerCase();
}

const PYTHON_MODULE = `pulumi_${packageName}`;

/** Python, printing a program's calls into the SDK module as JSON (its AST; nothing is run). */
const PY_CALLS = String.raw`
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read(), sys.argv[1])
aliases = set()
for node in ast.walk(tree):
    if isinstance(node, ast.Import):
        aliases |= {a.asname or a.name for a in node.names if a.name == sys.argv[2]}
def dotted(n):
    parts = []
    while isinstance(n, ast.Attribute):
        parts.append(n.attr); n = n.value
    if isinstance(n, ast.Name):
        parts.append(n.id); return ".".join(reversed(parts))
    return None
def ours(name):
    return name is not None and name.split(".")[0] in aliases and "." in name
def enc(n):
    if isinstance(n, ast.Call) and ours(dotted(n.func)):
        return {"call": dotted(n.func).split(".", 1)[1], "line": n.lineno}
    if isinstance(n, ast.Constant):
        return {"const": n.value}
    if isinstance(n, (ast.List, ast.Tuple)):
        return {"list": [enc(e) for e in n.elts]}
    if isinstance(n, ast.BoolOp):
        return {"any": [enc(v) for v in n.values]}
    if isinstance(n, ast.Attribute) and ours(dotted(n)):
        return {"member": dotted(n).split(".", 1)[1]}
    return {"expr": type(n).__name__}
calls, variables, reads = [], {}, []
for node in ast.walk(tree):
    if isinstance(node, ast.Call) and ours(dotted(node.func)):
        calls.append({"name": dotted(node.func).split(".", 1)[1], "line": node.lineno,
                      "args": [enc(a) for a in node.args],
                      "keywords": [[k.arg, enc(k.value)] for k in node.keywords]})
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and ours(dotted(node.value.func)):
        for t in node.targets:
            if isinstance(t, ast.Name):
                variables[t.id] = dotted(node.value.func).split(".", 1)[1]
for node in ast.walk(tree):
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in variables:
        reads.append([node.value.id, node.attr, node.lineno])
print(json.dumps({"aliases": sorted(aliases), "calls": calls, "variables": variables, "reads": reads}))
`;

interface PyValue {
    call?: string;
    const?: unknown;
    list?: PyValue[];
    any?: PyValue[];
    member?: string;
    expr?: string;
    line?: number;
}
interface PyCalls {
    aliases: string[];
    calls: { name: string; line: number; args: PyValue[]; keywords: [string | null, PyValue][] }[];
    variables: Record<string, string>;
    reads: [string, string, number][];
}

function pythonCalls(file: string): PyCalls {
    return JSON.parse(execFileSync("python3", ["-c", PY_CALLS, file, PYTHON_MODULE], { encoding: "utf8" }));
}

/** The schema object a generated Python class stands for: a resource (`DockerPod`) or an input type (`ContainerArgs`). */
function pythonClass(name: string): { properties: Record<string, PropertySpec>; required: string[]; resource: boolean } | undefined {
    const resource = schema.resources[`${schema.name}:index:${name}`];
    if (resource) return { properties: resource.inputProperties, required: resource.requiredInputs ?? [], resource: true };
    const type = name.endsWith("Args") ? schema.types[`${schema.name}:index:${name.slice(0, -"Args".length)}`] : undefined;
    if (type?.type === "object") return { properties: type.properties ?? {}, required: type.required ?? [], resource: false };
    return undefined;
}

/** The enum member names the Python SDK generates: `IfNotPresent` is `IF_NOT_PRESENT`. */
const pythonEnumMember = (name: string) => snake(name).toUpperCase();

/** Problems of a Python program's use of the generated SDK. */
function checkPythonProgram(file: string): string[] {
    const program = pythonCalls(file);
    const problems: string[] = [];
    if (program.aliases.length === 0) problems.push(`the program does not import ${PYTHON_MODULE}`);
    const checkKeywordValue = (value: PyValue, spec: PropertySpec, at: string): void => {
        if (value.any) return value.any.forEach((v) => checkKeywordValue(v, spec, at));
        const type = typeOf(spec);
        if (value.call !== undefined) {
            // An Args class must be the one the property takes.
            const wanted = type && type.type === "object" ? `${spec.$ref!.split(":").pop()}Args` : undefined;
            if (value.call !== wanted) problems.push(`${at}: takes ${wanted ?? spec.type}, not ${value.call}(...)`);
        } else if (value.list) {
            if (spec.type !== "array") problems.push(`${at}: is not a list property`);
            else value.list.forEach((v, i) => checkKeywordValue(v, spec.items!, `${at}[${i}]`));
        } else if (value.const !== undefined && type?.enum && !type.enum.some((e) => e.value === value.const)) {
            problems.push(`${at}: ${JSON.stringify(value.const)} is not one of ${type.enum.map((e) => e.value).join(", ")}`);
        } else if (value.member !== undefined) {
            const [enumName, member] = value.member.split(".");
            const wanted = type?.enum ? spec.$ref!.split(":").pop() : undefined;
            if (enumName !== wanted || !type?.enum?.some((e) => pythonEnumMember(e.name) === member)) {
                problems.push(`${at}: ${value.member} is not a member of ${wanted ?? "an enum this property takes"}`);
            }
        }
    };
    for (const call of program.calls) {
        const at = `line ${call.line}: ${call.name}`;
        const cls = pythonClass(call.name);
        if (!cls) {
            if (!/^[A-Z][A-Za-z]*\.[A-Z_]+$/.test(call.name)) problems.push(`${at}: ${PYTHON_MODULE} has no class ${call.name}`);
            continue;
        }
        const positional = cls.resource ? 1 : 0; // a resource's name
        if (call.args.length !== positional) problems.push(`${at}: takes ${positional} positional argument(s), got ${call.args.length}`);
        const byPython = new Map(Object.keys(cls.properties).map((p) => [snake(p), p]));
        const given = new Set<string>();
        for (const [keyword, value] of call.keywords) {
            if (keyword === null) {
                problems.push(`${at}: **kwargs cannot be checked`);
                continue;
            }
            if (cls.resource && keyword === "opts") continue;
            const property = byPython.get(keyword);
            if (!property) {
                problems.push(`${at}(${keyword}=...): no such argument (has ${[...byPython.keys()].join(", ")})`);
                continue;
            }
            given.add(property);
            checkKeywordValue(value, cls.properties[property], `${at}(${keyword}=...)`);
        }
        for (const required of cls.required) {
            if (!given.has(required)) problems.push(`${at}: ${snake(required)} is required`);
        }
    }
    for (const [variable, attribute, line] of program.reads) {
        const resource = schema.resources[`${schema.name}:index:${program.variables[variable]}`];
        const outputs = Object.keys(resource?.properties ?? {}).map(snake);
        if (resource && !outputs.includes(attribute) && !["urn", "id"].includes(attribute)) {
            problems.push(
                `line ${line}: ${variable}.${attribute}: ${program.variables[variable]} has no output ${attribute} (has ${outputs.join(", ")})`,
            );
        }
    }
    return problems;
}

// ---------------------------------------------------------------------------
// Pulumi YAML
// ---------------------------------------------------------------------------

describe("examples/yaml: a Pulumi YAML program", () => {
    const file = path.join(EXAMPLES, "yaml", "Pulumi.yaml");
    const program = () => parse(fs.readFileSync(file, "utf8"));

    test("is a YAML project that adds the provider from this repository", () => {
        const p = program();
        expect(p.runtime).toBe("yaml");
        expect(p.packages).toEqual({ dockerpod: "../../provider" });
        const providerDir = path.resolve(path.dirname(file), p.packages.dockerpod);
        expect(parse(fs.readFileSync(path.join(providerDir, "PulumiPlugin.yaml"), "utf8"))).toEqual({ runtime: "nodejs" });
    });

    test("uses only types, properties and enum values of the schema", () => {
        const p = program();
        expect(Object.values<any>(p.resources).map((r) => r.type)).toEqual(["dockerpod:index:DockerPod"]);
        expect(checkYamlProgram(p)).toEqual([]);
        expect(Object.keys(p.outputs).sort()).toEqual(["cgroupParent", "containerIds", "manifest", "podName", "summary"]);
    });

    test("is the seed pod", () => {
        const { containers, resources } = program().resources.foo.properties;
        expect({ containers, resources }).toEqual({ containers: seedPod().containers, resources: seedPod().resources });
    });

    test("the check fails on a wrong field, a missing required one, a bad enum value or output", () => {
        const p = program();
        const pod = p.resources.foo.properties;
        pod.containers[0].ports[0].containerport = 80;
        delete pod.containers[1].image;
        pod.host.cgroupDriver = "systemdd";
        pod.restartPolicy = "always";
        pod.terminationGracePeriodSeconds = "30";
        pod.hostnames = "foo";
        p.outputs.sandbox = "${foo.sandboxID}";
        const problems = checkYamlProgram(p);
        expect(problems).toEqual(
            expect.arrayContaining([
                "resources.foo.properties.containers[0].ports[0].containerport: no such property (has containerPort, hostPort, hostIP, protocol, name)",
                "resources.foo.properties.containers[1].image: is required",
                'resources.foo.properties.host.cgroupDriver: "systemdd" is not one of systemd, cgroupfs',
                'resources.foo.properties.restartPolicy: "always" is not one of Always, Never, OnFailure',
                "resources.foo.properties.terminationGracePeriodSeconds: expected integer, got string",
                expect.stringMatching(/^resources\.foo\.properties\.hostnames: no such property/),
                "${foo.sandboxID}: dockerpod:index:DockerPod has no output sandboxID",
            ]),
        );
        expect(problems).toHaveLength(7);
    });
});

// ---------------------------------------------------------------------------
// Python
// ---------------------------------------------------------------------------

describe("examples/python: a Python program through the generated SDK", () => {
    const dir = path.join(EXAMPLES, "python");
    const main = path.join(dir, "__main__.py");

    test("compiles", () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "pycache-"));
        try {
            execFileSync("python3", ["-m", "py_compile", main], { env: { ...process.env, PYTHONPYCACHEPREFIX: cache }, stdio: "pipe" });
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });

    test("is a Python project that adds the provider, and needs only the pulumi package from PyPI", () => {
        const project = parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
        expect(project.runtime.name).toBe("python");
        expect(project.packages).toEqual({ dockerpod: "../../provider" });
        const requirements = fs
            .readFileSync(path.join(dir, "requirements.txt"), "utf8")
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l && !l.startsWith("#"));
        expect(requirements).toEqual([expect.stringMatching(/^pulumi>=3\.\d+/)]);
    });

    test("passes only keyword arguments and Args classes of the schema, with every required one", () => {
        const program = pythonCalls(main);
        expect(program.aliases).toEqual(["dockerpod"]);
        expect(program.calls.map((c) => c.name).sort()).toEqual(
            expect.arrayContaining(["ContainerArgs", "DockerPod", "HostArgs", "PodResourcesArgs"]),
        );
        expect(checkPythonProgram(main)).toEqual([]);
    });

    test("the check fails on a wrong keyword, class, enum value, missing argument or output", () => {
        const source = fs
            .readFileSync(main, "utf8")
            .replace("container_port=80", "containerPort=80")
            .replace("dockerpod.HostArgs(", "dockerpod.Host(")
            .replace('or "systemd"', 'or "systemdd"')
            .replace('name="sidecar",\n', "")
            .replace("pod.cgroup_parent", "pod.cgroup_path")
            .replace("resources=dockerpod.PodResourcesArgs(", "resources=dockerpod.ResourceRequirementsArgs(");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-py-")), "__main__.py");
        fs.writeFileSync(file, source);
        try {
            const problems = checkPythonProgram(file);
            for (const expected of [
                /ContainerPortArgs\(containerPort=\.\.\.\): no such argument/,
                /Host: pulumi_dockerpod has no class Host/,
                /DockerPod\(host=\.\.\.\): takes HostArgs, not Host\(\.\.\.\)/,
                /DockerPod\(resources=\.\.\.\): takes PodResourcesArgs, not ResourceRequirementsArgs/,
                /ContainerArgs: name is required/,
                /pod\.cgroup_path: DockerPod has no output cgroup_path/,
            ]) {
                expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
            }
            // With the class name right, the enum value is checked too.
            fs.writeFileSync(file, source.replace("dockerpod.Host(", "dockerpod.HostArgs("));
            expect(checkPythonProgram(file)).toEqual(
                expect.arrayContaining([
                    expect.stringMatching(/HostArgs\(cgroup_driver=\.\.\.\): "systemdd" is not one of systemd, cgroupfs/),
                ]),
            );
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });

    test("Python names follow Pulumi's: acronyms stay together", () => {
        expect(["containerPort", "hostIP", "hostIPC", "runAsNonRoot", "terminationGracePeriodSeconds", "podName"].map(snake)).toEqual([
            "container_port",
            "host_ip",
            "host_ipc",
            "run_as_non_root",
            "termination_grace_period_seconds",
            "pod_name",
        ]);
        expect(["IfNotPresent", "TCP", "Systemd"].map(pythonEnumMember)).toEqual(["IF_NOT_PRESENT", "TCP", "SYSTEMD"]);
    });
});
