// The downward API (env valueFrom.fieldRef / resourceFieldRef), as a
// container sees it in Kubernetes: checks, values, and manifests both ways.
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { DockerPod, PayloadContainer, PodSpecError } from "../../../sdk";
import { manifestFromArgs, podArgsFromManifest } from "../../../sdk/core/manifest";
import { checkPod } from "../../../sdk/core/pod";
import { DockerPodArgs, EnvVar } from "../../../sdk/types";
import { RecordingMocks } from "../../support/mocks";
import { runProgram, valueOf } from "../../support/program";

const field = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const resource = (name: string, r: string, divisor?: string, containerName?: string): EnvVar => ({
    name,
    valueFrom: { resourceFieldRef: { resource: r, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) } },
});

const args: DockerPodArgs = {
    podName: "web",
    host: { cgroupDriver: "cgroupfs" },
    labels: { tier: "front" },
    resources: { limits: { memory: "1Gi", cpu: "2" } },
    containers: [
        {
            name: "app",
            image: "busybox",
            resources: { limits: { memory: "256Mi", cpu: "500m" }, requests: { cpu: "250m" } },
            env: [
                field("POD_NAME", "metadata.name"),
                field("POD_NAMESPACE", "metadata.namespace"),
                field("TIER", "metadata.labels['tier']"),
                field("MISSING", 'metadata.labels["nope"]'),
                field("NOTE", "metadata.annotations['note']"),
                field("POD_IP", "status.podIP"),
                field("HOST_IP", "status.hostIP"),
                field("NODE", "spec.nodeName"),
                resource("CPU", "limits.cpu"),
                resource("CPU_M", "limits.cpu", "1m"),
                resource("MEM_MI", "limits.memory", "1Mi"),
                resource("REQ_CPU_M", "requests.cpu", "1m"),
                resource("SIDE_MEM", "limits.memory", "1Mi", "side"),
            ],
        },
        // No limits of its own: its limits are the pod's.
        { name: "side", image: "busybox", env: [resource("MEM", "limits.memory", "1Mi"), resource("REQ_MEM", "requests.memory")] },
    ],
};

function problemsOf(podArgs: DockerPodArgs): string[] {
    try {
        checkPod("web", podArgs);
    } catch (error) {
        expect(error).toBeInstanceOf(PodSpecError);
        return (error as PodSpecError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    throw new Error("expected a PodSpecError");
}

describe("downward API: values", () => {
    test.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])(
        'a label key %s that is not set is "" (own keys only), as in Kubernetes',
        (key) => {
            const spec = checkPod("web", {
                ...args,
                containers: [
                    {
                        name: "app",
                        image: "busybox",
                        env: [field("L", `metadata.labels['${key}']`), field("A", `metadata.annotations['${key}']`)],
                    },
                ],
            });
            expect(spec.containers[0].env.map((e) => [e.name, e.value])).toEqual([
                ["L", ""],
                ["A", ""],
            ]);
        },
    );

    test("what is known at preview is a value; addresses and the node's name are filled in on the host", () => {
        const spec = checkPod("web", args);
        const env = Object.fromEntries(spec.containers[0].env.map((e) => [e.name, e.runtime ?? e.value]));
        expect(env).toEqual({
            POD_NAME: "web",
            POD_NAMESPACE: "default",
            TIER: "front",
            MISSING: "",
            NOTE: "",
            POD_IP: "podIP",
            HOST_IP: "hostIP",
            NODE: "nodeName",
            // Kubernetes rounds up to the divisor: 500m in whole cores is 1.
            CPU: "1",
            CPU_M: "500",
            MEM_MI: "256",
            REQ_CPU_M: "250",
            SIDE_MEM: "1024",
        });
        // A container without limits reads the pod's; a request defaults to the limit, as in Kubernetes.
        expect(spec.containers[1].env.map((e) => e.value)).toEqual(["1024", String(2 ** 30)]);
    });

    test("the registered containers get them: addresses from the sandbox, the node's name from this machine", async () => {
        const mocks = new RecordingMocks();
        const { errors } = await runProgram(mocks, () => new DockerPod("web", args));
        expect(errors).toEqual([]);
        const envs = (await valueOf(pulumi.all(mocks.inputsOf("web-app").envs as pulumi.Input<string>[]))) as string[];
        expect(envs).toContain("POD_NAME=web");
        expect(envs).toContain(`NODE=${os.hostname()}`);
        expect(envs).toContain("CPU_M=500");
        // The mocks' sandbox has no network data: the address is empty here, the sandbox's on a host (engine test).
        expect(envs).toContain("POD_IP=");
    });

    test("a PayloadContainer needs the sandbox's addresses given to read them", async () => {
        const { errors } = await runProgram(
            new RecordingMocks(),
            () =>
                new PayloadContainer("p", {
                    podName: "web",
                    sandboxId: "abc",
                    cgroupParent: "/dockerpod/web",
                    container: { name: "app", image: "busybox", env: [field("IP", "status.podIP"), field("NAME", "metadata.name")] },
                }),
        );
        expect((errors[0] as PodSpecError).problems).toEqual([
            {
                path: "container.env[0].valueFrom.fieldRef.fieldPath",
                message: "status.podIP needs podIP: pass the SandboxContainer's podIP",
            },
        ]);
        const mocks = new RecordingMocks();
        const ok = await runProgram(
            mocks,
            () =>
                new PayloadContainer("p", {
                    podName: "web",
                    sandboxId: "abc",
                    cgroupParent: "/dockerpod/web",
                    podIP: "172.17.0.9",
                    container: { name: "app", image: "busybox", env: [field("IP", "status.podIP"), field("NAME", "metadata.name")] },
                }),
        );
        expect(ok.errors).toEqual([]);
        expect(await valueOf(pulumi.all(mocks.inputsOf("p").envs as pulumi.Input<string>[]))).toEqual(["IP=172.17.0.9", "NAME=web"]);
    });
});

