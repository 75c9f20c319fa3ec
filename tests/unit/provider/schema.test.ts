import * as fs from "fs";
import * as path from "path";
import { components } from "../../../provider/components";
import { packageName } from "../../../provider/schema";
import { integerFields, inferSchema, withIntegers } from "../../../provider/infer";

const PROVIDER = path.join(__dirname, "../../../provider");

// The schema other languages see is inferred from the TypeScript source: this
// guards the public Args against drifting out of what the schema can express.
describe("component provider schema", () => {
    let schema: any;
    beforeAll(async () => {
        schema = await inferSchema(PROVIDER, packageName, components);
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
        expect(types["dockerpod:index:Host"].properties.cgroupDriver.$ref).toBe("#/types/dockerpod:index:CgroupDriver");
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

    test("no type is named ...Args: the SDKs of other languages add that suffix themselves (Python and Go get HostArgs, not HostArgsArgs)", () => {
        expect(Object.keys(schema.types).filter((token) => /Args$/.test(token))).toEqual([]);
    });

    test("whole numbers are integers (int in Python and Go): no field is a float", () => {
        const numeric: string[] = [];
        const visit = (where: string, properties: Record<string, any> = {}) => {
            for (const [name, prop] of Object.entries<any>(properties)) {
                let item = prop;
                while (item.type === "array") item = item.items;
                if (item.type === "number" || item.type === "integer") numeric.push(`${where}.${name}: ${item.type}`);
            }
        };
        for (const [token, type] of Object.entries<any>(schema.types)) visit(token, type.properties);
        for (const [token, resource] of Object.entries<any>(schema.resources)) visit(token, resource.inputProperties);
        expect(numeric.filter((field) => field.endsWith(": number"))).toEqual([]);
        expect(numeric).toEqual(
            expect.arrayContaining([
                "dockerpod:index:ContainerPort.containerPort: integer",
                "dockerpod:index:ContainerPort.hostPort: integer",
                "dockerpod:index:Probe.periodSeconds: integer",
                "dockerpod:index:SecurityContext.runAsUser: integer",
                "dockerpod:index:ContainerFile.mode: integer",
                "dockerpod:index:SshConnection.port: integer",
                "dockerpod:index:DockerPod.terminationGracePeriodSeconds: integer",
                "dockerpod:index:PayloadContainer.terminationGracePeriodSeconds: integer",
            ]),
        );
    });

    test("the schema `npm run build` ships (bin/provider/schema.json) is the one the source gives", () => {
        const built = path.join(__dirname, "../../../bin/provider/schema.json");
        if (!fs.existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
        expect(JSON.parse(fs.readFileSync(built, "utf8"))).toEqual(schema);
    });
});

describe("Integer fields in the schema", () => {
    const source = `
        export type Integer = number;
        export interface Port { containerPort: Integer; hostIP?: string; weight?: number }
        export interface SshConnection { port?: pulumi.Input<Integer>; hosts?: Integer[] }
        export interface DockerPodArgs { terminationGracePeriodSeconds?: Integer }
        export interface Unused { count: Integer }
    `;

    test("are read from the declared type, through pulumi.Input and lists", () => {
        expect(Object.fromEntries(integerFields("types.ts", source))).toEqual({
            Port: ["containerPort"],
            SshConnection: ["port", "hosts"],
            DockerPodArgs: ["terminationGracePeriodSeconds"],
            Unused: ["count"],
        });
    });

    test("become integer in the types and the resources' inputs; a plain number stays a number", () => {
        const schema = {
            name: "p",
            resources: { "p:index:DockerPod": { inputProperties: { terminationGracePeriodSeconds: { type: "number" } } } },
            types: {
                "p:index:Port": { properties: { containerPort: { type: "number" }, weight: { type: "number" } } },
                "p:index:SshConnection": { properties: { port: { type: "number" }, hosts: { type: "array", items: { type: "number" } } } },
            },
        };
        const result = withIntegers(schema, integerFields("types.ts", source));
        expect(result.resources["p:index:DockerPod"].inputProperties!.terminationGracePeriodSeconds.type).toBe("integer");
        expect(result.types["p:index:Port"].properties).toEqual({ containerPort: { type: "integer" }, weight: { type: "number" } });
        expect(result.types["p:index:SshConnection"].properties!.hosts).toEqual({ type: "array", items: { type: "integer" } });
    });

    test("a field declared Integer that the schema does not type as a number stops the build", () => {
        const schema = { name: "p", resources: {}, types: { "p:index:Port": { properties: { containerPort: { type: "string" } } } } };
        expect(() => withIntegers(schema, integerFields("types.ts", source))).toThrow(/Port\.containerPort is declared Integer/);
    });
});
