// PodSlice, SandboxContainer and PayloadContainer on their own: the checks a
// DockerPod applies to the same fields, and a pod wired from them by hand as
// the README shows, ordered by its inputs alone.
import * as pulumi from "@pulumi/pulumi";
import { DockerPod, PayloadContainer, PodSlice, PodSpecError, SandboxContainer } from "../../../sdk";
import { PayloadContainerArgs, SandboxContainerArgs } from "../../../sdk/types";
import { RecordingMocks } from "../../support/mocks";
import { customNamed, isKnown, resourceTree, runProgram, valueOf } from "../../support/program";

/** The problems a program's one construction error lists, as `path: message` lines. */
function problemsOf(errors: Error[]): string[] {
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PodSpecError);
    expect(pulumi.InputPropertiesError.isInstance(errors[0])).toBe(true);
    return (errors[0] as PodSpecError).problems.map((p) => `${p.path}: ${p.message}`);
}

/** The resources an Output input carries as dependencies (what the engine waits for). */
async function dependenciesOf(input: unknown): Promise<string[]> {
    const resources: Set<pulumi.Resource> = await (input as any).allResources();
    return [...resources].map((r) => (r as any).__name).sort();
}

const sandboxArgs: SandboxContainerArgs = { podName: "foo", cgroupParent: "dockerpod-foo.slice" };
const payloadArgs: PayloadContainerArgs = {
    podName: "foo",
    sandboxId: "abc123",
    cgroupParent: "dockerpod-foo.slice",
    container: { name: "app", image: "busybox", imagePullPolicy: "Never" },
};

describe("PodSlice on its own", () => {
    test("a Command under the component; cgroupParent known at preview, carrying the Command", async () => {
        const mocks = new RecordingMocks({ unknownIds: true });
        const { registrations, errors, result } = await runProgram(
            mocks,
            (transformations) =>
                new PodSlice("foo-slice", { podName: "foo", resources: { limits: { memory: "512Mi" } } }, { transformations }),
            { preview: true },
        );
        expect(errors).toEqual([]);
        expect(resourceTree(registrations)).toEqual(["dockerpod:index:PodSlice foo-slice", "  command:local:Command foo-slice"]);
        expect(mocks.inputsOf("foo-slice").create).toContain("MemoryMax=536870912");
        expect(await isKnown(result.cgroupParent)).toBe(true);
        expect(await valueOf(result.cgroupParent)).toBe("dockerpod-foo.slice");
        expect(await dependenciesOf(result.cgroupParent)).toEqual(["foo-slice"]);
    });

    test("the pod's checks: the pod name, the driver, the parent and the limits, each by its path", async () => {
        const { errors } = await runProgram(
            new RecordingMocks(),
            () =>
                new PodSlice("s", {
                    podName: "Foo",
                    host: { cgroupDriver: "Cgroupfs" as any, parentSlice: "/system.slice" },
                    resources: { limits: { cpu: "1Q" } },
                }),
        );
        expect(problemsOf(errors)).toEqual([
            expect.stringMatching(/^podName: "Foo" is not a valid pod name/),
            expect.stringMatching(/^host.cgroupDriver: "Cgroupfs" is not one of/),
            expect.stringMatching(/^host.parentSlice: "\/system.slice" is not a systemd slice name/),
            expect.stringMatching(/^resources.limits.cpu: /),
        ]);
    });
});

