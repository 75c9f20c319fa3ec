// The seed pod from Pulumi YAML, Python and Go, through the component
// provider, the real CLI and each language's real host, where users type it:
// the two commands of the example's README, as written (`npm run pulumi` for
// `pulumi`), in its folder. Each starts as a fresh clone does: what
// `pulumi install` makes (the generated SDK, the virtualenv) is removed first.
//
// Then the mistakes users make, each in a stack of its own that `up` must not
// touch: a field of the wrong type, an enum value the schema lacks, a missing
// required field (each in the words of whichever checks first: the YAML type
// checker, Python, the Go compiler, or the component), and a pod the
// component refuses, which must read as it does from TypeScript: the same
// field path and fix, no JavaScript stack trace.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkPod } from "../../sdk/core/pod";
import { PodSpecError } from "../../sdk/core/errors";
import { ROOT, npmPulumi, npmPulumiOk, seedPodConfig } from "../support/examples";
import { existingCgroupDirs } from "../support/inspect";
import { freePort, httpGet, podObjects, requireEngine } from "./helpers";

jest.setTimeout(900_000);

/** A change to the example's program, and what the failed preview must say. */
interface Mistake {
    from: string;
    to: string;
    says: RegExp[];
}

interface Language {
    folder: string;
    /** The program file the mistakes are made in. */
    program: string;
    project: string;
    /** What `pulumi install` makes, removed first. */
    generated: string[];
    wrongType: Mistake;
    unknownEnum: Mistake;
    missingRequired: Mistake;
    /** A container name the component refuses (Side_Car): it must read as from TypeScript. */
    refusedByComponent: Omit<Mistake, "says">;
}

/** The component's own words for the refused pod below, as a TypeScript program gets them. */
function refusalFromTypeScript(): string {
    try {
        checkPod("foo", {
            containers: [
                { name: "app", image: "a" },
                { name: "Side_Car", image: "b" },
            ],
        });
    } catch (error) {
        const problem = (error as PodSpecError).problems.find((p) => p.path === "containers[1].name");
        if (problem) return `containers[1].name: ${problem.message}`;
    }
    throw new Error("checkPod accepted a container named Side_Car");
}
const REFUSAL = refusalFromTypeScript();

const LANGUAGES: [string, Language][] = [
    [
        "YAML",
        {
            folder: "examples/yaml",
            program: "Pulumi.yaml",
            project: "dockerpod-yaml",
            generated: [],
            wrongType: {
                from: "hostPort: ${hostPort}",
                to: "hostPort: eighty",
                says: [
                    /ports: Cannot assign .* to 'List<dockerpod:index:ContainerPort>'/,
                    /hostPort: Cannot assign type 'string' to type 'integer'/,
                ],
            },
            unknownEnum: {
                from: "cgroupDriver: ${cgroupDriver}",
                to: "cgroupDriver: systemdd",
                says: [
                    /cgroupDriver: Cannot assign type 'string' to type 'dockerpod:index:CgroupDriver'/,
                    /Allowed values are Systemd \("systemd"\), Cgroupfs \("cgroupfs"\)/,
                ],
            },
            missingRequired: {
                from: "- name: sidecar\n          image:",
                to: "- image:",
                says: [/name: Missing required property 'name'/],
            },
            refusedByComponent: { from: "- name: sidecar", to: "- name: Side_Car" },
        },
    ],
    [
        "Python",
        {
            folder: "examples/python",
            program: "__main__.py",
            project: "dockerpod-python",
            generated: ["sdks", "venv"],
            wrongType: {
                from: "container_port=80",
                to: 'container_port="eighty"',
                says: [/containers\[0\]\.ports\[0\]\.containerPort: must be a whole number from 1 to 65535, got "eighty"/],
            },
            unknownEnum: {
                from: 'or "systemd"',
                to: 'or "systemdd"',
                says: [/host\.cgroupDriver: "systemdd" is not one of "systemd", "cgroupfs"/],
            },
            missingRequired: {
                from: 'name="sidecar",\n',
                to: "",
                says: [/TypeError: ContainerArgs.__init__\(\) missing 1 required keyword-only argument: 'name'/],
            },
            refusedByComponent: { from: 'name="sidecar"', to: 'name="Side_Car"' },
        },
    ],
    [
        "Go",
        {
            folder: "examples/go",
            program: "main.go",
            project: "dockerpod-go",
            generated: ["sdks"],
            wrongType: {
                from: "ContainerPort: 80,",
                to: 'ContainerPort: "eighty",',
                says: [/cannot use "eighty" \(untyped string constant\) as int value in struct literal/],
            },
            unknownEnum: {
                from: "string(dockerpod.CgroupDriverSystemd)",
                to: '"systemdd"',
                says: [/host\.cgroupDriver: "systemdd" is not one of "systemd", "cgroupfs"/],
            },
            missingRequired: {
                // Go has no missing field: a plain string left out is "", which the component refuses.
                from: 'Name:      "sidecar",\n',
                to: "",
                says: [/containers\[1\]\.name: "" is not a valid container name: use a DNS-1123 label/],
            },
            refusedByComponent: { from: 'Name:      "sidecar"', to: 'Name:      "Side_Car"' },
        },
    ],
];

