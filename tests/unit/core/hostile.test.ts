// Hostile values in every field that reaches a host script, a unit file or a
// command line. Each value is either refused at preview (a PodSpecError with
// the field's path, quickly) or accepted; an accepted one is rendered into
// every script the pod would run, and each script runs with stand-in
// commands (docker, systemctl, tee, rm, ...) that only log their arguments.
// Against two benign values of the same field, the hostile run must make the
// same commands with the same number of arguments, and every argument that
// does not carry the field must be exactly the same: the value never becomes
// a command, an option or a part of another field's argument.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PodSpecError } from "../../../sdk";
import { renderImageUserCheck, renderSliceScripts, renderVolumeModes } from "../../../sdk/core/render";
import { renderStartScript, renderStopScript } from "../../../sdk/core/hooks";
import { renderGuardianScript } from "../../../sdk/core/guardian";
import { PodSpec, checkPod, podPayloads } from "../../../sdk/core/pod";
import { Container, DockerPodArgs } from "../../../sdk/types";

const HOSTILE = [
    "a;rm -rf /",
    "$(id)",
    "`id`",
    "a\nb",
    "a\rb",
    "%n%p%s",
    "-rf",
    "--help",
    "-",
    "a b",
    "a'b",
    'a"b',
    "a\\b",
    "..",
    "../etc",
    "*",
    "?",
    "a\0b",
    "é",
    "a".repeat(300),
    "",
    "A",
    "a-",
    "-a",
    "a--b",
    "1000",
    "a.b",
    "x.slice",
    "$HOME",
    "a|b",
    "a&b",
    "a>b",
    "<a",
    "{a,b}",
    "~",
    "#a",
    "a=b",
    "\ta",
    "a\u202eb",
    "user",
    "system",
    "-.slice",
    "/",
    "/a b",
    "/a;b",
    "/$(id)",
    "/a\nb",
    "/-x",
    "/%n",
    "/..",
    "/a/../b",
    "/" + "s".repeat(200),
    "user.slice",
    "system-getty.slice",
    "/kubepods",
    "/kubepods/besteffort",
    "--",
    "-H",
    "unix:///x",
    "a:b",
    "a@b",
    "registry:5000/a:b",
];

const STUBS = [
    "docker",
    "systemctl",
    "sudo",
    "id",
    "tee",
    "mkdir",
    "rm",
    "rmdir",
    "dirname",
    "chmod",
    "grep",
    "sed",
    "head",
    "timeout",
    "sleep",
    "date",
    "tail",
];

/** A folder of stand-in commands: each logs its name and arguments (NUL between, RS after) and answers plausibly. */
function stubDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-hostile-"));
    const stub =
        [
            "#!/bin/sh",
            "name=${0##*/}",
            `{ printf '%s' "$name"; for a in "$@"; do printf '\\000%s' "$a"; done; printf '\\036'; } >> "$FUZZ_LOG"`,
            'case "$name" in',
            '  id) if [ "$1" = -u ]; then echo 0; else echo root; fi ;;',
            '  docker) case " $* " in *" info "*) echo "$FUZZ_DRIVER" ;; *" volume inspect "*) echo /nonexistent/volume ;; *" image inspect "*) echo 1000 ;;',
            "    *Health.Status*) echo healthy ;; *State.Running*) echo true ;; esac ;;",
            "  date) echo 0 ;;",
            '  systemctl) case " $* " in *" ActiveState "*) echo inactive ;; esac ;;',
            '  dirname) p=$1; echo "${p%/*}" ;;',
            "  tee) while read -r _; do :; done ;;",
            "  grep) exit 1 ;;",
            "esac",
            "exit 0",
        ].join("\n") + "\n";
    fs.writeFileSync(path.join(dir, "stub"), stub, { mode: 0o755 });
    for (const name of STUBS) fs.symlinkSync(path.join(dir, "stub"), path.join(dir, name));
    return dir;
}

const stubs = stubDir();
afterAll(() => fs.rmSync(stubs, { recursive: true, force: true }));

