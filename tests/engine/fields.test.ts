// Every container field the component maps reaches the real container, and
// the docker provider behaves as the pod relies on it (real engine).
import { spawn } from "child_process";
import * as dgram from "dgram";
import * as os from "os";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PodSpecError } from "../../sdk";
import { DockerPodArgs } from "../../sdk/types";
import { T_CONTAINER } from "../support/engine";
import { exec } from "../support/inspect";
import {
    BUSYBOX,
    HOST,
    IDLE,
    Stacks,
    docker as engine,
    freePort,
    inspect,
    podName,
    podProgram,
    requireEngine,
    until,
    upOk,
} from "./helpers";

jest.setTimeout(60_000);

const stacks = new Stacks();
beforeAll(requireEngine);
afterEach(() => stacks.destroyAll());

const MiB = 2 ** 20;

test("env, workingDir, args, requests, limits and securityContext reach the container", async () => {
    const pod = podName("fields");
    await upOk(
        stacks.create(),
        podProgram(pod, {
            host: HOST,
            terminationGracePeriodSeconds: 1,
            restartPolicy: "OnFailure",
            labels: { team: "tests" },
            containers: [
                {
                    name: "app",
                    image: BUSYBOX,
                    imagePullPolicy: "Never",
                    command: ["sh", "-c"],
                    args: [IDLE[2]],
                    env: [
                        { name: "GREETING", value: "hi" },
                        { name: "TOKEN", value: pulumi.secret("s3cret") },
                    ],
                    workingDir: "/tmp",
                    resources: { limits: { memory: "40Mi", cpu: "300m" }, requests: { memory: "20Mi", cpu: "250m" } },
                    securityContext: {
                        runAsUser: 65534,
                        runAsGroup: 65534,
                        readOnlyRootFilesystem: true,
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
                    },
                },
            ],
        }),
    );
    const c = await inspect(`${pod}_app`);
    expect(c.Config.Entrypoint).toEqual(["sh", "-c"]);
    expect(c.Config.Cmd).toEqual([IDLE[2]]);
    expect(c.Config.Env).toEqual(expect.arrayContaining(["GREETING=hi", "TOKEN=s3cret"]));
    expect(c.Config.WorkingDir).toBe("/tmp");
    expect(c.Config.User).toBe("65534:65534");
    expect(c.Config.Labels).toMatchObject({ team: "tests", "dockerpod.pod": pod, "dockerpod.role": "app", "dockerpod.container": "app" });
    expect(c.HostConfig).toMatchObject({
        Memory: 40 * MiB,
        MemorySwap: 40 * MiB,
        MemoryReservation: 20 * MiB,
        CpuPeriod: 100_000,
        CpuQuota: 30_000,
        CpuShares: 256,
        ReadonlyRootfs: true,
        CapDrop: ["ALL"],
        CapAdd: ["CAP_NET_BIND_SERVICE"],
        SecurityOpt: ["no-new-privileges:true"],
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 0 },
    });
    const id = await exec(`${pod}_app`, ["id", "-u"]);
    expect(id.stdout.trim()).toBe("65534");
    expect((await exec(`${pod}_app`, ["sh", "-c", "echo x > /x"])).exitCode).not.toBe(0);
    expect((await exec(`${pod}_app`, ["sh", "-c", "echo $GREETING"])).stdout.trim()).toBe("hi");
});

