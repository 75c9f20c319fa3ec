// A private image registry for the real-engine tests: Debian's
// `docker-registry` (distribution 2.8) on 127.0.0.1 with htpasswd (bcrypt)
// basic auth and its own storage, and a fresh random password per run. The
// daemon pulls from 127.0.0.0/8 over plain HTTP without any configuration
// (an insecure registry by default), so nothing on the host changes.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";
import { freePort } from "./net";

export interface TestRegistry {
    /** `127.0.0.1:<port>`: the registry part of an image reference. */
    readonly host: string;
    /** The docker provider's `registryAuth` address: plain HTTP, so with its scheme. */
    readonly address: string;
    readonly username: string;
    readonly password: string;
    /**
     * Pushes a local image as `<host>/<repository>:<tag>` and returns the
     * manifest digest the registry now serves for that tag. The local tag is
     * removed again, so a pod that runs the image has to pull it.
     */
    push(localImage: string, repository: string, tag: string): Promise<string>;
    /** Stops the registry and removes its storage. */
    stop(): Promise<void>;
}

/** Fails with the fix when the registry's Debian packages are missing (the pretest installs them). */
function requireTool(command: string, pkg: string): string {
    for (const dir of ["/usr/bin", "/usr/sbin", "/usr/local/bin"]) {
        if (fs.existsSync(path.join(dir, command))) return path.join(dir, command);
    }
    throw new Error(`${command} is missing: apt-get install ${pkg} (npm test's pretest, .ci/dockerd.sh, installs it)`);
}

async function waitUntilServing(url: string, child: ChildProcess, log: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${fs.readFileSync(log, "utf8")}`);
        const status = await fetch(url).then(
            (r) => r.status,
            () => 0,
        );
        if (status === 401) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`docker-registry did not answer on ${url} within 15 s:\n${fs.readFileSync(log, "utf8")}`);
}

export async function startRegistry(docker: Docker): Promise<TestRegistry> {
    const registryBin = requireTool("docker-registry", "docker-registry");
    const htpasswd = requireTool("htpasswd", "apache2-utils");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-registry-"));
    const username = "deploy";
    const password = crypto.randomBytes(12).toString("hex");
    // -i: the password on stdin, never on a command line.
    const entry = execFileSync(htpasswd, ["-niB", username], { input: password }).toString();
    fs.writeFileSync(path.join(dir, "htpasswd"), entry, { mode: 0o600 });
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    fs.writeFileSync(
        path.join(dir, "config.yml"),
        [
            "version: 0.1",
            "log: { level: warn }",
            `storage: { filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, "data"))} }, delete: { enabled: true } }`,
            `http: { addr: ${JSON.stringify(host)} }`,
            `auth: { htpasswd: { realm: dockerpod-test, path: ${JSON.stringify(path.join(dir, "htpasswd"))} } }`,
            "",
        ].join("\n"),
    );
    const log = path.join(dir, "registry.log");
    const out = fs.openSync(log, "a");
    const child = spawn(registryBin, ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    try {
        await waitUntilServing(`http://${host}/v2/`, child, log);
    } catch (err) {
        child.kill("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
    const authconfig = { username, password, serveraddress: host };

    return {
        host,
        address: `http://${host}`,
        username,
        password,
        async push(localImage, repository, tag) {
            const target = `${host}/${repository}`;
            await docker.getImage(localImage).tag({ repo: target, tag });
            let digest: string | undefined;
            try {
                const stream = await docker.getImage(`${target}:${tag}`).push({ authconfig });
                const events = await new Promise<any[]>((resolve, reject) => {
                    docker.modem.followProgress(stream, (err: Error | null, out: any[]) => (err ? reject(err) : resolve(out)));
                });
                const failed = events.find((e) => e.error);
                if (failed) throw new Error(`push of ${target}:${tag} failed: ${failed.error}`);
                digest = events.map((e) => e.aux?.Digest).find((d) => typeof d === "string");
                if (!digest) throw new Error(`push of ${target}:${tag} reported no digest`);
                return digest;
            } finally {
                // A push also records `repo@digest` locally; without both gone, the pod would find
                // the image on the host and never ask the registry.
                for (const ref of [`${target}:${tag}`, ...(digest ? [`${target}@${digest}`] : [])]) {
                    await docker
                        .getImage(ref)
                        .remove({ noprune: true })
                        .catch(() => undefined);
                }
            }
        },
        async stop() {
            if (child.exitCode === null) {
                child.kill("SIGTERM");
                await new Promise((resolve) => child.once("exit", resolve));
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
