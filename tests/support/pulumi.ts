// The real Pulumi engine for tests: the CLI and the docker plugin built from
// Go modules by toolchain/build.sh (cached), driven through the Automation
// API with inline programs (the engine talks to this process as the language
// host), a file backend in a temporary folder, and nothing that reaches the
// internet: no update check, no automatic plugin download.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as auto from "@pulumi/pulumi/automation";

/** The repository: the nearest folder up from here with toolchain/build.sh (also when compiled elsewhere, as the bench is). */
const ROOT = (() => {
    for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "toolchain/build.sh"))) return dir;
    }
    throw new Error(`no toolchain/build.sh above ${__dirname}`);
})();

let cached: string | undefined;

/**
 * The toolchain's cache folder (`bin/pulumi`, `home/` with the docker
 * plugin), built on first use. A failed build fails the test with the
 * command's output: a real-engine test never skips.
 */
export function toolchain(): string {
    if (cached) return cached;
    try {
        cached = execFileSync("bash", [path.join(ROOT, "toolchain/build.sh")], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 64 * 1024 * 1024,
        }).trim();
    } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`the Pulumi toolchain did not build (bash toolchain/build.sh): ${e.message}\n${e.stderr ?? ""}`, { cause: err });
    }
    return cached;
}

/**
 * A stack of `project` running `program` inline through the toolchain's CLI and
 * plugins, offline, in a new file backend folder (`backend`, the caller's to remove).
 */
export async function localStack(
    project: string,
    stack: string,
    program: auto.PulumiFn,
    env: Record<string, string> = {},
): Promise<{ stack: auto.Stack; backend: string }> {
    const cache = toolchain();
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-state-"));
    const pulumiCommand = await auto.PulumiCommand.get({ root: cache });
    const created = await auto.LocalWorkspace.createOrSelectStack(
        { projectName: project, stackName: stack, program },
        {
            pulumiCommand,
            workDir: backend,
            projectSettings: { name: project, runtime: "nodejs", backend: { url: `file://${backend}` } },
            envVars: {
                PULUMI_HOME: path.join(cache, "home"),
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                PULUMI_CONFIG_PASSPHRASE: "",
                ...env,
            },
        },
    );
    return { stack: created, backend };
}

/** Stacks made by a test file, each in its own backend folder; `destroyAll` cleans up after a failure too. */
export class RealStacks {
    private stacks: auto.Stack[] = [];
    private dirs: string[] = [];

    /** A new stack running `program` inline through the real CLI and docker plugin. */
    async create(project: string, stack: string, program: auto.PulumiFn): Promise<auto.Stack> {
        const made = await localStack(project, stack, program);
        this.dirs.push(made.backend);
        this.stacks.push(made.stack);
        return made.stack;
    }

    async destroyAll(): Promise<void> {
        const errors: string[] = [];
        for (const stack of this.stacks.reverse()) {
            await stack.destroy({ color: "never" }).catch((e) => errors.push((e as Error).message));
        }
        this.stacks = [];
        for (const dir of this.dirs) fs.rmSync(dir, { recursive: true, force: true });
        this.dirs = [];
        if (errors.length) throw new Error(`cleanup failed:\n${errors.join("\n")}`);
    }
}

/** The engine's halves of a replacement, reported beside its `replace` step. */
const REPLACEMENT_HALVES = new Set(["create-replacement", "delete-replaced"]);

/**
 * A preview's planned steps as `op name(changed fields)` lines, sorted;
 * resources that stay the same are left out, and a replacement is one line.
 */
export function plannedSteps(events: auto.EngineEvent[]): string[] {
    return events
        .map((e) => e.resourcePreEvent?.metadata)
        .filter(
            (m): m is NonNullable<typeof m> =>
                m !== undefined && m.op !== "same" && !REPLACEMENT_HALVES.has(m.op) && m.type !== "pulumi:pulumi:Stack",
        )
        .map((m) => `${m.op} ${m.urn.split("::").pop()}${m.diffs?.length ? `(${[...m.diffs].sort().join(",")})` : ""}`)
        .sort();
}

/** Runs a preview with the diff and returns its planned steps. */
export async function previewSteps(stack: auto.Stack): Promise<string[]> {
    const events: auto.EngineEvent[] = [];
    await stack.preview({ diff: true, color: "never", onEvent: (e) => events.push(e) });
    return plannedSteps(events);
}

/**
 * Runs `action` (an `up` or `preview` of an inline program that fails) with
 * the program's own errors kept from Jest: the SDK reports them as unhandled
 * rejections, which the inline language host listens for on the sandbox's
 * `process` but which reach the real one (see environment.js). Returns them.
 */
export async function withProgramErrors<T>(action: () => Promise<T>): Promise<{ result?: T; error?: Error; programErrors: unknown[] }> {
    const host: NodeJS.Process = (globalThis as any).__hostProcess ?? process;
    const saved = host.listeners("unhandledRejection");
    host.removeAllListeners("unhandledRejection");
    const programErrors: unknown[] = [];
    const collect = (reason: unknown) => programErrors.push(reason);
    host.on("unhandledRejection", collect);
    try {
        const result = await action();
        return { result, programErrors };
    } catch (error) {
        return { error: error as Error, programErrors };
    } finally {
        await new Promise((resolve) => setTimeout(resolve, 10));
        host.off("unhandledRejection", collect);
        for (const listener of saved) host.on("unhandledRejection", listener as (...a: any[]) => void);
    }
}
