// Derived names never collide, within a pod or across pods, and stay within
// their limits, for every pod name and member name the checks accept.
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { DockerPod } from "../../../sdk";
import { PodSpecError } from "../../../sdk/core/errors";
import { containerName, guardianName, isDns1123Label, proberName, sandboxName, stoppingName, volumeName } from "../../../sdk/core/names";
import { PodSpec, checkPod, podChildren } from "../../../sdk/core/pod";
import { renderSliceScripts } from "../../../sdk/core/render";
import { DockerPodArgs } from "../../../sdk/types";
import { RecordingMocks } from "../../support/mocks";
import { runProgram } from "../../support/program";

/** DNS-1123 labels, biased towards short ones built of few letters and '-', where collisions would hide. */
const label = fc
    .oneof(fc.stringMatching(/^[ab](-?[ab0]){0,6}$/), fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/))
    .filter(isDns1123Label);

/** A pod's members: distinct container and volume names (a checked pod never has two alike). */
const pod = fc.record({
    podName: label,
    containers: fc.uniqueArray(label, { minLength: 1, maxLength: 4 }),
    volumes: fc.uniqueArray(label, { maxLength: 3 }),
    heal: fc.boolean(),
});
type GeneratedPod = { podName: string; containers: string[]; volumes: string[]; heal: boolean };

function argsOf(p: GeneratedPod): DockerPodArgs {
    return {
        podName: p.podName,
        heal: p.heal,
        host: { cgroupDriver: "cgroupfs" },
        volumes: p.volumes.map((name) => ({ name, emptyDir: {} })),
        containers: p.containers.map((name) => ({ name, image: "busybox", imagePullPolicy: "Never" as const })),
    };
}

/** The checked spec, or undefined when the checks refuse the pod (a member named `sandbox`, say). */
function specOf(p: GeneratedPod, resourceName = p.podName): PodSpec | undefined {
    try {
        return checkPod(resourceName, argsOf(p));
    } catch (error) {
        if (error instanceof PodSpecError) return undefined;
        throw error;
    }
}

/** Every Docker object a checked pod names, by the namespace Docker keeps it in. */
function dockerNames(spec: PodSpec): { containers: string[]; volumes: string[]; cgroups: string[] } {
    return {
        containers: [
            spec.sandbox.containerName,
            // Each container's own name, its prober's, and the name its stop script gives it.
            ...[...spec.initContainers, ...spec.containers].flatMap((c) => [
                c.dockerName,
                proberName(c.dockerName),
                stoppingName(c.dockerName),
            ]),
            ...(spec.guardianImage ? [guardianName(spec.podName)] : []),
        ],
        volumes: spec.volumes.filter((v) => v.type === "volume").map((v) => v.source),
        cgroups: [spec.slice.cgroupParent],
    };
}

describe("derived names", () => {
    test("<pod>_<member> is one-to-one: two different (pod, member) pairs never share a name", () => {
        fc.assert(
            fc.property(label, label, label, label, (pod1, member1, pod2, member2) => {
                fc.pre(pod1 !== pod2 || member1 !== member2);
                expect(containerName(pod1, member1)).not.toBe(containerName(pod2, member2));
                expect(volumeName(pod1, member1)).not.toBe(volumeName(pod2, member2));
            }),
            { numRuns: 5000 },
        );
    });

    test("the '-' scheme's collision is gone: web + api-sandbox and web-api + sandbox", () => {
        expect(containerName("web", "api-sandbox")).toBe("web_api-sandbox");
        expect(sandboxName("web-api")).toBe("web-api_sandbox");
        expect(volumeName("web", "api-data")).not.toBe(volumeName("web-api", "data"));
    });

    test("two accepted pods with different pod names share no container, volume or cgroup name", () => {
        fc.assert(
            fc.property(pod, pod, (a, b) => {
                fc.pre(a.podName !== b.podName);
                const [specA, specB] = [specOf(a), specOf(b)];
                fc.pre(specA !== undefined && specB !== undefined);
                const [namesA, namesB] = [dockerNames(specA!), dockerNames(specB!)];
                for (const kind of ["containers", "volumes", "cgroups"] as const) {
                    const all = [...namesA[kind], ...namesB[kind]];
                    expect(new Set(all).size).toBe(all.length);
                }
            }),
            { numRuns: 2000 },
        );
    });

    test("within a pod, every container name is different (the sandbox and guardian included)", () => {
        fc.assert(
            fc.property(pod, (p) => {
                const spec = specOf(p);
                fc.pre(spec !== undefined);
                const names = dockerNames(spec!).containers;
                expect(new Set(names).size).toBe(names.length);
            }),
            { numRuns: 2000 },
        );
    });

    test("a member that would take the sandbox's or the guardian's name is refused, never renamed", () => {
        expect(specOf({ podName: "web", containers: ["sandbox"], volumes: [], heal: false })).toBeUndefined();
        expect(specOf({ podName: "web", containers: ["guardian"], volumes: [], heal: true })).toBeUndefined();
        expect(specOf({ podName: "web", containers: ["guardian"], volumes: [], heal: false })).toBeDefined();
    });

    test("every derived name stays within its limit for every accepted pod", () => {
        fc.assert(
            fc.property(pod, fc.constantFrom("systemd", "cgroupfs"), (p, driver) => {
                let spec: PodSpec;
                try {
                    spec = checkPod(p.podName, { ...argsOf(p), host: { cgroupDriver: driver as "systemd" | "cgroupfs" } });
                } catch (error) {
                    if (error instanceof PodSpecError) return;
                    throw error;
                }
                const names = dockerNames(spec);
                // Docker takes names of [a-zA-Z0-9][a-zA-Z0-9_.-]*; each is at most 63 + 1 + 63 characters,
                // and ".probe" or ".stopping" after a container's.
                for (const name of [...names.containers, ...names.volumes]) {
                    expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,135}$/);
                }
                // systemd refuses unit names of 256 bytes or more.
                if (driver === "systemd") expect(Buffer.byteLength(spec.slice.cgroupParent)).toBeLessThan(256);
                if (spec.sandbox.hostname !== undefined) expect(isDns1123Label(spec.sandbox.hostname)).toBe(true);
            }),
            { numRuns: 2000 },
        );
    });

    test("a pod name is any DNS-1123 label: 63 characters are accepted, and the README says so", () => {
        expect(checkPod("x", { podName: "p".repeat(63), containers: [{ name: "app", image: "busybox" }] }).podName).toHaveLength(63);
        expect(() => checkPod("x", { podName: "p".repeat(64), containers: [{ name: "app", image: "busybox" }] })).toThrow(/DNS-1123/);
        const readme = fs.readFileSync(path.join(__dirname, "../../../README.md"), "utf8").replace(/\s+/g, " ");
        expect(readme).toContain("DNS-1123 labels, at most 63 characters, pod names included");
        expect(readme).not.toMatch(/pod name at most 55/);
    });
});

