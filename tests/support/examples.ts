// Runs an example program (examples/<dir>/index.ts) in-process, as Pulumi's
// Node.js language host would: CommonJS, with `dockerpod` resolving to this
// repository's SDK. Its types are checked by `tsc -p examples/tsconfig.json`.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as sdk from "../../sdk";

export const ROOT = path.resolve(__dirname, "../..");
export const EXAMPLES = path.join(ROOT, "examples");

export interface NpmPulumiOptions {
    /** Extra environment. */
    env?: NodeJS.ProcessEnv;
    /** Standard input (e.g. a secret for `config set`, as a user pipes it). */
    input?: string;
}

/**
 * The seed pod's config every example takes, for this machine: the local test
 * images (no Docker Hub), a free host port, and the cgroupfs driver of the
 * host's dockerd (left out with `cgroupDriver: false`, for the program's own default).
 */
export function seedPodConfig(hostPort: number, options: { cgroupDriver?: boolean } = {}): Record<string, string> {
    return {
        appImage: "dockerpod-test/web:1",
        sidecarImage: "dockerpod-test/busybox:1",
        sandboxImage: "registry.k8s.io/pause:3.9",
        hostPort: String(hostPort),
        ...(options.cgroupDriver === false ? {} : { cgroupDriver: "cgroupfs" }),
    };
}

/**
 * `npm run pulumi -- <args>` run from `dir`, as npm runs it (INIT_CWD says
 * where it was called), with stacks in the file backend `backend`.
 */
export function npmPulumi(dir: string, args: string[], backend: string, options: NpmPulumiOptions = {}): { code: number; out: string } {
    const r = spawnSync("bash", [path.join(ROOT, "toolchain/pulumi.sh"), ...args], {
        cwd: ROOT,
        input: options.input,
        env: { ...process.env, ...options.env, INIT_CWD: dir, PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "" },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** npmPulumi that fails with the command's output when it exits non-zero. */
export function npmPulumiOk(dir: string, args: string[], backend: string, options: NpmPulumiOptions = {}): string {
    const r = npmPulumi(dir, args, backend, options);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} in ${dir} failed (exit ${r.code}):\n${r.out}`);
    return r.out;
}

/**
 * Runs examples/<dir>/index.ts and returns its exports: the stack outputs.
 * `dockerpod` may be replaced (e.g. to add resource options the engine
 * would observe itself).
 */
export function loadExample(dir: string, dockerpod: typeof sdk = sdk): Record<string, unknown> {
    const file = path.join(EXAMPLES, dir, "index.ts");
    const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
        fileName: file,
    });
    const module = { exports: {} as Record<string, unknown> };
    // The example's own `require`, as Node would give it (the package itself resolved to this checkout).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = (id: string) => (id === "dockerpod" ? dockerpod : require(id));
    new Function("exports", "require", "module", "__filename", "__dirname", outputText)(
        module.exports,
        load,
        module,
        file,
        path.dirname(file),
    );
    return module.exports;
}
