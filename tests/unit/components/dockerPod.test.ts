import * as pulumi from "@pulumi/pulumi";
import { DockerPod, PayloadContainer, PodSpecError } from "../../../sdk";
import { seedPod } from "../../fixtures/pods";
import { RecordingMocks } from "../../support/mocks";
import { customNamed, isKnown, resourceTree, runProgram, valueOf } from "../../support/program";

const cgroupfs = { cgroupDriver: "cgroupfs" as const };

async function runPod(args: Parameters<typeof seedPod>[0] = {}, mocks = new RecordingMocks(), preview = false) {
    const run = await runProgram(mocks, (transformations) => new DockerPod("foo", seedPod(args), { transformations }), { preview });
    return { ...run, mocks };
}

describe("DockerPod: the seed pod under mocks", () => {
    test("is made of its parts: the tree a preview shows", async () => {
        const { registrations, errors } = await runPod();
        expect(errors).toEqual([]);
        expect(resourceTree(registrations)).toEqual([
            "dockerpod:index:DockerPod foo",
            "  dockerpod:index:SandboxContainer foo-sandbox",
            "    docker:index/remoteImage:RemoteImage foo-sandbox.image",
            "    docker:index/container:Container foo-sandbox",
            "  dockerpod:index:PayloadContainer foo-app",
            "    docker:index/remoteImage:RemoteImage foo-app.image",
            "    docker:index/container:Container foo-app",
            "  dockerpod:index:PayloadContainer foo-sidecar",
            "    docker:index/remoteImage:RemoteImage foo-sidecar.image",
            "    docker:index/container:Container foo-sidecar",
            "  dockerpod:index:PodSlice foo-slice",
            "    command:local:Command foo-slice",
        ]);
        expect(registrations.every((r) => r.registered)).toBe(true);
    });

    test("the parts' resources keep the URNs they had as the pod's own children, and before 0.3 (aliases)", async () => {
        const { registrations } = await runPod();
        const pod = registrations[0].resource;
        const custom = registrations.filter((r) => r.custom);
        expect(custom.map((r) => r.name).filter((n) => n.includes("."))).toEqual([
            "foo-sandbox.image",
            "foo-app.image",
            "foo-sidecar.image",
        ]);
        for (const r of custom) {
            // A part's own resource `<part>.<role>` was `<part>-<role>`, under the part and, earlier, under the pod.
            const name = r.name.replace(/\.([a-z-]+)$/, "-$1");
            const aliases = name === r.name ? [{ parent: pod }] : [{ name }, { name, parent: pod }];
            expect([r.name, r.opts.aliases]).toEqual([r.name, aliases]);
        }
    });

    test("the sandbox owns the namespaces and publishes the pod's ports", async () => {
        const { mocks } = await runPod();
        expect(mocks.inputsOf("foo-sandbox")).toEqual({
            name: "foo_sandbox",
            image: "sha256:foo-sandbox.image",
            hostname: "foo",
            networkMode: "bridge",
            ipcMode: "shareable",
            cgroupParent: "dockerpod-foo.slice",
            ports: [{ internal: 80, external: 8080, protocol: "tcp" }],
            labels: [
                { label: "dockerpod.namespaces", value: "net,ipc" },
                { label: "dockerpod.pod", value: "foo" },
                { label: "dockerpod.role", value: "sandbox" },
                { label: "dockerpod.slice", value: "foo-slice-id" },
            ],
            restart: "unless-stopped",
            destroyGraceSeconds: 10,
            memory: 16,
            memorySwap: 16,
        });
        expect(mocks.inputsOf("foo-sandbox.image")).toEqual({ name: "registry.k8s.io/pause:3.9", keepLocally: true });
    });

    test("payloads join the sandbox by id, under the pod's cgroup, without ports", async () => {
        const { mocks } = await runPod();
        expect(mocks.inputsOf("foo-app")).toEqual({
            name: "foo_app",
            image: "sha256:foo-app.image",
            networkMode: "container:foo-sandbox-id",
            ipcMode: "container:foo-sandbox-id",
            cgroupParent: "dockerpod-foo.slice",
            memory: 256,
            memorySwap: 256,
            mounts: [],
            labels: [
                { label: "dockerpod.container", value: "app" },
                { label: "dockerpod.pod", value: "foo" },
                { label: "dockerpod.role", value: "app" },
                { label: "dockerpod.slice", value: "foo-slice-id" },
            ],
            restart: "always",
            destroyGraceSeconds: 30,
        });
        const sidecar = mocks.inputsOf("foo-sidecar");
        expect(sidecar.entrypoints).toEqual(["/bin/sleep", "3650d"]);
        expect(sidecar).not.toHaveProperty("ports");
        expect(sidecar).not.toHaveProperty("hostname");
        expect(sidecar).not.toHaveProperty("pidMode");
    });

    test("the slice is a Command whose identity is in triggers", async () => {
        const { mocks } = await runPod();
        const slice = mocks.inputsOf("foo-slice");
        expect(slice.triggers).toEqual(["systemd:dockerpod-foo.slice"]);
        expect(slice.create).toBe(slice.update);
        expect(slice.create).toContain("MemoryMax=536870912");
        expect(slice.create).toContain("CPUQuota=50%");
        expect(slice.delete).toContain(`systemctl stop -- "$CGROUP_PARENT"`);
    });

    test("resource options order create and delete, and replace what is never applied", async () => {
        const { registrations } = await runPod();
        const byName = Object.fromEntries(registrations.filter((r) => r.custom).map((r) => [r.name, r.opts]));
        const names = async (deps: unknown) => ((await valueOf(deps as any)) as pulumi.Resource[]).map((d) => (d as any).__name);
        // Every image is on the host before anything else: a failed pull leaves no slice or container behind.
        expect(await names(byName["foo-slice"].dependsOn)).toEqual(["foo-sandbox.image", "foo-app.image", "foo-sidecar.image"]);
        expect(await names(byName["foo-sandbox"].dependsOn)).toEqual(["foo-slice"]);
        expect(await names(byName["foo-app"].dependsOn)).toEqual(["foo-slice", "foo-sandbox"]);
        for (const name of ["foo-slice", "foo-sandbox", "foo-app", "foo-sidecar"]) {
            expect([name, byName[name].deleteBeforeReplace]).toEqual([name, true]);
        }
        for (const name of ["foo-sandbox", "foo-app"]) {
            expect(byName[name].replaceOnChanges).toEqual(expect.arrayContaining(["healthcheck", "wait", "waitTimeout", "attach"]));
        }
        for (const r of registrations.slice(1).filter((r) => !r.custom)) expect((r.opts.parent as any).__name).toBe("foo");
    });

    test("outputs name the pod, its cgroup and every container's id", async () => {
        const { result } = await runPod();
        expect(await valueOf(result.podName)).toBe("foo");
        expect(await valueOf(result.cgroupParent)).toBe("dockerpod-foo.slice");
        expect(await valueOf(result.sandboxId)).toBe("foo-sandbox-id");
        expect(await valueOf(result.containerIds)).toEqual({ app: "foo-app-id", sidecar: "foo-sidecar-id" });
        expect(result.children().containers.map((c) => (c as any).__name)).toEqual(["foo-app", "foo-sidecar"]);
    });

    test("the summary reads like a pod and never shows an env value", async () => {
        const { result } = await runPod({
            containers: [{ ...seedPod().containers[0], env: [{ name: "TOKEN", value: pulumi.secret("s3cr3t") }] }, seedPod().containers[1]],
        });
        const summary = await valueOf(result.summary);
        expect(summary).not.toContain("s3cr3t");
        expect(summary).toMatchSnapshot();
    });
});

