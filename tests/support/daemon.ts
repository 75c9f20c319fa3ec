// A Docker daemon of a test's own (own socket, data root, exec root and
// bridge), for tests that restart or break dockerd without disturbing the
// shared one. Needs root; loads the given local images from the shared daemon.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import Docker from "dockerode";

export interface DedicatedDaemon {
    socket: string;
    docker: Docker;
    /** Stops dockerd (containers stop with it) and starts it again on the same data root. */
    restart(): Promise<void>;
    /** Stops dockerd and removes its bridge; the data root is removed too. */
    stop(): Promise<void>;
}

function sh(cmd: string): void {
    execFileSync("sh", ["-c", cmd], { stdio: "pipe" });
}

export async function startDedicatedDaemon(name: string, images: string[], subnet = "10.213.7.1/24"): Promise<DedicatedDaemon> {
    const root = `/run/${name}`;
    const socket = `${root}/docker.sock`;
    const dataRoot = `/var/lib/${name}`;
    const bridge = name.replace(/[^a-z0-9]/g, "").slice(0, 12) + "0";
    fs.mkdirSync(root, { recursive: true });
    sh(
        `ip link show ${bridge} >/dev/null 2>&1 || { ip link add ${bridge} type bridge && ip addr add ${subnet} dev ${bridge} && ip link set ${bridge} up; }`,
    );
    let child: ChildProcess | undefined;
    const docker = new Docker({ socketPath: socket });

    const start = async () => {
        const log = fs.openSync(`${root}/dockerd.log`, "a");
        child = spawn(
            "dockerd",
            [
                "--host",
                `unix://${socket}`,
                "--data-root",
                dataRoot,
                "--exec-root",
                `${root}/exec`,
                "--pidfile",
                `${root}/docker.pid`,
                "--bridge",
                bridge,
                "--iptables=false",
                "--ip-masq=false",
                "--exec-opt",
                "native.cgroupdriver=cgroupfs",
            ],
            { stdio: ["ignore", log, log] },
        );
        const deadline = Date.now() + 60_000;
        for (;;) {
            try {
                await docker.ping();
                return;
            } catch {
                if (Date.now() > deadline) throw new Error(`dockerd ${name} did not answer within 60 s; see ${root}/dockerd.log`);
                await new Promise((r) => setTimeout(r, 250));
            }
        }
    };
    const halt = async () => {
        if (!child || child.exitCode !== null) return;
        const exited = new Promise((r) => child!.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
    };

    await start();
    for (const image of images) sh(`docker save ${image} | docker -H unix://${socket} load >/dev/null`);
    return {
        socket,
        docker,
        restart: async () => {
            await halt();
            await start();
        },
        stop: async () => {
            for (const c of await docker.listContainers({ all: true }).catch(() => [])) {
                await docker
                    .getContainer(c.Id)
                    .remove({ force: true })
                    .catch(() => undefined);
            }
            await halt();
            sh(`ip link del ${bridge} 2>/dev/null || true; rm -rf ${dataRoot} ${root}`);
        },
    };
}