describe("the docker provider, where the pod relies on it", () => {
    test("RemoteImage: outputs the local image id; keepLocally false removes the image on destroy", async () => {
        const tag = `k${process.pid}`;
        await engine.getImage(BUSYBOX).tag({ repo: "dockerpod-test/scratch", tag });
        const name = `dockerpod-test/scratch:${tag}`;
        const stack = stacks.create();
        const run = await upOk(stack, () => new docker.RemoteImage("scratch", { name, keepLocally: false }));
        expect(await (run.result.imageId as any).promise()).toBe((await engine.getImage(BUSYBOX).inspect()).Id);
        await stack.destroy();
        await expect(engine.getImage(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
        await engine.getImage(BUSYBOX).inspect();
    });

    test("an init-style container (attach, mustRun false) reports its exit code and logs without failing", async () => {
        const stack = stacks.create();
        const name = podName("oneshot");
        const run = await upOk(
            stack,
            () =>
                new docker.Container("oneshot", {
                    name,
                    image: BUSYBOX,
                    command: ["sh", "-c", "echo out; echo err >&2; exit 5"],
                    attach: true,
                    logs: true,
                    mustRun: false,
                }),
        );
        expect(await (run.result.exitCode as any).promise()).toBe(5);
        // Both streams, each line once; Docker does not order stdout against stderr (seen either way in CI).
        expect(
            String(await (run.result.containerLogs as any).promise())
                .split("\n")
                .sort(),
        ).toEqual(["", "err", "out"]);
        expect(stack.state.get(`${T_CONTAINER}::oneshot`)?.outputs.exitCode).toBe(5);
    });

    test("a must-run container that exits at once: the create still succeeds (pulumi-docker 5.2 only checks the start), so the pod's payloads carry their own readiness wait", async () => {
        const stack = stacks.create();
        const name = podName("quick");
        const run = await stack.up(() => new docker.Container("quick", { name, image: BUSYBOX, command: ["true"] }));
        expect(run.errors).toEqual([]);
        expect((await engine.getContainer(name).inspect()).State.Running).toBe(false);
        expect(stack.state.has(`${T_CONTAINER}::quick`)).toBe(true);
    });
});

describe("files, networks, DNS and /etc/hosts", () => {
    const network = `dockerpod-test-net-${process.pid}`;
    beforeAll(async () => {
        await engine.createNetwork({ Name: network, Labels: { "dockerpod.test": "yes" } });
    });
    afterAll(async () => {
        await engine
            .getNetwork(network)
            .remove()
            .catch(() => undefined);
    });

    function netPod(): DockerPodArgs {
        return {
            host: HOST,
            terminationGracePeriodSeconds: 1,
            networks: [{ name: network, aliases: ["web-alias"] }],
            dnsConfig: { nameservers: ["192.0.2.53"], searches: ["example.test"], options: [{ name: "ndots", value: "2" }] },
            hostAliases: [{ ip: "192.0.2.10", hostnames: ["db.example.test"] }],
            containers: [
                {
                    name: "web",
                    image: BUSYBOX,
                    imagePullPolicy: "Never",
                    command: ["sh", "-c", "mkdir -p /www; cp /etc/app/index.html /www/; exec httpd -f -p 8080 -h /www"],
                    files: [
                        { path: "/etc/app/index.html", content: "from a file", mode: 0o640 },
                        { path: "/etc/app/token", content: pulumi.secret("t0ken") },
                    ],
                },
            ],
        };
    }

    /** Runs a one-shot client on the network; returns its exit code and output. */
    async function fromNetwork(cmd: string[]): Promise<{ code: number; output: string }> {
        const client = await engine.createContainer({ Image: BUSYBOX, Cmd: cmd, HostConfig: { NetworkMode: network } });
        try {
            await client.start();
            const { StatusCode } = await client.wait();
            const logs = (await client.logs({ stdout: true, stderr: true })) as unknown as Buffer;
            return { code: StatusCode, output: logs.toString() };
        } finally {
            await client.remove({ force: true });
        }
    }

    test("files are written before start; the pod is on the network; DNS and hosts reach every container", async () => {
        const pod = podName("net");
        await upOk(stacks.create(), podProgram(pod, netPod()));
        const web = `${pod}_web`;
        expect((await exec(web, ["cat", "/etc/app/token"])).stdout).toBe("t0ken");
        expect((await exec(web, ["stat", "-c", "%a %u", "/etc/app/index.html"])).stdout.trim()).toBe("640 0");
        // The network is the sandbox's; the payload shares it.
        const sandbox = await inspect(`${pod}_sandbox`);
        expect(Object.keys(sandbox.NetworkSettings.Networks)).toEqual([network]);
        const ip = sandbox.NetworkSettings.Networks[network].IPAddress;
        const byIp = await fromNetwork(["wget", "-qO-", `http://${ip}:8080/`]);
        expect(byIp).toMatchObject({ code: 0 });
        expect(byIp.output).toContain("from a file");
        // On a user-defined network Docker's embedded DNS (127.0.0.11) answers and forwards to these servers.
        expect(sandbox.HostConfig.Dns).toEqual(["192.0.2.53"]);
        const resolv = (await exec(web, ["cat", "/etc/resolv.conf"])).stdout;
        expect(resolv).toMatch(/nameserver (192\.0\.2\.53|127\.0\.0\.11)/);
        expect(resolv).toContain("search example.test");
        expect(resolv).toContain("options ndots:2");
        expect((await exec(web, ["cat", "/etc/hosts"])).stdout).toMatch(/192\.0\.2\.10\s+db\.example\.test/);
    });

    // sdk bug: the sandbox is created with networkMode = the first network, so the
    // provider's later NetworkConnect (which carries the aliases) hits a network the
    // container already joined, and Docker silently ignores it: the aliases are lost.
    // Fix in sdk/components/build.ts buildSandbox: networkMode "bridge" (the provider
    // then leaves bridge and connects every network with its aliases). Flip to
    // `test` once fixed.
    test("other containers on the network reach the pod by its aliases", async () => {
        const pod = podName("alias");
        await upOk(stacks.create(), podProgram(pod, netPod()));
        const sandbox = await inspect(`${pod}_sandbox`);
        expect(sandbox.NetworkSettings.Networks[network].Aliases).toEqual(expect.arrayContaining(["web-alias"]));
        const byAlias = await fromNetwork(["wget", "-qO-", "http://web-alias:8080/"]);
        expect(byAlias).toMatchObject({ code: 0 });
    });

    // The engine refuses to write files into a read-only root filesystem
    // ("container rootfs is marked read-only"), so `up` fails late. The spec
    // should refuse the combination up front; until then this test fails.
    test("files with readOnlyRootFilesystem are refused before anything is made", async () => {
        const stack = stacks.create();
        const run = await stack.up(
            podProgram(podName("rofiles"), {
                host: HOST,
                containers: [
                    {
                        name: "app",
                        image: BUSYBOX,
                        imagePullPolicy: "Never",
                        command: IDLE,
                        files: [{ path: "/etc/app.conf", content: "x" }],
                        securityContext: { readOnlyRootFilesystem: true },
                    },
                ],
            }),
        );
        expect(run.errors[0]).toBeInstanceOf(PodSpecError);
        expect(stack.state.size).toBe(0);
    });
});

describe("emptyDir and the daemon's API (this host: Docker 20.10, API 1.41)", () => {
    const overEtc = (dockerApiVersion?: string): DockerPodArgs => ({
        host: { ...HOST, ...(dockerApiVersion ? { dockerApiVersion } : {}) },
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: "conf", emptyDir: {} }],
        containers: [{ name: "app", image: BUSYBOX, command: IDLE, volumeMounts: [{ name: "conf", mountPath: "/etc" }] }],
    });

    test("without host.dockerApiVersion an emptyDir starts with the files of the image directory it covers (Docker copies them; no noCopy below API 1.45)", async () => {
        const pod = podName("copy");
        await upOk(stacks.create(), podProgram(pod, overEtc()));
        const listed = (await exec(`${pod}_app`, ["ls", "-A", "/etc"])).stdout.trim().split("\n");
        expect(listed).toEqual(expect.arrayContaining(["group", "passwd", "hostname", "hosts", "resolv.conf"]));
    });

    test("host.dockerApiVersion 1.45 on this 1.41 daemon fails the slice at create, naming the field and the daemon's version; no container is made", async () => {
        const pod = podName("api");
        const run = await stacks.create().up(podProgram(pod, overEtc("1.45")));
        expect(run.errors.map((e) => e.message).join("\n")).toMatch(
            /the Docker daemon's API is 1\.41, older than host\.dockerApiVersion 1\.45: set host\.dockerApiVersion to "1\.41" or leave it unset/,
        );
        await expect(engine.getContainer(`${pod}_app`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });
});

describe("runAsNonRoot", () => {
    test("an image that runs as root is refused at up; its container is never made", async () => {
        const pod = podName("nonroot");
        const stack = stacks.create();
        const run = await stack.up(
            podProgram(pod, {
                host: HOST,
                terminationGracePeriodSeconds: 1,
                containers: [{ name: "app", image: BUSYBOX, command: IDLE, securityContext: { runAsNonRoot: true } }],
            }),
        );
        expect(run.errors.map((e) => e.message).join("\n")).toMatch(/sets runAsNonRoot but its image .* runs as root/);
        await expect(engine.getContainer(`${pod}_app`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });

    test("with runAsUser the container runs as that user", async () => {
        const pod = podName("nonroot");
        await upOk(
            stacks.create(),
            podProgram(pod, {
                host: HOST,
                terminationGracePeriodSeconds: 1,
                containers: [{ name: "app", image: BUSYBOX, command: IDLE, securityContext: { runAsNonRoot: true, runAsUser: 65534 } }],
            }),
        );
        expect((await exec(`${pod}_app`, ["id", "-u"])).stdout.trim()).toBe("65534");
    });
});

describe("securityContext, seen from inside the containers", () => {
    /** A field of the container's PID 1 in /proc/1/status. */
    async function status(container: string, field: string): Promise<string> {
        const out = (await exec(container, ["cat", "/proc/1/status"])).stdout;
        const line = out.split("\n").find((l) => l.startsWith(`${field}:`));
        if (!line) throw new Error(`no ${field} in /proc/1/status of ${container}:\n${out}`);
        return line.slice(field.length + 1).trim();
    }
    const capBit = (mask: string, bit: number) => (BigInt(`0x${mask}`) >> BigInt(bit)) & 1n;
    const CAP_CHOWN = 0;
    const CAP_NET_BIND_SERVICE = 10;
    const CAP_SYS_ADMIN = 21;

    // `privileged` is proven in the systemd guest (tests/systemd): this machine's root lacks
    // CAP_SYS_RESOURCE, so runc cannot give a container every capability here.
    test("the pod's default and a container's own user, root filesystem, capabilities and NoNewPrivs", async () => {
        const pod = podName("sec");
        await upOk(
            stacks.create(),
            podProgram(pod, {
                host: HOST,
                terminationGracePeriodSeconds: 1,
                // Pod-wide: every container runs as 65534 without privilege escalation, unless it says otherwise.
                securityContext: { runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
                volumes: [{ name: "scratch", emptyDir: {} }],
                containers: [
                    {
                        name: "plain",
                        image: BUSYBOX,
                        imagePullPolicy: "Never",
                        command: IDLE,
                        volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
                    },
                    {
                        name: "caps",
                        image: BUSYBOX,
                        imagePullPolicy: "Never",
                        command: IDLE,
                        securityContext: {
                            runAsUser: 0,
                            runAsGroup: 0,
                            capabilities: { drop: ["ALL"], add: ["CHOWN", "NET_BIND_SERVICE"] },
                        },
                    },
                    {
                        name: "open",
                        image: BUSYBOX,
                        imagePullPolicy: "Never",
                        command: IDLE,
                        securityContext: { runAsUser: 0, runAsGroup: 0, allowPrivilegeEscalation: true, readOnlyRootFilesystem: false },
                    },
                ],
            }),
        );
        const [plain, caps, open] = ["plain", "caps", "open"].map((c) => `${pod}_${c}`);

        // id: the pod's user, or the container's own.
        expect((await exec(plain, ["id"])).stdout.trim()).toMatch(/^uid=65534\(nobody\) gid=65534\(nogroup\)/);
        expect((await exec(caps, ["id", "-u"])).stdout.trim()).toBe("0");
        // A write to /: refused on the read-only root, allowed in an emptyDir and where the container turned it off.
        expect((await exec(plain, ["sh", "-c", "echo x > /x"])).exitCode).not.toBe(0);
        expect((await exec(plain, ["sh", "-c", "echo x > /scratch/x && cat /scratch/x"])).stdout.trim()).toBe("x");
        expect((await exec(caps, ["sh", "-c", "echo x > /x"])).exitCode).not.toBe(0);
        expect((await exec(open, ["sh", "-c", "echo x > /x && cat /x"])).stdout.trim()).toBe("x");
        // NoNewPrivs: from the pod's allowPrivilegeEscalation: false, unless the container allows it.
        expect(await status(plain, "NoNewPrivs")).toBe("1");
        expect(await status(caps, "NoNewPrivs")).toBe("1");
        expect(await status(open, "NoNewPrivs")).toBe("0");
        // Capabilities: exactly CHOWN and NET_BIND_SERVICE for `caps`; Docker's default set (no SYS_ADMIN) for root `open`;
        // none effective for the non-root `plain`, whose bounding set is Docker's default.
        expect(BigInt(`0x${await status(caps, "CapEff")}`)).toBe((1n << BigInt(CAP_CHOWN)) | (1n << BigInt(CAP_NET_BIND_SERVICE)));
        expect(capBit(await status(open, "CapEff"), CAP_CHOWN)).toBe(1n);
        expect(capBit(await status(open, "CapEff"), CAP_SYS_ADMIN)).toBe(0n);
        expect(BigInt(`0x${await status(plain, "CapEff")}`)).toBe(0n);
        expect(capBit(await status(plain, "CapBnd"), CAP_SYS_ADMIN)).toBe(0n);
        expect(capBit(await status(plain, "CapBnd"), CAP_CHOWN)).toBe(1n);
    });

    test("privileged without host.allowPrivileged is refused at preview, and nothing is made", async () => {
        const pod = podName("sec");
        const stack = stacks.create();
        const run = await stack.up(
            podProgram(pod, {
                host: HOST,
                containers: [
                    { name: "app", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE, securityContext: { privileged: true } },
                ],
            }),
        );
        expect(run.errors.map((e) => e.message).join("\n")).toMatch(
            /containers\[0\]\.securityContext\.privileged: a privileged container is root on the host: set host\.allowPrivileged: true/,
        );
        expect(stack.state.size).toBe(0);
    });
});

describe("ports", () => {
    test("a UDP port is published on its hostIP, and a datagram sent there reaches the pod's network namespace", async () => {
        const pod = podName("udp");
        const port = await freePort();
        await upOk(
            stacks.create(),
            podProgram(pod, {
                host: HOST,
                terminationGracePeriodSeconds: 1,
                containers: [
                    {
                        name: "app",
                        image: BUSYBOX,
                        imagePullPolicy: "Never",
                        command: IDLE,
                        ports: [{ containerPort: 5353, hostPort: port, hostIP: "127.0.0.1", protocol: "UDP" }],
                    },
                ],
            }),
        );
        const sandbox = await inspect(`${pod}_sandbox`);
        expect(sandbox.NetworkSettings.Ports["5353/udp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: String(port) }]);
        expect(sandbox.NetworkSettings.Ports["5353/tcp"]).toBeUndefined();

        // busybox has no UDP listener: a node listener runs in the pod's network namespace (nsenter, as root).
        const listener = spawn("nsenter", [
            "-t",
            String(sandbox.State.Pid),
            "-n",
            process.execPath,
            "-e",
            "const s = require('dgram').createSocket('udp4'); s.on('message', (m) => { console.log('got ' + m); process.exit(0); });" +
                "s.bind(5353, '0.0.0.0', () => console.log('ready'));",
        ]);
        let out = "";
        listener.stdout.on("data", (d) => (out += d));
        try {
            await until("the listener in the pod", async () => (out.includes("ready") ? true : undefined), 10_000, 50);
            const sender = dgram.createSocket("udp4");
            try {
                await until(
                    "the datagram to arrive",
                    async () => {
                        sender.send("hello pod", port, "127.0.0.1");
                        return out.includes("got hello pod") ? true : undefined;
                    },
                    10_000,
                    200,
                );
            } finally {
                sender.close();
            }
        } finally {
            listener.kill();
        }
    });
});

describe("the downward API, seen from inside the container", () => {
    test("pod name, namespace, label, the sandbox's and the host's addresses, the node's name, limits", async () => {
        const pod = podName("down");
        const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
        await upOk(
            stacks.create(),
            podProgram(pod, {
                host: HOST,
                terminationGracePeriodSeconds: 1,
                labels: { tier: "front" },
                containers: [
                    {
                        name: "app",
                        image: BUSYBOX,
                        imagePullPolicy: "Never",
                        command: IDLE,
                        resources: { limits: { memory: "64Mi", cpu: "250m" } },
                        env: [
                            field("POD_NAME", "metadata.name"),
                            field("POD_NAMESPACE", "metadata.namespace"),
                            field("TIER", "metadata.labels['tier']"),
                            field("POD_IP", "status.podIP"),
                            field("HOST_IP", "status.hostIP"),
                            field("NODE", "spec.nodeName"),
                            { name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
                            { name: "CPU_M", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } },
                        ],
                    },
                ],
            }),
        );
        const sandbox = await inspect(`${pod}_sandbox`);
        const network = Object.values(sandbox.NetworkSettings.Networks ?? {})[0];
        const seen = async (name: string) => (await exec(`${pod}_app`, ["sh", "-c", `printf %s "$${name}"`])).stdout;
        expect(await seen("POD_NAME")).toBe(pod);
        expect(await seen("POD_NAMESPACE")).toBe("default");
        expect(await seen("TIER")).toBe("front");
        // The pod's address is the one its processes have; the host answers at the other.
        expect(await seen("POD_IP")).toBe(network.IPAddress);
        expect((await exec(`${pod}_app`, ["sh", "-c", "ip -4 -o addr show eth0"])).stdout).toContain(`inet ${network.IPAddress}/`);
        expect(await seen("HOST_IP")).toBe(network.Gateway);
        expect(await seen("NODE")).toBe(os.hostname());
        expect(await seen("MEM_MI")).toBe("64");
        expect(await seen("CPU_M")).toBe("250");
    });
});