describe("DockerPod: mapping of every field", () => {
    test("init containers, volumes, probes, security and shared PID", async () => {
        const { mocks, registrations, errors } = await runPod({
            host: cgroupfs,
            shareProcessNamespace: true,
            restartPolicy: "OnFailure",
            terminationGracePeriodSeconds: 5,
            volumes: [
                { name: "data", emptyDir: {} },
                { name: "conf", hostPath: { path: "/etc/app" } },
            ],
            initContainers: [
                {
                    name: "setup",
                    image: "busybox",
                    imagePullPolicy: "Never",
                    command: ["sh", "-c", "echo hi > /data/x"],
                    volumeMounts: [{ name: "data", mountPath: "/data" }],
                },
                { name: "migrate", image: "busybox", imagePullPolicy: "Never" },
            ],
            containers: [
                {
                    name: "app",
                    image: "nginx",
                    imagePullPolicy: "Always",
                    args: ["-g", "daemon off;"],
                    workingDir: "/srv/",
                    env: [
                        { name: "B", value: "2" },
                        { name: "A", value: "1" },
                    ],
                    volumeMounts: [
                        { name: "data", mountPath: "/data" },
                        { name: "conf", mountPath: "/conf", readOnly: true },
                    ],
                    resources: { limits: { cpu: "250m", memory: "64Mi" }, requests: { cpu: "100m", memory: "32Mi" } },
                    readinessProbe: {
                        exec: { command: ["test", "-f", "/data/x"] },
                        periodSeconds: 2,
                        timeoutSeconds: 60,
                        failureThreshold: 5,
                    },
                    securityContext: {
                        runAsUser: 1000,
                        runAsGroup: 1000,
                        readOnlyRootFilesystem: true,
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
                    },
                },
            ],
        });
        expect(errors).toEqual([]);
        expect(resourceTree(registrations)).toEqual([
            "dockerpod:index:DockerPod foo",
            "  dockerpod:index:SandboxContainer foo-sandbox",
            "    docker:index/remoteImage:RemoteImage foo-sandbox.image",
            "    docker:index/container:Container foo-sandbox",
            "  dockerpod:index:PayloadContainer foo-setup",
            "    docker:index/container:Container foo-setup",
            "  dockerpod:index:PayloadContainer foo-migrate",
            "    docker:index/container:Container foo-migrate",
            "  dockerpod:index:PayloadContainer foo-app",
            "    docker:index/remoteImage:RemoteImage foo-app.image",
            "    docker:index/container:Container foo-app",
            "  docker:index/volume:Volume foo-data",
            "  command:local:Command foo-volumes",
            "  dockerpod:index:PodSlice foo-slice",
            "    command:local:Command foo-slice",
        ]);
        expect(mocks.inputsOf("foo-data")).toEqual({
            name: "foo_data",
            labels: [
                { label: "dockerpod.pod", value: "foo" },
                { label: "dockerpod.volume", value: "data" },
            ],
        });
        const setup = mocks.inputsOf("foo-setup");
        expect(setup).toMatchObject({
            image: "busybox",
            mustRun: false,
            attach: true,
            logs: true,
            restart: "no",
            pidMode: "container:foo-sandbox-id",
        });
        const app = mocks.inputsOf("foo-app");
        expect(app).toMatchObject({
            cgroupParent: "/dockerpod/foo",
            command: ["-g", "daemon off;"],
            envs: ["B=2", "A=1"],
            // Read back without the trailing '/' (a replacement on every preview otherwise).
            workingDir: "/srv",
            mounts: [
                { target: "/data", source: "foo_data", type: "volume", readOnly: false },
                { target: "/conf", source: "/etc/app", type: "bind", readOnly: true },
            ],
            memory: 64,
            memorySwap: 64,
            memoryReservation: 32,
            cpuPeriod: 100000,
            cpuQuota: 25000,
            cpuShares: 102,
            restart: "on-failure",
            user: "1000:1000",
            readOnly: true,
            // As Docker stores them and the provider reads them back.
            capabilities: { adds: ["CAP_NET_BIND_SERVICE"], drops: ["ALL"] },
            securityOpts: ["no-new-privileges:true"],
            // Durations as the provider reads them back (Go's time.Duration).
            healthcheck: { tests: ["CMD", "test", "-f", "/data/x"], interval: "2s", timeout: "1m0s", retries: 5, startPeriod: "0s" },
            wait: true,
            waitTimeout: 315,
            destroyGraceSeconds: 5,
        });
        // Always: the image is named by the registry's digest, so a moved tag is a new name, which pulls.
        expect(mocks.inputsOf("foo-app.image")).toEqual({ name: "nginx@sha256:digest", keepLocally: true });
        expect(mocks.calls.map((c) => [c.token, c.inputs.name])).toEqual([["docker:index/getRegistryImage:getRegistryImage", "nginx"]]);
        const opts = Object.fromEntries(registrations.filter((r) => r.custom).map((r) => [r.name, r.opts]));
        const deps = async (name: string) =>
            ((await valueOf(opts[name].dependsOn as any)) as pulumi.Resource[]).map((d) => (d as any).__name);
        expect(await deps("foo-migrate")).toEqual(["foo-slice", "foo-sandbox", "foo-data", "foo-volumes", "foo-setup"]);
        expect(await deps("foo-app")).toEqual(["foo-slice", "foo-sandbox", "foo-data", "foo-volumes", "foo-migrate"]);
        // The emptyDir is opened to every user (mode 0777, as Kubernetes does) once it exists, before any container.
        const modes = mocks.inputsOf("foo-volumes");
        expect(modes.create).toContain("for volume in 'foo_data'; do");
        expect(modes.triggers).toEqual(["foo-data-id"]);
    });

    test("hostNetwork, hostIPC and hostPID use the host's namespaces", async () => {
        const { mocks } = await runPod({
            hostNetwork: true,
            hostIPC: true,
            hostPID: true,
            containers: [{ name: "app", image: "x", ports: [{ containerPort: 80 }] }],
        });
        expect(mocks.inputsOf("foo-sandbox")).toMatchObject({ networkMode: "host", ipcMode: "host", pidMode: "host" });
        expect(mocks.inputsOf("foo-sandbox")).not.toHaveProperty("hostname");
        expect(mocks.inputsOf("foo-sandbox")).not.toHaveProperty("ports");
        expect(mocks.inputsOf("foo-app")).toMatchObject({ networkMode: "container:foo-sandbox-id", ipcMode: "host", pidMode: "host" });
    });

    test("secret env values stay secret", async () => {
        const { registrations } = await runPod({
            containers: [{ name: "app", image: "x", env: [{ name: "TOKEN", value: pulumi.secret("s3cr3t") }] }],
        });
        const app = customNamed(registrations, "foo-app");
        const envs = app.inputs.envs as pulumi.Output<string>[];
        expect(await pulumi.isSecret(pulumi.output(envs[0]))).toBe(true);
    });
});

