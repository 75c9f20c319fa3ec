// The policy pack: one CrossGuard policy per control of controls.ts, run by
// `pulumi preview --policy-pack <dockerpod>/policy`. The baseline controls
// are advisory and the restricted ones disabled unless the pack's config
// says otherwise (policy/baseline.json, policy/restricted.json).
import { EnforcementLevel, PolicyPack, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { podArgsFromManifest } from "../core/manifest";
import { DockerPodArgs } from "../types";
import { CONTROLS, Control, ControlOptions, Plain, Violation, containerViolations, podViolations } from "./controls";

export const POD_TYPE = "dockerpod:index:DockerPod";
export const CONTAINER_TYPE = "docker:index/container:Container";

/** A resource's findings (none for a resource the pack does not check). */
export function violationsOf(resource: { type: string; urn: string; name: string; props: Plain }, options: ControlOptions): Violation[] {
    if (resource.type === POD_TYPE) {
        const { manifest, ...overrides } = resource.props as DockerPodArgs;
        // A pod given as a manifest: its fields are read as the pod reads them (the other args override).
        const args = typeof manifest === "string" ? podArgsFromManifest(manifest, overrides).args : (resource.props as DockerPodArgs);
        return podViolations(resource.name, args, options);
    }
    // A DockerPod's own containers are checked at the pod, on its fields; a part used on its own is a raw container.
    if (resource.type === CONTAINER_TYPE && !resource.urn.includes(`::${POD_TYPE}$`)) {
        return containerViolations(resource.props, options);
    }
    return [];
}

const HOST_PORTS_CONFIG = {
    properties: {
        allowedHostPorts: {
            type: "array",
            items: { type: "integer", minimum: 1, maximum: 65535 },
            description: "Host ports a pod or container may publish (Kubernetes' known list).",
        },
    },
} as const;

/**
 * Every policy is asked about every resource: the findings are computed once
 * per resource and options (only host-ports reads any), and each policy
 * reports its own share. Keyed by URN, not props: the engine hands each
 * policy a proxy that throws on a value unknown in preview, so props cannot
 * be read whole. A finding depends only on values it read, which were known
 * (else computing it threw, and nothing was kept), and those do not change
 * within one operation. The pack's process lives for one operation.
 */
const findings = new Map<string, Violation[]>();
export function cachedViolationsOf(
    resource: { type: string; urn: string; name: string; props: Plain },
    options: ControlOptions,
): Violation[] {
    const key = JSON.stringify([resource.urn, options]);
    let result = findings.get(key);
    if (result === undefined) {
        result = violationsOf(resource, options);
        findings.set(key, result);
    }
    return result;
}

/** The policy of one control. */
export function controlPolicy(c: Control): ResourceValidationPolicy {
    const enforcementLevel: EnforcementLevel = c.level === "restricted" ? "disabled" : "advisory";
    return {
        name: c.name,
        description: c === CONTROLS.guardian ? c.description : `${c.title} (Pod Security Standards, ${c.level}): ${c.description}`,
        enforcementLevel,
        ...(c === CONTROLS.hostPorts ? { configSchema: HOST_PORTS_CONFIG } : {}),
        validateResource: (args: ResourceValidationArgs, reportViolation) => {
            const options = c === CONTROLS.hostPorts ? args.getConfig<ControlOptions>() : {};
            for (const v of cachedViolationsOf(args, options)) {
                if (v.control === c) reportViolation(`${v.path}: ${v.message}`);
            }
        },
    };
}

/** The pack itself: constructing it serves the policies to the engine. */
export function servePolicyPack(): PolicyPack {
    return new PolicyPack("dockerpod-pod-security", { policies: Object.values(CONTROLS).map(controlPolicy) });
}
