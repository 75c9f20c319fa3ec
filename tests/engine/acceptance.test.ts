// The seed pod on the real engine: one network, one IPC namespace, one
// hostname, one cgroup parent with the pod's limits, separate filesystems.
import { DockerPodArgs } from "../../sdk/types";
import { EngineStack, T_IMAGE, changes } from "../support/engine";
import { exec, hostPid, nsInode, procCgroup, readCgroup } from "../support/inspect";
import {
    BUSYBOX,
    HOST,
    IDLE,
    PARENT,
    PAUSE,
    Stacks,
    docker,
    freePort,
    httpGet,
    inspect,
    podName,
    podProgram,
    requireEngine,
    upOk,
    value,
} from "./helpers";

jest.setTimeout(120_000);

const stacks = new Stacks();
beforeAll(requireEngine);
afterAll(() => stacks.destroyAll());

const PAGE = "hello from the seed pod";

/** The tutorial's pod: app = busybox httpd serving a page written by an init container, sidecar = sleep. */
function seedPod(port: number, extra: Partial<DockerPodArgs> = {}): DockerPodArgs {
    return {
        host: HOST,
        terminationGracePeriodSeconds: 1,
        resources: { limits: { memory: "128Mi", cpu: "500m" } },
        volumes: [{ name: "www", emptyDir: {} }],
        initContainers: [
            {
                name: "page",
                image: BUSYBOX,
                imagePullPolicy: "Never",
                command: ["sh", "-c", `echo '${PAGE}' > /www/index.html`],
                volumeMounts: [{ name: "www", mountPath: "/www" }],
            },
        ],
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                imagePullPolicy: "IfNotPresent",
                command: ["httpd", "-f", "-p", "80", "-h", "/www"],
                ports: [{ containerPort: 80, hostPort: port, hostIP: "127.0.0.1" }],
                volumeMounts: [{ name: "www", mountPath: "/www", readOnly: true }],
                resources: { limits: { memory: "32Mi", cpu: "250m" } },
            },
            { name: "sidecar", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE, resources: { limits: { memory: "16Mi" } } },
        ],
        ...extra,
    };
}

describe("the seed pod", () => {
    const pod = podName("seed");
    const members = ["sandbox", "app", "sidecar"].map((m) => `${pod}_${m}`);
    const [sandbox, app, sidecar] = members;
    let port: number;
    let stack: EngineStack;

    beforeAll(async () => {
        port = await freePort();
        stack = stacks.create();
        const run = await upOk(stack, podProgram(pod, seedPod(port)));
        expect(await value(run.result.podName)).toBe(pod);
    });

    test("the sandbox runs the default pause image, pulled through a RemoteImage", async () => {
        const pause = await docker.getImage(PAUSE).inspect();
        expect((await inspect(sandbox)).Image).toBe(pause.Id);
        expect((await inspect(sandbox)).State.Running).toBe(true);
    });

    test("1: the sidecar fetches the app's page from 127.0.0.1:80 inside the pod", async () => {
        const r = await exec(sidecar, ["wget", "-qO-", "http://127.0.0.1:80/"]);
        expect(r).toMatchObject({ exitCode: 0 });
        expect(r.stdout.trim()).toBe(PAGE);
    });

    test("2: the host fetches the page through the published hostPort", async () => {
        const r = await httpGet(`http://127.0.0.1:${port}/`);
        expect(r.status).toBe(200);
        expect(r.body.trim()).toBe(PAGE);
        // Published on the sandbox only: a joiner cannot publish.
        expect((await inspect(sandbox)).HostConfig.PortBindings).toEqual({ "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] });
    });

    test("3: net and ipc namespaces are shared; mnt and pid are not", async () => {
        for (const ns of ["net", "ipc"]) {
            const inodes = await Promise.all(members.map((m) => nsInode(m, ns)));
            expect(new Set(inodes).size).toBe(1);
        }
        for (const ns of ["mnt", "pid"]) {
            const inodes = await Promise.all(members.map((m) => nsInode(m, ns)));
            expect(new Set(inodes).size).toBe(members.length);
        }
        // Joined by id, never by name.
        const sandboxId = (await inspect(sandbox)).Id;
        expect((await inspect(app)).HostConfig.NetworkMode).toBe(`container:${sandboxId}`);
        expect((await inspect(app)).HostConfig.IpcMode).toBe(`container:${sandboxId}`);
    });

    test("3: a file in /dev/shm written by one container is read by another", async () => {
        expect((await exec(app, ["sh", "-c", "echo shared-memory > /dev/shm/note"])).exitCode).toBe(0);
        const r = await exec(sidecar, ["cat", "/dev/shm/note"]);
        expect(r.stdout.trim()).toBe("shared-memory");
        // Separate filesystems: the app's /www is not in the sidecar.
        expect((await exec(sidecar, ["test", "-e", "/www/index.html"])).exitCode).not.toBe(0);
    });

    test("4: every container reports the pod's hostname", async () => {
        for (const m of members) {
            expect((await exec(m, ["hostname"])).stdout.trim()).toBe(pod);
        }
    });

    test("5: every container's cgroup lies under the pod's parent, which carries the pod's limits", async () => {
        const parent = `${PARENT}/${pod}`;
        for (const m of members) {
            expect((await inspect(m)).HostConfig.CgroupParent).toBe(parent);
            const pid = await hostPid(m);
            for (const controller of ["memory", "cpu", "pids"]) {
                expect(procCgroup(pid, controller)).toMatch(new RegExp(`^${parent}/[0-9a-f]{64}$`));
            }
        }
        expect(readCgroup("memory", parent, "memory.limit_in_bytes")).toBe(String(128 * 2 ** 20));
        expect(readCgroup("cpu", parent, "cpu.cfs_period_us")).toBe("100000");
        expect(readCgroup("cpu", parent, "cpu.cfs_quota_us")).toBe("50000");
        // Each container keeps its own limits below the pod's.
        const appCgroup = procCgroup(await hostPid(app), "memory");
        expect(readCgroup("memory", appCgroup, "memory.limit_in_bytes")).toBe(String(32 * 2 ** 20));
        expect(readCgroup("cpu", procCgroup(await hostPid(app), "cpu"), "cpu.cfs_quota_us")).toBe("25000");
        expect(readCgroup("memory", procCgroup(await hostPid(sidecar), "memory"), "memory.limit_in_bytes")).toBe(String(16 * 2 ** 20));
    });

    test("a second up with the same program changes nothing", async () => {
        const run = await upOk(stack, podProgram(pod, seedPod(port)));
        expect(changes(run.steps)).toEqual([]);
        expect(stack.state.get(`${T_IMAGE}::${pod}-sandbox.image`)?.inputs.name).toBe(PAUSE);
    });
});

describe("shareProcessNamespace", () => {
    test("puts every container of the pod in the sandbox's PID namespace", async () => {
        const pod = podName("pid");
        await upOk(stacks.create(), podProgram(pod, seedPod(await freePort(), { shareProcessNamespace: true, initContainers: [] })));
        const members = ["sandbox", "app", "sidecar"].map((m) => `${pod}_${m}`);
        const inodes = await Promise.all(members.map((m) => nsInode(m, "pid")));
        expect(new Set(inodes).size).toBe(1);
        // The sidecar sees the app's process.
        const ps = await exec(`${pod}_sidecar`, ["ps", "-o", "comm"]);
        expect(ps.stdout).toContain("httpd");
    });
});