describe("DockerPod: init containers gate the app", () => {
    test("a non-zero exit stops the up with the container's name and code; no app container is made", async () => {
        const mocks = new RecordingMocks({ exitCodes: { "foo-setup": 3 } });
        const { registrations, errors } = await runPod(
            {
                host: cgroupfs,
                initContainers: [{ name: "setup", image: "busybox" }],
            },
            mocks,
        );
        expect(errors.map((e) => e.message)).toContainEqual(expect.stringContaining('init container "setup" exited with code 3'));
        expect(mocks.created.map((r) => r.name)).toContain("foo-setup");
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-app");
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-sidecar");
        expect(customNamed(registrations, "foo-app").registered).toBe(false);
    });
});

describe("DockerPod: preview", () => {
    test("survives unknown ids; cgroup parents stay known", async () => {
        const mocks = new RecordingMocks({ unknownIds: true });
        const { result, errors } = await runPod({ initContainers: [{ name: "setup", image: "busybox" }] }, mocks, true);
        expect(errors).toEqual([]);
        expect(await isKnown(result.sandboxId)).toBe(false);
        expect(await isKnown(result.containerIds)).toBe(false);
        expect(await valueOf(result.cgroupParent)).toBe("dockerpod-foo.slice");
        // Every container still plans, with a known cgroup parent and an unknown join.
        expect(mocks.created.map((r) => r.name)).toEqual(expect.arrayContaining(["foo-setup", "foo-app", "foo-sidecar"]));
        expect(mocks.inputsOf("foo-app").cgroupParent).toBe("dockerpod-foo.slice");
    });
});

