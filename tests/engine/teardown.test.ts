// Destroy on the real engine: nothing left behind, neighbours untouched,
// and each container gets its termination grace.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DockerPodArgs } from "../../sdk/types";
import { exec } from "../support/inspect";
import {
    BUSYBOX,
    HOST,
    IDLE,
    PARENT,
    PAUSE,
    Stacks,
    docker,
    existingParentDirs,
    freePort,
    httpGet,
    inspect,
    podName,
    podObjects,
    podProgram,
    requireEngine,
    stopsDuring,
    upOk,
} from "./helpers";

jest.setTimeout(120_000);

const stacks = new Stacks();
beforeAll(requireEngine);
afterEach(() => stacks.destroyAll());

function webPod(port: number): DockerPodArgs {
    return {
        host: HOST,
        terminationGracePeriodSeconds: 1,
        resources: { limits: { memory: "64Mi" } },
        volumes: [{ name: "www", emptyDir: {} }],
        containers: [
            {
                name: "web",
                image: BUSYBOX,
                imagePullPolicy: "IfNotPresent",
                command: ["sh", "-c", "echo $HOSTNAME > /www/index.html; exec httpd -f -p 80 -h /www"],
                ports: [{ containerPort: 80, hostPort: port, hostIP: "127.0.0.1" }],
                volumeMounts: [{ name: "www", mountPath: "/www" }],
            },
        ],
    };
}

describe("destroy", () => {
    test("9: leaves no container, volume or cgroup directory of the pod; twice is fine", async () => {
        const pod = podName("gone");
        const stack = stacks.create();
        await upOk(stack, podProgram(pod, webPod(await freePort())));
        const made = await podObjects(pod);
        expect(made.containers).toEqual([`${pod}_sandbox`, `${pod}_web`]);
        expect(made.volumes).toEqual([`${pod}_www`]);
        expect(made.cgroups.length).toBeGreaterThanOrEqual(3);

        await stack.destroy();
        expect(await podObjects(pod)).toEqual({ containers: [], volumes: [], cgroups: [] });
        expect(fs.existsSync(`/run/dockerpod/owners/${`${PARENT}/${pod}`.slice(1).replace(/\//g, ":")}`)).toBe(false);
        expect(stack.state.size).toBe(0);
        expect(await stack.destroy()).toEqual([]);
        // Images are kept: other pods may use them.
        await docker.getImage(PAUSE).inspect();
        await docker.getImage(BUSYBOX).inspect();
    });

    test("9: two pods on one host do not touch each other; destroying one leaves the other and its images", async () => {
        const [podA, podB] = [podName("left"), podName("right")];
        const [portA, portB] = [await freePort(), await freePort()];
        const stackA = stacks.create("left");
        const stackB = stacks.create("right");
        await upOk(stackA, podProgram(podA, webPod(portA)));
        await upOk(stackB, podProgram(podB, webPod(portB)));
        expect((await httpGet(`http://127.0.0.1:${portA}/`)).body.trim()).toBe(podA);
        expect((await httpGet(`http://127.0.0.1:${portB}/`)).body.trim()).toBe(podB);
        const bBefore = await podObjects(podB);
        const bIds = await Promise.all(bBefore.containers.map(async (c) => (await inspect(c)).Id));

        await stackA.destroy();
        expect(await podObjects(podA)).toEqual({ containers: [], volumes: [], cgroups: [] });
        expect(await podObjects(podB)).toEqual(bBefore);
        expect(await Promise.all(bBefore.containers.map(async (c) => (await inspect(c)).Id))).toEqual(bIds);
        expect((await httpGet(`http://127.0.0.1:${portB}/`)).body.trim()).toBe(podB);
        await docker.getImage(PAUSE).inspect();
        await docker.getImage(BUSYBOX).inspect();
        // B keeps running and can still be changed.
        expect((await exec(`${podB}_web`, ["true"])).exitCode).toBe(0);
        expect(existingParentDirs().some((d) => d.endsWith(`/${podB}`))).toBe(true);
    });
});

describe("terminationGracePeriodSeconds", () => {
    let out: string;
    beforeEach(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-grace-"));
    });
    afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

    test("11: a payload that traps SIGTERM exits cleanly within its grace; one that ignores it is killed when the grace ends", async () => {
        const pod = podName("grace");
        const grace = 3;
        const stack = stacks.create();
        await upOk(
            stack,
            podProgram(pod, {
                host: HOST,
                terminationGracePeriodSeconds: grace,
                volumes: [{ name: "out", hostPath: { path: out } }],
                containers: [
                    {
                        name: "polite",
                        image: BUSYBOX,
                        imagePullPolicy: "Never",
                        command: ["sh", "-c", "trap 'echo clean > /out/polite; exit 0' TERM; while :; do sleep 1 & wait $!; done"],
                        volumeMounts: [{ name: "out", mountPath: "/out" }],
                    },
                    {
                        name: "stubborn",
                        image: BUSYBOX,
                        imagePullPolicy: "Never",
                        command: ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"],
                    },
                    { name: "idle", image: BUSYBOX, imagePullPolicy: "Never", command: IDLE },
                ],
            }),
        );
        const stops = await stopsDuring(() => stack.destroy());
        const stepOf = (name: string) => stops.get(`${pod}_${name}`)!;

        expect(fs.readFileSync(path.join(out, "polite"), "utf8").trim()).toBe("clean");
        expect(stepOf("polite").exitCode).toBe(0);
        expect(stepOf("polite").ms).toBeLessThan(grace * 1000 - 500);

        expect(stepOf("stubborn").exitCode).toBe(137);
        expect(stepOf("stubborn").ms).toBeGreaterThanOrEqual(grace * 1000 - 100);
        expect(stepOf("stubborn").ms).toBeLessThan(grace * 1000 + 2000);

        // The sandbox (pause) exits 0 promptly on SIGTERM too.
        expect(stepOf("sandbox").exitCode).toBe(0);
        expect(stepOf("sandbox").ms).toBeLessThan(2000);
        expect(await podObjects(pod)).toEqual({ containers: [], volumes: [], cgroups: [] });
    });
});

describe("a pod touches nothing that is not its own", () => {
    test("a cgroup of the pod's name that someone else made is refused at up, and left as it was", async () => {
        const pod = podName("theirs");
        const theirs = `/sys/fs/cgroup/memory${PARENT}/${pod}`;
        fs.mkdirSync(theirs, { recursive: true });
        fs.writeFileSync(`${theirs}/memory.limit_in_bytes`, String(100 * 2 ** 20));
        try {
            const stack = stacks.create();
            const run = await stack.up(podProgram(pod, { ...webPod(await freePort()), resources: { limits: { memory: "64Mi" } } }));
            expect(run.errors.map((e) => e.message).join("\n")).toMatch(
                new RegExp(`taking over ${PARENT}/${pod} refused: the cgroup ${theirs} exists and is not this pod's`),
            );
            // Their limit is untouched, and no container of the pod was made.
            expect(fs.readFileSync(`${theirs}/memory.limit_in_bytes`, "utf8").trim()).toBe(String(100 * 2 ** 20));
            expect((await podObjects(pod)).containers).toEqual([]);
            await stack.destroy();
            expect(fs.existsSync(theirs)).toBe(true);
        } finally {
            fs.rmdirSync(theirs);
        }
    });
});
