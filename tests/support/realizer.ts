// A Pulumi "engine" for tests that realizes resources on the real Docker
// daemon. It implements `pulumi.runtime.Mocks`, so a program runs in-process
// (tests/support/program.ts) while every resource is really created, updated
// and deleted through the Docker API (dockerode) or, for Commands, /bin/sh.
//
// It is a MODEL of two pinned providers and of the engine, not the real thing:
//   - @pulumi/docker 5.2.0 (Terraform docker provider inside): which Container
//     fields replace, update in place (`docker update`) or only change state;
//     create = create, start, wait for exit (attach) or health (wait), then the
//     provider's read ("container exited immediately" when a must-run
//     container stopped); delete = stop with `destroyGraceSeconds` when above 0
//     and not attached, then force remove (a kill) with anonymous volumes.
//     `networksAdvanced` are connected and `uploads` written after create and
//     before start, as the provider does. RemoteImage: the provider's
//     findImage: a name that resolves to a local image is used as it is (also
//     when the registry moved: pulumi-docker#342), otherwise it is pulled with
//     the `registryAuth` of the resource's docker provider for that registry.
//     `getRegistryImage` asks the registry over HTTP (HEAD of the manifest,
//     basic auth from the same provider) for the tag's digest. Only a registry
//     on 127.0.0.1 (tests/support/registry.ts) is ever reached: any other pull
//     or registry query fails, so no test depends on the internet.
//   - @pulumi/command 1.2.1 local.Command: create/update/delete scripts run by
//     `/bin/sh -c` with `environment` (remote.Command: over SSH with the
//     `connection`; of the environment only LANG and LC_* pass a stock sshd); `triggers` replace; other changes run
//     `update` (or `create`); PULUMI_COMMAND_STDOUT/STDERR of the previous run
//     are in update/delete's environment.
//   - The engine: `up` diffs each registration against the state (same /
//     update / replace, delete-before-replace for `deleteBeforeReplace` and for
//     named containers and volumes, cascading to the entries that reference
//     the replaced one), then deletes what the program no longer registers
//     (only when the program had no error, as Pulumi does). Resource options
//     (deleteBeforeReplace, replaceOnChanges) are observed with a
//     transformation, since they never reach mocks. `refresh` reads live
//     state: a container gone, or a must-run one found stopped (which the
//     provider's read deletes), leaves the state and the next `up` creates it
//     again. `destroy` deletes everything, dependents first.
// See pod-model.md for the facts modelled here.
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import Docker from "dockerode";
import * as pulumi from "@pulumi/pulumi";
import { parseAll as parseImageReference } from "@swimlane/docker-reference";
import { CONTAINER_IN_PLACE, CONTAINER_STATE_ONLY, classify } from "./engine-model";
import { containerCreateOptions, rejectUnknownIn } from "./container-options";
import { ProgramRun, runProgram } from "./program";
import { demux, sleep } from "./inspect";
export { demux, sleep };

export const T_CONTAINER = "docker:index/container:Container";
export const T_IMAGE = "docker:index/remoteImage:RemoteImage";
export const T_VOLUME = "docker:index/volume:Volume";
export const T_COMMAND = "command:local:Command";
export const T_REMOTE_COMMAND = "command:remote:Command";
const isCommand = (type: string) => type === T_COMMAND || type === T_REMOTE_COMMAND;
export const TOKEN_REGISTRY_IMAGE = "docker:index/getRegistryImage:getRegistryImage";

const MIB = 2 ** 20;
const SECRET_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** One resource the realizer made, keyed by `type::name`. */
export interface StateEntry {
    key: string;
    type: string;
    name: string;
    id: string;
    /** Inputs as registered (secrets unwrapped). */
    inputs: Record<string, any>;
    /** Outputs returned to the program: the inputs echoed plus computed fields. */
    outputs: Record<string, any>;
    /** Keys of the state entries whose id (or image id) appears in the inputs. */
    refs: string[];
    /** Creation order. */
    seq: number;
    /** Created but the create failed afterwards (e.g. never healthy): replaced on the next up. */
    tainted?: boolean;
    /** The provider reference (`urn::id`) it was registered with, when not the default provider. */
    provider?: string;
}

/** One `registryAuth` entry of a docker provider, as the provider keys it: by registry host. */
interface RegistryCredentials {
    /** The address as given; `https://` when it has no scheme (getRegistryImage's base URL). */
    serverAddress: string;
    username: string;
    password: string;
}

export type StepOp = "create" | "same" | "update" | "replace" | "delete" | "read" | "forget";

/** What the realizer did, in order, with how long it took. */
export interface Step {
    op: StepOp;
    key: string;
    ms: number;
    /** Fields that caused an update or replace. */
    diff?: string[];
    /** For a deleted (or replaced) container: its exit code after the stop, before the removal. */
    exitCode?: number;
    error?: string;
}

