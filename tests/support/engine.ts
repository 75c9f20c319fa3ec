// Stacks for tests, run by the real Pulumi engine: the CLI, the docker and
// command plugins built from Go modules (toolchain/build.sh), driven through
// the Automation API with inline programs. Each `up`, `preview`, `refresh`
// and `destroy` is the engine's own; what a test reads back is the engine's
// events (the steps it took, in order, with the fields that caused them) and
// the stack's exported state.
import * as fs from "fs";
import * as auto from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";
import { localStack } from "./pulumi";

export const T_CONTAINER = "docker:index/container:Container";
export const T_IMAGE = "docker:index/remoteImage:RemoteImage";
export const T_VOLUME = "docker:index/volume:Volume";
export const T_COMMAND = "command:local:Command";
export const T_REMOTE_COMMAND = "command:remote:Command";
/** The pod component: its args are its inputs (a policy pack reads them), so a change to them is an update of it too. */
export const T_POD = "dockerpod:index:DockerPod";

/** A program as the tests write it: builds resources, may return a value. */
export type Program<T> = () => T;

/** One step the engine took (or, in a preview, planned), keyed `type::name` as the state is. */
export interface Step {
    op: string;
    key: string;
    urn: string;
    /** Fields that caused an update or replace. */
    diff?: string[];
    /** Set when the step failed. */
    failed?: boolean;
    /** Milliseconds from the engine's announcing the step to its end, as the events arrived (not in a preview). */
    ms?: number;
}

/** An engine event with the time it reached the test. */
type TimedEvent = auto.EngineEvent & { receivedAt?: number };

const timed = (events: TimedEvent[]) => (e: auto.EngineEvent) => events.push({ ...e, receivedAt: Date.now() });

