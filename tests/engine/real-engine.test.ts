// The pod's containers through the real Pulumi engine: the CLI and the docker
// plugin built from Go modules (toolchain/), `up`, `preview`, `refresh` and
// `destroy` themselves. What a reviewer trusts: an unchanged pod previews as
// unchanged, refresh finds nothing, a memory change updates one container in
// place, a cpu change replaces one container, destroy leaves nothing.
//
// The pods are wired from the parts (SandboxContainer, PayloadContainer, a
// docker.Volume) because the slice's `command` plugin cannot be built here
// (README, "The real engine").
import * as docker from "@pulumi/docker";
import * as auto from "@pulumi/pulumi/automation";
import * as fs from "fs";
import { PayloadContainer, SandboxContainer } from "../../sdk";
import { Container } from "../../sdk/types";
import { RealStacks, previewSteps } from "../support/pulumi";
import { BUSYBOX, IDLE, PARENT, PAUSE, docker as engine, existingParentDirs, freePort, httpGet, inspect, podName, requireEngine } from "./helpers";

jest.setTimeout(600_000);

const stacks = new RealStacks();
beforeAll(requireEngine);
afterAll(async () => {
    await stacks.destroyAll();
    // Docker makes cgroupfs parents on the fly and never removes them; the parts own no slice.
    for (const dir of existingParentDirs()) fs.rmdirSync(dir);
});

/** Every Docker object of a pod that is still on the engine. */
async function leftOf(pod: string): Promise<string[]> {
    const filters = JSON.stringify({ label: [`dockerpod.pod=${pod}`] });
    const containers = (await engine.listContainers({ all: true, filters })).map((c) => c.Names[0]);
    const volumes = ((await engine.listVolumes()).Volumes ?? []).map((v) => v.Name).filter((v) => v.startsWith(`${pod}-`));
    return [...containers, ...volumes];
}

interface Shape {
    appMemory: string;
    appCpu: string;
}

/**
 * A pod from the parts, with the fields whose read-back the docker provider
 * is known to reformat: whole cpus, a healthcheck duration of a minute or
 * more, a working directory with a trailing '/', an emptyDir volume, files,
 * security settings, DNS and host aliases on the sandbox.
 */
function partsPod(pod: string, port: number, shape: Shape): auto.PulumiFn {
    return async () => {
        const cgroupParent = `${PARENT}/${pod}`;
        const volumes = [{ name: "www", emptyDir: {} }];
        const data = new docker.Volume(`${pod}-www`, { name: `${pod}-www`, labels: [{ label: "dockerpod.pod", value: pod }] });
        const sandbox = new SandboxContainer(`${pod}-sandbox`, {
            podName: pod, image: PAUSE, cgroupParent,
            ports: [{ containerPort: 8080, hostPort: port, hostIP: "127.0.0.1" }],
            dnsConfig: { nameservers: ["127.0.0.11"], searches: ["corp.example"], options: [{ name: "ndots", value: "2" }] },
            hostAliases: [{ ip: "10.0.0.7", hostnames: ["db.internal"] }],
        });
        const payload = (container: Container) => new PayloadContainer(`${pod}-${container.name}`, {
            podName: pod, sandboxId: sandbox.containerId, cgroupParent, volumes, container, terminationGracePeriodSeconds: 1,
        }, { dependsOn: [data] });
        const app = payload({
            name: "app", image: BUSYBOX, imagePullPolicy: "Never",
            command: ["sh", "-c", "cat /etc/greeting > /www/index.html && exec httpd -f -p 8080 -h /www"],
            workingDir: "/tmp/",
            env: [{ name: "GREETING", value: "hello" }],
            volumeMounts: [{ name: "www", mountPath: "/www" }],
            files: [{ path: "/etc/greeting", content: "hello from the real engine\n" }],
            resources: { limits: { memory: shape.appMemory, cpu: shape.appCpu }, requests: { memory: "8Mi", cpu: "100m" } },
            readinessProbe: { exec: { command: ["test", "-s", "/www/index.html"] }, periodSeconds: 1, timeoutSeconds: 60, initialDelaySeconds: 90 },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "SETUID", "SETGID"] } },
        });
        const sidecar = payload({
            name: "sidecar", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE,
            resources: { limits: { memory: "16Mi", cpu: "2" } },
            securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true },
        });
        return { sandboxId: sandbox.containerId, appId: app.containerId, sidecarId: sidecar.containerId };
    };
}