describe("SandboxContainer on its own", () => {
    test("its image and container under the component, with the pod's labels", async () => {
        const mocks = new RecordingMocks();
        const { registrations, errors } = await runProgram(
            mocks,
            (transformations) =>
                new SandboxContainer(
                    "foo-sandbox",
                    {
                        ...sandboxArgs,
                        ports: [{ containerPort: 80, hostPort: 8080 }],
                        labels: { team: "web" },
                    },
                    { transformations },
                ),
        );
        expect(errors).toEqual([]);
        expect(resourceTree(registrations)).toEqual([
            "dockerpod:index:SandboxContainer foo-sandbox",
            "  docker:index/remoteImage:RemoteImage foo-sandbox.image",
            "  docker:index/container:Container foo-sandbox",
        ]);
        expect(mocks.inputsOf("foo-sandbox")).toMatchObject({
            name: "foo_sandbox",
            hostname: "foo",
            ipcMode: "shareable",
            cgroupParent: "dockerpod-foo.slice",
            ports: [{ internal: 80, external: 8080, protocol: "tcp" }],
            labels: expect.arrayContaining([
                { label: "team", value: "web" },
                { label: "dockerpod.pod", value: "foo" },
            ]),
        });
    });

    test("the checks a DockerPod applies to the same fields", async () => {
        const { errors } = await runProgram(
            new RecordingMocks(),
            () =>
                new SandboxContainer("s", {
                    podName: "foo",
                    cgroupParent: "not a parent",
                    image: "UPPER/case",
                    hostname: "no_underscores",
                    restartPolicy: "always" as any,
                    ports: [{ containerPort: 0 }],
                    hostPID: true,
                    shareProcessNamespace: true,
                    labels: { "a/b/c": "x" },
                    hostAliases: [{ ip: "999.1.1.1", hostnames: ["db"] }],
                }),
        );
        const problems = problemsOf(errors);
        for (const path of [
            "cgroupParent",
            "image",
            "hostname",
            "restartPolicy",
            "ports[0].containerPort",
            "shareProcessNamespace",
            "labels.a/b/c",
            "hostAliases[0].ip",
        ]) {
            expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${path.replace(/[.[\]/]/g, "\\$&")}: `)));
        }
        // The same fields of a DockerPod, the same messages.
        const pod = await runProgram(
            new RecordingMocks(),
            () =>
                new DockerPod("foo", {
                    sandboxImage: "UPPER/case",
                    hostname: "no_underscores",
                    restartPolicy: "always" as any,
                    hostPID: true,
                    shareProcessNamespace: true,
                    labels: { "a/b/c": "x" },
                    hostAliases: [{ ip: "999.1.1.1", hostnames: ["db"] }],
                    containers: [{ name: "app", image: "busybox" }],
                }),
        );
        const podProblems = problemsOf(pod.errors);
        const message = (list: string[], path: string) => list.find((p) => p.startsWith(`${path}: `))!.slice(path.length + 2);
        for (const [own, asPod] of [
            ["image", "sandboxImage"],
            ["hostname", "hostname"],
            ["restartPolicy", "restartPolicy"],
            ["shareProcessNamespace", "shareProcessNamespace"],
            ["labels.a/b/c", "labels.a/b/c"],
            ["hostAliases[0].ip", "hostAliases[0].ip"],
        ]) {
            expect([own, message(problems, own)]).toEqual([own, message(podProblems, asPod)]);
        }
    });
});

describe("SandboxContainer on its own: ports", () => {
    test("two ports that would bind one host port are refused, as in a DockerPod", async () => {
        const { errors } = await runProgram(
            new RecordingMocks(),
            () =>
                new SandboxContainer("s", {
                    ...sandboxArgs,
                    ports: [
                        { containerPort: 80, hostPort: 8080 },
                        { containerPort: 81, hostPort: 8080, hostIP: "127.0.0.1" },
                        { containerPort: 80, hostPort: 9090 },
                    ],
                }),
        );
        expect(problemsOf(errors)).toEqual([
            "ports[1].hostPort: 127.0.0.1:8080/tcp would bind the host port ports[0] already publishes: use another hostPort",
            "ports[2].containerPort: 80/tcp is already used by ports[0]: containers of a pod share one network, use another port",
        ]);
    });
});

describe("PayloadContainer on its own", () => {
    test("its image check, user check and container under the component", async () => {
        const mocks = new RecordingMocks();
        const { registrations, errors } = await runProgram(
            mocks,
            (transformations) =>
                new PayloadContainer(
                    "foo-app",
                    {
                        ...payloadArgs,
                        container: { name: "app", image: "busybox", securityContext: { runAsNonRoot: true } },
                    },
                    { transformations },
                ),
        );
        expect(errors).toEqual([]);
        expect(resourceTree(registrations)).toEqual([
            "dockerpod:index:PayloadContainer foo-app",
            "  docker:index/remoteImage:RemoteImage foo-app.image",
            "  command:local:Command foo-app.user-check",
            "  docker:index/container:Container foo-app",
        ]);
        const deps = (await valueOf(customNamed(registrations, "foo-app").opts.dependsOn as any)) as pulumi.Resource[];
        expect(deps.map((d) => (d as any).__name)).toEqual(["foo-app.user-check"]);
    });

    test("host: a remote pod's image user check runs on that host, with sudo", async () => {
        const mocks = new RecordingMocks();
        const { errors } = await runProgram(
            mocks,
            () =>
                new PayloadContainer("foo-app", {
                    ...payloadArgs,
                    host: { connection: { host: "203.0.113.10", user: "deploy" }, sudo: true },
                    container: { name: "app", image: "busybox", securityContext: { runAsNonRoot: true } },
                }),
        );
        expect(errors).toEqual([]);
        const check = mocks.created.find((r) => r.name === "foo-app.user-check")!;
        expect(check.type).toBe("command:remote:Command");
        expect(check.inputs.create).toMatch(/sudo -n/);
    });

    test("a lowercase restartPolicy is refused, never mapped to 'no'", async () => {
        const { errors } = await runProgram(
            new RecordingMocks(),
            () => new PayloadContainer("p", { ...payloadArgs, restartPolicy: "always" as any }),
        );
        expect(problemsOf(errors)).toEqual([
            expect.stringMatching(/^restartPolicy: "always" is not one of "Always", "OnFailure", "Never"/),
        ]);
    });

    test("the checks a DockerPod applies to a container: init probes, names, grace, cgroup parent, privileges", async () => {
        const { errors } = await runProgram(
            new RecordingMocks(),
            () =>
                new PayloadContainer("p", {
                    ...payloadArgs,
                    cgroupParent: "../etc",
                    terminationGracePeriodSeconds: -1,
                    initContainer: true,
                    container: {
                        name: "sandbox",
                        image: "busybox",
                        readinessProbe: { exec: { command: ["true"] } },
                        securityContext: { privileged: true },
                        volumeMounts: [{ name: "nope", mountPath: "/x" }],
                    },
                }),
        );
        const problems = problemsOf(errors);
        for (const path of [
            "cgroupParent",
            "terminationGracePeriodSeconds",
            "container.name",
            "container.readinessProbe",
            "container.securityContext.privileged",
            "container.volumeMounts[0].name",
        ]) {
            expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${path.replace(/[.[\]]/g, "\\$&")}: `)));
        }
    });
});