const backend = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-languages-"));
beforeAll(requireEngine);
afterAll(() => fs.rmSync(backend, { recursive: true, force: true }));

describe.each(LANGUAGES)("the seed pod from %s", (_language, lang) => {
    const dir = path.join(ROOT, lang.folder);
    const programFile = path.join(dir, lang.program);
    const original = fs.readFileSync(programFile, "utf8");
    const run = (args: string[]) => npmPulumi(dir, [...args, "--color", "never"], backend);
    const ok = (args: string[]) => npmPulumiOk(dir, [...args, "--color", "never"], backend);
    const config = (stack: string, port: number, cgroupDriver: boolean) => {
        for (const [key, value] of Object.entries(seedPodConfig(port, { cgroupDriver })))
            ok(["config", "set", "--stack", stack, key, value]);
    };

    beforeAll(() => {
        for (const generated of lang.generated) fs.rmSync(path.join(dir, generated), { recursive: true, force: true });
    });
    afterAll(() => {
        fs.writeFileSync(programFile, original);
        for (const stack of ["dev", "mistakes"]) {
            run(["destroy", "--yes", "--stack", stack]);
            run(["stack", "rm", "--yes", "--stack", stack]);
        }
    });

    test("the README's set-up and up serve the page; preview and refresh find nothing to change; destroy leaves nothing", async () => {
        const [setUp, up] = readmeCommands(path.join(dir, "README.md"));
        expect(setUp.map((args) => args[0])).toEqual(["install", "stack"]);
        for (const args of setUp) ok(args);
        const port = await freePort();
        config("dev", port, true);
        expect(up).toEqual([["up", "--yes"]]);
        const output = ok(up[0]);
        expect(output).toContain(`${lang.project}-dev`);
        expect(output).toMatch(/\+ 13 created/);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "hello from dockerpod\n" });
        ok(["preview", "--expect-no-changes", "--stack", "dev"]);
        ok(["refresh", "--yes", "--expect-no-changes", "--stack", "dev"]);
        ok(["preview", "--expect-no-changes", "--stack", "dev"]);
        ok(["destroy", "--yes", "--stack", "dev"]);
        const left = await podObjects("foo");
        expect([left.containers, left.volumes, existingCgroupDirs("/dockerpod/foo")]).toEqual([[], [], []]);
    });

    describe("a mistake fails `up` at preview, in the words of what checks first, and creates nothing", () => {
        beforeAll(async () => {
            ok(["stack", "init", "mistakes"]);
            // No cgroupDriver: the programs' own default (which the enum mistake changes) is used.
            config("mistakes", await freePort(), false);
        });
        afterEach(() => fs.writeFileSync(programFile, original));

        const mistakes: [string, Mistake][] = [
            ["a field of the wrong type", lang.wrongType],
            ["an unknown enum value", lang.unknownEnum],
            ["a missing required field", lang.missingRequired],
            // The component's checks cross the provider as an InputPropertiesError: field by field, as from TypeScript.
            [
                "a pod the component refuses: the same path and fix as from TypeScript",
                { ...lang.refusedByComponent, says: [literal(REFUSAL)] },
            ],
        ];
        test.each(mistakes)("%s", async (_name, mistake) => {
            const changed = original.replace(mistake.from, mistake.to);
            expect(changed).not.toEqual(original);
            fs.writeFileSync(programFile, changed);
            const r = run(["up", "--yes", "--stack", "mistakes"]);
            expect(r.code).not.toBe(0);
            for (const says of mistake.says) expect(r.out).toMatch(says);
            // No JavaScript stack trace from the provider.
            expect(r.out).not.toMatch(/^\s+at .*\.(js|ts):\d+:\d+\)?$/m);
            expect(r.out).not.toMatch(/\d+ created/);
            const left = await podObjects("foo");
            expect([left.containers, left.volumes, existingCgroupDirs("/dockerpod/foo")]).toEqual([[], [], []]);
        });
    });
});

/**
 * The README's two commands (its first `sh` block: set-up, then up), each a
 * list of `pulumi` invocations joined by `&&`, as argument lists.
 */
function readmeCommands(readme: string): string[][][] {
    const block = /```sh\n([\s\S]*?)```/.exec(fs.readFileSync(readme, "utf8"));
    if (!block) throw new Error(`${readme} has no sh block`);
    const lines = block[1]
        .split("\n")
        .map((line) => line.replace(/\s+#.*$/, "").trim())
        .filter(Boolean);
    expect(lines).toHaveLength(2);
    return lines.map((line) =>
        line.split("&&").map((part) => {
            const [cli, ...args] = part.trim().split(/\s+/);
            expect(cli).toBe("pulumi");
            return args;
        }),
    );
}

/** A RegExp that matches `text` as it is. */
function literal(text: string): RegExp {
    return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}