describe("a pod of the parts on the real engine", () => {
    const pod = podName("real");
    const base: Shape = { appMemory: "32Mi", appCpu: "1" };
    let port: number;
    let stack: auto.Stack;

    beforeAll(async () => {
        port = await freePort();
        stack = await stacks.create("dockerpod-real", "parts", partsPod(pod, port, base));
        await stack.up({ color: "never" });
    });

    test("up makes a working pod: the app serves over the sandbox's port", async () => {
        const res = await httpGet(`http://127.0.0.1:${port}/`);
        expect(res).toEqual({ status: 200, body: "hello from the real engine\n" });
        const app = await inspect(`${pod}-app`);
        expect(app.HostConfig.NetworkMode).toBe(`container:${(await inspect(`${pod}-sandbox`)).Id}`);
        expect(app.HostConfig.CpuQuota).toBe(100_000);
        expect(app.Config.WorkingDir).toBe("/tmp");
    });

    test("an unchanged pod previews as unchanged (pulumi preview)", async () => {
        expect(await previewSteps(stack)).toEqual([]);
        await stack.preview({ expectNoChanges: true, color: "never" });
    });

    test("refresh finds nothing to change, and the pod still previews as unchanged", async () => {
        await stack.refresh({ expectNoChanges: true, color: "never" });
        expect(await previewSteps(stack)).toEqual([]);
    });

    test("a memory change updates that container in place, nothing else", async () => {
        stack.workspace.program = partsPod(pod, port, { ...base, appMemory: "48Mi" });
        expect(await previewSteps(stack)).toEqual([`update ${pod}-app(memory,memorySwap)`]);
        const before = (await inspect(`${pod}-app`)).Id;
        await stack.up({ color: "never" });
        const after = await inspect(`${pod}-app`);
        expect(after.Id).toBe(before);
        expect(after.HostConfig.Memory).toBe(48 * 2 ** 20);
        expect(await previewSteps(stack)).toEqual([]);
    });

    test("a cpu change replaces that container only (its image and the others stay)", async () => {
        stack.workspace.program = partsPod(pod, port, { appMemory: "48Mi", appCpu: "1500m" });
        expect(await previewSteps(stack)).toEqual([`replace ${pod}-app(cpuQuota)`]);
    });

    test("destroy leaves no container or volume of the pod", async () => {
        await stack.destroy({ color: "never" });
        expect(await leftOf(pod)).toEqual([]);
    });
});

describe("a host-network pod on the real engine", () => {
    test("up, unchanged preview and refresh, destroy", async () => {
        const pod = podName("realhost");
        const stack = await stacks.create("dockerpod-real", "hostnet", async () => {
            const sandbox = new SandboxContainer(`${pod}-sandbox`, {
                podName: pod, image: PAUSE, cgroupParent: `${PARENT}/${pod}`, hostNetwork: true, hostIPC: true,
                shareProcessNamespace: true,
            });
            const app = new PayloadContainer(`${pod}-app`, {
                podName: pod, sandboxId: sandbox.containerId, cgroupParent: `${PARENT}/${pod}`, hostIPC: true, shareProcessNamespace: true,
                terminationGracePeriodSeconds: 1,
                container: { name: "app", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE, resources: { limits: { cpu: "250m" } } },
            });
            return { appId: app.containerId };
        });
        await stack.up({ color: "never" });
        expect((await inspect(`${pod}-app`)).HostConfig.PidMode).toBe(`container:${(await inspect(`${pod}-sandbox`)).Id}`);
        expect(await previewSteps(stack)).toEqual([]);
        await stack.refresh({ expectNoChanges: true, color: "never" });
        expect(await previewSteps(stack)).toEqual([]);
        await stack.destroy({ color: "never" });
        expect(await leftOf(pod)).toEqual([]);
    });
});
