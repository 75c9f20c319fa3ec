// Networks, DNS, files and security: what reaches pulumi-docker.
import * as pulumi from "@pulumi/pulumi";
import { DockerPod, DockerPodArgs, PodSpecError } from "../../../sdk";
import { checkPod } from "../../../sdk/core/pod";
import { agentName, renderAgentRelease, renderAgentStart } from "../../../sdk/core/agent";
import { RecordingMocks } from "../../support/mocks";
import { customNamed, runProgram, valueOf } from "../../support/program";

const app = { name: "app", image: "busybox", imagePullPolicy: "Never" as const };

async function run(args: DockerPodArgs) {
    const mocks = new RecordingMocks();
    const result = await runProgram(
        mocks,
        (transformations) => new DockerPod("foo", { host: { cgroupDriver: "cgroupfs" }, ...args }, { transformations }),
    );
    return { ...result, mocks };
}

describe("networking on the sandbox", () => {
    test("user-defined networks replace the bridge; DNS and hosts entries are the pod's", async () => {
        const { mocks, errors } = await run({
            containers: [{ ...app, ports: [{ containerPort: 53, hostPort: 5353, hostIP: "127.0.0.1", protocol: "UDP" }] }],
            networks: [{ name: "backend", aliases: ["api", "api.internal"] }, { name: "metrics" }],
            dnsConfig: {
                nameservers: ["10.0.0.53"],
                searches: ["svc.local"],
                options: [{ name: "ndots", value: "2" }, { name: "rotate" }],
            },
            hostAliases: [{ ip: "10.0.0.5", hostnames: ["db", "db.local"] }],
        });
        expect(errors).toEqual([]);
        expect(mocks.inputsOf("foo-sandbox")).toMatchObject({
            networkMode: "bridge",
            networksAdvanced: [{ name: "backend", aliases: ["api", "api.internal"] }, { name: "metrics" }],
            dns: ["10.0.0.53"],
            dnsSearches: ["svc.local"],
            dnsOpts: ["ndots:2", "rotate"],
            hosts: [
                { host: "db", ip: "10.0.0.5" },
                { host: "db.local", ip: "10.0.0.5" },
            ],
            ports: [{ internal: 53, external: 5353, ip: "127.0.0.1", protocol: "udp" }],
        });
        const payload = mocks.inputsOf("foo-app");
        for (const field of ["dns", "dnsSearches", "dnsOpts", "hosts", "networksAdvanced", "ports", "hostname"]) {
            expect([field, payload[field]]).toEqual([field, undefined]);
        }
    });

    test.each<[string, DockerPodArgs, string]>([
        ["networks with hostNetwork", { hostNetwork: true, networks: [{ name: "backend" }], containers: [app] }, "networks"],
        ["the host network by name", { networks: [{ name: "host" }], containers: [app] }, "networks[0].name"],
        ["a bad alias", { networks: [{ name: "backend", aliases: ["no spaces"] }], containers: [app] }, "networks[0].aliases[0]"],
        ["a bad nameserver", { dnsConfig: { nameservers: ["dns.google"] }, containers: [app] }, "dnsConfig.nameservers[0]"],
        ["a bad search domain", { dnsConfig: { searches: ["a..b"] }, containers: [app] }, "dnsConfig.searches[0]"],
        ["a bad option", { dnsConfig: { options: [{ name: "nd ots" }] }, containers: [app] }, "dnsConfig.options[0].name"],
        ["a host alias without names", { hostAliases: [{ ip: "10.0.0.1", hostnames: [] }], containers: [app] }, "hostAliases[0].hostnames"],
        ["a bad host alias ip", { hostAliases: [{ ip: "ten", hostnames: ["a"] }], containers: [app] }, "hostAliases[0].ip"],
    ])("refuses %s", (_what, args, path) => {
        expect(() => checkPod("foo", args)).toThrow(PodSpecError);
        try {
            checkPod("foo", args);
        } catch (err) {
            expect((err as PodSpecError).problems.map((p) => p.path)).toContain(path);
        }
    });
});

