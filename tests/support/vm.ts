// The systemd test host: a Debian VM (bookworm; trixie with DOCKERPOD_VM_SUITE) booted under QEMU (TCG) with
// systemd as PID 1, cgroup v2, dockerd on the systemd cgroup driver, sshd and
// sudo. tests/vm/build-image.sh builds (and caches) its image, tests/vm/boot.sh
// boots it, tests/vm/stop.sh powers it off. See tests/vm/README.md.
//
// Jest pattern (boot to ready: ~40 s on an idle 2-core host, 60-90 s under load; minutes
// more when the image or its warm layer must be built first):
//
//     import { useVm, VM_HOOK_TIMEOUT_MS } from "../support/vm";
//     const vm = useVm();                      // beforeAll starts it, afterAll stops it
//     test("a slice gets its limits", async () => {
//         const r = await vm().ssh("root", "systemctl is-system-running");
//         ...
//     }, 120_000);
//
// or by hand: `let vm: Vm; beforeAll(async () => { vm = await startVm(); }, VM_HOOK_TIMEOUT_MS);
// afterAll(() => vm?.stop(), 60_000);` — afterAll runs even when beforeAll failed.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type Docker from "dockerode";

const VM_DIR = path.resolve(__dirname, "..", "vm");

/** Room for an image build from scratch (~2-3 min), host package installs and the boot. */
export const VM_HOOK_TIMEOUT_MS = 20 * 60_000;

export interface SshResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface SshOptions {
    /** Written to the command's stdin. */
    input?: string | Buffer;
    /** Default 120 s; the command is killed after it (code 124). */
    timeoutMs?: number;
}

export interface VmTimings {
    /** Finding (or building) the cached image, seconds. */
    image: number;
    /** QEMU start to the guest's READY line on the console (dockerd up). */
    boot: number;
    /** Making the warm layer (the test images loaded), 0 when cached: one extra boot. */
    warm: number;
    /** First SSH round trip with the `docker info` check. */
    ssh: number;
    total: number;
}

export interface Vm {
    /** Host port forwarded (on 127.0.0.1 only) to the guest's sshd. */
    sshPort: number;
    /** Private key accepted for root, pod, deploy and nosudo (mode 0600, in the image cache). */
    keyFile: string;
    /** The guest's host key, "ssh-ed25519 AAAA...". */
    hostKey: string;
    /** OpenSSH client config of this run: port, key, strict known_hosts, connection sharing. */
    sshConfig: string;
    /** The guest's Docker over SSH: "ssh://root@127.0.0.1:<port>" (the remote-host path: one SSH connection per API call). */
    dockerHost: string;
    /**
     * The guest's /run/docker.sock forwarded to a host unix socket over one SSH
     * connection (`ssh -L`): ~50 ms per API call instead of ~2-3 s. Use it for test
     * assertions; use dockerHost where the SSH path itself is under test.
     */
    dockerSocket: string;
    /** Environment for the docker CLI over SSH: DOCKER_HOST=ssh://... plus PATH with this run's `ssh` wrapper first. */
    dockerEnv: NodeJS.ProcessEnv;
    /** The run directory (overlay, console log, ssh config); removed by stop(). */
    runDir: string;
    consoleLog: string;
    pid: number;
    timings: VmTimings;
    /** Runs `cmd` through the login shell of `user` (root, pod, deploy or nosudo); never rejects on a non-zero exit. */
    ssh(user: string, cmd: string, opts?: SshOptions): Promise<SshResult>;
    /** Runs the host's docker CLI against the guest's daemon, through dockerSocket (default) or dockerHost (`via: "ssh"`). */
    docker(args: string[], opts?: SshOptions & { via?: DockerVia }): Promise<SshResult>;
    /**
     * dockerode options for the guest's daemon: `{ socketPath: dockerSocket }` (default), or
     * with `"ssh"` docker-modem's own SSH client (ssh2 with the key and the pinned host key).
     */
    dockerodeOptions(via?: DockerVia): Docker.DockerOptions;
    /** @pulumi/docker Provider args: `new docker.Provider("vm", vm.dockerProviderArgs())`. */
    dockerProviderArgs(): { host: string; sshOpts: string[] };
    /** @pulumi/command `remote.Command` connection for `user`. */
    connection(user: string): { host: string; port: number; user: string; privateKey: string };
    /** Powers the guest off (kills QEMU after `graceSeconds`) and removes the run directory. Idempotent. */
    stop(graceSeconds?: number): Promise<void>;
}

/** How the host reaches the guest's Docker: the forwarded socket, or ssh:// per call. */
export type DockerVia = "socket" | "ssh";

export interface StartVmOptions {
    /** Load dockerpod-test/busybox:1, registry.k8s.io/pause:3.9 and docker:28-cli from the host (default true). */
    loadImages?: boolean;
    /** Boot timeout passed to boot.sh, seconds (default 240). */
    bootTimeoutSeconds?: number;
    /** Echo the scripts' progress to stderr (default: when DOCKERPOD_VM_VERBOSE=1). */
    verbose?: boolean;
}

interface BootInfo {
    runDir: string;
    pid: number;
    sshPort: number;
    keyFile: string;
    sshConfig: string;
    knownHosts: string;
    dockerHost: string;
    dockerSocket: string;
    consoleLog: string;
    imageDir: string;
    timings: VmTimings;
}

