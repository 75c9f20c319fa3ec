// The pre-flight of a remote Docker host: before the first resource of a pod
// on a host with `host.connection`, log in as the slice's Commands will and
// check the user's rights. A wrong key, an unreachable host or a user without
// sudo then fails the preview (or the update, before anything is made) with
// one message naming the host and the fix, instead of the Command plugin's
// "ssh: handshake failed" after its retries, with images already pulled.
import * as pulumi from "@pulumi/pulumi";
import { Client, ConnectConfig } from "ssh2";
import { SpecProblem } from "../core/errors";
import {
    PrivilegeReport,
    SshFailure,
    SshTarget,
    keyProblem,
    loginProblem,
    parsePrivilegeReport,
    privilegeProbe,
    privilegeProblem,
} from "../core/hostAccess";
import { HostSpec } from "../core/slice";
import { commandConnection } from "./hostCommand";

/** How long one login may take, and how long `up` keeps trying a host that does not answer (a machine still booting). */
const LOGIN_TIMEOUT_MS = 10_000;
const UP_RETRY_WINDOW_MS = 30_000;
const RETRY_PAUSE_MS = 2_000;

/** The resolved connection, as the Commands get it (commandConnection). */
export interface SshLogin extends SshTarget {
    privateKey?: string;
    password?: string;
}

/** Logs in and runs the privilege probe: undefined when the host is fit, else the problem. */
export type HostCheck = (login: SshLogin, retry: boolean) => Promise<SpecProblem | undefined>;

let check: HostCheck = sshCheck;

/**
 * For unit tests: the check to run instead of a real login. Under Pulumi's
 * mocks no host is reached unless a test sets one (mocks stand for the engine
 * and its providers, which never touch a host there either).
 */
export function setHostCheckForTests(replacement: HostCheck | undefined): void {
    check = replacement ?? sshCheck;
}

function underMocks(): boolean {
    const monitor = pulumi.runtime.getMonitor() as { mocks?: unknown } | undefined;
    return monitor?.mocks !== undefined;
}

// One check per host, login and sudo per deployment (a program of many pods on one host logs in once).
const checksByProgram = new WeakMap<object, Map<string, Promise<void>>>();
const NO_MONITOR = {};

/**
 * What a pod's first resources wait on: resolves to no resources once the
 * host passed its pre-flight, rejects with one ResourceError on `resource`
 * when it did not (every waiting resource then fails with that same error,
 * which the Node runtime reports once). Undefined for a local host, and
 * unknown at preview when the connection is computed (checked at `up`).
 */
export function hostReady(host: HostSpec, resourceName: string, resource: pulumi.Resource): pulumi.Output<pulumi.Resource[]> | undefined {
    if (host.connection === undefined || (underMocks() && check === sshCheck)) return undefined;
    const c = commandConnection(host.connection);
    return pulumi.all([c.host, c.port, c.user, c.privateKey, c.password]).apply(async ([hostName, port, user, privateKey, password]) => {
        const login: SshLogin = {
            host: hostName,
            port,
            user,
            sudo: host.sudo,
            privateKey: privateKey || undefined,
            password: password || undefined,
            auth: privateKey ? "privateKey" : password ? "password" : process.env.SSH_AUTH_SOCK ? "agent" : "none",
        };
        await memoized(login, resourceName, resource);
        return [] as pulumi.Resource[];
    });
}

/**
 * The host's check, once per login per deployment. Its failure is one error
 * object for every pod on that host: the runtime reports an error once, so a
 * program of many pods with one wrong key gets one message (naming the first pod).
 */
function memoized(login: SshLogin, resourceName: string, resource: pulumi.Resource): Promise<void> {
    const program = pulumi.runtime.getMonitor() ?? NO_MONITOR;
    let checks = checksByProgram.get(program);
    if (!checks) checksByProgram.set(program, (checks = new Map()));
    const key = JSON.stringify([login.user, login.host, login.port, login.sudo, login.privateKey, login.password]);
    let result = checks.get(key);
    if (!result) {
        result = check(login, !pulumi.runtime.isDryRun()).then((problem) => {
            if (problem === undefined) return;
            throw new HostUnfitError(resourceName, problem, resource);
        });
        checks.set(key, result);
    }
    return result;
}

/**
 * A host that failed its pre-flight. Every resource of the pod waits on it, so
 * the same error reaches the runtime through many properties, and the runtime
 * prefixes each one's name to the message it rethrows ("error serializing
 * property ..."): the message here stays the one written, which names the field.
 */
export class HostUnfitError extends pulumi.ResourceError {
    constructor(resourceName: string, problem: SpecProblem, resource: pulumi.Resource) {
        const text = `dockerpod: the Docker host of "${resourceName}" cannot be used:\n  - ${problem.path}: ${problem.message}`;
        super(text, resource, true);
        this.name = "HostUnfitError";
        Object.defineProperty(this, "message", { get: () => text, set: () => undefined, enumerable: false, configurable: true });
    }
}

/**
 * The real check: an SSH login as the Commands make it (key, else password,
 * else the agent; host keys are not checked, as the Command plugin does not),
 * then the privilege probe. At `up` a host that does not answer is tried
 * again for a while; a refused login is final at once.
 */
export async function sshCheck(login: SshLogin, retry: boolean): Promise<SpecProblem | undefined> {
    const deadline = Date.now() + (retry ? UP_RETRY_WINDOW_MS : 0);
    for (;;) {
        const outcome = await loginOnce(login);
        if ("report" in outcome) return privilegeProblem(login, outcome.report);
        if ("problem" in outcome) return outcome.problem;
        const transport = ["client-socket", "client-timeout", "client-dns"].includes(outcome.failure.level ?? "");
        if (!transport || Date.now() + RETRY_PAUSE_MS > deadline) return loginProblem(login, outcome.failure);
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
}

type LoginOutcome = { report: PrivilegeReport } | { failure: SshFailure } | { problem: SpecProblem };

function loginOnce(login: SshLogin): Promise<LoginOutcome> {
    return new Promise((resolve) => {
        const client = new Client();
        let settled = false;
        const finish = (outcome: LoginOutcome) => {
            if (settled) return;
            settled = true;
            client.end();
            resolve(outcome);
        };
        client.on("error", (err: Error & { level?: string; code?: string }) =>
            finish({ failure: { level: err.level, code: err.code, message: err.message } }),
        );
        client.on("ready", () => {
            client.exec(privilegeProbe(login.sudo), (err, stream) => {
                if (err) return finish({ failure: { level: "exec", message: err.message } });
                let stdout = "";
                stream.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
                stream.stderr.on("data", () => undefined);
                stream.on("close", () => finish({ report: parsePrivilegeReport(stdout) }));
            });
        });
        const config: ConnectConfig = {
            host: login.host,
            port: login.port,
            username: login.user,
            readyTimeout: LOGIN_TIMEOUT_MS,
            ...(login.privateKey !== undefined
                ? { privateKey: login.privateKey }
                : login.password !== undefined
                  ? { password: login.password }
                  : login.auth === "agent"
                    ? { agent: process.env.SSH_AUTH_SOCK }
                    : {}),
        };
        try {
            client.connect(config);
        } catch (error) {
            // ssh2 parses the key before it connects.
            const message = error instanceof Error ? error.message : String(error);
            if (/privateKey/i.test(message)) finish({ problem: keyProblem(login, message) });
            else finish({ failure: { message } });
        }
    });
}