describe("DockerPods of one program", () => {
    const run = (program: () => unknown) => runProgram(new RecordingMocks(), program);

    test("podChildren is exactly what a pod registers under itself and its payload parts (their Commands aside)", async () => {
        await fc.assert(
            fc.asyncProperty(pod, fc.boolean(), async (p, remote) => {
                const args = {
                    ...argsOf(p),
                    host: { cgroupDriver: "cgroupfs" as const, ...(remote ? { connection: { host: "203.0.113.1" } } : {}) },
                };
                let spec: PodSpec;
                try {
                    spec = checkPod("pod", args);
                } catch (error) {
                    if (error instanceof PodSpecError) return;
                    throw error;
                }
                const { registrations, errors } = await runProgram(
                    new RecordingMocks(),
                    (transformations) => new DockerPod("pod", args, { transformations }),
                );
                expect(errors).toEqual([]);
                const pod = registrations[0].resource;
                const parts = new Set(
                    registrations
                        .filter((r) => r.opts.parent === pod && r.type === "dockerpod:index:PayloadContainer")
                        .map((r) => r.resource),
                );
                const registered = [
                    ...registrations.filter((r) => r.opts.parent === pod).map((r) => `${r.type} ${r.name}`),
                    ...registrations
                        .filter((r) => parts.has(r.opts.parent as any) && !/^command:/.test(r.type))
                        .map((r) => `dockerpod:index:PayloadContainer$${r.type} ${r.name}`),
                ];
                expect(registered.sort()).toEqual(
                    podChildren("pod", spec)
                        .map((c) => `${c.type} ${c.name}`)
                        .sort(),
                );
            }),
            { numRuns: 12 },
        );
    }, 120_000);

    test("two DockerPods with one pod name are refused, naming the other pod", async () => {
        const { errors, registrations } = await run(() => {
            new DockerPod("a", { podName: "web", containers: [{ name: "app", image: "busybox" }] });
            new DockerPod("b", { podName: "web", containers: [{ name: "app", image: "busybox" }] });
        });
        expect(errors.map((e) => e.message)).toEqual([
            expect.stringContaining('podName: "web" is already the pod name of DockerPod "a" in this program'),
        ]);
        expect(registrations.filter((r) => r.name.startsWith("b"))).toEqual([]);
    });

    test("pods whose children would share a URN are refused at the field that makes it", async () => {
        const { errors, registrations } = await run(() => {
            new DockerPod("web", { containers: [{ name: "api-x", image: "busybox" }], volumes: [{ name: "api-data", emptyDir: {} }] });
            new DockerPod("web-api", {
                containers: [{ name: "x", image: "busybox" }],
                volumes: [{ name: "data", emptyDir: {} }],
            });
        });
        expect(errors).toHaveLength(1);
        expect(errors[0].message).toContain(
            'containers[0].name: makes a PayloadContainer named "web-api-x", which DockerPod "web" (its containers[0].name) makes too',
        );
        expect(errors[0].message).toContain(
            'volumes[0].name: makes a Volume named "web-api-data", which DockerPod "web" (its volumes[0].name) makes too',
        );
        expect(registrations.filter((r) => r.name.startsWith("web-api"))).toEqual([]);
    });

    test("a container named like another's prober is its own resource, within a pod and across pods: every URN once", async () => {
        const probed = { name: "api", image: "busybox", readinessProbe: { httpGet: { port: 80 } } };
        const programs = [
            (transformations: pulumi.ResourceTransformation[]) =>
                new DockerPod(
                    "web",
                    { containers: [probed, { name: "api-probe", image: "busybox" }, { name: "api-image", image: "busybox" }] },
                    { transformations },
                ),
            (transformations: pulumi.ResourceTransformation[]) => {
                new DockerPod("web", { containers: [probed] }, { transformations });
                new DockerPod(
                    "web-api",
                    {
                        containers: [
                            { name: "probe", image: "busybox" },
                            { name: "probe-image", image: "busybox" },
                        ],
                    },
                    { transformations },
                );
            },
        ];
        for (const program of programs) {
            const { errors, registrations } = await runProgram(new RecordingMocks(), program);
            expect(errors).toEqual([]);
            // A URN names the type chain of the parents and the resource's own name.
            const chain = (r: (typeof registrations)[number]): string => {
                const parent = registrations.find((p) => p.resource === r.opts.parent);
                return parent ? `${chain(parent)}$${r.type}` : r.type;
            };
            const urns = registrations.map((r) => `${chain(r)}::${r.name}`);
            expect(new Set(urns).size).toBe(urns.length);
            expect(urns).toEqual(
                expect.arrayContaining([
                    "dockerpod:index:DockerPod$dockerpod:index:PayloadContainer$docker:index/container:Container::web-api.probe",
                    "dockerpod:index:DockerPod$dockerpod:index:PayloadContainer$docker:index/container:Container::web-api-probe",
                ]),
            );
        }
    });

    test("one pod's children never share a URN: members are DNS labels, a part's own resources end in .<role>", async () => {
        // Each container pulled or not, probed over HTTP or not: images and probers are the parts' own resources.
        const members = fc.uniqueArray(fc.record({ name: label, pulled: fc.boolean(), probed: fc.boolean() }), {
            minLength: 1,
            maxLength: 5,
            selector: (c) => c.name,
        });
        await fc.assert(
            fc.property(pod, members, (p, containers) => {
                let spec: PodSpec;
                try {
                    spec = checkPod("pod", {
                        ...argsOf(p),
                        containers: containers.map((c) => ({
                            name: c.name,
                            image: "busybox",
                            imagePullPolicy: c.pulled ? ("IfNotPresent" as const) : ("Never" as const),
                            ...(c.probed ? { readinessProbe: { httpGet: { port: 80 } } } : {}),
                        })),
                    });
                } catch (error) {
                    if (error instanceof PodSpecError) return;
                    throw error;
                }
                const keys = podChildren("pod", spec).map((c) => `${c.type}::${c.name}`);
                expect(new Set(keys).size).toBe(keys.length);
            }),
            { numRuns: 300 },
        );
    });

    test("pods whose names only share a prefix, and each program run on its own, are fine", async () => {
        for (let i = 0; i < 2; i++) {
            const { errors } = await run(() => {
                new DockerPod("web", { containers: [{ name: "app", image: "busybox" }] });
                new DockerPod("web-api", { containers: [{ name: "app", image: "busybox" }] });
            });
            expect(errors).toEqual([]);
        }
    });
});