/** The steps that did something, as `op type::name` lines, in order. */
export function changes(steps: Step[]): string[] {
    return steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.key}`);
}

export interface StateEntry {
    key: string;
    type: string;
    name: string;
    urn: string;
    id: string;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
}

/** A policy pack's report on one resource, as the engine's policy events give it. */
export interface PolicyFinding {
    policy: string;
    /** `advisory` or `mandatory` (the Automation API's type says `warning`, the engine sends `advisory`). */
    level: string;
    /** The resource's name (the last part of its URN). */
    resource: string;
    urn: string;
    message: string;
}

/** Policy packs a preview or up runs with (`--policy-pack`, `--policy-pack-config`). */
export interface PolicyOptions {
    policyPacks?: string[];
    policyPackConfigs?: string[];
}

function policyFindings(events: auto.EngineEvent[]): PolicyFinding[] {
    return events
        .map((e) => e.policyEvent)
        .filter((p): p is auto.PolicyEvent => p !== undefined)
        .map((p) => ({
            policy: p.policyName,
            level: p.enforcementLevel,
            resource: (p.resourceUrn ?? "").split("::").pop()!,
            urn: p.resourceUrn ?? "",
            message: p.message.trim(),
        }));
}

export interface Run<T> {
    /** What the program returned (its Outputs resolved by the end of an `up`). */
    result: T;
    /** What policy packs reported, when the run had any. */
    policies: PolicyFinding[];
    /** The program's own errors first (the objects it threw), then the engine's error diagnostics. */
    errors: Error[];
    steps: Step[];
    /** Everything the CLI printed. */
    output: string;
}

/** The engine's halves of a replacement, reported beside its `replace` step. */
const REPLACEMENT_HALVES = new Set(["create-replacement", "delete-replaced", "discard-replaced"]);

const keyOf = (type: string, urn: string) => `${type}::${urn.split("::").pop()}`;

/** Steps from engine events: completed ones (`resOutputsEvent`), failed ones, or in a preview the planned ones. */
function stepsOf(events: TimedEvent[], preview: boolean): Step[] {
    const steps: Step[] = [];
    const seen = new Set<string>();
    const announced = new Map<string, number>();
    for (const e of events) {
        const pre = e.resourcePreEvent?.metadata;
        if (pre && e.receivedAt !== undefined && !announced.has(`${pre.op} ${pre.urn}`)) {
            announced.set(`${pre.op} ${pre.urn}`, e.receivedAt);
        }
        const meta = preview ? e.resourcePreEvent?.metadata : (e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata);
        if (!meta || REPLACEMENT_HALVES.has(meta.op) || meta.type === "pulumi:pulumi:Stack" || meta.type.startsWith("pulumi:providers:")) {
            continue;
        }
        // A preview may announce one step more than once.
        if (preview && seen.has(`${meta.op} ${meta.urn}`)) continue;
        seen.add(`${meta.op} ${meta.urn}`);
        steps.push({
            op: meta.op,
            key: keyOf(meta.type, meta.urn),
            urn: meta.urn,
            ...(meta.diffs?.length ? { diff: [...meta.diffs].sort() } : {}),
            ...(e.resOpFailedEvent ? { failed: true } : {}),
            ...(!preview && e.receivedAt !== undefined && announced.has(`${meta.op} ${meta.urn}`)
                ? { ms: e.receivedAt - announced.get(`${meta.op} ${meta.urn}`)! }
                : {}),
        });
    }
    return steps;
}

/** The error diagnostics of a run (the engine's and the providers' words). */
function diagnosticErrors(events: auto.EngineEvent[]): Error[] {
    const messages = events
        .map((e) => e.diagnosticEvent)
        .filter((d): d is NonNullable<typeof d> => d !== undefined && d.severity === "error")
        .map((d) => `${d.urn ? `${d.urn.split("::").pop()}: ` : ""}${d.message.trim()}`);
    return [...new Set(messages)].map((m) => new Error(m));
}

export interface EngineStackOptions {
    /** The project name (default `dockerpod-test`). */
    project?: string;
    /** Extra environment for the CLI and plugins. */
    env?: Record<string, string>;
}

/**
 * One stack of a test, in a file backend of its own. Programs change between
 * runs as a user's program does between commits.
 */
export class EngineStack {
    /** The stack's custom resources after the last command, by `type::name` (providers left out). */
    readonly state = new Map<string, StateEntry>();
    private made?: Promise<{ stack: auto.Stack; backend: string }>;

    constructor(
        readonly name: string,
        private readonly options: EngineStackOptions = {},
    ) {}

    /** The Automation API stack, made on first use in a file backend of its own. */
    workspaceStack(): Promise<auto.Stack> {
        this.made ??= localStack(this.options.project ?? "dockerpod-test", this.name, async () => ({}), this.options.env);
        return this.made.then((m) => m.stack);
    }

    /** Sets the stack's config (keys without the project prefix), `secrets` among them as secrets. */
    async setConfig(config: Record<string, string>, secrets: string[] = []): Promise<void> {
        const stack = await this.workspaceStack();
        await stack.setAllConfig(
            Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v, secret: secrets.includes(k) }])),
        );
    }

    /** `pulumi up` of `program`. A failed up is returned with its errors, not thrown. */
    async up<T>(program: Program<T>, options: PolicyOptions = {}): Promise<Run<T>> {
        const stack = await this.workspaceStack();
        return this.run(program, (events, inline) =>
            stack.up({ program: inline, color: "never", onEvent: timed(events), ...options }).then((r) => r.stdout),
        );
    }

    /** `pulumi preview --diff` of `program`: the planned steps; nothing is changed. */
    async preview<T>(program: Program<T>, options: { expectNoChanges?: boolean } & PolicyOptions = {}): Promise<Run<T>> {
        const stack = await this.workspaceStack();
        return this.run(
            program,
            (events, inline) =>
                stack
                    .preview({
                        program: inline,
                        diff: true,
                        color: "never",
                        expectNoChanges: options.expectNoChanges,
                        policyPacks: options.policyPacks,
                        policyPackConfigs: options.policyPackConfigs,
                        onEvent: timed(events),
                    })
                    .then((r) => r.stdout),
            true,
        );
    }

    /** `pulumi refresh`; `expectNoChanges` fails it when the live state differs from the stack's. */
    async refresh(options: { expectNoChanges?: boolean } = {}): Promise<Run<void>> {
        const events: TimedEvent[] = [];
        let output = "";
        const errors: Error[] = [];
        try {
            output = (
                await (
                    await this.workspaceStack()
                ).refresh({ color: "never", expectNoChanges: options.expectNoChanges, onEvent: timed(events) })
            ).stdout;
        } catch (err) {
            errors.push(...diagnosticErrors(events), err as Error);
        }
        await this.readState();
        return { result: undefined, errors, steps: stepsOf(events, false), output, policies: policyFindings(events) };
    }

    /** `pulumi destroy`: the steps, dependents first as the engine orders them. Throws when it fails. */
    async destroy(): Promise<Step[]> {
        const events: TimedEvent[] = [];
        await (await this.workspaceStack()).destroy({ color: "never", onEvent: timed(events) });
        await this.readState();
        return stepsOf(events, false);
    }

    /** Destroys what is left and removes the stack's backend folder. */
    async dispose(): Promise<void> {
        if (!this.made) return;
        const { backend } = await this.made;
        try {
            await this.destroy();
        } finally {
            fs.rmSync(backend, { recursive: true, force: true });
        }
    }

    private async run<T>(
        program: Program<T>,
        command: (events: TimedEvent[], inline: auto.PulumiFn) => Promise<string>,
        preview = false,
    ): Promise<Run<T>> {
        const events: TimedEvent[] = [];
        const thrown: Error[] = [];
        let result: T | undefined;
        const inline: auto.PulumiFn = async () => {
            try {
                result = program();
            } catch (err) {
                thrown.push(err as Error);
                throw err;
            }
            return {};
        };
        // The SDK reports a failed registration as an unhandled rejection, which the
        // inline language host hears on the real `process` (tests/support/environment.js).
        const host: NodeJS.Process = (globalThis as any).__hostProcess ?? process;
        const saved = host.listeners("unhandledRejection");
        host.removeAllListeners("unhandledRejection");
        const collect = (reason: unknown) => thrown.push(reason instanceof Error ? reason : new Error(String(reason)));
        host.on("unhandledRejection", collect);
        let output = "";
        const errors: Error[] = [];
        try {
            output = await command(events, inline);
        } catch (err) {
            const diagnostics = diagnosticErrors(events);
            errors.push(...diagnostics);
            if (diagnostics.length === 0) errors.push(err as Error);
        } finally {
            await new Promise((resolve) => setTimeout(resolve, 10));
            host.off("unhandledRejection", collect);
            for (const listener of saved) host.on("unhandledRejection", listener as (...a: any[]) => void);
        }
        if (!preview) await this.readState();
        // One error once: the program's own error reaches the host both as a throw and as a
        // rejection, and comes back again as the engine's diagnostic.
        const own = [...new Set(thrown)];
        const engine = errors.filter((e) => !own.some((o) => e.message.includes(o.message)));
        return {
            result: result as T,
            errors: [...own, ...engine],
            steps: stepsOf(events, preview),
            output,
            policies: policyFindings(events),
        };
    }

    private async readState(): Promise<void> {
        const exported = await (await this.workspaceStack()).exportStack();
        this.state.clear();
        for (const r of (exported.deployment?.resources ?? []) as any[]) {
            if (!r.custom || String(r.type).startsWith("pulumi:providers:")) continue;
            const key = keyOf(r.type, r.urn);
            this.state.set(key, {
                key,
                type: r.type,
                name: String(r.urn).split("::").pop()!,
                urn: r.urn,
                id: r.id,
                inputs: r.inputs ?? {},
                outputs: r.outputs ?? {},
            });
        }
    }
}

/** Stacks made by a test file; `destroyAll` in afterEach/afterAll cleans up, also after a failure. */
export class EngineStacks {
    private list: EngineStack[] = [];

    create(name?: string, options: EngineStackOptions = {}): EngineStack {
        const stack = new EngineStack(name ?? `s${this.list.length}`, options);
        this.list.push(stack);
        return stack;
    }

    async destroyAll(): Promise<void> {
        const errors: string[] = [];
        for (const s of this.list.reverse()) {
            await s.dispose().catch((e) => errors.push((e as Error).message));
        }
        this.list = [];
        if (errors.length) throw new Error(`cleanup failed:\n${errors.join("\n")}`);
    }
}

/** Resolves an Output in a test (after an `up`, its value is known). */
export function value<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as any).promise() as Promise<T>;
}
