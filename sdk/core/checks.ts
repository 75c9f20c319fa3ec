// Field checks shared by every part: each adds a problem with its field path
// and the fix, and returns what it could make of the value.
import { isIP } from "net";
import * as pulumi from "@pulumi/pulumi";
import { Probe } from "../types";
import { Problems } from "./errors";
import { isDns1123Label, shellQuote } from "./names";
import { MAX_CPU_MILLIS, MAX_MEMORY_BYTES, MIN_CPU_MILLIS, MIN_MEMORY_BYTES, parseCpuMillis, parseMemoryBytes } from "./quantity";
import { imageReferenceProblem } from "./reference";

export interface Limits {
    memoryBytes?: number;
    cpuMillis?: number;
}

export function enumCheck<T extends string>(problems: Problems, path: string, value: unknown, allowed: Record<string, T>, fallback: T): T {
    if (value === undefined || value === null) return fallback;
    const values = Object.values(allowed);
    if (typeof value !== "string" || !values.includes(value as T)) {
        problems.add(path, `"${String(value)}" is not one of ${values.map((v) => `"${v}"`).join(", ")}`);
        return fallback;
    }
    return value as T;
}

export function intCheck(problems: Problems, path: string, value: unknown, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        problems.add(path, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
        return undefined;
    }
    return value;
}