describe("DockerPod: bad input", () => {
    test("throws at construction and registers nothing", async () => {
        const mocks = new RecordingMocks();
        const { errors, registrations } = await runProgram(
            mocks,
            (transformations) =>
                new DockerPod("foo", { podName: "x; rm -rf /", containers: [{ name: "app", image: "x" }] }, { transformations }),
        );
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(PodSpecError);
        expect(errors[0].message).toMatch(/podName: "x; rm -rf \/" is not a valid pod name/);
        expect(mocks.created.filter((r) => r.custom !== false)).toEqual([]);
        expect(registrations.filter((r) => r.custom)).toEqual([]);
    });
});

describe("PayloadContainer on its own", () => {
    test("joins a given sandbox id and cgroup parent", async () => {
        const mocks = new RecordingMocks();
        const { errors } = await runProgram(
            mocks,
            () =>
                new PayloadContainer("extra", {
                    podName: "foo",
                    sandboxId: "abc123",
                    cgroupParent: "dockerpod-foo.slice",
                    container: { name: "extra", image: "busybox", imagePullPolicy: "Never", resources: { limits: { memory: "32Mi" } } },
                }),
        );
        expect(errors).toEqual([]);
        expect(mocks.inputsOf("extra")).toMatchObject({
            name: "foo_extra",
            image: "busybox",
            networkMode: "container:abc123",
            ipcMode: "container:abc123",
            cgroupParent: "dockerpod-foo.slice",
            memory: 32,
            memorySwap: 32,
        });
    });

    test("refuses ports: they belong on the sandbox", async () => {
        const { errors } = await runProgram(
            new RecordingMocks(),
            () =>
                new PayloadContainer("extra", {
                    podName: "foo",
                    sandboxId: "abc",
                    cgroupParent: "x.slice",
                    container: { name: "extra", image: "busybox", ports: [{ containerPort: 80 }] },
                }),
        );
        expect(errors[0].message).toMatch(/container.ports: .*put them on the SandboxContainer/);
    });
});

