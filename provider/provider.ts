// The component provider other languages talk to. It is Pulumi's
// ComponentProvider with one step before each component is built: its inputs
// are made into what the TypeScript classes take.
//
// Why: the provider host (@pulumi/pulumi/provider/server.js, deserializeInputs)
// hands a top-level input over as ONE pulumi Output when it is secret or has
// dependencies. A secret anywhere inside a structure (say one env value of
// `containers`, sent by an SDK that marks secrets on plain values) makes the
// whole `containers` one secret Output, and DockerPod, which checks its plain
// fields synchronously before it registers anything, could not read it.
//
// So, guided by the package schema (a property without `plain: true` is one
// where the TypeScript Args take an Input):
// - an Output, or a value known only at `up`, where an Input is taken stays as
//   it is: its own secrecy and dependencies go with it;
// - an Output where a plain value is needed is awaited. Unknown (in preview):
//   a clear error naming the field. A secret structure (an object or list): its
//   fields that take an Input (env values, file contents, images, commands,
//   args, the SSH connection) are re-wrapped with the structure's secrecy and
//   dependencies, and a warning says that its plain fields (names, ports, ...)
//   are not secret. A secret plain scalar (a secret host port, say): an error,
//   as it could not stay secret;
// - a secret `manifest` is read here (podArgsFromManifest) so that the values
//   it gives to Input fields (env values, ...) stay secret.
// Errors from the components (PodSpecError) are InputPropertiesErrors, which
// the engine prints field by field.
//
// What it loads when it starts is what every operation of another language
// waits for before the engine has the schema: Pulumi's runner has loaded
// @pulumi/pulumi's output, log and error modules already, so they are taken
// one by one here, and the components (the SDK, @pulumi/docker, whose
// @pulumi/pulumi root module loads the automation API: about 0.7 s together)
// only when the first component is constructed (see DockerPodProviderOptions).
import type * as pulumi from "@pulumi/pulumi";
import { InputPropertiesError } from "@pulumi/pulumi/errors";
import * as log from "@pulumi/pulumi/log";
import { Output, isUnknown, output } from "@pulumi/pulumi/output";
import { ConstructResult } from "@pulumi/pulumi/provider";
import { ComponentProvider, ComponentProviderOptions, ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";
import { packageSchema } from "./schema";

/** A property in the package schema. */
interface PropertySpec {
    type?: string;
    $ref?: string;
    items?: PropertySpec;
    additionalProperties?: PropertySpec;
    plain?: boolean;
}

/** A type in the package schema: an object with properties, or an enum. */
interface TypeSpec {
    type: string;
    properties?: Record<string, PropertySpec>;
}

interface PackageSchema {
    resources: Record<string, { inputProperties: Record<string, PropertySpec>; properties?: Record<string, PropertySpec> }>;
    types: Record<string, TypeSpec>;
}

/** One input that cannot be used, by its path. */
export interface InputProblem {
    path: string;
    reason: string;
}

/** Thrown when inputs cannot be prepared; the engine prints it field by field. */
function inputsError(resource: string, problems: InputProblem[]): InputPropertiesError {
    return new InputPropertiesError({
        message: `dockerpod: cannot build "${resource}":\n` + problems.map((p) => `  - ${p.path}: ${p.reason}`).join("\n"),
        errors: problems.map((p) => ({ propertyPath: p.path, reason: p.reason })),
    });
}

const UNKNOWN =
    "is not known yet (it is computed from another resource): dockerpod plans the pod from it in preview; " +
    "give a value known before the update, or compute only fields that take an Input (image, command, args, env values, file contents)";
const SECRET_SCALAR =
    "is secret, but dockerpod writes it in plain into Docker names, labels or arguments: only fields that take " +
    "an Input (env values, file contents, images, commands, args, the SSH connection) stay secret; move the secret there";

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !Output.isInstance(value);
}

/**
 * Makes a component's deserialized inputs into what its TypeScript class
 * takes, following the package schema. Collects problems and warnings; the
 * caller throws and logs them.
 */
export class InputPreparer {
    readonly problems: InputProblem[] = [];
    readonly warnings: string[] = [];

    constructor(private readonly schema: PackageSchema) {}