/** The steps that did something, as `op type::name` lines, in order. */
export function changes(steps: Step[]): string[] {
    return steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.key}`);
}

export interface UpResult<T> extends ProgramRun<T> {
    /** Steps of this `up` only. */
    steps: Step[];
}

/** Options the engine would see; they do not reach mocks, so a transformation records them. */
interface ObservedOpts {
    deleteBeforeReplace?: boolean;
    replaceOnChanges?: string[];
}

// ---------- pulumi-docker Container: what each input does ----------

/** Every Container input the realizer applies; anything else is refused. */
const CONTAINER_FIELDS = new Set([
    ...CONTAINER_IN_PLACE,
    ...CONTAINER_STATE_ONLY,
    "removeVolumes",
    "containerReadRefreshTimeoutMilliseconds",
    "networksAdvanced",
    "uploads",
    "name",
    "image",
    "entrypoints",
    "command",
    "envs",
    "workingDir",
    "user",
    "hostname",
    "domainname",
    "ports",
    "publishAllPorts",
    "mounts",
    "labels",
    "networkMode",
    "ipcMode",
    "pidMode",
    "usernsMode",
    "cgroupnsMode",
    "cgroupParent",
    "cpus",
    "shmSize",
    "capabilities",
    "securityOpts",
    "privileged",
    "readOnly",
    "stopSignal",
    "stopTimeout",
    "sysctls",
    "tty",
    "stdinOpen",
    "dns",
    "dnsOpts",
    "dnsSearches",
    "hosts",
    "groupAdds",
    "logDriver",
    "logOpts",
    "ulimits",
]);
/** Sets in the Terraform schema: their order never makes a diff. */
const SET_FIELDS = new Set([
    "envs",
    "labels",
    "mounts",
    "securityOpts",
    "dns",
    "dnsOpts",
    "dnsSearches",
    "hosts",
    "groupAdds",
    "ulimits",
    "uploads",
    "networksAdvanced",
]);

const IMAGE_FIELDS = new Set(["name", "keepLocally", "pullTriggers", "forceRemove", "triggers", "platform"]);
const VOLUME_FIELDS = new Set(["name", "labels", "driver", "driverOpts"]);
const COMMAND_FIELDS = new Set([
    "create",
    "update",
    "delete",
    "triggers",
    "environment",
    "dir",
    "interpreter",
    "stdin",
    "addPreviousOutputInEnv",
    "logging",
]);
const REMOTE_COMMAND_FIELDS = new Set([
    "create",
    "update",
    "delete",
    "triggers",
    "environment",
    "stdin",
    "addPreviousOutputInEnv",
    "logging",
    "connection",
]);

// ---------- small helpers ----------

function isSecret(v: any): boolean {
    return v !== null && typeof v === "object" && v[SECRET_KEY] === SECRET_SIG;
}

/** Unwraps Pulumi's secret markers everywhere in a value. */
export function unwrap(v: any): any {
    if (isSecret(v)) return unwrap(v.value);
    if (Array.isArray(v)) return v.map(unwrap);
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(
            Object.entries(v)
                .filter(([, x]) => x !== undefined)
                .map(([k, x]) => [k, unwrap(x)]),
        );
    }
    return v;
}

/** A canonical JSON form: sorted keys, and set fields sorted. */
function canonical(v: any, setField = false): string {
    if (Array.isArray(v)) {
        const items = v.map((x) => canonical(x));
        if (setField) items.sort();
        return `[${items.join(",")}]`;
    }
    if (v !== null && typeof v === "object") {
        return `{${Object.keys(v)
            .sort()
            .filter((k) => v[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v);
}

/** Input fields whose values differ (a missing field and an undefined one are equal). */
function diffFields(type: string, before: Record<string, any>, after: Record<string, any>): string[] {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const sets = type === T_CONTAINER ? SET_FIELDS : new Set<string>(["labels"]);
    return [...keys].filter((k) => canonical(before[k], sets.has(k)) !== canonical(after[k], sets.has(k))).sort();
}

function rejectUnknown(type: string, inputs: Record<string, any>, known: Set<string>): void {
    const unknown = Object.keys(inputs).filter((k) => !known.has(k));
    if (unknown.length > 0) {
        throw new Error(
            `realizer: ${type} input(s) ${unknown.map((k) => `"${k}"`).join(", ")} are not modelled: ` +
                `teach tests/support/realizer.ts what the provider does with them`,
        );
    }
}

function statusOf(err: any): number | undefined {
    return typeof err?.statusCode === "number" ? err.statusCode : undefined;
}

/** The message of a dockerode error (the daemon's JSON message when there is one). */
function dockerMessage(err: any): string {
    const json = err?.json?.message;
    return typeof json === "string" ? `Error response from daemon: ${json}` : String(err?.message ?? err);
}

/**
 * A docker provider's `registryAuth` (JSON-encoded, as the SDK sends provider
 * config), keyed by registry host as the provider keys it. Only username and
 * password are modelled.
 */
function registryCredentials(inputs: Record<string, any>): Map<string, RegistryCredentials> {
    const found = new Map<string, RegistryCredentials>();
    if (inputs.registryAuth === undefined) return found;
    const entries = (typeof inputs.registryAuth === "string" ? JSON.parse(inputs.registryAuth) : inputs.registryAuth) as Record<
        string,
        any
    >[];
    for (const entry of entries) {
        rejectUnknownIn("registryAuth", entry, ["address", "username", "password"]);
        const address = String(entry.address);
        const serverAddress = /^https?:\/\//.test(address) ? address.replace(/\/+$/, "") : `https://${address.replace(/\/+$/, "")}`;
        found.set(new URL(serverAddress).host, { serverAddress, username: entry.username ?? "", password: entry.password ?? "" });
    }
    return found;
}

/** The registry host of an image, which must be on 127.0.0.1 or localhost: tests never reach the internet. */
function localRegistryOf(name: string, what: string, parsedDomain = parseImageReference(name).domain): string {
    const domain = parsedDomain ?? "docker.io";
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(domain)) {
        throw new Error(
            `realizer: ${what} of "${name}" would reach ${domain}: tests only reach a registry on 127.0.0.1 ` +
                "(tests/support/registry.ts); put the image on the host first (tests/images/build.sh)",
        );
    }
    return domain;
}

/** Runs a script the way @pulumi/command's local.Command does. */
function runScript(
    script: string,
    env: Record<string, string>,
    opts: { interpreter?: string[]; dir?: string; stdin?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
    const interpreter = opts.interpreter && opts.interpreter.length > 0 ? opts.interpreter : ["/bin/sh", "-c"];
    return new Promise((resolve, reject) => {
        const child = spawn(interpreter[0], [...interpreter.slice(1), script], {
            env: { ...process.env, ...env },
            cwd: opts.dir,
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
        // A script that exits without reading its stdin closes the pipe first: EPIPE then is no failure.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.stdin ?? "");
    });
}

/**
 * Runs a script the way @pulumi/command's remote.Command does: over SSH, as
 * the command string of one session in the user's shell. Model: the provider
 * sends `environment` (and PULUMI_COMMAND_STDOUT/STDERR) with SSH SetEnv, and
 * a stock sshd (Debian's AcceptEnv LANG LC_*) drops everything else; so only
 * LANG and LC_* reach the script here (exported at its top).
 */
function runRemoteScript(
    connection: { host: string; port?: number; user?: string; privateKey?: string },
    script: string,
    env: Record<string, string>,
    stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
    if (!connection?.privateKey) throw new Error("realizer: remote.Command needs connection.privateKey in these tests");
    const dir = fs.mkdtempSync(`${os.tmpdir()}/realizer-ssh-`);
    const key = `${dir}/key`;
    fs.writeFileSync(key, connection.privateKey.endsWith("\n") ? connection.privateKey : `${connection.privateKey}\n`, { mode: 0o600 });
    const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
    const exports = Object.entries(env)
        .filter(([k]) => /^(LANG|LC_[A-Z_]+)$/.test(k))
        .map(([k, v]) => `export ${k}=${quote(v)}`)
        .join("\n");
    const args = [
        "-i",
        key,
        "-p",
        String(connection.port ?? 22),
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        `${connection.user ?? "root"}@${connection.host}`,
        exports ? `${exports}\n${script}` : script,
    ];
    return new Promise((resolve, reject) => {
        const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code, signal) => {
            fs.rmSync(dir, { recursive: true, force: true });
            resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
        });
        child.stdin.on("error", () => undefined);
        child.stdin.end(stdin ?? "");
    });
}

/** A one-file tar archive (ustar), as the provider builds for an upload. */
export function tarOf(file: string, content: Buffer, mode: number): Buffer {
    const header = Buffer.alloc(512);
    let name = file;
    let prefix = "";
    if (Buffer.byteLength(name) > 100) {
        const cut = file.lastIndexOf("/", 155);
        prefix = file.slice(0, cut);
        name = file.slice(cut + 1);
    }
    const put = (text: string, offset: number, length: number) => header.write(text, offset, length, "utf8");
    const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
    put(name, 0, 100);
    put(octal(mode, 8), 100, 8);
    put(octal(0, 8), 108, 8);
    put(octal(0, 8), 116, 8);
    put(octal(content.length, 12), 124, 12);
    put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
    put("        ", 148, 8);
    put("0", 156, 1);
    put("ustar\0", 257, 6);
    put("00", 263, 2);
    put(prefix, 345, 155);
    let sum = 0;
    for (const byte of header) sum += byte;
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
    const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
    return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

function trimNewline(s: string): string {
    return s.replace(/\r?\n$/, "");
}

// ---------- the realizer ----------

export interface RealizerOptions {
    project?: string;
    stack?: string;
    docker?: Docker;
}

export class Realizer implements pulumi.runtime.Mocks {
    readonly docker: Docker;
    readonly project: string;
    readonly stack: string;
    /** The stack's state, by `type::name`. */
    readonly state = new Map<string, StateEntry>();
    /** Every step ever taken, in order. */
    readonly steps: Step[] = [];
    private seq = 0;
    private seen = new Set<string>();
    private observed = new Map<string, ObservedOpts>();
    /** Each docker provider's registry credentials, by provider id, then by registry host. */
    private registryAuth = new Map<string, Map<string, RegistryCredentials>>();

    constructor(options: RealizerOptions = {}) {
        this.docker = options.docker ?? new Docker({ socketPath: "/var/run/docker.sock" });
        this.project = options.project ?? "project";
        this.stack = options.stack ?? "stack";
    }

    // ----- engine steps -----

    /**
     * `pulumi up`: runs the program, realizing each registration against the
     * state, then deletes the entries the program no longer registers (only
     * when the program had no error).
     */
    async up<T>(program: (transformations: pulumi.ResourceTransformation[]) => T): Promise<UpResult<T>> {
        const firstStep = this.steps.length;
        this.seen = new Set();
        this.observed = new Map();
        const observe: pulumi.ResourceTransformation = (args) => {
            this.observed.set(`${args.type}::${args.name}`, {
                deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace,
                replaceOnChanges: args.opts.replaceOnChanges,
            });
            return undefined;
        };
        const run = await runProgram(this, (t) => program([...t, observe]), { preview: false, project: this.project, stack: this.stack });
        if (run.errors.length === 0) {
            const gone = [...this.state.values()].filter((e) => !this.seen.has(e.key));
            try {
                await this.deleteInOrder(gone);
            } catch (err) {
                run.errors.push(err as Error);
            }
        }
        return { ...run, steps: this.steps.slice(firstStep) };
    }

    /** `pulumi refresh`: reads live state; what is gone leaves the state. */
    async refresh(): Promise<void> {
        for (const entry of [...this.state.values()]) {
            const started = Date.now();
            const step = (op: StepOp) => this.steps.push({ op, key: entry.key, ms: Date.now() - started });
            if (entry.type === T_CONTAINER) {
                const info = await this.inspectContainer(entry.id);
                if (!info) {
                    this.state.delete(entry.key);
                    step("forget");
                } else if (!info.State.Running && entry.inputs.mustRun !== false) {
                    // The provider's read deletes a must-run container it finds stopped and forgets it;
                    // the next `up` creates it again.
                    await this.removeContainer(entry);
                    this.state.delete(entry.key);
                    step("forget");
                } else {
                    entry.outputs = { ...entry.outputs, exitCode: info.State.ExitCode };
                    step("read");
                }
            } else if (entry.type === T_VOLUME) {
                const exists = await this.docker
                    .getVolume(entry.id)
                    .inspect()
                    .then(
                        () => true,
                        (e) => statusOf(e) !== 404,
                    );
                if (!exists) this.state.delete(entry.key);
                step(exists ? "read" : "forget");
            } else if (entry.type === T_IMAGE) {
                const info = await this.inspectImage(entry.inputs.name);
                if (!info) this.state.delete(entry.key);
                else entry.outputs = { ...entry.outputs, imageId: info.Id, repoDigest: info.RepoDigests?.[0] ?? "" };
                step(info ? "read" : "forget");
            }
            // A local Command has no read: its state stays.
        }
    }

    /** `pulumi destroy`: deletes everything, dependents first. Twice is fine. */
    async destroy(): Promise<Step[]> {
        const firstStep = this.steps.length;
        await this.deleteInOrder([...this.state.values()]);
        return this.steps.slice(firstStep);
    }

    /** Deletes entries so that nothing is deleted while another remaining entry references it. */
    private async deleteInOrder(entries: StateEntry[]): Promise<void> {
        const pending = new Map(entries.map((e) => [e.key, e]));
        const failures: Error[] = [];
        while (pending.size > 0) {
            const referenced = new Set<string>();
            for (const e of this.state.values()) {
                if (pending.has(e.key)) e.refs.forEach((r) => referenced.add(r));
            }
            const ready = [...pending.values()].filter((e) => !referenced.has(e.key)).sort((a, b) => b.seq - a.seq);
            const next = ready[0] ?? [...pending.values()].sort((a, b) => b.seq - a.seq)[0];
            pending.delete(next.key);
            try {
                await this.deleteEntry(next);
            } catch (err) {
                failures.push(err as Error);
            }
        }
        if (failures.length > 0) {
            throw new Error(`realizer: ${failures.length} delete(s) failed:\n${failures.map((f) => f.message).join("\n")}`);
        }
    }

    /** Every entry that references `key`, directly or not, dependents last-created first. */
    private dependentsOf(key: string): StateEntry[] {
        const found = new Set<string>();
        const visit = (k: string) => {
            for (const e of this.state.values()) {
                if (e.refs.includes(k) && !found.has(e.key)) {
                    found.add(e.key);
                    visit(e.key);
                }
            }
        };
        visit(key);
        return [...found].map((k) => this.state.get(k)!);
    }

    // ----- Mocks -----

    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, any> }> {
        if (!args.custom) return { id: undefined, state: {} };
        if (args.type === "pulumi:providers:docker") {
            const id = `${args.name}_id`;
            this.registryAuth.set(id, registryCredentials(unwrap(args.inputs)));
            return { id, state: args.inputs };
        }
        if (args.type.startsWith("pulumi:providers:")) return { id: `${args.name}_id`, state: args.inputs };
        const key = `${args.type}::${args.name}`;
        this.seen.add(key);
        const raw = args.inputs;
        const inputs = unwrap(raw) as Record<string, any>;
        switch (args.type) {
            case T_CONTAINER:
                rejectUnknown(args.type, inputs, CONTAINER_FIELDS);
                break;
            case T_IMAGE:
                rejectUnknown(args.type, inputs, IMAGE_FIELDS);
                break;
            case T_VOLUME:
                rejectUnknown(args.type, inputs, VOLUME_FIELDS);
                break;
            case T_COMMAND:
                rejectUnknown(args.type, inputs, COMMAND_FIELDS);
                break;
            case T_REMOTE_COMMAND:
                rejectUnknown(args.type, inputs, REMOTE_COMMAND_FIELDS);
                break;
            default:
                throw new Error(`realizer: resource type ${args.type} is not modelled`);
        }
        const started = Date.now();
        const old = this.state.get(key);
        if (!old) {
            const entry = await this.createEntry(key, args.type, args.name, inputs, raw, args.provider);
            this.steps.push({ op: "create", key, ms: Date.now() - started });
            return { id: entry.id, state: entry.outputs };
        }
        const diff = diffFields(args.type, old.inputs, inputs);
        if (diff.length === 0 && !old.tainted) {
            this.steps.push({ op: "same", key, ms: 0 });
            return { id: old.id, state: old.outputs };
        }
        if (!old.tainted && !this.needsReplace(old, diff)) {
            await this.updateEntry(old, inputs, raw, diff);
            this.steps.push({ op: "update", key, ms: Date.now() - started, diff });
            return { id: old.id, state: old.outputs };
        }
        // Replace.
        const observed = this.observed.get(key);
        const named = (args.type === T_CONTAINER || args.type === T_VOLUME) && typeof inputs.name === "string";
        if (observed?.deleteBeforeReplace || named) {
            // Dependents go first: they are registered again by this run with the new id.
            await this.deleteInOrder(this.dependentsOf(key));
            const exitCode = await this.deleteResource(old);
            this.state.delete(key);
            const entry = await this.createEntry(key, args.type, args.name, inputs, raw, args.provider);
            this.steps.push({ op: "replace", key, ms: Date.now() - started, diff, ...(exitCode !== undefined ? { exitCode } : {}) });
            return { id: entry.id, state: entry.outputs };
        }
        const entry = await this.createEntry(key, args.type, args.name, inputs, raw, args.provider, old);
        this.steps.push({ op: "replace", key, ms: Date.now() - started, diff });
        return { id: entry.id, state: entry.outputs };
    }

    async call(args: pulumi.runtime.MockCallArgs): Promise<Record<string, any>> {
        if (args.token === TOKEN_REGISTRY_IMAGE) {
            const inputs = unwrap(args.inputs);
            // The engine hands a failed invoke to the program as a gRPC error whose `details` is the message.
            const sha256Digest = await this.registryDigest(inputs.name, args.provider).catch((e: Error) =>
                Promise.reject(Object.assign(new Error(e.message), { details: e.message })),
            );
            return { id: sha256Digest, name: inputs.name, sha256Digest, insecureSkipVerify: inputs.insecureSkipVerify ?? false };
        }
        throw new Error(`realizer: invoke ${args.token} is not modelled`);
    }

    private needsReplace(old: StateEntry, diff: string[]): boolean {
        return classify(old.type, diff, this.observed.get(old.key)?.replaceOnChanges ?? []) === "replace";
    }

    /** Keys of the state entries whose id (or image id) appears in `inputs`. */
    private referencesIn(key: string, inputs: Record<string, any>): string[] {
        const leaves: string[] = [];
        const walk = (v: any) => {
            if (typeof v === "string") leaves.push(v);
            else if (Array.isArray(v)) v.forEach(walk);
            else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
        };
        walk(inputs);
        const refs: string[] = [];
        for (const e of this.state.values()) {
            if (e.key === key) continue;
            const ids = [e.id, `container:${e.id}`];
            if (e.type === T_IMAGE) ids.push(e.outputs.imageId);
            if (leaves.some((l) => ids.includes(l))) refs.push(e.key);
        }
        return refs;
    }

    // ----- create / update / delete per type -----

    private async createEntry(
        key: string,
        type: string,
        name: string,
        inputs: Record<string, any>,
        raw: Record<string, any>,
        provider: string | undefined,
        replacing?: StateEntry,
    ): Promise<StateEntry> {
        const refs = this.referencesIn(key, inputs);
        const entry: StateEntry = { key, type, name, id: "", inputs, outputs: {}, refs, seq: ++this.seq, provider };
        switch (type) {
            case T_CONTAINER:
                await this.createContainer(entry, raw);
                break;
            case T_IMAGE:
                await this.createImage(entry, raw);
                break;
            case T_VOLUME:
                await this.createVolume(entry, raw);
                break;
            case T_COMMAND:
            case T_REMOTE_COMMAND:
                await this.createCommand(entry, raw);
                break;
        }
        if (replacing) {
            // Create-before-delete: the old one goes once the new one exists.
            this.state.set(key, entry);
            await this.deleteResource(replacing);
        }
        this.state.set(key, entry);
        return entry;
    }

    private async updateEntry(entry: StateEntry, inputs: Record<string, any>, raw: Record<string, any>, diff: string[]): Promise<void> {
        if (entry.type === T_CONTAINER && diff.some((f) => CONTAINER_IN_PLACE.has(f))) {
            const update: Record<string, any> = {
                RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
            };
            if (inputs.cpuShares !== undefined) update.CpuShares = inputs.cpuShares;
            if (inputs.memory !== undefined) update.Memory = inputs.memory * MIB;
            if (inputs.memorySwap !== undefined) update.MemorySwap = inputs.memorySwap > 0 ? inputs.memorySwap * MIB : inputs.memorySwap;
            if (inputs.memoryReservation !== undefined) update.MemoryReservation = inputs.memoryReservation * MIB;
            if (inputs.cpuSet !== undefined) update.CpusetCpus = inputs.cpuSet;
            await this.docker.getContainer(entry.id).update(update);
        }
        if (isCommand(entry.type)) {
            const script = inputs.update ?? inputs.create;
            const result = await this.runCommand(entry, inputs, script, "update");
            entry.outputs = { ...raw, stdout: result.stdout, stderr: result.stderr };
        } else {
            entry.outputs = { ...entry.outputs, ...raw };
            for (const f of diff) if (!(f in raw)) delete entry.outputs[f];
        }
        entry.inputs = inputs;
        entry.refs = this.referencesIn(entry.key, inputs);
    }

    private async deleteEntry(entry: StateEntry): Promise<void> {
        const started = Date.now();
        const step: Step = { op: "delete", key: entry.key, ms: 0 };
        try {
            const exitCode = await this.deleteResource(entry);
            if (exitCode !== undefined) step.exitCode = exitCode;
            this.state.delete(entry.key);
        } catch (err) {
            step.error = (err as Error).message;
            throw err;
        } finally {
            step.ms = Date.now() - started;
            this.steps.push(step);
        }
    }

    /** Deletes the live object; returns a container's exit code after its stop. */
    private async deleteResource(entry: StateEntry): Promise<number | undefined> {
        switch (entry.type) {
            case T_CONTAINER:
                return this.removeContainer(entry);
            case T_IMAGE: {
                if (entry.inputs.keepLocally === true) return undefined;
                const info = await this.inspectImage(entry.inputs.name);
                if (!info) return undefined;
                await this.docker.getImage(entry.inputs.name).remove({ force: entry.inputs.forceRemove === true });
                return undefined;
            }
            case T_VOLUME:
                await this.docker
                    .getVolume(entry.id)
                    .remove()
                    .catch((e) => {
                        if (statusOf(e) !== 404) throw e;
                    });
                return undefined;
            case T_COMMAND:
            case T_REMOTE_COMMAND:
                if (entry.inputs.delete !== undefined) await this.runCommand(entry, entry.inputs, entry.inputs.delete, "delete");
                return undefined;
        }
        return undefined;
    }

    // Container

    private async createContainer(entry: StateEntry, raw: Record<string, any>): Promise<void> {
        const i = entry.inputs;
        if (typeof i.name !== "string" || typeof i.image !== "string") throw new Error("realizer: a Container needs name and image");
        if (!(await this.inspectImage(i.image))) {
            throw new Error(
                `Unable to create container with image ${i.image}: the image is not on the host ` +
                    `(the realizer never pulls; build it with tests/images/build.sh)`,
            );
        }
        const created = await this.docker.createContainer(containerCreateOptions(i));
        entry.id = created.id;
        // The provider stores the id right after create: a later failure leaves a tainted resource.
        entry.tainted = true;
        entry.outputs = { ...raw, exitCode: 0 };
        this.state.set(entry.key, entry);
        const container = this.docker.getContainer(created.id);
        if (i.networksAdvanced !== undefined) {
            // The provider leaves the default bridge, then connects each network with its aliases.
            await this.docker
                .getNetwork("bridge")
                .disconnect({ Container: created.id })
                .catch((e) => {
                    if (!/is not connected/.test(String(e?.message ?? e))) throw e;
                });
            for (const n of i.networksAdvanced as Record<string, any>[]) {
                rejectUnknownIn("networksAdvanced", n, ["name", "aliases", "ipv4Address", "ipv6Address"]);
                await this.docker.getNetwork(n.name).connect({
                    Container: created.id,
                    EndpointConfig: {
                        Aliases: n.aliases,
                        IPAMConfig: n.ipv4Address || n.ipv6Address ? { IPv4Address: n.ipv4Address, IPv6Address: n.ipv6Address } : undefined,
                    },
                });
            }
        }
        for (const u of (i.uploads ?? []) as Record<string, any>[]) {
            // Written after create and before start, one tar per file, extracted at "/".
            rejectUnknownIn("uploads", u, ["file", "content", "contentBase64", "executable", "permissions"]);
            const content = u.contentBase64 !== undefined ? Buffer.from(u.contentBase64, "base64") : Buffer.from(u.content ?? "");
            const mode = u.permissions !== undefined ? parseInt(u.permissions, 8) : u.executable ? 0o744 : 0o644;
            await container.putArchive(tarOf(u.file, content, mode), { path: "/" }).catch((e) => {
                throw new Error(`Unable to upload volume content: ${e?.message ?? e}`);
            });
        }
        if (i.start !== false) await container.start();
        if (i.attach === true) {
            await container.wait({ condition: "not-running" });
            if (i.logs === true) {
                const buf = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
                const logs = i.tty ? { stdout: buf.toString(), stderr: "" } : demux(buf);
                entry.outputs.containerLogs = logs.stdout + logs.stderr;
            }
        }
        if (i.wait === true) {
            const deadline = Date.now() + (i.waitTimeout ?? 60) * 1000;
            for (;;) {
                const info = await container.inspect();
                if (info.State.Health?.Status === "healthy") break;
                if (Date.now() >= deadline) throw new Error(`container ${created.id} failed to be in healthy state in time`);
                await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
            }
        }
        // The provider's read waits `containerReadRefreshDelay` (100 ms) before it first looks.
        await sleep(100);
        const info = await container.inspect();
        if (!info.State.Running && i.mustRun !== false && i.start !== false) {
            // The provider's read: a must-run container that stopped right away is deleted and the create fails.
            await this.removeContainer(entry);
            this.state.delete(entry.key);
            throw new Error(`container exited immediately (${i.name}, exit code ${info.State.ExitCode})`);
        }
        entry.outputs = {
            ...entry.outputs,
            exitCode: info.State.ExitCode,
            hostname: info.Config.Hostname,
            networkDatas: Object.entries(info.NetworkSettings.Networks ?? {}).map(([networkName, n]) => ({
                networkName,
                ipAddress: n.IPAddress,
                gateway: n.Gateway,
                macAddress: n.MacAddress,
            })),
        };
        entry.tainted = false;
    }

    /**
     * The provider's delete: nothing for `rm` (Docker removes it); a stop with
     * `destroyGraceSeconds` when it is above 0 and the container is not attached;
     * then a forced removal (SIGKILL to what still runs) with its anonymous
     * volumes. Returns the exit code after the stop.
     */
    private async removeContainer(entry: StateEntry): Promise<number | undefined> {
        const container = this.docker.getContainer(entry.id);
        const before = await this.inspectContainer(entry.id);
        if (!before || entry.inputs.rm === true) return undefined;
        const grace = entry.inputs.destroyGraceSeconds ?? 0;
        if (entry.inputs.attach !== true && grace > 0) {
            try {
                await container.stop({ t: grace });
            } catch (err) {
                if (statusOf(err) !== 304 && statusOf(err) !== 404) throw err;
            }
        }
        const after = await this.inspectContainer(entry.id);
        try {
            await container.remove({ force: true, v: entry.inputs.removeVolumes ?? true });
        } catch (err) {
            if (statusOf(err) !== 404) throw err;
        }
        await container.wait({ condition: "removed" }).catch(() => undefined);
        return after?.State.ExitCode;
    }

    // Image

    private async createImage(entry: StateEntry, raw: Record<string, any>): Promise<void> {
        const name = entry.inputs.name as string;
        // The provider's findImage: a local image under this name is used as it is; only a miss pulls.
        let info = await this.inspectImage(name);
        if (!info) {
            await this.pull(name, entry.provider);
            info = await this.inspectImage(name);
            if (!info) throw new Error(`Unable to read Docker image into resource: unable to find or pull image ${name}`);
        }
        entry.id = `${info.Id}${name}`;
        entry.outputs = { ...raw, imageId: info.Id, repoDigest: info.RepoDigests?.[0] ?? "" };
    }

    /** The provider's pullImage: the daemon pulls, with the credentials the provider has for that registry. */
    private async pull(name: string, provider: string | undefined): Promise<void> {
        const registry = localRegistryOf(name, "pull");
        const auth = this.credentialsFor(provider, registry);
        const fail = (message: string): never => {
            throw new Error(
                `Unable to read Docker image into resource: unable to pull image ${name}: error pulling image ${name}: ${message}`,
            );
        };
        const authconfig = auth ? { username: auth.username, password: auth.password, serveraddress: auth.serverAddress } : {};
        const stream = await this.docker.pull(name, { authconfig }).catch((e) => fail(dockerMessage(e)));
        const events = await new Promise<any[]>((resolve, reject) => {
            this.docker.modem.followProgress(stream, (err: Error | null, out: any[]) => (err ? reject(err) : resolve(out)));
        }).catch((e) => fail(dockerMessage(e)));
        const error = events.find((e) => e.error);
        if (error) fail(String(error.error));
    }

    /**
     * getRegistryImage: a HEAD of the tag's manifest on the registry, with basic
     * auth from the provider's entry for that registry, as the provider does; the
     * Docker-Content-Digest header is the digest.
     */
    private async registryDigest(name: string, provider: string | undefined): Promise<string> {
        const ref = parseImageReference(name);
        const registry = localRegistryOf(name, "getRegistryImage", ref.domain);
        const auth = this.credentialsFor(provider, registry);
        const base = auth?.serverAddress ?? `https://${registry}`;
        const tag = ref.tag ?? "latest";
        const fail = (message: string): never => {
            throw new Error(`Got error when attempting to fetch image version ${ref.repository}:${tag} from registry: ${message}`);
        };
        const headers: Record<string, string> = {
            Accept: [
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.docker.distribution.manifest.list.v2+json",
                "application/vnd.oci.image.manifest.v1+json",
                "application/vnd.oci.image.index.v1+json",
            ].join(", "),
        };
        if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
        const response = await fetch(`${base}/v2/${ref.repository}/manifests/${tag}`, { method: "HEAD", headers }).catch((e: Error) =>
            fail(`Error during registry request: ${(e as { cause?: Error }).cause?.message ?? e.message}`),
        );
        const status = `${response.status} ${response.statusText}`;
        if (response.status === 401 && !/^Bearer/.test(response.headers.get("www-authenticate") ?? "")) fail(`Bad credentials: ${status}`);
        if (response.status !== 200) fail(`Got bad response from registry: ${status}`);
        return response.headers.get("docker-content-digest") ?? fail("the registry sent no Docker-Content-Digest");
    }

    /** The credentials a docker provider has for a registry host (none for the default provider). */
    private credentialsFor(provider: string | undefined, registry: string): RegistryCredentials | undefined {
        if (provider === undefined) return undefined;
        const id = provider.slice(provider.lastIndexOf("::") + 2);
        return this.registryAuth.get(id)?.get(registry);
    }

    // Volume

    private async createVolume(entry: StateEntry, raw: Record<string, any>): Promise<void> {
        const i = entry.inputs;
        const labels = Object.fromEntries(((i.labels ?? []) as { label: string; value: string }[]).map((l) => [l.label, l.value]));
        const created = await this.docker.createVolume({
            Name: i.name,
            Driver: i.driver ?? "local",
            DriverOpts: i.driverOpts ?? {},
            Labels: labels,
        });
        const volume = await created.inspect();
        entry.id = volume.Name;
        entry.outputs = { ...raw, name: volume.Name, driver: volume.Driver, mountpoint: volume.Mountpoint };
    }

    // Command

    private async createCommand(entry: StateEntry, raw: Record<string, any>): Promise<void> {
        entry.id = `${entry.name}-${crypto.randomBytes(4).toString("hex")}`;
        let stdout = "";
        let stderr = "";
        if (entry.inputs.create !== undefined) {
            ({ stdout, stderr } = await this.runCommand(entry, entry.inputs, entry.inputs.create, "create"));
        }
        entry.outputs = { ...raw, stdout, stderr };
    }

    private async runCommand(
        entry: StateEntry,
        inputs: Record<string, any>,
        script: string,
        phase: string,
    ): Promise<{ stdout: string; stderr: string }> {
        const env: Record<string, string> = { ...(inputs.environment ?? {}) };
        if (phase !== "create" && inputs.addPreviousOutputInEnv !== false) {
            env.PULUMI_COMMAND_STDOUT = entry.outputs.stdout ?? "";
            env.PULUMI_COMMAND_STDERR = entry.outputs.stderr ?? "";
        }
        const result =
            entry.type === T_REMOTE_COMMAND
                ? await runRemoteScript(inputs.connection, script, env, inputs.stdin)
                : await runScript(script, env, { interpreter: inputs.interpreter, dir: inputs.dir, stdin: inputs.stdin });
        if (result.code !== 0) {
            throw new Error(`exit status ${result.code}: running ${phase} of ${entry.key}:\n${result.stderr || result.stdout}`);
        }
        return { stdout: trimNewline(result.stdout), stderr: trimNewline(result.stderr) };
    }

    // ----- Docker reads -----

    private async inspectContainer(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
        return this.docker
            .getContainer(id)
            .inspect()
            .catch((e) => {
                if (statusOf(e) === 404) return undefined;
                throw e;
            });
    }

    private async inspectImage(name: string): Promise<Docker.ImageInspectInfo | undefined> {
        return this.docker
            .getImage(name)
            .inspect()
            .catch((e) => {
                if (statusOf(e) === 404) return undefined;
                throw e;
            });
    }
}
