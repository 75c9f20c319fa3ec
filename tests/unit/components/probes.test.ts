// httpGet and tcpSocket probes: run from a prober container in the pod's
// network namespace, so the app's image needs no shell, wget or nc.
import * as YAML from "yaml";
import { DockerPod, PodSpecError } from "../../../sdk";
import { renderGuardianScript } from "../../../sdk/core/guardian";
import { manifestFromArgs, podArgsFromManifest } from "../../../sdk/core/manifest";
import { checkPod } from "../../../sdk/core/pod";
import { DockerPodArgs } from "../../../sdk/types";
import { RecordingMocks } from "../../support/mocks";
import { customNamed, runProgram, valueOf } from "../../support/program";

const args: DockerPodArgs = {
    host: { cgroupDriver: "cgroupfs" },
    proberImage: "busybox:1.37",
    heal: true,
    containers: [
        {
            name: "web",
            image: "static:1",
            readinessProbe: { httpGet: { path: "/healthz?full=1", port: 8080 }, periodSeconds: 2, timeoutSeconds: 3 },
            livenessProbe: { tcpSocket: { port: 8080 }, failureThreshold: 2 },
        },
        { name: "plain", image: "busybox", readinessProbe: { exec: { command: ["true"] } } },
    ],
};

describe("httpGet and tcpSocket probes", () => {
    test("the app has no healthcheck; its prober, in the pod's network, has the readiness probe and is waited for", async () => {
        const mocks = new RecordingMocks();
        const { registrations, errors } = await runProgram(mocks, (transformations) => new DockerPod("foo", args, { transformations }));
        expect(errors).toEqual([]);
        expect(mocks.inputsOf("foo-web")).not.toHaveProperty("healthcheck");
        expect(mocks.inputsOf("foo-web")).not.toHaveProperty("wait");
        expect(mocks.inputsOf("foo-web.probe-image")).toEqual({ name: "busybox:1.37", keepLocally: true });
        const prober = mocks.inputsOf("foo-web.probe");
        expect(prober).toMatchObject({
            name: "foo_web.probe",
            networkMode: "container:foo-sandbox-id",
            cgroupParent: "/dockerpod/foo",
            memory: 16,
            healthcheck: {
                tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz?full=1"],
                interval: "2s",
                timeout: "3s",
                retries: 3,
            },
            wait: true,
        });
        expect(prober).not.toHaveProperty("ipcMode");
        expect(prober.labels).toContainEqual({ label: "dockerpod.role", value: "prober" });
        const deps = (await valueOf(customNamed(registrations, "foo-web.probe").opts.dependsOn as any)) as any[];
        expect(deps.map((d) => d.__name)).toEqual(["foo-web"]);
        // An exec probe stays the container's own healthcheck, with no prober.
        expect(mocks.inputsOf("foo-plain").healthcheck.tests).toEqual(["CMD", "true"]);
        expect(mocks.created.map((r) => r.name)).not.toContain("foo-plain.probe");
    });

    test("the guardian runs a tcpSocket liveness probe in the prober", () => {
        const script = renderGuardianScript(checkPod("foo", args));
        expect(script).toContain("docker exec -- foo_web.probe 'sh' '-c' 'nc -w 1 127.0.0.1 8080 </dev/null'");
    });

    test("bad probes are refused by path", () => {
        let problems: string[] = [];
        try {
            checkPod("foo", {
                proberImage: "UPPER",
                containers: [
                    {
                        name: "a",
                        image: "x",
                        readinessProbe: { httpGet: { port: 0, path: "no slash", scheme: "HTTPS" } },
                        livenessProbe: { exec: { command: ["true"] }, tcpSocket: { port: 80 } },
                    },
                ],
                heal: true,
            });
        } catch (error) {
            problems = (error as PodSpecError).problems.map((p) => p.path);
        }
        expect(problems).toEqual([
            "containers[0].readinessProbe.httpGet.port",
            "containers[0].readinessProbe.httpGet.path",
            "containers[0].readinessProbe.httpGet.scheme",
            "containers[0].livenessProbe",
            "proberImage",
        ]);
    });

    test("manifests carry httpGet and tcpSocket both ways; kubectl's scheme: HTTP is read", async () => {
        const text = (await valueOf(manifestFromArgs("foo", args)))!;
        const web = YAML.parse(text).spec.containers[0];
        expect(web.readinessProbe.httpGet).toEqual({ port: 8080, path: "/healthz?full=1" });
        expect(web.livenessProbe.tcpSocket).toEqual({ port: 8080 });
        const back = podArgsFromManifest(text, { host: args.host, proberImage: args.proberImage, heal: true });
        expect(back.warnings).toEqual([]);
        expect(checkPod(back.name, back.args)).toEqual(checkPod("foo", args));
        const kubectl = podArgsFromManifest(
            `apiVersion: v1
kind: Pod
metadata: { name: foo }
spec:
  containers:
    - name: web
      image: static:1
      readinessProbe: { httpGet: { path: /, port: 8080, scheme: HTTP } }
`,
            { host: args.host },
        );
        expect(kubectl.warnings.join()).toContain("spec.containers[0].readinessProbe.httpGet.scheme");
        expect(kubectl.args.containers![0].readinessProbe).toEqual({ httpGet: { path: "/", port: 8080 } });
    });
});
