// What the pinned providers do with a changed input, as the engine plans it
// (@pulumi/docker 5.2.0's docker_container, read from kreuzwerker's
// resource_docker_container.go: ForceNew fields replace, the update function's
// `docker update` fields change in place; @pulumi/command 1.x: triggers replace).
// Used by the blast-radius suite and the realizer; the real engine checks the
// rows it can run in tests/engine/real-engine.test.ts.

export type Change = "same" | "update" | "replace";

/** docker.Container fields `docker update` applies to a running container. */
export const CONTAINER_IN_PLACE = new Set(["restart", "maxRetryCount", "cpuShares", "memory", "memoryReservation", "memorySwap", "cpuSet"]);
/** docker.Container fields only written to state: changing them changes nothing live. */
export const CONTAINER_STATE_ONLY = new Set([
    "healthcheck",
    "init",
    "tmpfs",
    "cpuPeriod",
    "cpuQuota",
    "rm",
    "start",
    "wait",
    "waitTimeout",
    "attach",
    "logs",
    "destroyGraceSeconds",
    "mustRun",
]);

/** Fields that changed between two input sets (deep comparison). */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/**
 * How the engine applies changed fields to a resource of `type`, with the
 * resource's `replaceOnChanges` (which turn any listed change into a replace).
 */
export function classify(type: string, fields: string[], replaceOnChanges: string[] = []): Change {
    if (fields.length === 0) return "same";
    if (fields.some((f) => replaceOnChanges.includes(f) || replaceOnChanges.includes("*"))) return "replace";
    switch (type) {
        case "docker:index/container:Container":
            return fields.every((f) => CONTAINER_IN_PLACE.has(f) || CONTAINER_STATE_ONLY.has(f)) ? "update" : "replace";
        case "command:local:Command":
        case "command:remote:Command":
            // Script and environment changes run `update`; triggers (and the connection's host) replace.
            return fields.includes("triggers") ? "replace" : "update";
        case "docker:index/remoteImage:RemoteImage":
            return fields.every((f) => f === "keepLocally" || f === "forceRemove") ? "update" : "replace";
        case "docker:index/volume:Volume":
            return "replace";
        default:
            throw new Error(`engine model: no rules for resource type ${type}`);
    }
}