describe("files", () => {
    test("land through uploads before start; secret contents stay secret", async () => {
        const { registrations, errors } = await run({
            containers: [
                {
                    ...app,
                    files: [
                        { path: "/etc/app/config.yaml", content: "level: info\n" },
                        { path: "/etc/app/token", content: pulumi.secret("s3cr3t"), mode: 0o600 },
                    ],
                },
            ],
        });
        expect(errors).toEqual([]);
        const uploads = customNamed(registrations, "foo-app").inputs.uploads;
        expect(await valueOf(pulumi.output(uploads))).toEqual([
            { file: "/etc/app/config.yaml", content: "level: info\n", permissions: "0644" },
            { file: "/etc/app/token", content: "s3cr3t", permissions: "0600" },
        ]);
        expect(await pulumi.isSecret(pulumi.output(uploads[1].content))).toBe(true);
    });

    test("the summary lists no file content", async () => {
        const { result } = await run({ containers: [{ ...app, files: [{ path: "/etc/token", content: pulumi.secret("s3cr3t") }] }] });
        expect(await valueOf(result.summary)).not.toContain("s3cr3t");
    });

    test.each<[string, object, string]>([
        ["a relative path", { path: "etc/x", content: "" }, "containers[0].files[0].path"],
        ["a path in a mounted volume", { path: "/data/x", content: "" }, "containers[0].files[0].path"],
        ["a bad mode", { path: "/x", content: "", mode: 0o10000 }, "containers[0].files[0].mode"],
    ])("refuses %s", (_what, file, path) => {
        const args: DockerPodArgs = {
            volumes: [{ name: "data", emptyDir: {} }],
            containers: [{ ...app, volumeMounts: [{ name: "data", mountPath: "/data" }], files: [file as any] }],
        };
        try {
            checkPod("foo", args);
            throw new Error("accepted");
        } catch (err) {
            expect((err as PodSpecError).problems.map((p) => p.path)).toContain(path);
        }
    });
});

describe("security", () => {
    test("the pod's securityContext is every container's default; a container's own settings win", async () => {
        const { mocks } = await run({
            securityContext: { runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false },
            containers: [
                app,
                { name: "root", image: "busybox", imagePullPolicy: "Never", securityContext: { runAsUser: 0, runAsGroup: 0 } },
            ],
        });
        expect(mocks.inputsOf("foo-app")).toMatchObject({ user: "1000:1000", securityOpts: ["no-new-privileges:true"] });
        expect(mocks.inputsOf("foo-root")).toMatchObject({ user: "0:0", securityOpts: ["no-new-privileges:true"] });
    });

    test("privileged needs host.allowPrivileged", async () => {
        const args: DockerPodArgs = { containers: [{ ...app, securityContext: { privileged: true } }] };
        expect(() => checkPod("foo", args)).toThrow(/containers\[0\]\.securityContext\.privileged: .*host\.allowPrivileged/);
        const { mocks, errors } = await run({ ...args, host: { cgroupDriver: "cgroupfs", allowPrivileged: true } });
        expect(errors).toEqual([]);
        expect(mocks.inputsOf("foo-app").privileged).toBe(true);
    });

    test("runAsNonRoot with runAsUser 0 is refused at preview", () => {
        expect(() => checkPod("foo", { containers: [{ ...app, securityContext: { runAsNonRoot: true, runAsUser: 0 } }] })).toThrow(
            /runAsUser: is 0 \(root\) but runAsNonRoot is set/,
        );
    });

    test("runAsNonRoot without runAsUser checks the image's user on the host before the container is made", async () => {
        const { mocks, registrations } = await run({ containers: [{ ...app, securityContext: { runAsNonRoot: true } }] });
        const check = mocks.inputsOf("foo-app.user-check");
        // The image is in the script, quoted (a remote host's sshd would drop an environment).
        expect(check.environment).toBeUndefined();
        expect(check.create).toContain(`IMAGE='busybox'`);
        expect(check.create).toContain(`docker image inspect --format '{{.Config.User}}' -- "$IMAGE"`);
        const deps = (await valueOf(customNamed(registrations, "foo-app").opts.dependsOn as any)) as pulumi.Resource[];
        expect(deps.map((d) => (d as any).__name)).toContain("foo-app.user-check");
        // With a user id given, there is nothing to check.
        const plain = await run({ containers: [{ ...app, securityContext: { runAsNonRoot: true, runAsUser: 1000 } }] });
        expect(plain.mocks.created.map((r) => r.name)).not.toContain("foo-app.user-check");
    });
});

