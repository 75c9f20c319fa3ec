// What every YAML, Python and Go operation pays first: starting the component
// provider. Pulumi's plugin runner (@pulumi/pulumi/cmd/run-plugin, as the
// nodejs language host starts it) loads provider/plugin.js, which runs the
// compiled provider and serves the schema `npm run build` wrote. Measured
// here from spawn to the schema answered over gRPC, median of 3, and the
// seed pod's no-change `preview` from YAML beside the same from TypeScript.
// The schema is served before the components (the SDK, @pulumi/docker) are
// loaded: a process that only needs the schema never loads them.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { ROOT, npmPulumiOk, seedPodConfig } from "../support/examples";
import { freePort, requireEngine } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const providerRpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const providerMessages = require("@pulumi/pulumi/proto/provider_pb");

jest.setTimeout(600_000);

const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds from spawning the provider to its schema answered, and the schema. */
async function startProvider(): Promise<{ ms: number; schema: string }> {
    const started = process.hrtime.bigint();
    const child: ChildProcess = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-plugin"), path.join(ROOT, "provider")], {
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    try {
        const port = await new Promise<number>((resolve, reject) => {
            child.stdout!.once("data", (d) => resolve(Number(String(d).trim())));
            child.once("exit", (code) => reject(new Error(`the provider exited (${code}) before serving:\n${stderr}`)));
        });
        const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const schema = await new Promise<string>((resolve, reject) =>
            client.getSchema(new providerMessages.GetSchemaRequest(), (error: Error | null, response: { getSchema(): string }) =>
                error ? reject(error) : resolve(response.getSchema()),
            ),
        );
        client.close();
        return { ms: Number(process.hrtime.bigint() - started) / 1e6, schema };
    } finally {
        child.kill("SIGKILL");
    }
}

test("the provider starts and serves its schema in under 2 s (median of 3)", async () => {
    const built = path.join(ROOT, "bin", "provider", "schema.json");
    if (!fs.existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const { ms, schema } = await startProvider();
        expect(JSON.parse(schema)).toEqual(JSON.parse(fs.readFileSync(built, "utf8")));
        runs.push(ms);
    }
    console.log(`provider start-up to schema served: median ${median(runs).toFixed(0)} ms (${runs.map((r) => r.toFixed(0)).join(", ")})`);
    expect(median(runs)).toBeLessThan(2000);
});

test("the compiled provider serves the built schema without loading the components; the first construct loads them", () => {
    // A process of its own: what the compiled provider's modules load, as the runner loads them.
    const script = `
        const { DockerPodProvider } = require("./bin/provider/provider");
        const sdkLoaded = () => Object.keys(require.cache).some((f) => f.includes("/bin/sdk/") || f.includes("/@pulumi/docker/"));
        let loads = 0;
        const provider = new DockerPodProvider({ name: "dockerpod", dirname: "provider", components: async () => { loads++; return require("./bin/provider/components").components; } });
        (async () => {
            const before = sdkLoaded();
            const schema = JSON.parse(await provider.getSchema());
            const afterSchema = { loads, sdk: sdkLoaded() };
            await provider.construct("x", "dockerpod:index:NoSuchThing", {}, {}).catch((e) => e);
            console.log(JSON.stringify({ before, afterSchema, afterConstruct: { loads, sdk: sdkLoaded() }, name: schema.name }));
        })();`;
    const out = execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
        before: false,
        afterSchema: { loads: 0, sdk: false },
        afterConstruct: { loads: 1, sdk: true },
        name: "dockerpod",
    });
});

describe("the seed pod's no-change preview: from YAML (through the provider) beside TypeScript", () => {
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-startup-"));
    const projects = [
        ["TypeScript", path.join(ROOT, "examples", "seed-pod")],
        ["YAML", path.join(ROOT, "examples", "yaml")],
    ] as const;
    beforeAll(async () => {
        await requireEngine();
        for (const [, dir] of projects) {
            npmPulumiOk(dir, ["stack", "init", "startup"], backend);
            const port = await freePort();
            for (const [key, value] of Object.entries(seedPodConfig(port))) npmPulumiOk(dir, ["config", "set", key, value], backend);
        }
    });
    afterAll(() => {
        for (const [, dir] of projects) npmPulumiOk(dir, ["stack", "rm", "--yes", "--force", "startup"], backend);
        fs.rmSync(backend, { recursive: true, force: true });
    });

    test("median of 3, one pod at a time", () => {
        const figures: Record<string, number> = {};
        for (const [language, dir] of projects) {
            npmPulumiOk(dir, ["up", "--yes"], backend);
            try {
                const runs: number[] = [];
                for (let i = 0; i < RUNS; i++) {
                    const started = Date.now();
                    npmPulumiOk(dir, ["preview", "--expect-no-changes"], backend);
                    runs.push(Date.now() - started);
                }
                figures[language] = median(runs);
            } finally {
                npmPulumiOk(dir, ["destroy", "--yes"], backend);
            }
        }
        console.log(`no-change preview of the seed pod, median of ${RUNS}: TypeScript ${figures.TypeScript} ms, YAML ${figures.YAML} ms`);
        // What YAML adds is the provider's start-up, twice: the engine starts one
        // plugin process to load the package schema and another to be the
        // provider (its verbose log shows both). Each within its 2 s budget.
        expect(figures.YAML).toBeLessThan(figures.TypeScript + 2 * 2000);
    });
});
