// DockerPod with Kubernetes manifests, under mocks: a manifest registers
// exactly what the hand-written args register; overrides apply; warnings and
// errors reach the user; and the `manifest` output of a pod, read back, gives
// the same pod again.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { Pod } from "kubernetes-models/v1/Pod";
import { DockerPod, DockerPodArgs, PodSpecError } from "../../sdk";
import { ManifestError, podArgsFromManifest } from "../../sdk/core/manifest";
import { seedPod } from "../fixtures/pods";
import { RecordingMocks } from "../support/mocks";
import { Registration, customNamed, runProgram, valueOf } from "../support/program";

const ROOT = path.join(__dirname, "..", "..");
const KUBECTL_POD = fs.readFileSync(path.join(ROOT, "tests", "fixtures", "kubectl-get-pod.yaml"), "utf8");
/** The example's pod.yaml: the tutorial's pod, with its hostPort. */
const EXAMPLE_POD = fs.readFileSync(path.join(ROOT, "examples", "from-manifest", "pod.yaml"), "utf8");

/** The tutorial's pod.yaml, as a Kubernetes user writes it (no hostPort, no pod-level resources). */
const TUTORIAL_POD = fs.readFileSync(path.join(__dirname, "..", "fixtures", "tutorial-pod.yaml"), "utf8");

/** seedPod() without what the tutorial's pod.yaml has no field for: the pod-wide limits and the hostPort. */
function seedWithoutHostFields(extra: Partial<DockerPodArgs> = {}): DockerPodArgs {
    const { resources: _, ...seed } = seedPod();
    return {
        ...seed,
        containers: seed.containers.map((c) => ({ ...c, ports: c.ports?.map(({ hostPort: __, ...p }) => p) })),
        ...extra,
    };
}

interface Run {
    registrations: Registration[];
    errors: Error[];
    mocks: RecordingMocks;
    pod?: DockerPod;
}

async function run(program: (opts: pulumi.ComponentResourceOptions) => DockerPod, preview = false): Promise<Run> {
    const mocks = new RecordingMocks({ unknownIds: preview });
    const result = await runProgram(mocks, (transformations) => program({ transformations }), { preview });
    return { registrations: result.registrations, errors: result.errors, mocks, pod: result.result };
}

/** Everything that reached the engine (type, name, kind, provider, inputs) and the resource tree. */
function registered(r: Run) {
    return {
        tree: r.registrations.map((x) => `${x.type} ${x.name} <- ${x.parent ?? "(stack)"}`),
        engine: r.mocks.created
            .map((x) => ({ type: x.type, name: x.name, custom: x.custom, provider: x.provider, inputs: x.inputs }))
            .sort((a, b) => a.name.localeCompare(b.name)),
    };
}

async function outputs(pod: DockerPod) {
    return {
        podName: await valueOf(pod.podName),
        cgroupParent: await valueOf(pod.cgroupParent),
        containerIds: await valueOf(pod.containerIds),
        summary: await valueOf(pod.summary),
        manifest: await valueOf(pod.manifest),
    };
}

/** Both runs succeeded and registered the same resources with the same inputs. */
async function expectSame(actual: Run, expected: Run): Promise<void> {
    expect(actual.errors).toEqual([]);
    expect(expected.errors).toEqual([]);
    expect(registered(actual)).toEqual(registered(expected));
    expect(actual.mocks.created.length).toBeGreaterThan(4);
    expect(await outputs(actual.pod!)).toEqual(await outputs(expected.pod!));
}

function schemaValid(text: string): void {
    expect(() => new Pod(parse(text)).validate()).not.toThrow();
}

afterEach(() => jest.restoreAllMocks());

describe("a DockerPod from the tutorial's pod.yaml", () => {
    test("`manifest` arg: the same resources and inputs as the hand-written args", async () => {
        const fromManifest = await run((opts) => new DockerPod("foo", { manifest: TUTORIAL_POD }, opts));
        const byHand = await run((opts) => new DockerPod("foo", seedWithoutHostFields(), opts));
        await expectSame(fromManifest, byHand);
    });

    test("DockerPod.fromManifest: the same again", async () => {
        const fromManifest = await run((opts) => DockerPod.fromManifest("foo", TUTORIAL_POD, undefined, opts));
        const byHand = await run((opts) => new DockerPod("foo", seedWithoutHostFields(), opts));
        await expectSame(fromManifest, byHand);
        // A manifest object (parsed YAML) too.
        await expectSame(await run((opts) => DockerPod.fromManifest("foo", parse(TUTORIAL_POD), undefined, opts)), byHand);
    });

    test("in preview too", async () => {
        const fromManifest = await run((opts) => DockerPod.fromManifest("foo", TUTORIAL_POD, undefined, opts), true);
        const byHand = await run((opts) => new DockerPod("foo", seedWithoutHostFields(), opts), true);
        expect(registered(fromManifest)).toEqual(registered(byHand));
        expect(fromManifest.errors).toEqual([]);
    });

    test("the example's pod.yaml (with its hostPort) and the pod-wide limits as an override: exactly seedPod()", async () => {
        const resources = seedPod().resources;
        const fromManifest = await run((opts) => DockerPod.fromManifest("foo", EXAMPLE_POD, { resources }, opts));
        const seed = await run((opts) => new DockerPod("foo", seedPod(), opts));
        await expectSame(fromManifest, seed);
        expect(seed.mocks.inputsOf("foo-sandbox").ports).toEqual([{ internal: 80, external: 8080, protocol: "tcp" }]);
        expect(seed.mocks.inputsOf("foo-slice").create).toContain("MemoryMax=536870912");
    });
});