/** The commands a script ran: each as its argv. */
function runScript(script: string, driver: string): string[][] {
    const log = path.join(stubs, `log-${process.hrtime.bigint()}`);
    fs.writeFileSync(log, "");
    const result = spawnSync("/bin/sh", ["-c", script], {
        encoding: "utf8",
        env: { PATH: stubs, FUZZ_LOG: log, FUZZ_DRIVER: driver },
        timeout: 10_000,
    });
    const text = fs.readFileSync(log, "utf8");
    fs.rmSync(log);
    if (result.status !== 0) throw new Error(`script failed (${result.status}): ${result.stderr}\n${script}`);
    return text
        .split("\u001e")
        .filter((r) => r !== "")
        .map((r) => r.split("\0"));
}

/** Every script a checked pod would run on its host. */
function scriptsOf(spec: PodSpec): string[] {
    const slice = renderSliceScripts(spec.slice, `project/stack/${spec.podName}`);
    const sudo = spec.slice.host.sudo;
    const socket = spec.slice.host.dockerSocket;
    const emptyDirs = spec.volumes.filter((v) => v.type === "volume").map((v) => v.source);
    return [
        slice.apply,
        slice.delete,
        ...(emptyDirs.length ? [renderVolumeModes(emptyDirs, sudo, socket)] : []),
        ...spec.containers.map((c) => renderImageUserCheck(c.dockerName, c.image as string, sudo, socket)),
        ...podPayloads(spec).flatMap((p) => [renderStartScript(p), ...(p.container.lifecycle.preStop ? [renderStopScript(p)] : [])]),
    ];
}

type Field = { name: string; benign: [string, string]; args: (value: string) => DockerPodArgs };

const base = (driver: "systemd" | "cgroupfs", extra: Partial<DockerPodArgs> = {}): DockerPodArgs => ({
    host: { cgroupDriver: driver },
    resources: { limits: { memory: "64Mi", cpu: "500m" } },
    volumes: [{ name: "data", emptyDir: {} }],
    containers: [
        {
            name: "app",
            image: "busybox:1",
            securityContext: { runAsNonRoot: true },
            volumeMounts: [{ name: "data", mountPath: "/data" }],
            ...hooked("ready"),
        },
    ],
    ...extra,
});

/** A startup probe, a readiness probe and both hooks, each carrying `value`: every line of the hooks scripts runs. */
function hooked(value: string): Partial<Container> {
    return {
        startupProbe: { exec: { command: ["check", value] } },
        readinessProbe: { exec: { command: ["ready", value] } },
        lifecycle: { postStart: { exec: { command: ["configure", value] } }, preStop: { exec: { command: ["drain", value] } } },
    };
}

const FIELDS: Field[] = (["systemd", "cgroupfs"] as const).flatMap((driver): Field[] => [
    { name: `${driver}: podName`, benign: ["fuzza", "fuzzb"], args: (v) => ({ ...base(driver), podName: v }) },
    {
        name: `${driver}: host.parentSlice`,
        benign: driver === "systemd" ? ["fuzzp.slice", "fuzzq.slice"] : ["/fuzzp", "/fuzzq"],
        args: (v) => ({ ...base(driver), host: { cgroupDriver: driver, parentSlice: v } }),
    },
    {
        name: `${driver}: host.dockerSocket (with sudo)`,
        benign: ["/run/fuzz-a.sock", "/run/fuzz-b.sock"],
        args: (v) => ({ ...base(driver), host: { cgroupDriver: driver, dockerSocket: v, sudo: true } }),
    },
    {
        name: `${driver}: volumes[0].name`,
        benign: ["vola", "volb"],
        args: (v) => ({
            ...base(driver),
            volumes: [{ name: v, emptyDir: {} }],
            containers: [{ name: "app", image: "busybox:1", volumeMounts: [{ name: v, mountPath: "/data" }] }],
        }),
    },
    {
        name: `${driver}: containers[0].name`,
        benign: ["appa", "appb"],
        args: (v) => ({ ...base(driver), containers: [{ name: v, image: "busybox:1", securityContext: { runAsNonRoot: true } }] }),
    },
    {
        name: `${driver}: hook and probe commands`,
        benign: ["arga", "argb"],
        args: (v) => ({ ...base(driver), containers: [{ name: "app", image: "busybox:1", ...hooked(v) }] }),
    },
    {
        name: `${driver}: containers[0].image`,
        benign: ["imga:1", "imgb:2"],
        args: (v) => ({ ...base(driver), containers: [{ name: "app", image: v, securityContext: { runAsNonRoot: true } }] }),
    },
]);

