// `pulumi up` where users type it: at the repository root (the seed pod) and
// in an example's folder, through `npm run pulumi` (toolchain/pulumi.sh), the
// real CLI and the real nodejs language host running the example's own
// index.ts with ts-node. No inline program, no model.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { existingCgroupDirs } from "../support/inspect";
import { freePort, httpGet, podObjects, requireEngine } from "./helpers";

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, "../..");
const backend = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-examples-"));

/** `npm run pulumi -- <args>` run from `dir`, as npm runs it (INIT_CWD says where it was called). */
function pulumi(dir: string, args: string[]): { code: number; out: string } {
    const r = spawnSync("bash", [path.join(ROOT, "toolchain/pulumi.sh"), ...args], {
        cwd: ROOT,
        env: { ...process.env, INIT_CWD: dir, PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "" },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function ok(dir: string, args: string[]): string {
    const r = pulumi(dir, args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} in ${dir} failed (exit ${r.code}):\n${r.out}`);
    return r.out;
}

beforeAll(requireEngine);
afterAll(() => fs.rmSync(backend, { recursive: true, force: true }));

// Each project names its pod `foo`: they run one after the other.
describe.each([
    ["the repository root (Pulumi.yaml: the seed pod)", ".", "dockerpod-example"],
    ["examples/seed-pod", "examples/seed-pod", "dockerpod-seed-pod"],
    ["examples/from-manifest", "examples/from-manifest", "dockerpod-from-manifest"],
])("pulumi up in %s", (_where, folder, project) => {
    const dir = path.join(ROOT, folder);
    let port: number;

    beforeAll(async () => {
        port = await freePort();
        ok(dir, ["stack", "select", "--create", "dev"]);
        for (const [key, value] of Object.entries({
            appImage: "dockerpod-test/web:1",
            sidecarImage: "dockerpod-test/busybox:1",
            sandboxImage: "registry.k8s.io/pause:3.9",
            hostPort: String(port),
            cgroupDriver: "cgroupfs",
        })) {
            ok(dir, ["config", "set", key, value]);
        }
    });
    afterAll(() => {
        pulumi(dir, ["destroy", "--yes"]);
        pulumi(dir, ["stack", "rm", "--yes", "dev"]);
    });

    test("up serves the page; preview and refresh find nothing to change; destroy leaves nothing", async () => {
        const up = ok(dir, ["up", "--yes"]);
        expect(up).toContain(`${project}-dev`);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "hello from dockerpod\n" });
        ok(dir, ["preview", "--expect-no-changes"]);
        ok(dir, ["refresh", "--yes", "--expect-no-changes"]);
        ok(dir, ["preview", "--expect-no-changes"]);
        ok(dir, ["destroy", "--yes"]);
        const left = await podObjects("foo");
        expect([left.containers, left.volumes, existingCgroupDirs("/dockerpod/foo")]).toEqual([[], [], []]);
    });
});