describe("overrides: the Docker host's fields next to the manifest", () => {
    const host = {
        cgroupDriver: "cgroupfs" as const,
        parentSlice: "/pods",
        sudo: true,
        connection: { host: "10.0.0.5", user: "deploy" },
    };
    const overrides: Omit<DockerPodArgs, "manifest"> = {
        host,
        sandboxImage: "registry.k8s.io/pause:3.10",
        resources: { limits: { memory: "1Gi", cpu: "2" } },
    };

    test("host, sandboxImage and resources apply, as in hand-written args", async () => {
        const fromManifest = await run((opts) => DockerPod.fromManifest("foo", TUTORIAL_POD, overrides, opts));
        const byHand = await run((opts) => new DockerPod("foo", seedWithoutHostFields(overrides), opts));
        await expectSame(fromManifest, byHand);
        const slice = customNamed(fromManifest.registrations, "foo-slice");
        expect(slice.type).toBe("command:remote:Command");
        expect(fromManifest.mocks.inputsOf("foo-slice").create).toMatch(/sudo -n/);
        expect(fromManifest.mocks.inputsOf("foo-app").cgroupParent).toBe("/pods/foo");
        expect(fromManifest.mocks.inputsOf("foo-sandbox.image").name).toBe("registry.k8s.io/pause:3.10");
        expect(await valueOf(fromManifest.pod!.summary)).toMatch(/pod limits: memory 1024Mi, cpu 2000m/);
    });

    test("an override replaces the manifest's field; podName renames the Docker objects", async () => {
        const r = await run((opts) => new DockerPod("foo", { manifest: EXAMPLE_POD, podName: "bar", restartPolicy: "Never" }, opts));
        expect(r.errors).toEqual([]);
        expect(r.mocks.inputsOf("foo-app")).toMatchObject({ name: "bar_app", restart: "no" });
        expect(parse((await valueOf(r.pod!.manifest))!).metadata.name).toBe("bar");
    });
});

describe("warnings and errors", () => {
    test("kubectl get pod -o yaml: one warning listing what the cluster filled in, and no error", async () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        const r = await run((opts) => DockerPod.fromManifest("web", KUBECTL_POD, undefined, opts));
        expect(r.errors).toEqual([]);
        const { warnings } = podArgsFromManifest(KUBECTL_POD);
        expect(warnings).toHaveLength(1);
        expect(warn.mock.calls.map((call) => call[0])).toEqual(warnings);
        expect(warn.mock.calls[0][1]).toBe(r.pod);
        expect(
            r.mocks.created
                .filter((c) => c.custom !== false)
                .map((c) => c.name)
                .sort(),
        ).toEqual([
            "web-app",
            "web-app.image",
            "web-cache",
            "web-clock",
            "web-clock.image",
            "web-sandbox",
            "web-sandbox.image",
            "web-slice",
            "web-volumes",
            "web-warm-cache",
            "web-warm-cache.image",
        ]);
    });

    test("the tutorial's pod.yaml gives no warning", async () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        const r = await run((opts) => DockerPod.fromManifest("foo", TUTORIAL_POD, undefined, opts));
        expect(r.errors).toEqual([]);
        expect(warn).not.toHaveBeenCalled();
    });

    test.each([
        ["YAML that does not parse", "apiVersion: v1\nkind: Pod\nkind: Pod\n", ManifestError, /^manifest: YAML syntax error at line 3/],
        ["another kind", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n", ManifestError, /kind is "Deployment"/],
        [
            "fields a Docker host cannot honour",
            TUTORIAL_POD.replace("spec:\n", "spec:\n  nodeSelector:\n    disk: ssd\n"),
            PodSpecError,
            /spec\.nodeSelector: is not supported/,
        ],
        [
            "values checkPod refuses",
            TUTORIAL_POD.replace('memory: "128Mi"', 'memory: "1Mi"'),
            PodSpecError,
            /containers\[1\]\.resources\.limits\.memory: "1Mi" is below Docker's minimum/,
        ],
        [
            "a privileged container on a host that does not allow it",
            TUTORIAL_POD.replace(
                "      image: nginx:alpine\n",
                "      image: nginx:alpine\n      securityContext:\n        privileged: true\n",
            ),
            PodSpecError,
            /containers\[0\]\.securityContext\.privileged: .*host\.allowPrivileged/,
        ],
    ])("a bad manifest (%s) throws and registers nothing", async (_, text, type, message) => {
        const r = await run((opts) => DockerPod.fromManifest("foo", text, undefined, opts));
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toBeInstanceOf(type);
        expect(r.errors[0].message).toMatch(message);
        expect(r.mocks.created.filter((c) => c.custom !== false)).toEqual([]);
        expect(r.registrations.filter((c) => c.custom)).toEqual([]);
    });

    test("a manifest that is not plain text (a computed Output) is refused", async () => {
        const r = await run((opts) => new DockerPod("foo", { manifest: pulumi.output(TUTORIAL_POD) as unknown as string }, opts));
        expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/manifest must be YAML text known at preview/)]);
        expect(r.mocks.created.filter((c) => c.custom !== false)).toEqual([]);
    });
});