describe.each(FIELDS)("hostile values in $name", (field) => {
    const driver = field.name.startsWith("systemd") ? "systemd" : "cgroupfs";
    const runsOf = (value: string) => scriptsOf(checkPod("fuzz", field.args(value))).map((s) => runScript(s, driver));
    let a: string[][][];
    let b: string[][][];
    beforeAll(() => {
        [a, b] = field.benign.map(runsOf);
    });

    test("the benign values run the same commands", () => {
        expect(a.map((run) => run.map((argv) => [argv[0], argv.length]))).toEqual(
            b.map((run) => run.map((argv) => [argv[0], argv.length])),
        );
        expect(a.flat().length).toBeGreaterThan(5);
    });

    test("every docker argument that carries the field is an option's value or comes after `--`", () => {
        const unguarded: string[] = [];
        a.forEach((run, i) =>
            run.forEach((argv, j) => {
                const docker = argv.indexOf("docker");
                if (docker < 0) return;
                let ended = false;
                argv.forEach((arg, k) => {
                    if (k <= docker) return;
                    if (arg === "--") ended = true;
                    const carries = arg !== b[i][j][k];
                    const optionValue = argv[k - 1].startsWith("-") && argv[k - 1] !== "--";
                    if (carries && !ended && !optionValue) unguarded.push(argv.join(" "));
                });
            }),
        );
        expect(unguarded).toEqual([]);
    });

    test.each(HOSTILE.map((v) => [JSON.stringify(v).slice(0, 40), v]))(
        "%s is refused at preview, or runs exactly as a benign value",
        (_label, value) => {
            const started = Date.now();
            let spec: PodSpec;
            try {
                spec = checkPod("fuzz", field.args(value));
            } catch (err) {
                expect(err).toBeInstanceOf(PodSpecError);
                expect(Date.now() - started).toBeLessThan(500);
                return;
            }
            const hostile = scriptsOf(spec).map((s) => runScript(s, driver));
            expect(hostile.length).toBe(a.length);
            hostile.forEach((run, i) => {
                // Same commands, same number of arguments.
                expect(run.map((argv) => [argv[0], argv.length])).toEqual(a[i].map((argv) => [argv[0], argv.length]));
                // An argument that is the same for both benign values does not carry the field: it stays exactly so.
                run.forEach((argv, j) =>
                    argv.forEach((arg, k) => {
                        if (a[i][j][k] === b[i][j][k]) expect([j, k, arg]).toEqual([j, k, a[i][j][k]]);
                    }),
                );
            });
        },
    );
});

test("the guardian's docker calls that name a container put `--` before it", () => {
    const spec = checkPod("fuzz", {
        ...base("cgroupfs"),
        heal: true,
        initContainers: [{ name: "init", image: "busybox:1", command: ["true"] }],
        containers: [
            {
                name: "app",
                image: "busybox:1",
                livenessProbe: { exec: { command: ["live"] } },
                ...hooked("x"),
            },
            { name: "web", image: "busybox:1", readinessProbe: { httpGet: { port: 80 } } },
        ],
    });
    const calls = [...renderGuardianScript(spec).matchAll(/\bdocker (start|stop|restart|kill|rm|rename|inspect|exec)\b[^\n|;&)]*/g)].map(
        (m) => m[0],
    );
    expect(calls.length).toBeGreaterThan(8);
    expect(calls.filter((call) => !/ -- /.test(call))).toEqual([]);
});