describe("emptyDir noCopy follows host.dockerApiVersion", () => {
    /** The app's mounts of a pod with an emptyDir and a hostPath, on a host of that API version. */
    async function appMounts(dockerApiVersion?: string) {
        const mocks = new RecordingMocks();
        const args = {
            ...seedPod(),
            volumes: [
                { name: "data", emptyDir: {} },
                { name: "conf", hostPath: { path: "/etc/app" } },
            ],
            containers: [
                {
                    name: "app",
                    image: "nginx",
                    volumeMounts: [
                        { name: "data", mountPath: "/data" },
                        { name: "conf", mountPath: "/conf" },
                    ],
                },
            ],
            host: { ...cgroupfs, ...(dockerApiVersion ? { dockerApiVersion } : {}) },
        };
        const { errors } = await runProgram(mocks, (transformations) => new DockerPod("foo", args, { transformations }));
        expect(errors).toEqual([]);
        return mocks.inputsOf("foo-app").mounts;
    }
    const bind = { target: "/conf", source: "/etc/app", type: "bind", readOnly: false };

    test.each(["1.45", "1.47"])(
        "API %s: the emptyDir mount starts empty (noCopy); a hostPath bind takes no volume options",
        async (version) => {
            expect(await appMounts(version)).toEqual([
                { target: "/data", source: "foo_data", type: "volume", readOnly: false, volumeOptions: { noCopy: true } },
                bind,
            ]);
        },
    );

    test.each([undefined, "1.41", "1.44"])(
        "API %s: no volume options at all (the docker provider refuses them below 1.45)",
        async (version) => {
            expect(await appMounts(version)).toEqual([{ target: "/data", source: "foo_data", type: "volume", readOnly: false }, bind]);
        },
    );
});
