// How a DockerPod hands its parts what it already checked and wired. The
// parts' public Args stay what a user writes by hand; a part built by a
// DockerPod finds its checked spec and the pod's wiring here, keyed by the
// very args object the pod passed, so nothing of it reaches the schema.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Problems } from "../core/errors";
import { PartChildRole, legacyPartChildName } from "../core/names";

/** What a DockerPod gives one of its parts besides the args. */
export interface FromPod<Spec> {
    /** The part's spec, out of the pod's one check. */
    spec: Spec;
    /** What the part's container (or the slice's Command) waits for. */
    dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
    /** The pod's labels for the part's container (`dockerpod.pod`, `dockerpod.slice`). */
    labels: Record<string, pulumi.Input<string>>;
    /**
     * What the part's first resources (its image, its user check) wait on: the
     * pre-flight of a remote host (hostPreflight.ts), so a host that cannot be
     * used fails the pod before anything of it is made.
     */
    hostReady?: pulumi.Output<pulumi.Resource[]>;
    /** The field path of the part's image in the pod's args, for errors about a computed image. */
    imageField?: string;
    /** The field path of the prober's image in the pod's args. */
    proberImageField?: string;
    /**
     * The DockerPod itself. Before the pod was made of parts its resources were
     * its direct children; an alias to it keeps their URNs, so an existing
     * stack's containers are not replaced by the move.
     */
    pod: pulumi.Resource;
}

const fromPods = new WeakMap<object, FromPod<unknown>>();

/** Hands `args` to a part with what the pod checked and wired; the part reads it with `fromPod`. */
export function handToPart<Args extends object, Spec>(args: Args, given: FromPod<Spec>): Args {
    fromPods.set(args, given);
    return args;
}

/** What a DockerPod handed along with these args, when a DockerPod made the part. */
export function fromPod<Spec>(args: object | undefined): FromPod<Spec> | undefined {
    return args === undefined || args === null ? undefined : (fromPods.get(args) as FromPod<Spec> | undefined);
}

/** Resource options of a part's own resources: the alias to the pod's old children when a pod made it. */
export function childOptions(parent: pulumi.Resource, given: FromPod<unknown> | undefined): pulumi.CustomResourceOptions {
    return given ? { parent, aliases: [{ parent: given.pod }] } : { parent };
}

/**
 * Resource options of a part's own resource `<part>.<role>`: besides the
 * part's options, aliases to the name it had until 0.2 (`<part>-<role>`),
 * under the part and, when a pod made the part, under the pod, so an
 * existing stack's resource stays.
 */
export function partChildOptions(
    parent: pulumi.Resource,
    given: FromPod<unknown> | undefined,
    partName: string,
    role: PartChildRole,
): pulumi.CustomResourceOptions {
    const name = legacyPartChildName(partName, role);
    return {
        parent,
        aliases: [{ name }, ...(given ? [{ name, parent: given.pod }] : [])],
        ...(given?.hostReady !== undefined ? { dependsOn: given.hostReady } : {}),
    };
}

/** Runs a part's check and throws every problem it found, with field paths, before anything is registered. */
export function checked<Spec>(resourceName: string, check: (problems: Problems) => Spec): Spec {
    const problems = new Problems();
    const spec = check(problems);
    problems.throwIfAny(resourceName);
    return spec;
}

/** The resources inside a part, for DockerPod.children() and the pod's own ordering. */
export interface PartResources {
    image?: docker.RemoteImage;
    container?: docker.Container;
    command?: pulumi.CustomResource;
    userCheck?: pulumi.Resource;
    /** The prober of a container with httpGet or tcpSocket probes. */
    prober?: docker.Container;
    /** The Command that runs the container's hooks, startup probe and readiness wait. */
    hooks?: pulumi.CustomResource;
}

const partResources = new WeakMap<pulumi.ComponentResource, PartResources>();

export function recordPart(part: pulumi.ComponentResource, resources: PartResources): void {
    partResources.set(part, resources);
}

export function resourcesOf(part: pulumi.ComponentResource): PartResources {
    return partResources.get(part) ?? {};
}
