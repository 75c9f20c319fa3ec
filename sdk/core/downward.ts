// The downward API: env vars whose value is a field of the pod or a
// container's resources, as a container sees them in Kubernetes. Most are
// known at preview and become plain values here; the pod's and the host's
// addresses and the host's name are known only on the host, and are filled in
// by the Pulumi layer (`runtime`).
import * as pulumi from "@pulumi/pulumi";
import { EnvVar, EnvVarSource } from "../types";
import { Problems } from "./errors";
import { Limits } from "./checks";
import { parseCpuMillis, parseMemoryBytes } from "./quantity";

/** Values only the host knows: the sandbox's address, the host's address on the pod's network, the host's name. */
export type RuntimeField = "podIP" | "hostIP" | "nodeName";

/** An env var of a checked container: a value, or (after resolution) a runtime field. */
export interface EnvSpec {
    name: string;
    /** The value: given, or resolved from `valueFrom`. */
    value?: pulumi.Input<string>;
    /** Filled in on the host. */
    runtime?: RuntimeField;
    /** Where the value comes from, as given (checked): written back to manifests. */
    valueFrom?: EnvVarSource;
}

/** A Docker host has no namespaces: every pod is in Kubernetes' `default`, as a pod created without one is. */
export const POD_NAMESPACE = "default";

const FIELD_PATHS: Record<string, RuntimeField | "name" | "namespace" | undefined> = {
    "metadata.name": "name",
    "metadata.namespace": "namespace",
    "status.podIP": "podIP",
    "status.hostIP": "hostIP",
    "spec.nodeName": "nodeName",
};
const MAP_FIELD = /^metadata\.(labels|annotations)\[(?:'([^']*)'|"([^"]*)")\]$/;
const RESOURCES = ["limits.cpu", "limits.memory", "requests.cpu", "requests.memory"];

/** Checks an env var's `value` / `valueFrom`; returns its spec with `valueFrom` not yet resolved. */
export function checkEnvVar(problems: Problems, path: string, e: EnvVar): EnvSpec {
    const hasValue = e.value !== undefined && e.value !== null;
    if (e.valueFrom === undefined || e.valueFrom === null) return { name: e.name, value: hasValue ? e.value : "" };
    if (hasValue) problems.add(`${path}.valueFrom`, "cannot be set with value: keep one of them");
    const from = e.valueFrom;
    const kinds = [from.fieldRef, from.resourceFieldRef].filter((k) => k !== undefined && k !== null).length;
    if (kinds !== 1) {
        problems.add(
            `${path}.valueFrom`,
            "needs exactly one of fieldRef or resourceFieldRef (other sources, such as secretKeyRef, are not supported)",
        );
        return { name: e.name };
    }
    if (from.fieldRef) {
        const fieldPath = from.fieldRef.fieldPath;
        if (typeof fieldPath !== "string" || (!(fieldPath in FIELD_PATHS) && !MAP_FIELD.test(fieldPath))) {
            problems.add(
                `${path}.valueFrom.fieldRef.fieldPath`,
                `${JSON.stringify(fieldPath)} is not a field dockerpod gives: use metadata.name, metadata.namespace, ` +
                    "metadata.labels['<key>'], metadata.annotations['<key>'], status.podIP, status.hostIP or spec.nodeName",
            );
        }
        return { name: e.name, valueFrom: { fieldRef: { fieldPath } } };
    }
    const ref = from.resourceFieldRef!;
    if (typeof ref.resource !== "string" || !RESOURCES.includes(ref.resource)) {
        problems.add(
            `${path}.valueFrom.resourceFieldRef.resource`,
            `${JSON.stringify(ref.resource)} is not one of ${RESOURCES.join(", ")}`,
        );
    } else if (ref.divisor !== undefined) {
        const divisor = divisorOf(ref.resource, String(ref.divisor));
        if (divisor === undefined || divisor <= 0) {
            problems.add(
                `${path}.valueFrom.resourceFieldRef.divisor`,
                `${JSON.stringify(ref.divisor)} is not a positive quantity: write e.g. "1m" or "1Mi"`,
            );
        }
    }
    const resourceFieldRef = {
        resource: ref.resource,
        ...(ref.divisor !== undefined ? { divisor: String(ref.divisor) } : {}),
        ...(ref.containerName !== undefined ? { containerName: ref.containerName } : {}),
    };
    return { name: e.name, valueFrom: { resourceFieldRef } };
}