describe("round trip: a pod's `manifest` output, read back, is the same pod", () => {
    const pods: [string, string, DockerPodArgs, Omit<DockerPodArgs, "manifest">][] = [
        ["the seed pod", "foo", seedPod(), {}],
        [
            "init containers, volumes, probes, security, DNS",
            "web",
            {
                labels: { app: "web", tier: "frontend" },
                restartPolicy: "OnFailure",
                terminationGracePeriodSeconds: 10,
                shareProcessNamespace: true,
                resources: { limits: { memory: "1Gi", cpu: "1" } },
                volumes: [
                    { name: "cache", emptyDir: {} },
                    { name: "conf", hostPath: { path: "/srv/web/conf.d" } },
                ],
                securityContext: { runAsUser: 101, runAsGroup: 101, runAsNonRoot: true },
                dnsConfig: { nameservers: ["10.0.0.53"], searches: ["corp.example.com"], options: [{ name: "ndots", value: "2" }] },
                hostAliases: [{ ip: "10.0.0.10", hostnames: ["db"] }],
                initContainers: [
                    {
                        name: "warm-cache",
                        image: "busybox:1.36",
                        command: ["sh", "-c", "echo ready > /cache/ready"],
                        volumeMounts: [{ name: "cache", mountPath: "/cache" }],
                    },
                ],
                containers: [
                    {
                        name: "app",
                        image: "nginx:1.27-alpine",
                        imagePullPolicy: "IfNotPresent",
                        env: [
                            { name: "NGINX_PORT", value: "8080" },
                            { name: "MODE", value: "" },
                        ],
                        ports: [{ containerPort: 8080, hostPort: 18080, hostIP: "127.0.0.1", name: "http", protocol: "TCP" }],
                        readinessProbe: {
                            exec: { command: ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"] },
                            initialDelaySeconds: 2,
                            periodSeconds: 5,
                        },
                        resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "64Mi" } },
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                        },
                        volumeMounts: [
                            { name: "cache", mountPath: "/var/cache/nginx" },
                            { name: "conf", mountPath: "/etc/nginx/conf.d", readOnly: true },
                        ],
                    },
                    {
                        name: "clock",
                        image: "busybox:1.36",
                        command: ["/bin/sh"],
                        args: ["-c", "while true; do date; sleep 60; done"],
                        resources: { limits: { memory: "32Mi" }, requests: { memory: "32Mi" } },
                        workingDir: "/tmp",
                    },
                ],
            },
            {},
        ],
        [
            "a host-network pod on a cgroupfs host",
            "edge",
            {
                hostNetwork: true,
                hostPID: true,
                restartPolicy: "Never",
                terminationGracePeriodSeconds: 0,
                host: { cgroupDriver: "cgroupfs", parentSlice: "/edge" },
                sandboxImage: "registry.k8s.io/pause:3.10",
                containers: [{ name: "proxy", image: "haproxy:3.0", ports: [{ containerPort: 8443, hostPort: 8443 }] }],
            },
            { host: { cgroupDriver: "cgroupfs", parentSlice: "/edge" }, sandboxImage: "registry.k8s.io/pause:3.10" },
        ],
        [
            "a privileged pod on a host that allows it, on a user-defined network",
            "tools",
            {
                host: { allowPrivileged: true },
                networks: [{ name: "backend", aliases: ["tools"] }],
                containers: [{ name: "debug", image: "busybox:1.36", args: ["sleep", "1d"], securityContext: { privileged: true } }],
            },
            { host: { allowPrivileged: true }, networks: [{ name: "backend", aliases: ["tools"] }] },
        ],
    ];

    test.each(pods)("%s", async (_, name, args, hostOverrides) => {
        const original = await run((opts) => new DockerPod(name, args, opts));
        expect(original.errors).toEqual([]);
        const text = (await valueOf(original.pod!.manifest))!;
        schemaValid(text);
        const back = await run((opts) => DockerPod.fromManifest(name, text, hostOverrides, opts));
        await expectSame(back, original);
    });

    test("the Docker-host-only fields are named in the manifest's first line, and come back as overrides", async () => {
        const [, name, args, overrides] = pods[3];
        const original = await run((opts) => new DockerPod(name, args, opts));
        const text = (await valueOf(original.pod!.manifest))!;
        expect(text.split("\n")[0]).toBe("# dockerpod: not carried: networks (Docker-host only)");
        expect(original.mocks.inputsOf("tools-sandbox").networksAdvanced).toEqual([{ name: "backend", aliases: ["tools"] }]);
        expect(overrides.networks).toEqual(args.networks);
    });
});
