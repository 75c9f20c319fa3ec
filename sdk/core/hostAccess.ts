// What the pre-flight of a remote Docker host found, in words that name the
// host and the fix. The SSH session itself is in components/hostPreflight.ts;
// this part is pure, so every message is unit-tested.
import { SpecProblem } from "./errors";

/** Who logs in where, and how, as the slice's Commands will. */
export interface SshTarget {
    user: string;
    host: string;
    port: number;
    /** What the login offers: the key or password of host.connection, else the SSH agent, else nothing. */
    auth: "privateKey" | "password" | "agent" | "none";
    /** host.sudo */
    sudo: boolean;
}

/** An error as the ssh2 client reports it: `level` says which stage failed. */
export interface SshFailure {
    level?: string;
    code?: string;
    message: string;
}

/** What the login's one command printed (see privilegeProbe). */
export interface PrivilegeReport {
    uid?: string;
    /** "ok", "no" (sudo -n refused; `sudoSays` has its words) or "missing" (no sudo command). */
    sudo?: string;
    sudoSays?: string;
}

/**
 * The one command the pre-flight runs after logging in: the user's uid, and,
 * for a non-root user with host.sudo, whether `sudo -n` works. A constant: no
 * input reaches it.
 */
export function privilegeProbe(sudo: boolean): string {
    const sudoPart = sudo
        ? ` if [ "$(id -u)" != 0 ]; then if ! command -v sudo >/dev/null 2>&1; then echo sudo=missing; ` +
          `elif says=$(sudo -n true 2>&1); then echo sudo=ok; else echo sudo=no; printf 'says=%s\\n' "$says" | head -n 1; fi; fi`
        : "";
    return `echo uid=$(id -u);${sudoPart}`;
}

export function parsePrivilegeReport(stdout: string): PrivilegeReport {
    const report: PrivilegeReport = {};
    for (const line of stdout.split("\n")) {
        const eq = line.indexOf("=");
        if (eq < 0) continue;
        const [key, value] = [line.slice(0, eq), line.slice(eq + 1).trim()];
        if (key === "uid") report.uid = value;
        else if (key === "sudo") report.sudo = value;
        else if (key === "says") report.sudoSays = value;
    }
    return report;
}

export function targetText(t: SshTarget): string {
    return `${t.user}@${t.host}:${t.port}`;
}

const REACH_FIX = "check host.connection.host and host.connection.port, that sshd runs there, and that this machine may connect to it";

/** The problem a failed login is, at the field to fix. */
export function loginProblem(t: SshTarget, failure: SshFailure): SpecProblem {
    const where = targetText(t);
    const detail = failure.message.split("\n")[0].slice(0, 200);
    if (failure.level === "client-authentication" || /authentication methods failed/i.test(failure.message)) {
        const offered = {
            privateKey: [
                "host.connection.privateKey",
                `add its public key to ~${t.user}/.ssh/authorized_keys on ${t.host}, or set host.connection.privateKey to a key that user accepts`,
            ],
            password: [
                "host.connection.password",
                `set host.connection.password to ${t.user}'s password on ${t.host}, or log in with a key`,
            ],
            agent: [
                "the keys of the SSH agent (SSH_AUTH_SOCK)",
                `add one of them to ~${t.user}/.ssh/authorized_keys on ${t.host}, or set host.connection.privateKey`,
            ],
            none: [
                "no key, password or SSH agent",
                "set host.connection.privateKey (e.g. `cat ~/.ssh/id_ed25519 | pulumi config set --secret sshPrivateKey`), or run an SSH agent",
            ],
        }[t.auth];
        const path =
            t.auth === "privateKey" ? "host.connection.privateKey" : t.auth === "password" ? "host.connection.password" : "host.connection";
        return { path, message: `${where} refused the login with ${offered[0]}: ${offered[1]}` };
    }
    if (failure.level === "client-dns" || failure.code === "ENOTFOUND" || failure.code === "EAI_AGAIN") {
        return {
            path: "host.connection.host",
            message: `${where}: the name ${t.host} does not resolve (${detail}): check host.connection.host`,
        };
    }
    if (failure.level === "client-timeout") {
        return { path: "host.connection", message: `${where} did not answer as an SSH server in time (${detail}): ${REACH_FIX}` };
    }
    if (failure.level === "client-socket" || failure.code !== undefined) {
        return { path: "host.connection", message: `${where} cannot be reached (${detail}): ${REACH_FIX}` };
    }
    return { path: "host.connection", message: `${where}: the SSH session failed (${detail}): ${REACH_FIX}` };
}

/** The problem a bad private key is; the key itself is never in the message. */
export function keyProblem(t: SshTarget, parseError: string): SpecProblem {
    const why = parseError
        .replace(/^Cannot parse privateKey:\s*/i, "")
        .split("\n")[0]
        .slice(0, 120);
    return {
        path: "host.connection.privateKey",
        message:
            `is not a private key SSH can read (${why}), for ${targetText(t)}: give the key file's whole text, ` +
            "e.g. `cat ~/.ssh/id_ed25519 | pulumi config set --secret sshPrivateKey` (an unencrypted key)",
    };
}

/**
 * The problem the logged-in user's rights are, if any: the slice's commands
 * need root, directly or through password-less `sudo -n` with host.sudo.
 */
export function privilegeProblem(t: SshTarget, report: PrivilegeReport): SpecProblem | undefined {
    const where = targetText(t);
    if (report.uid === undefined) {
        return {
            path: "host.connection.user",
            message: `${where}: could not run a command as ${t.user} (no output): give ${t.user} a login shell there`,
        };
    }
    if (report.uid === "0") return undefined;
    if (!t.sudo) {
        return {
            path: "host.sudo",
            message: `${where}: user ${t.user} is not root: run as root on the host, or set host.sudo: true (password-less sudo)`,
        };
    }
    if (report.sudo === "ok") return undefined;
    if (report.sudo === "missing") {
        return {
            path: "host.sudo",
            message: `${where}: there is no sudo command: install sudo there, or log in as root and unset host.sudo`,
        };
    }
    const says = report.sudoSays ? ` (${report.sudoSays.slice(0, 160)})` : "";
    return {
        path: "host.sudo",
        message:
            `${where}: user ${t.user} cannot run sudo without a password${says}: give ${t.user} password-less sudo there ` +
            `(e.g. the line "${t.user} ALL=(ALL) NOPASSWD: ALL" in /etc/sudoers.d/dockerpod), or log in as root and unset host.sudo`,
    };
}