export function nameCheck(problems: Problems, path: string, name: unknown, what: string): name is string {
    if (pulumi.Output.isInstance(name)) {
        problems.add(
            path,
            `is a computed value (an Output), but the ${what} names the pod's objects and must be known at preview: pass a plain string`,
        );
        return false;
    }
    if (typeof name !== "string" || !isDns1123Label(name)) {
        problems.add(
            path,
            `${JSON.stringify(name)} is not a valid ${what}: use a DNS-1123 label ` +
                `(lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
        );
        return false;
    }
    return true;
}

/** A stand-in pod name, so that one bad pod name is reported once and every other field is still checked. */
export const STAND_IN_POD_NAME = "pod";

/** Checks a pod name; returns it, or the stand-in when it is bad (the problem is recorded). */
export function checkPodName(problems: Problems, path: string, value: unknown): string {
    return nameCheck(problems, path, value, "pod name") ? value : STAND_IN_POD_NAME;
}

export const ABSOLUTE_PATH = /^\/[A-Za-z0-9._@+=,/-]*$/;
/** sun_path holds 108 bytes with its NUL. */
export const MAX_SOCKET_PATH = 107;
/**
 * An image reference as Docker parses it (distribution's grammar): a bad one
 * fails at preview rather than at the pull. A computed image is checked by Docker.
 */
export function imageCheck(problems: Problems, path: string, image: unknown): void {
    if (image === undefined || image === null || image === "") {
        problems.add(path, 'is required: name the image, e.g. "nginx:alpine" or "registry.example.com:5000/team/app:1.4"');
        return;
    }
    if (pulumi.Output.isInstance(image)) return;
    if (typeof image !== "string") {
        problems.add(path, 'must be an image reference string, e.g. "nginx:alpine"');
        return;
    }
    const problem = imageReferenceProblem(image);
    if (problem !== undefined) {
        problems.add(
            path,
            `${JSON.stringify(image.slice(0, 80))}${image.length > 80 ? "..." : ""} is not an image reference (${problem}): ` +
                'write [registry[:port]/]repository[:tag][@sha256:digest] in lowercase, e.g. "registry.example.com:5000/team/app:1.4"',
        );
    }
}

export function pathCheck(problems: Problems, path: string, value: unknown, what: string): value is string {
    if (typeof value !== "string" || !ABSOLUTE_PATH.test(value) || value.split("/").includes("..")) {
        problems.add(
            path,
            `${JSON.stringify(value)} is not an accepted ${what}: use an absolute path of ` +
                `letters, digits and . _ @ + = , / - without '..'`,
        );
        return false;
    }
    return true;
}

/**
 * Parses limits (or requests), adding a problem per bad quantity. A cpu limit
 * becomes a CFS quota, which the kernel refuses below 1 ms: requests only
 * weigh shares and may be smaller.
 */
/** A quantity as the user wrote it (checked elsewhere), for messages and manifests. */
export function quantityText(value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : String(value);
}

export function checkLimits(problems: Problems, path: string, list: unknown, kind: "limits" | "requests" = "limits"): Limits {
    if (list === undefined || list === null) return {};
    if (typeof list !== "object") {
        problems.add(path, "must be an object with `memory` and/or `cpu`");
        return {};
    }
    const limits: Limits = {};
    const { memory, cpu, ...rest } = list as Record<string, unknown>;
    for (const key of Object.keys(rest)) {
        problems.add(`${path}.${key}`, "is not supported: only `memory` and `cpu` are");
    }
    if (memory !== undefined) {
        const bytes = typeof memory === "string" ? parseMemoryBytes(memory) : undefined;
        if (bytes === undefined) {
            problems.add(`${path}.memory`, `${JSON.stringify(memory)} is not a Kubernetes quantity: write e.g. "256Mi", "1Gi" or "512M"`);
        } else if (bytes > MAX_MEMORY_BYTES) {
            problems.add(`${path}.memory`, `"${memory}" is more memory than any host has: at most 8Pi (leave it out for no limit)`);
        } else if (bytes < MIN_MEMORY_BYTES) {
            problems.add(`${path}.memory`, `"${memory}" is below Docker's minimum of 6Mi: raise it to at least "6Mi"`);
        } else {
            limits.memoryBytes = bytes;
        }
    }
    if (cpu !== undefined) {
        const millis = typeof cpu === "string" ? parseCpuMillis(cpu) : undefined;
        if (millis === undefined) {
            problems.add(`${path}.cpu`, `${JSON.stringify(cpu)} is not a Kubernetes quantity: write e.g. "500m" or "2"`);
        } else if (millis <= 0) {
            problems.add(`${path}.cpu`, `"${cpu}" must be above 0: write e.g. "100m"`);
        } else if (millis > MAX_CPU_MILLIS) {
            problems.add(`${path}.cpu`, `"${cpu}" is more than ${MAX_CPU_MILLIS / 1000} cores: lower it (leave it out for no limit)`);
        } else if (kind === "limits" && millis < MIN_CPU_MILLIS) {
            problems.add(
                `${path}.cpu`,
                `"${cpu}" is below ${MIN_CPU_MILLIS}m, the smallest limit the kernel enforces ` +
                    `(a 1 ms quota per 100 ms): write at least "${MIN_CPU_MILLIS}m"`,
            );
        } else {
            limits.cpuMillis = millis;
        }
    }
    return limits;
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CAPABILITY = /^(CAP_)?[A-Z][A-Z_]*$/;
/** An IPv4 or IPv6 address, by Node's own parser (a pattern let 999.1.1.1 and "beef" through). */
export function isIpAddress(value: string): boolean {
    return isIP(value) !== 0;
}

/** Docker's limits for one argument are far larger; these keep a command readable and a request small. */
export const MAX_ARGS = 256;
export const MAX_ARG_LENGTH = 4096;

/** A command line (probe, command, args): a list of strings, none with a NUL, bounded. */
export function checkCommand(problems: Problems, path: string, command: unknown): void {
    if (command === undefined) return;
    if (!Array.isArray(command)) {
        problems.add(path, 'must be a list of strings, e.g. ["cat", "/tmp/healthy"]');
        return;
    }
    if (command.length > MAX_ARGS) problems.add(path, `has ${command.length} entries: at most ${MAX_ARGS}`);
    command.slice(0, MAX_ARGS).forEach((arg, i) => {
        // A computed argument (an Output or a Promise) reaches Docker as a string; the SDK checks its type.
        if (
            pulumi.Output.isInstance(arg) ||
            (typeof arg === "object" && arg !== null && typeof (arg as PromiseLike<unknown>).then === "function")
        )
            return;
        if (typeof arg !== "string") {
            problems.add(`${path}[${i}]`, `${JSON.stringify(arg)} is not a string: quote it`);
        } else if (arg.includes("\0")) {
            problems.add(`${path}[${i}]`, "contains a NUL character, which no command line can carry: remove it");
        } else if (arg.length > MAX_ARG_LENGTH) {
            problems.add(`${path}[${i}]`, `is ${arg.length} characters long: at most ${MAX_ARG_LENGTH} (put long content in files)`);
        }
    });
}

/**
 * A probe. `scripted`: its command is written into a host or guardian script
 * at preview (startup and liveness probes), so every argument must be a plain
 * string; a readiness probe is Docker's healthcheck and may take computed values.
 */
export function checkProbe(problems: Problems, path: string, given: unknown, scripted = false): void {
    if (given === undefined) return;
    if (given === null || typeof given !== "object" || Array.isArray(given)) {
        problems.add(path, "must be a probe ({ exec: { command: [...] } }), or left out");
        return;
    }
    const probe = given as Probe;
    const kinds = (["exec", "httpGet", "tcpSocket"] as const).filter((k) => probe[k] !== undefined && probe[k] !== null);
    if (kinds.length !== 1) {
        problems.add(path, "needs exactly one of exec, httpGet or tcpSocket");
    } else if (probe.exec) {
        checkExecCommand(problems, `${path}.exec.command`, probe.exec.command, "an exec probe", scripted);
    } else if (probe.httpGet) {
        intCheck(problems, `${path}.httpGet.port`, probe.httpGet.port, 1, 65535);
        if (probe.httpGet.port === undefined || probe.httpGet.port === null) problems.add(`${path}.httpGet.port`, "is required (a number)");
        const p = probe.httpGet.path;
        if (p !== undefined && (typeof p !== "string" || !HTTP_PATH.test(p))) {
            problems.add(
                `${path}.httpGet.path`,
                `${JSON.stringify(p)} is not an HTTP path: start it with '/', without spaces or quotes, at most 2048 characters`,
            );
        }
        if (probe.httpGet.scheme !== undefined && probe.httpGet.scheme !== "HTTP") {
            problems.add(
                `${path}.httpGet.scheme`,
                `${JSON.stringify(probe.httpGet.scheme)} is not supported: the prober speaks HTTP only; leave it out`,
            );
        }
    } else if (probe.tcpSocket) {
        intCheck(problems, `${path}.tcpSocket.port`, probe.tcpSocket.port, 1, 65535);
        if (probe.tcpSocket.port === undefined || probe.tcpSocket.port === null)
            problems.add(`${path}.tcpSocket.port`, "is required (a number)");
    }
    intCheck(problems, `${path}.initialDelaySeconds`, probe.initialDelaySeconds, 0, 3600);
    intCheck(problems, `${path}.periodSeconds`, probe.periodSeconds, 1, 3600);
    intCheck(problems, `${path}.timeoutSeconds`, probe.timeoutSeconds, 1, 3600);
    intCheck(problems, `${path}.failureThreshold`, probe.failureThreshold, 1, 100);
}

/**
 * The command of an exec probe or hook: a non-empty list of strings; with
 * `scripted`, plain strings only (no Output or Promise), as it is written into
 * a script at preview. Whether it is a non-empty list.
 */
export function checkExecCommand(problems: Problems, path: string, command: unknown, what: string, scripted = false): command is unknown[] {
    if (!Array.isArray(command) || command.length === 0) {
        problems.add(path, `${what} needs a command`);
        return false;
    }
    checkCommand(problems, path, command);
    if (scripted) {
        const computed = command.findIndex((arg) => typeof arg === "object" && arg !== null);
        if (computed >= 0) {
            problems.add(`${path}[${computed}]`, `must be a plain string: ${what} is written into the host's script at preview`);
        } else if (command.length <= MAX_ARGS && command.every((arg) => typeof arg === "string" && arg.length <= MAX_ARG_LENGTH)) {
            // Only once each argument passed on its own: one mistake, one message.
            const bytes = scriptedBytes(command as string[]);
            if (bytes > MAX_SCRIPTED_COMMAND_BYTES) {
                problems.add(
                    path,
                    `is ${bytes} bytes as a shell command line, over ${MAX_SCRIPTED_COMMAND_BYTES}: ${what} is written into the pod's ` +
                        "host and guardian scripts, which the kernel takes up to 128 KiB each; put long content in a file or the image",
                );
            }
        }
    }
    return true;
}

/**
 * The kernel's limit on one argument (MAX_ARG_STRLEN, 128 KiB, with its NUL):
 * a host script runs as `sh -c <script>`, and so does the guardian.
 */
export const MAX_SCRIPT_BYTES = 128 * 1024;
/**
 * What one hook or scripted probe command may add to a script: a container's
 * start script holds two (postStart and startup probe) and its stop script one,
 * so each fits with room to spare; the guardian holds every container's, which
 * the pod's check bounds as a whole.
 */
export const MAX_SCRIPTED_COMMAND_BYTES = 16 * 1024;

/** A command's size as the scripts write it: each argument shell-quoted, one space between. */
export function scriptedBytes(command: string[]): number {
    return command.reduce((sum, arg) => sum + Buffer.byteLength(shellQuote(arg)) + 1, 0);
}

/** An HTTP path the prober requests: printable, no spaces or quotes (it is one argument of `wget`, never a shell word). */
export const HTTP_PATH = /^\/[A-Za-z0-9._~!$&()*+,;=:@%/?-]{0,2047}$/;

/** Kubernetes' label syntax: a name (and a value, which may also be empty) of at most 63 characters. */
export const LABEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
export const LABEL_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function isLabelKey(key: string): boolean {
    const slash = key.indexOf("/");
    if (slash < 0) return LABEL_NAME.test(key);
    const prefix = key.slice(0, slash);
    return prefix.length <= 253 && LABEL_PREFIX.test(prefix) && LABEL_NAME.test(key.slice(slash + 1));
}

export function checkLabels(problems: Problems, path: string, labels: Record<string, string> | undefined): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(labels ?? {})) {
        if (!isLabelKey(key)) {
            problems.add(
                `${path}.${key}`,
                "is not a Kubernetes label key: [prefix/]name, the name at most 63 letters, digits, " +
                    "'.', '_', '-' (starting and ending with a letter or digit), the prefix a DNS subdomain",
            );
        } else if (key.startsWith("dockerpod.")) {
            problems.add(`${path}.${key}`, "the dockerpod. prefix is reserved for the pod's own labels");
        } else if (typeof value !== "string") {
            problems.add(`${path}.${key}`, "label values must be strings");
        } else if (value !== "" && !LABEL_NAME.test(value)) {
            problems.add(
                `${path}.${key}`,
                `${JSON.stringify(value.slice(0, 80))} is not a Kubernetes label value: at most 63 letters, ` +
                    "digits, '.', '_', '-', starting and ending with a letter or digit (or empty)",
            );
        } else {
            result[key] = value;
        }
    }
    return result;
}