describe("downward API: bad input", () => {
    test("each refused by its path, with the fix", () => {
        expect(
            problemsOf({
                hostNetwork: true,
                containers: [
                    {
                        name: "app",
                        image: "busybox",
                        resources: { limits: { cpu: "1" } },
                        env: [
                            field("A", "metadata.uid"),
                            { name: "B", value: "x", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                            { name: "C", valueFrom: {} },
                            resource("D", "limits.gpu"),
                            resource("E", "limits.cpu", "0"),
                            resource("F", "limits.memory"),
                            resource("G", "limits.cpu", undefined, "nope"),
                            field("H", "status.podIP"),
                        ],
                    },
                ],
            }),
        ).toEqual([
            'containers[0].env[0].valueFrom.fieldRef.fieldPath: "metadata.uid" is not a field dockerpod gives: use metadata.name, metadata.namespace, ' +
                "metadata.labels['<key>'], metadata.annotations['<key>'], status.podIP, status.hostIP or spec.nodeName",
            "containers[0].env[1].valueFrom: cannot be set with value: keep one of them",
            "containers[0].env[2].valueFrom: needs exactly one of fieldRef or resourceFieldRef (other sources, such as secretKeyRef, are not supported)",
            'containers[0].env[3].valueFrom.resourceFieldRef.resource: "limits.gpu" is not one of limits.cpu, limits.memory, requests.cpu, requests.memory',
            'containers[0].env[4].valueFrom.resourceFieldRef.divisor: "0" is not a positive quantity: write e.g. "1m" or "1Mi"',
            'containers[0].env[5].valueFrom.resourceFieldRef.resource: limits.memory of "app" is not set: give the container or the pod resources.limits.memory',
            'containers[0].env[6].valueFrom.resourceFieldRef.containerName: "nope" is not a container of the pod',
            "containers[0].env[7].valueFrom.fieldRef.fieldPath: status.podIP is not known with hostNetwork: the pod has the host's addresses; pass the address as a value",
        ]);
    });
});

describe("downward API: manifests", () => {
    test("written as valueFrom, read back as the same pod", async () => {
        const text = (await valueOf(manifestFromArgs("web", args)))!;
        const env = YAML.parse(text).spec.containers[0].env;
        expect(env[0]).toEqual({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
        expect(env[10]).toEqual({ name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } });
        const back = podArgsFromManifest(text, { host: args.host });
        expect(back.warnings).toEqual([]);
        expect(checkPod(back.name, back.args)).toEqual(checkPod("web", args));
    });

    test('kubectl\'s form reads: fieldRef with apiVersion v1, an unset divisor as "0"', () => {
        const manifest = `apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  containers:
    - name: app
      image: busybox
      resources: { limits: { cpu: 500m } }
      env:
        - name: POD_NAME
          valueFrom: { fieldRef: { apiVersion: v1, fieldPath: metadata.name } }
        - name: CPU
          valueFrom: { resourceFieldRef: { containerName: app, divisor: "0", resource: limits.cpu } }
`;
        const { args: read } = podArgsFromManifest(manifest, { host: { cgroupDriver: "cgroupfs" } });
        expect(read.containers![0].env).toEqual([
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu", containerName: "app" } } },
        ]);
        expect(checkPod("web", read).containers[0].env.map((e) => e.value)).toEqual(["web", "1"]);
    });
});