    /** Prepares every top-level input of the resource `token`. */
    async inputs(token: string, inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
        const properties = this.schema.resources[token]?.inputProperties ?? {};
        const result: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(inputs)) {
            // A field the schema does not have is left for the component to refuse.
            result[key] = properties[key] ? await this.value(key, value, properties[key], undefined) : value;
        }
        return result;
    }

    /**
     * One value at `path`. `carrier` is the Output of an enclosing structure
     * that was secret or had dependencies: Input fields below it are re-wrapped
     * with it, so they keep its secrecy and dependencies.
     */
    async value(path: string, value: unknown, spec: PropertySpec, carrier: pulumi.Output<unknown> | undefined): Promise<unknown> {
        const takesInput = spec.plain !== true;
        if (isUnknown(value)) {
            if (takesInput) return output(value);
            this.problems.push({ path, reason: UNKNOWN });
            return undefined;
        }
        if (Output.isInstance(value)) {
            if (takesInput) return value;
            return this.resolve(path, value, spec, carrier);
        }
        if (takesInput && carrier !== undefined && value !== undefined) {
            return carrier.apply(() => value);
        }
        return this.structure(path, value, spec, carrier);
    }

    /** An Output where a plain value is needed: awaited, its secrecy and dependencies carried below. */
    private async resolve(
        path: string,
        output: pulumi.Output<unknown>,
        spec: PropertySpec,
        carrier: pulumi.Output<unknown> | undefined,
    ): Promise<unknown> {
        const internal = output as unknown as {
            promise(withUnknowns?: boolean): Promise<unknown>;
            isKnown: Promise<boolean>;
            isSecret: Promise<boolean>;
        };
        const value = await internal.promise(true);
        if (isUnknown(value) || (value === undefined && !(await internal.isKnown))) {
            this.problems.push({ path, reason: UNKNOWN });
            return undefined;
        }
        const secret = await internal.isSecret;
        const structured = typeof value === "object" && value !== null;
        if (secret && !structured) {
            this.problems.push({ path, reason: SECRET_SCALAR });
            return undefined;
        }
        if (secret) {
            this.warnings.push(
                `dockerpod: ${path} arrived secret as a whole (a value inside it is secret, and the engine does not say which): ` +
                    "its fields that take an Input (env values, file contents, images, commands, args, the SSH connection) stay secret; " +
                    "its plain fields (names, ports, paths, ...) are written in plain",
            );
        }
        const dependencies = await (output as unknown as { allResources?: () => Promise<Set<pulumi.Resource>> }).allResources?.();
        const carries = secret || (dependencies !== undefined && dependencies.size > 0);
        return this.structure(path, value, spec, carries ? output : carrier);
    }

    /** A plain value: an object of a schema type, a list, a map, or a scalar. */
    private async structure(
        path: string,
        value: unknown,
        spec: PropertySpec,
        carrier: pulumi.Output<unknown> | undefined,
    ): Promise<unknown> {
        if (spec.$ref !== undefined) {
            const type = this.schema.types[spec.$ref.replace(/^#\/types\//, "")];
            if (type?.type !== "object" || !isObject(value)) return value;
            const result: Record<string, unknown> = {};
            for (const [key, field] of Object.entries(value)) {
                const fieldSpec = type.properties?.[key];
                result[key] = fieldSpec ? await this.value(`${path}.${key}`, field, fieldSpec, carrier) : field;
            }
            return result;
        }
        if (spec.type === "array" && spec.items && Array.isArray(value)) {
            const result: unknown[] = [];
            for (let i = 0; i < value.length; i++) result.push(await this.value(`${path}[${i}]`, value[i], spec.items, carrier));
            return result;
        }
        if (spec.type === "object" && spec.additionalProperties && isObject(value)) {
            const result: Record<string, unknown> = {};
            for (const [key, field] of Object.entries(value)) {
                result[key] = await this.value(`${path}.${key}`, field, spec.additionalProperties, carrier);
            }
            return result;
        }
        return value;
    }
}

const DOCKER_POD = "dockerpod:index:DockerPod";

/** What DockerPodProvider takes: ComponentProvider's options, with the components loaded when needed. */
export interface DockerPodProviderOptions extends Omit<ComponentProviderOptions, "components"> {
    dirname: string;
    /**
     * The component classes, or how to load them. A loader is called at the
     * first construct (or to infer the schema, when the provider runs from a
     * checkout that was not built): the built schema is served without them.
     */
    components: ComponentResourceConstructor[] | (() => Promise<ComponentResourceConstructor[]>);
}

/**
 * Pulumi's ComponentProvider, with the schema served from the build (see
 * schema.ts) and the inputs prepared for the TypeScript classes first.
 */
export class DockerPodProvider extends ComponentProvider {
    private schemaText?: string;
    private parsedSchema?: PackageSchema;
    private loadedComponents?: Promise<ComponentResourceConstructor[]>;
    private readonly loadComponents: () => Promise<ComponentResourceConstructor[]>;

    constructor(options: DockerPodProviderOptions) {
        const { components, ...rest } = options;
        // ComponentProvider only indexes the classes by name; its construct and getSchema are replaced below.
        super({ ...rest, components: [] });
        this.loadComponents = Array.isArray(components) ? () => Promise.resolve(components) : components;
    }

    private components(): Promise<ComponentResourceConstructor[]> {
        this.loadedComponents ??= this.loadComponents();
        return this.loadedComponents;
    }

    async getSchema(): Promise<string> {
        this.schemaText ??= await packageSchema(this.options.dirname!, this.options.name, () => this.components());
        return this.schemaText;
    }

    async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<ConstructResult> {
        ComponentProvider.validateResourceType(this.options.name, type);
        this.parsedSchema ??= JSON.parse(await this.getSchema()) as PackageSchema;
        const resource = this.parsedSchema.resources[type];
        const component = (await this.components()).find((c) => `${this.options.name}:index:${c.name}` === type);
        if (resource === undefined || component === undefined) throw new Error(`dockerpod has no component ${type}`);
        const preparer = new InputPreparer(this.parsedSchema);
        let prepared: Record<string, unknown>;
        const { manifest, ...rest } = inputs as Record<string, unknown>;
        if (type === DOCKER_POD && Output.isInstance(manifest)) {
            prepared = await this.secretManifest(preparer, manifest, rest);
        } else {
            prepared = await preparer.inputs(type, inputs as Record<string, unknown>);
        }
        if (preparer.problems.length > 0) throw inputsError(name, preparer.problems);
        for (const warning of preparer.warnings) log.warn(`${name}: ${warning}`);
        // A PodSpecError is an InputPropertiesError already: the engine prints it field by field.
        const instance = new component(name, prepared, options) as pulumi.ComponentResource & Record<string, unknown>;
        // The component's outputs are the schema's properties of its resource.
        const state = Object.fromEntries(Object.keys(resource.properties ?? {}).map((key) => [key, instance[key]]));
        return { urn: instance.urn, state };
    }

    /**
     * A manifest that arrived as an Output: known text is read here. When it is
     * secret, the values it gives to Input fields (env values, ...) are made
     * secret; the other inputs override its fields, as in DockerPod.
     */
    private async secretManifest(
        preparer: InputPreparer,
        manifest: pulumi.Output<unknown>,
        rest: Record<string, unknown>,
    ): Promise<Record<string, unknown>> {
        const overrides = await preparer.inputs(DOCKER_POD, rest);
        const internal = manifest as unknown as {
            promise(withUnknowns?: boolean): Promise<unknown>;
            isKnown: Promise<boolean>;
            isSecret: Promise<boolean>;
        };
        const text = await internal.promise(true);
        if (!(await internal.isKnown) || typeof text !== "string") {
            preparer.problems.push({ path: "manifest", reason: UNKNOWN });
            return overrides;
        }
        if (!(await internal.isSecret)) return { ...overrides, manifest: text };
        const { podArgsFromManifest } = await import("../sdk/core/manifest");
        const read = podArgsFromManifest(text);
        // Every Input field the manifest fills is re-wrapped with the manifest's secrecy.
        const secretArgs: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(read.args)) {
            const spec = this.parsedSchema!.resources[DOCKER_POD].inputProperties[key];
            secretArgs[key] = spec ? await preparer.value(key, value, spec, manifest) : value;
        }
        preparer.warnings.push(...read.warnings);
        for (const [key, value] of Object.entries(overrides)) {
            if (value !== undefined) secretArgs[key] = value;
        }
        return secretArgs;
    }
}
