// Looking into a running pod from a test: exec in a container, its host pid,
// its namespaces and cgroups. Real Docker, real /proc and /sys/fs/cgroup.
import Docker from "dockerode";
import * as fs from "fs";
import { AGENT_ROLE } from "../../sdk/core/agent";
import { LABEL_ROLE } from "../../sdk/core/names";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits Docker's multiplexed stdout/stderr frames (non-TTY logs and execs). */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let i = 0;
    while (i + 8 <= buf.length) {
        const kind = buf[i];
        const len = buf.readUInt32BE(i + 4);
        const chunk = buf.subarray(i + 8, i + 8 + len);
        (kind === 2 ? err : out).push(chunk);
        i += 8 + len;
    }
    return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const defaultDocker = new Docker({ socketPath: "/var/run/docker.sock" });

/** The daemon's guardian agents (sdk/core/agent.ts): all of them, or only the running ones. */
export function guardianAgents(d: Docker = defaultDocker, all = true): Promise<Docker.ContainerInfo[]> {
    return d.listContainers({ all, filters: JSON.stringify({ label: [`${LABEL_ROLE}=${AGENT_ROLE}`] }) });
}

/** Runs a command in a running container; returns its exit code and output. */
export async function exec(
    containerName: string,
    cmd: string[],
    docker: Docker = defaultDocker,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const e = await docker.getContainer(containerName).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", reject);
    });
    const { stdout, stderr } = demux(Buffer.concat(chunks));
    let info = await e.inspect();
    for (let n = 0; info.Running && n < 50; n++) {
        await sleep(20);
        info = await e.inspect();
    }
    return { exitCode: info.ExitCode ?? -1, stdout, stderr };
}

/** Host PID of a container's main process (0 when it does not run). */
export async function hostPid(containerName: string, docker: Docker = defaultDocker): Promise<number> {
    return (await docker.getContainer(containerName).inspect()).State.Pid;
}

/** A container's namespace, read on the host: `/proc/<pid>/ns/<ns>` (e.g. `net:[4026532201]`). */
export async function nsInode(containerName: string, ns: string, docker: Docker = defaultDocker): Promise<string> {
    const pid = await hostPid(containerName, docker);
    if (!pid) throw new Error(`nsInode: container ${containerName} is not running`);
    return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
}

export const CGROUP_ROOT = "/sys/fs/cgroup";

/** cgroup v1 directory of a cgroup path in one controller's hierarchy. */
export function cgroupDir(controller: string, path: string): string {
    return `${CGROUP_ROOT}/${controller}${path.startsWith("/") ? path : `/${path}`}`;
}

/** Reads a cgroup v1 file of a cgroup path (trimmed). */
export function readCgroup(controller: string, path: string, file: string): string {
    return fs.readFileSync(`${cgroupDir(controller, path)}/${file}`, "utf8").trim();
}

/** The cgroup path of a process in one v1 controller, from /proc/<pid>/cgroup. */
export function procCgroup(pid: number, controller: string): string {
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
    for (const line of lines) {
        const [, controllers, path] = line.split(":");
        if (controllers.split(",").includes(controller)) return path;
    }
    throw new Error(`procCgroup: no ${controller} hierarchy for pid ${pid}`);
}

/** Every directory of a cgroup path, in any v1 hierarchy, that exists. */
export function existingCgroupDirs(path: string): string[] {
    if (!fs.existsSync(CGROUP_ROOT)) return [];
    return fs
        .readdirSync(CGROUP_ROOT)
        .map((h) => `${CGROUP_ROOT}/${h}${path}`)
        .filter((d) => fs.existsSync(d));
}