describe("derived host paths stay within the kernel's limits", () => {
    // Parents of 1 to 199 characters in up to 6 levels, pod names of 1 to 63: lengths are what matter.
    const parent = fc
        .tuple(fc.integer({ min: 1, max: 199 }), fc.uniqueArray(fc.integer({ min: 1, max: 198 }), { maxLength: 5 }))
        .map(([n, cuts]) => {
            const chars = "b".repeat(n).split("");
            for (const c of cuts.filter((c) => c < n - 1)) chars[c] = "/";
            return `/${chars.join("").replace(/\/+/g, "/")}`;
        });
    const pod = fc.integer({ min: 1, max: 63 }).map((n) => "p".repeat(n));
    test("a pod the checks accept has an owner mark whose file name fits NAME_MAX, as its slice script writes it", () => {
        let refused = 0;
        fc.assert(
            fc.property(parent, pod, (parentSlice, name) => {
                let spec: PodSpec;
                try {
                    spec = checkPod(name, {
                        host: { cgroupDriver: "cgroupfs", parentSlice },
                        containers: [{ name: "app", image: "busybox:1" }],
                    });
                } catch (err) {
                    expect(err).toBeInstanceOf(PodSpecError);
                    refused++;
                    return;
                }
                const mark = /^MARK='([^']*)'$/m.exec(renderSliceScripts(spec.slice, "p/s/pod").apply)?.[1];
                expect(mark).toBeDefined();
                expect(Buffer.byteLength(path.basename(mark!))).toBeLessThanOrEqual(255);
            }),
            { numRuns: 400 },
        );
        // Both sides of the limit were tried.
        expect(refused).toBeGreaterThan(0);
        expect(refused).toBeLessThan(400);
    });
});