describe("heal", () => {
    test("claims a guardian from the host's agent, after every container: a created, never started container and a host Command", async () => {
        const { mocks, registrations, errors } = await run({
            heal: true,
            guardianImage: "docker:28-cli",
            containers: [{ ...app, livenessProbe: { exec: { command: ["true"] } } }],
        });
        expect(errors).toEqual([]);
        const agent = agentName("docker:28-cli");
        const claim = mocks.inputsOf("foo-guardian");
        expect(claim).toMatchObject({
            name: "foo_guardian",
            image: "sha256:foo-guardian-image",
            networkMode: "none",
            start: false,
            mustRun: false,
            restart: "no",
        });
        // The claim holds neither the socket nor a port: only the agent mounts the socket.
        expect(claim).not.toHaveProperty("mounts");
        expect(claim).not.toHaveProperty("ports");
        expect(claim.labels).toEqual(
            expect.arrayContaining([
                { label: "dockerpod.role", value: "guardian" },
                { label: "dockerpod.agent", value: agent },
                { label: "dockerpod.pod", value: "foo" },
            ]),
        );
        expect(claim.entrypoints[2]).toContain("guardian for pod foo");
        const deps = (customNamed(registrations, "foo-guardian").opts.dependsOn as any[]).map((d) => d.__name);
        expect(deps).toEqual(["foo-slice", "foo-sandbox", "foo-app"]);
        const command = mocks.inputsOf("foo-guardian-agent");
        // The scripts themselves are tested in tests/unit/core/agent.test.ts: here, that the pod wires in its own.
        const host = { sudo: false, dockerSocket: "/var/run/docker.sock" };
        expect(command.create).toBe(renderAgentStart(agent, "docker:28-cli", "foo", host));
        expect(command.delete).toBe(renderAgentRelease(agent, "foo", host));
        expect(command.triggers).toEqual([agent]);
        const commandDeps = (customNamed(registrations, "foo-guardian-agent").opts.dependsOn as any[]).map((d) => d.__name);
        expect(commandDeps).toContain("foo-guardian");
        expect(registrations.map((r) => r.name).pop()).toBe("foo-guardian-agent");
    });

    test("no guardian without heal", async () => {
        const { mocks } = await run({ containers: [app] });
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-guardian");
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-guardian-agent");
    });
});

test("the summary says when a pod heals itself", async () => {
    const { result } = await run({ heal: true, containers: [app] });
    expect(await valueOf(result.summary)).toContain(
        `heals itself: guardian \`foo_guardian\`, run by the host's agent \`${agentName("docker:28-cli")}\` (\`docker:28-cli\`)`,
    );
});

describe("computed values are checked when they resolve", () => {
    test("a computed image that is an option (--help) fails naming the field, and nothing runs it", async () => {
        const { errors, mocks } = await run({
            containers: [{ name: "app", image: pulumi.output("--help"), securityContext: { runAsNonRoot: true } }],
        });
        expect(errors.map((e) => e.message).join("\n")).toMatch(
            /dockerpod: containers\[0\]\.image: the computed image "--help" is not an image reference/,
        );
        // Neither its image, nor the host script that inspects it, nor its container was made.
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-app.image");
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-app.user-check");
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-app");
    });

    test("a computed image that is a reference goes through", async () => {
        const { errors, mocks } = await run({
            containers: [{ name: "app", image: pulumi.output("registry.example.com:5000/team/app:1.4") }],
        });
        expect(errors).toEqual([]);
        expect(mocks.inputsOf("foo-app.image").name).toBe("registry.example.com:5000/team/app:1.4");
    });
});

describe("host scripts stay under the kernel's limit for one argument", () => {
    test("a script of 128 KiB or more fails naming the Command, and the Command is not made", async () => {
        const { hostCommand, MAX_SCRIPT_BYTES } = await import("../../../sdk/components/hostCommand");
        const mocks = new RecordingMocks();
        const { errors } = await runProgram(mocks, () => {
            const parent = new pulumi.ComponentResource("test:index:Parent", "p");
            hostCommand("big-script", { create: "#" + "x".repeat(MAX_SCRIPT_BYTES) }, undefined, { parent });
            hostCommand("small-script", { create: "echo ok" }, undefined, { parent });
        });
        expect(errors.map((e) => e.message).join("\n")).toMatch(
            /the host script of big-script is \d+ bytes, over the kernel's 131072-byte limit/,
        );
        expect(mocks.created.map((r) => r.name)).not.toContain("big-script");
        expect(mocks.created.map((r) => r.name)).toContain("small-script");
    });
});