function run(cmd: string, args: string[], opts: SshOptions & { env?: NodeJS.ProcessEnv; echo?: boolean } = {}): Promise<SshResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let timedOut = false;
        // SIGTERM first: boot.sh then kills the QEMU it started.
        const timer =
            opts.timeoutMs === undefined
                ? undefined
                : setTimeout(() => {
                      timedOut = true;
                      child.kill("SIGTERM");
                      setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
                  }, opts.timeoutMs);
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => {
            err.push(d);
            if (opts.echo) process.stderr.write(d);
        });
        child.on("error", (e) => {
            if (timer) clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code) => {
            if (timer) clearTimeout(timer);
            resolve({
                code: timedOut ? 124 : (code ?? 255),
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8") + (timedOut ? `\n(killed after ${opts.timeoutMs} ms)` : ""),
            });
        });
        child.stdin.on("error", () => undefined); // a command that never reads its stdin
        child.stdin.end(opts.input ?? "");
    });
}

/** Builds the image when needed, boots the VM and waits until dockerd is ready (systemd driver, cgroup v2). */
export async function startVm(options: StartVmOptions = {}): Promise<Vm> {
    const verbose = options.verbose ?? process.env.DOCKERPOD_VM_VERBOSE === "1";
    const args = [path.join(VM_DIR, "boot.sh"), "--owner-pid", String(process.pid)];
    if (options.loadImages === false) args.push("--no-images");
    if (options.bootTimeoutSeconds !== undefined) args.push("--timeout", String(options.bootTimeoutSeconds));
    const res = await run("bash", args, { echo: verbose, timeoutMs: VM_HOOK_TIMEOUT_MS });
    const last = res.stdout.trim().split("\n").pop() ?? "";
    if (res.code !== 0 || !last.startsWith("{")) {
        throw new Error(`tests/vm/boot.sh failed (exit ${res.code}):\n${res.stderr.split("\n").slice(-60).join("\n")}`);
    }
    const info = JSON.parse(last) as BootInfo;
    const privateKey = fs.readFileSync(info.keyFile, "utf8");
    const hostKey = fs.readFileSync(path.join(info.imageDir, "ssh_host_ed25519_key.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    const hostKeyBlob = Buffer.from(hostKey.split(" ")[1], "base64");
    const sshBin = path.join(info.runDir, "bin", "ssh");
    const dockerEnv: NodeJS.ProcessEnv = {
        ...process.env,
        DOCKER_HOST: info.dockerHost,
        PATH: `${path.join(info.runDir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    };
    let stopped: Promise<void> | undefined;

    return {
        sshPort: info.sshPort,
        keyFile: info.keyFile,
        hostKey,
        sshConfig: info.sshConfig,
        dockerHost: info.dockerHost,
        dockerSocket: info.dockerSocket,
        dockerEnv,
        runDir: info.runDir,
        consoleLog: info.consoleLog,
        pid: info.pid,
        timings: info.timings,
        ssh: (user, cmd, opts = {}) =>
            run(sshBin, ["-l", user, "dockerpod-vm", "--", cmd], { ...opts, timeoutMs: opts.timeoutMs ?? 120_000 }),
        docker: (dockerArgs, opts = {}) =>
            run("docker", dockerArgs, {
                ...opts,
                env: opts.via === "ssh" ? dockerEnv : { ...process.env, DOCKER_HOST: `unix://${info.dockerSocket}` },
                timeoutMs: opts.timeoutMs ?? 120_000,
            }),
        dockerodeOptions: (via = "socket") =>
            via === "socket"
                ? { socketPath: info.dockerSocket }
                : {
                      protocol: "ssh",
                      host: "127.0.0.1",
                      port: info.sshPort,
                      username: "root",
                      sshOptions: {
                          privateKey,
                          hostVerifier: (key: Buffer) => key.equals(hostKeyBlob),
                          readyTimeout: 60_000,
                      },
                  },
        dockerProviderArgs: () => ({ host: info.dockerHost, sshOpts: ["-F", info.sshConfig] }),
        connection: (user) => ({ host: "127.0.0.1", port: info.sshPort, user, privateKey }),
        stop: (graceSeconds = 30) => {
            stopped ??= run("bash", [path.join(VM_DIR, "stop.sh"), info.runDir, String(graceSeconds)], {
                timeoutMs: (graceSeconds + 30) * 1000,
            }).then((r) => {
                if (r.code !== 0) {
                    // Last resort: the watchdog would do this when the test process exits.
                    try {
                        process.kill(info.pid, "SIGKILL");
                    } catch {
                        /* already gone */
                    }
                    fs.rmSync(info.runDir, { recursive: true, force: true });
                }
            });
            return stopped;
        },
    };
}

/**
 * Registers beforeAll (start) and afterAll (stop, also after a failed start or
 * failed tests) in the current describe block; returns a getter for the VM.
 */
export function useVm(options: StartVmOptions = {}): () => Vm {
    let vm: Vm | undefined;
    let startError: unknown;
    beforeAll(async () => {
        try {
            vm = await startVm(options);
        } catch (err) {
            startError = err;
            throw err;
        }
    }, VM_HOOK_TIMEOUT_MS);
    afterAll(async () => {
        await vm?.stop();
    }, 90_000);
    return () => {
        if (!vm) throw new Error(`the test VM did not start: ${startError instanceof Error ? startError.message : String(startError)}`);
        return vm;
    };
}
