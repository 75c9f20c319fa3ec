// What a reviewer trusts in a preview, carried out on the real engine: a
// pod limit moves live, a container limit applies in place, a sandbox change
// rebuilds the pod, drift is repaired alone, destroy goes in order.
import { DockerPodArgs } from "../../sdk/types";
import { T_COMMAND, T_CONTAINER, T_POD, changes } from "../support/engine";
import { exec, readCgroup } from "../support/inspect";
import {
    BUSYBOX,
    HOST,
    IDLE,
    PARENT,
    Stacks,
    docker,
    freePort,
    httpGet,
    inspect,
    podName,
    podProgram,
    requireEngine,
    upOk,
} from "./helpers";

jest.setTimeout(120_000);
const MiB = 2 ** 20;
const stacks = new Stacks();
beforeAll(requireEngine);
afterAll(() => stacks.destroyAll());

function webPod(port: number, change: Partial<DockerPodArgs> = {}, appMemory = "32Mi", podMemory = "128Mi"): DockerPodArgs {
    return {
        host: HOST,
        terminationGracePeriodSeconds: 1,
        resources: { limits: { memory: podMemory, cpu: "500m" } },
        containers: [
            {
                name: "app",
                image: BUSYBOX,
                imagePullPolicy: "Never",
                command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www"],
                ports: [{ containerPort: 80, hostPort: port, hostIP: "127.0.0.1" }],
                resources: { limits: { memory: appMemory } },
            },
            { name: "sidecar", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE },
        ],
        ...change,
    };
}

async function identity(pod: string) {
    const out: Record<string, string> = {};
    for (const m of ["sandbox", "app", "sidecar"]) {
        const i = await inspect(`${pod}_${m}`);
        out[m] = `${i.Id} ${i.State.StartedAt}`;
    }
    return out;
}

/** A web pod brought up, with its containers' ids and start times before any change. */
async function upWebPod(prefix: string) {
    const pod = podName(prefix);
    const port = await freePort();
    const stack = stacks.create();
    await upOk(stack, podProgram(pod, webPod(port)));
    return { pod, port, stack, before: await identity(pod) };
}

test("a pod memory change raises the pod cgroup's limit; every container keeps its id and start time", async () => {
    const { pod, port, stack, before } = await upWebPod("podmem");
    const run = await upOk(stack, podProgram(pod, webPod(port, {}, "32Mi", "256Mi")));
    // The pod component's args changed too (a policy pack reads them): an update of the component, nothing of its own.
    expect(changes(run.steps).sort()).toEqual([`update ${T_COMMAND}::${pod}-slice`, `update ${T_POD}::${pod}`]);
    expect(readCgroup("memory", `${PARENT}/${pod}`, "memory.limit_in_bytes")).toBe(String(256 * MiB));
    expect(await identity(pod)).toEqual(before);
});

test("a container memory change is a docker update; the container keeps running", async () => {
    const { pod, port, stack, before } = await upWebPod("ctrmem");
    const run = await upOk(stack, podProgram(pod, webPod(port, {}, "48Mi")));
    expect(changes(run.steps).sort()).toEqual([`update ${T_CONTAINER}::${pod}-app`, `update ${T_POD}::${pod}`]);
    const app = await inspect(`${pod}_app`);
    expect([app.HostConfig.Memory, app.HostConfig.MemorySwap, app.State.Running]).toEqual([48 * MiB, 48 * MiB, true]);
    expect(await identity(pod)).toEqual(before);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).status).toBe(200);
});

test("a sandbox change replaces the pod; the sidecar reaches the app on localhost, the host on the published port", async () => {
    const { pod, port, stack, before } = await upWebPod("rehost");
    const run = await upOk(stack, podProgram(pod, webPod(port, { hostname: "renamed" })));
    // The sandbox is replaced delete-before-create; its payloads are replaced with it and join its new id.
    const changed = run.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.key.split("::")[1]}`);
    expect([...changed].sort()).toEqual([`replace ${pod}-app`, `replace ${pod}-sandbox`, `replace ${pod}-sidecar`, `update ${pod}`]);
    expect(changed.filter((c) => c.endsWith("-slice") || c.includes(".image"))).toEqual([]);
    const after = await identity(pod);
    for (const m of ["sandbox", "app", "sidecar"]) expect(after[m]).not.toEqual(before[m]);
    const inside = await exec(`${pod}_sidecar`, ["wget", "-qO-", "http://127.0.0.1:80/"]);
    expect(inside).toMatchObject({ exitCode: 0, stdout: "renamed\n" });
    expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "renamed\n" });
    expect((await inspect(`${pod}_app`)).HostConfig.NetworkMode).toBe(`container:${(await inspect(`${pod}_sandbox`)).Id}`);
});

test("a container removed by hand shows in refresh; the next up recreates only it, joined to the same sandbox", async () => {
    const { pod, port, stack, before } = await upWebPod("gone");
    await docker.getContainer(`${pod}_sidecar`).remove({ force: true });
    await stack.refresh();
    expect(stack.state.has(`${T_CONTAINER}::${pod}-sidecar`)).toBe(false);
    const run = await upOk(stack, podProgram(pod, webPod(port)));
    expect(changes(run.steps)).toEqual([`create ${T_CONTAINER}::${pod}-sidecar`]);
    const after = await identity(pod);
    expect([after.sandbox, after.app]).toEqual([before.sandbox, before.app]);
    const sandboxId = (await inspect(`${pod}_sandbox`)).Id;
    expect((await inspect(`${pod}_sidecar`)).HostConfig.NetworkMode).toBe(`container:${sandboxId}`);
    expect((await exec(`${pod}_sidecar`, ["wget", "-qO-", "http://127.0.0.1:80/"])).exitCode).toBe(0);
});

test("destroy removes the payloads, then the sandbox, then the slice", async () => {
    const pod = podName("order");
    const stack = stacks.create();
    await upOk(stack, podProgram(pod, webPod(await freePort())));
    const steps = await stack.destroy();
    const deletes = steps.filter((s) => s.op === "delete").map((s) => s.key.split("::")[1]);
    const at = (name: string) => deletes.indexOf(`${pod}-${name}`);
    expect(at("app")).toBeGreaterThanOrEqual(0);
    expect(at("app")).toBeLessThan(at("sandbox"));
    expect(at("sidecar")).toBeLessThan(at("sandbox"));
    expect(at("sandbox")).toBeLessThan(at("slice"));
});
