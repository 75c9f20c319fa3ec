// Every required field of the schema, given `null` (YAML's null, Python's
// None, Go's nil, JavaScript's null), is refused at its own path as a missing
// one is, and nothing else is reported: the Kubernetes API server treats an
// explicit null in a required field as the field left out. The fields come
// from the component provider's schema (inferred from sdk/types.ts), so a new
// required field is covered without touching this test; the pod below must
// reach each of them (the test fails on one it does not reach).
import * as path from "path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { components } from "../../../provider/components";
import { packageName } from "../../../provider/schema";
import { PodSpecError } from "../../../sdk";
import { Problems } from "../../../sdk/core/errors";
import { checkPod } from "../../../sdk/core/pod";
import { checkPayloadArgs } from "../../../sdk/core/container";
import { checkSandboxArgs } from "../../../sdk/core/sandbox";
import { checkPodSliceArgs } from "../../../sdk/core/slice";
import { DockerPodArgs } from "../../../sdk/types";

/** A pod that reaches every object type of the schema that has required fields, and passes the checks. */
function everyType(): DockerPodArgs {
    return {
        heal: true,
        host: { cgroupDriver: "cgroupfs", connection: { host: "pods.example.com" }, sudo: true },
        volumes: [
            { name: "scratch", emptyDir: {} },
            { name: "data", hostPath: { path: "/srv/data" } },
        ],
        networks: [{ name: "backend" }],
        dnsConfig: { options: [{ name: "ndots", value: "2" }] },
        hostAliases: [{ ip: "10.0.0.1", hostnames: ["db"] }],
        containers: [
            {
                name: "app",
                image: "busybox:1",
                command: ["sh", "-c", "exec httpd -f -p 80"],
                env: [
                    { name: "PLAIN", value: "x" },
                    { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                    { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } },
                ],
                ports: [{ containerPort: 80 }],
                resources: { limits: { memory: "64Mi" } },
                volumeMounts: [
                    { name: "scratch", mountPath: "/scratch" },
                    { name: "data", mountPath: "/data" },
                ],
                files: [{ path: "/etc/app.conf", content: "a=1\n" }],
                readinessProbe: { httpGet: { port: 80 } },
                startupProbe: { tcpSocket: { port: 80 } },
                livenessProbe: { exec: { command: ["true"] } },
                lifecycle: { postStart: { sleep: { seconds: 1 } }, preStop: { exec: { command: ["true"] } } },
            },
        ],
    };
}

interface Case {
    /** Property path of the field, as the checks report it. */
    at: string;
    /** `type.field` in the schema. */
    field: string;
}

const refOf = (def: any): string | undefined => (def?.$ref ?? def?.items?.$ref ?? def?.additionalProperties?.$ref)?.replace("#/types/", "");

/** Walks the value beside the schema: every required field present in it is a case. */
function cases(schema: any, token: string, value: any, at: string, found: Case[]): void {
    const type = schema.types[token] ?? { properties: schema.resources[token]?.inputProperties, required: [] };
    for (const field of type.required ?? []) {
        if (value[field] !== undefined) found.push({ at: at ? `${at}.${field}` : field, field: `${token}.${field}` });
    }
    for (const [name, def] of Object.entries<any>(type.properties ?? {})) {
        const ref = refOf(def);
        const v = value[name];
        if (!ref || !schema.types[ref]?.properties || v === undefined || v === null) continue;
        const here = at ? `${at}.${name}` : name;
        if (Array.isArray(v)) v.forEach((item, i) => cases(schema, ref, item, `${here}[${i}]`, found));
        else cases(schema, ref, v, here, found);
    }
}

/** Every `type.field` that is required and reachable from `token`. */
function requiredReachable(schema: any, token: string, seen = new Set<string>(), out = new Set<string>()): Set<string> {
    if (seen.has(token)) return out;
    seen.add(token);
    const type = schema.types[token] ?? { properties: schema.resources[token]?.inputProperties };
    for (const field of type.required ?? []) out.add(`${token}.${field}`);
    for (const def of Object.values<any>(type.properties ?? {})) {
        const ref = refOf(def);
        if (ref && schema.types[ref]?.properties) requiredReachable(schema, ref, seen, out);
    }
    return out;
}

function withNull(args: any, at: string): any {
    const copy = structuredClone(args);
    const keys = at.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "");
    let node = copy;
    for (const k of keys.slice(0, -1)) node = node[k];
    node[keys[keys.length - 1]] = null;
    return copy;
}

function problemsOf(check: () => unknown): string[] {
    try {
        check();
        return [];
    } catch (err) {
        if (!(err instanceof PodSpecError)) throw err;
        return err.problems.map((p) => p.path);
    }
}

let schema: any;
beforeAll(async () => {
    const provider = new ComponentProvider({ name: packageName, dirname: path.join(__dirname, "../../../provider"), components });
    schema = JSON.parse(await provider.getSchema());
}, 120_000);

describe("a DockerPod's required fields given null", () => {
    test("the pod reaches every required field of the schema, and passes as it is", () => {
        const found: Case[] = [];
        cases(schema, "dockerpod:index:DockerPod", everyType(), "", found);
        expect(new Set(found.map((c) => c.field))).toEqual(requiredReachable(schema, "dockerpod:index:DockerPod"));
        expect(problemsOf(() => checkPod("p", everyType()))).toEqual([]);
    });

    test("each is refused at its own path, and only there", () => {
        const found: Case[] = [];
        cases(schema, "dockerpod:index:DockerPod", everyType(), "", found);
        expect(found.length).toBeGreaterThan(15);
        const wrong = found
            .map((c) => ({ at: c.at, reported: problemsOf(() => checkPod("p", withNull(everyType(), c.at))) }))
            .filter((r) => r.reported.length !== 1 || r.reported[0] !== r.at);
        expect(wrong).toEqual([]);
    });
});

describe("the parts' required inputs given null", () => {
    const check = (f: (problems: Problems) => void) => () => {
        const problems = new Problems();
        f(problems);
        problems.throwIfAny("part");
    };
    const parts: [string, any, (problems: Problems, args: any) => unknown][] = [
        ["dockerpod:index:PodSlice", { podName: "web", host: { cgroupDriver: "cgroupfs" } }, checkPodSliceArgs],
        ["dockerpod:index:SandboxContainer", { podName: "web", cgroupParent: "/dockerpod/web" }, checkSandboxArgs],
        [
            "dockerpod:index:PayloadContainer",
            { podName: "web", cgroupParent: "/dockerpod/web", sandboxId: "0123abc", container: { name: "app", image: "busybox:1" } },
            checkPayloadArgs,
        ],
    ];
    test.each(parts)("%s", (token, args, checkArgs) => {
        expect(problemsOf(check((p) => checkArgs(p, args)))).toEqual([]);
        const required = schema.resources[token].requiredInputs as string[];
        expect(required.length).toBeGreaterThan(0);
        for (const field of required) {
            expect([field, problemsOf(check((p) => checkArgs(p, { ...args, [field]: null })))]).toEqual([field, [field]]);
        }
    });
});
