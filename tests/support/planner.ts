// A model of the engine's planning for `pulumi preview` / `pulumi up` of a
// changed program: the previous run's state, the new registrations, and per
// resource what the pinned providers would do (engine-model.ts). Mocks only:
// nothing runs on a host.
import * as pulumi from "@pulumi/pulumi";
import { Change, changedFields, classify } from "./engine-model";
import { RecordingMocks } from "./mocks";
import { runProgram } from "./program";

type Program = (transformations: pulumi.ResourceTransformation[]) => unknown;

interface StateEntry {
    type: string;
    id: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
}

export interface PlannedStep {
    change: Change | "create" | "delete";
    fields: string[];
}

export interface Plan {
    steps: Record<string, PlannedStep>;
    errors: Error[];
    /** The inputs each custom resource was registered with in the new run. */
    inputs: Record<string, Record<string, unknown>>;
}

/** Answers as the providers would on create, with a generation so a replacement gets new ids. */
function providerOutputs(args: pulumi.runtime.MockResourceArgs, generation: number): { id: string; state: Record<string, unknown> } {
    const suffix = generation > 1 ? `-${generation}` : "";
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}${suffix}`;
    if (args.type === "docker:index/container:Container") state.exitCode = 0;
    return { id: `${args.name}-id${suffix}`, state };
}

/**
 * Runs `before` as a first `up`, then plans `after` against its state.
 * `registryDigests` are what getRegistryImage answers in each run (a tag that moved in between).
 */
export async function plan(
    before: Program,
    after: Program,
    options: { preview: boolean; registryDigests?: [string, string] },
): Promise<Plan> {
    const [digestBefore, digestAfter] = options.registryDigests ?? [undefined, undefined];
    const first = new RecordingMocks({ registryDigest: digestBefore });
    const registry = new RecordingMocks({ registryDigest: digestAfter });
    const initial = await runProgram(first, before);
    if (initial.errors.length) throw initial.errors[0];
    const state = new Map<string, StateEntry>();
    for (const r of first.created.filter((c) => c.custom !== false)) {
        const { id, state: outputs } = providerOutputs(r, 1);
        state.set(r.name, { type: r.type, id, inputs: r.inputs, outputs });
    }

    const replaceOnChanges = new Map<string, string[]>();
    const observe: pulumi.ResourceTransformation = (args) => {
        replaceOnChanges.set(args.name, (args.opts as pulumi.CustomResourceOptions).replaceOnChanges ?? []);
        return undefined;
    };
    const steps: Record<string, PlannedStep> = {};
    const inputs: Record<string, Record<string, unknown>> = {};
    const mocks: pulumi.runtime.Mocks = {
        newResource: async (args) => {
            if (args.custom === false) return { id: undefined, state: {} };
            inputs[args.name] = args.inputs;
            const prior = state.get(args.name);
            if (!prior) {
                steps[args.name] = { change: "create", fields: [] };
                return options.preview ? { id: undefined, state: { ...args.inputs } } : providerOutputs(args, 1);
            }
            const fields = changedFields(prior.inputs, args.inputs);
            const change = classify(args.type, fields, replaceOnChanges.get(args.name));
            steps[args.name] = { change, fields };
            if (change === "replace") {
                // A replacement's id and computed outputs are unknown in preview and new in an update.
                return options.preview ? { id: undefined, state: { ...args.inputs } } : providerOutputs(args, 2);
            }
            return { id: prior.id, state: { ...prior.outputs, ...args.inputs } };
        },
        call: (args) => registry.call(args),
    };
    const second = await runProgram(mocks, (transformations) => after([observe, ...transformations]), { preview: options.preview });
    for (const name of state.keys()) {
        if (!(name in steps)) steps[name] = { change: "delete", fields: [] };
    }
    return { steps, errors: second.errors, inputs };
}

/** The steps that do something, as `name: change(fields)` lines, sorted. */
export function describeChanges(p: Plan): string[] {
    return Object.entries(p.steps)
        .filter(([, s]) => s.change !== "same")
        .map(([name, s]) => `${name}: ${s.change}${s.fields.length ? `(${s.fields.join(",")})` : ""}`)
        .sort();
}