/** What resolving a container's downward env vars needs to know of its pod. */
export interface DownwardContext {
    podName: string;
    labels: Record<string, string>;
    /** The pod's own limits, for a container without one (Kubernetes would use the node's allocatable). */
    podLimits: Limits;
    /** Each container of the pod by name: its limits and requests. */
    containers: Map<string, { limits: Limits; requests: Limits }>;
    /** Whether the pod uses the host's network: it then has no address of its own. */
    hostNetwork: boolean;
    /** Whether the pod's and host's addresses can be filled in (a PayloadContainer needs them given). */
    addresses: { podIP: boolean; hostIP: boolean };
}

/** Resolves the downward env vars of one container (`container` names it); records a problem for each that cannot be. */
export function resolveDownward(problems: Problems, path: string, container: string, env: EnvSpec[], ctx: DownwardContext): EnvSpec[] {
    return env.map((e, i) => {
        const at = `${path}.env[${i}].valueFrom`;
        const fieldPath = e.valueFrom?.fieldRef?.fieldPath;
        if (fieldPath !== undefined) {
            const field = FIELD_PATHS[fieldPath];
            if (field === "name") return { ...e, value: ctx.podName };
            if (field === "namespace") return { ...e, value: POD_NAMESPACE };
            if (field === "nodeName") return { ...e, runtime: field };
            if (field === "podIP" || field === "hostIP") {
                if (ctx.hostNetwork) {
                    problems.add(
                        `${at}.fieldRef.fieldPath`,
                        `${fieldPath} is not known with hostNetwork: the pod has the host's addresses; pass the address as a value`,
                    );
                } else if (!ctx.addresses[field]) {
                    problems.add(`${at}.fieldRef.fieldPath`, `${fieldPath} needs ${field}: pass the SandboxContainer's ${field}`);
                }
                return { ...e, runtime: field };
            }
            const map = MAP_FIELD.exec(fieldPath);
            if (map) {
                // Own keys only: a key such as "constructor" or "__proto__" that is not set is "", as in Kubernetes.
                const key = map[2] ?? map[3];
                const value = map[1] === "labels" && Object.prototype.hasOwnProperty.call(ctx.labels, key) ? ctx.labels[key] : "";
                return { ...e, value: typeof value === "string" ? value : "" };
            }
            return e;
        }
        const ref = e.valueFrom?.resourceFieldRef;
        if (ref === undefined || !RESOURCES.includes(ref.resource)) return e;
        const of = ref.containerName ?? container;
        const target = ctx.containers.get(of);
        if (!target) {
            problems.add(`${at}.resourceFieldRef.containerName`, `"${of}" is not a container of the pod`);
            return e;
        }
        const [kind, resource] = ref.resource.split(".") as ["limits" | "requests", "cpu" | "memory"];
        const key = resource === "cpu" ? "cpuMillis" : "memoryBytes";
        // As in Kubernetes: a request defaults to the limit; a limit, to what the container may use (here the pod's limit).
        const amount = (kind === "requests" ? target.requests[key] : undefined) ?? target.limits[key] ?? ctx.podLimits[key];
        if (amount === undefined) {
            problems.add(
                `${at}.resourceFieldRef.resource`,
                `${ref.resource} of "${of}" is not set: give the container or the pod resources.limits.${resource}`,
            );
            return e;
        }
        const divisor = divisorOf(ref.resource, ref.divisor);
        if (divisor === undefined || divisor <= 0) return e;
        return { ...e, value: String(Math.ceil(amount / divisor)) };
    });
}

/** A resourceFieldRef's divisor in the resource's own unit (millicores, bytes); without one, 1 core or 1 byte. */
function divisorOf(resource: string, divisor: string | undefined): number | undefined {
    const cpu = resource.endsWith(".cpu");
    if (divisor === undefined) return cpu ? 1000 : 1;
    return cpu ? parseCpuMillis(divisor) : parseMemoryBytes(divisor);
}
