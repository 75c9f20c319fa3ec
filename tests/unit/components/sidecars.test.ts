// Native sidecars (Kubernetes 1.33): an init container with restartPolicy
// Always starts in order with the init containers, gates the next one on its
// start (or readiness), runs beside the app containers, restarts whenever it
// stops, and is destroyed after them.
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ContainerRestartPolicy, DockerPod, PodSpecError } from "../../../sdk";
import { renderGuardianScript } from "../../../sdk/core/guardian";
import { manifestFromArgs, podArgsFromManifest } from "../../../sdk/core/manifest";
import { checkPod } from "../../../sdk/core/pod";
import { DockerPodArgs } from "../../../sdk/types";
import { RecordingMocks } from "../../support/mocks";
import { customNamed, runProgram, valueOf } from "../../support/program";

const proxy = {
    name: "proxy",
    image: "busybox",
    imagePullPolicy: "Never" as const,
    restartPolicy: ContainerRestartPolicy.Always,
    command: ["httpd", "-f", "-p", "9000"],
    ports: [{ containerPort: 9000, hostPort: 19000 }],
    readinessProbe: { exec: { command: ["wget", "-qO-", "http://127.0.0.1:9000/"] }, periodSeconds: 1 },
};
const args: DockerPodArgs = {
    host: { cgroupDriver: "cgroupfs" },
    initContainers: [proxy, { name: "warm", image: "busybox", imagePullPolicy: "Never", command: ["true"] }],
    containers: [{ name: "app", image: "busybox", imagePullPolicy: "Never", command: ["sleep", "1d"], ports: [{ containerPort: 80 }] }],
};

function problemsOf(podArgs: DockerPodArgs): string[] {
    try {
        checkPod("foo", podArgs);
    } catch (error) {
        expect(error).toBeInstanceOf(PodSpecError);
        return (error as PodSpecError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    throw new Error("expected a PodSpecError");
}

describe("native sidecars: the checks", () => {
    test("an init container with restartPolicy Always is a sidecar; its ports and probes are taken", () => {
        const spec = checkPod("foo", args);
        expect(spec.initContainers.map((c) => [c.name, c.sidecar])).toEqual([
            ["proxy", true],
            ["warm", false],
        ]);
        expect(spec.sandbox.ports.map((p) => p.containerPort)).toEqual([9000, 80]);
        expect(spec.initContainers[0].readinessProbe).toMatchObject({ periodSeconds: 1, failureThreshold: 3 });
    });

    test("restartPolicy on an app container, another value, and a sidecar port taken twice are refused by path", () => {
        expect(
            problemsOf({
                initContainers: [
                    { ...proxy, ports: [{ containerPort: 80 }] },
                    { ...proxy, name: "other", restartPolicy: "Never" },
                ],
                containers: [{ name: "app", image: "busybox", restartPolicy: "Always", ports: [{ containerPort: 80 }] }],
            }),
        ).toEqual([
            "containers[0].restartPolicy: is for init containers only (Always makes one a sidecar): remove it; app containers follow the pod's restartPolicy",
            // Not a sidecar, so an init container that runs to completion: no ports, no probes.
            'initContainers[1].restartPolicy: "Never" is not one of "Always"',
            "initContainers[1].ports: init containers cannot publish ports: move them to an app container",
            "initContainers[1].readinessProbe: init containers run to completion and cannot have probes (a cluster refuses it too): " +
                'remove it, or make it a sidecar with restartPolicy: "Always"',
            "containers[0].ports[0].containerPort: 80/tcp is already used by initContainers[0].ports[0]: containers of a pod share one network, use another port",
        ]);
    });
});

describe("native sidecars: what the pod registers", () => {
    test("restart always, no run-to-completion; the next container waits for the sidecar itself, not its exit", async () => {
        const mocks = new RecordingMocks();
        const { registrations, errors } = await runProgram(mocks, (transformations) => new DockerPod("foo", args, { transformations }));
        expect(errors).toEqual([]);
        const sidecar = mocks.inputsOf("foo-proxy");
        expect(sidecar).toMatchObject({
            restart: "always",
            wait: true,
            healthcheck: { tests: ["CMD", "wget", "-qO-", "http://127.0.0.1:9000/"] },
        });
        expect(sidecar).not.toHaveProperty("mustRun");
        expect(sidecar).not.toHaveProperty("attach");
        expect(sidecar.labels).toContainEqual({ label: "dockerpod.role", value: "sidecar" });
        // Its port is published on the sandbox with the app's.
        expect(mocks.inputsOf("foo-sandbox").ports).toEqual([{ internal: 9000, external: 19000, protocol: "tcp" }]);
        const deps = async (name: string) =>
            ((await valueOf(customNamed(registrations, name).opts.dependsOn as any)) as pulumi.Resource[]).map((d) => (d as any).__name);
        expect(await deps("foo-warm")).toEqual(["foo-slice", "foo-sandbox", "foo-proxy"]);
        // The app waits for the init container after it, which waits for the sidecar: destroy stops the app first.
        expect(await deps("foo-app")).toEqual(["foo-slice", "foo-sandbox", "foo-warm"]);
        expect(mocks.inputsOf("foo-warm")).toMatchObject({ restart: "no", mustRun: false, attach: true });
    });

    test("even with the pod's restartPolicy Never, the sidecar restarts (as in Kubernetes)", async () => {
        const mocks = new RecordingMocks();
        await runProgram(mocks, () => new DockerPod("foo", { ...args, restartPolicy: "Never" }));
        expect(mocks.inputsOf("foo-proxy").restart).toBe("always");
        expect(mocks.inputsOf("foo-app").restart).toBe("no");
    });

    test("the summary names it a sidecar; the guardian brings it back before the init containers after it", async () => {
        const { result } = await runProgram(new RecordingMocks(), () => new DockerPod("foo", { ...args, heal: true }));
        expect(await valueOf(result.summary)).toContain("| proxy | sidecar | busybox |");
        const script = renderGuardianScript(checkPod("foo", { ...args, heal: true }));
        expect(script).toContain("INITS='foo_proxy foo_warm'");
        expect(script).toContain("SIDECARS='foo_proxy'");
        expect(script).toContain('log "restarting sidecar $c: it started before the sandbox did');
    });
});

describe("native sidecars: the manifest", () => {
    test("restartPolicy: Always is written on the init container and read back as the same pod", async () => {
        const text = await valueOf(manifestFromArgs("foo", args));
        const pod = YAML.parse(text!);
        expect(pod.spec.initContainers[0].restartPolicy).toBe("Always");
        expect(pod.spec.initContainers[1]).not.toHaveProperty("restartPolicy");
        const back = podArgsFromManifest(text!, { host: args.host });
        expect(back.warnings).toEqual([]);
        expect(checkPod(back.name, back.args)).toEqual(checkPod("foo", args));
    });
});
