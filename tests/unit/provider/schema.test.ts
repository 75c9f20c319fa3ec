import * as path from "path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { components, packageName } from "../../../provider/components";

// The schema other languages see is inferred from the TypeScript source: this
// guards the public Args against drifting out of what the schema can express.
describe("component provider schema", () => {
    let schema: any;
    beforeAll(async () => {
        const provider = new ComponentProvider({ name: packageName, dirname: path.join(__dirname, "../../../provider"), components });
        schema = JSON.parse(await provider.getSchema());
    }, 120_000);

    test("lists the four tokens", () => {
        expect(Object.keys(schema.resources).sort()).toEqual([
            "dockerpod:index:DockerPod",
            "dockerpod:index:PayloadContainer",
            "dockerpod:index:PodSlice",
            "dockerpod:index:SandboxContainer",
        ]);
        for (const r of Object.values<any>(schema.resources)) expect(r.isComponent).toBe(true);
    });

    test("DockerPod inputs and outputs are documented", () => {
        const pod = schema.resources["dockerpod:index:DockerPod"];
        expect(pod.requiredInputs ?? []).toEqual([]); // containers, or a manifest
        for (const field of [
            "manifest",
            "containers",
            "initContainers",
            "volumes",
            "hostname",
            "shareProcessNamespace",
            "hostNetwork",
            "hostIPC",
            "hostPID",
            "restartPolicy",
            "terminationGracePeriodSeconds",
            "resources",
            "labels",
            "podName",
            "sandboxImage",
            "host",
        ]) {
            expect(pod.inputProperties[field]).toBeDefined();
            expect(pod.inputProperties[field].description).toEqual(expect.any(String));
        }
        expect(Object.keys(pod.properties).sort()).toEqual(["cgroupParent", "containerIds", "manifest", "podName", "sandboxId", "summary"]);
    });

    test("nested types are named, documented objects and enums", () => {
        const types = schema.types;
        expect(types["dockerpod:index:Container"].properties.image.description).toMatch(/Image reference/);
        expect(types["dockerpod:index:HostArgs"].properties.cgroupDriver.$ref).toBe("#/types/dockerpod:index:CgroupDriver");
        const values = (token: string) => types[token].enum.map((e: any) => e.value).sort();
        expect(values("dockerpod:index:CgroupDriver")).toEqual(["cgroupfs", "systemd"]);
        expect(values("dockerpod:index:RestartPolicy")).toEqual(["Always", "Never", "OnFailure"]);
        expect(values("dockerpod:index:ImagePullPolicy")).toEqual(["Always", "IfNotPresent", "Never"]);
        expect(values("dockerpod:index:Protocol")).toEqual(["TCP", "UDP"]);
        for (const [token, type] of Object.entries<any>(types)) {
            if (type.type !== "object") continue;
            for (const [name, prop] of Object.entries<any>(type.properties)) {
                expect([token, name, typeof prop.description]).toEqual([token, name, "string"]);
            }
        }
    });

    test("the lower-level components take their documented args", () => {
        const payload = schema.resources["dockerpod:index:PayloadContainer"];
        expect(payload.requiredInputs.sort()).toEqual(["cgroupParent", "container", "podName", "sandboxId"]);
        expect(schema.resources["dockerpod:index:PodSlice"].properties.cgroupParent).toBeDefined();
        expect(schema.resources["dockerpod:index:SandboxContainer"].properties.containerId).toBeDefined();
    });
});