describe("a pod wired from the parts by hand, as the README shows", () => {
    test("type-checks, and orders itself: the sandbox and the payload wait for the slice with no dependsOn", async () => {
        const mocks = new RecordingMocks();
        const { registrations, errors } = await runProgram(mocks, (transformations) => {
            const opts = { transformations };
            // The README's example, word for word (but the options that record what is registered).
            const slice = new PodSlice("web-slice", { podName: "web", resources: { limits: { memory: "256Mi" } } }, opts);
            const sandbox = new SandboxContainer(
                "web-sandbox",
                {
                    podName: "web",
                    cgroupParent: slice.cgroupParent,
                    ports: [{ containerPort: 80, hostPort: 8080 }],
                },
                opts,
            );
            const app = new PayloadContainer(
                "web-app",
                {
                    podName: "web",
                    sandboxId: sandbox.containerId,
                    cgroupParent: slice.cgroupParent,
                    container: { name: "app", image: "nginx:1.27" },
                },
                opts,
            );
            return { app };
        });
        expect(errors).toEqual([]);
        const sandbox = customNamed(registrations, "web-sandbox").inputs;
        const app = customNamed(registrations, "web-app").inputs;
        expect(await dependenciesOf(sandbox.cgroupParent)).toEqual(["web-slice"]);
        expect(await dependenciesOf(app.cgroupParent)).toEqual(["web-slice"]);
        expect(await dependenciesOf(app.networkMode)).toEqual(["web-sandbox"]);
        expect(mocks.inputsOf("web-sandbox").cgroupParent).toBe("dockerpod-web.slice");
        expect(mocks.inputsOf("web-app")).toMatchObject({
            name: "web_app",
            networkMode: "container:web-sandbox-id",
            cgroupParent: "dockerpod-web.slice",
        });
    });
});
