// `pulumi up` where users type it: at the repository root (the seed pod) and
// in an example's folder, through `npm run pulumi` (toolchain/pulumi.sh), the
// real CLI and the real nodejs language host running the example's own
// index.ts with ts-node. No inline program, no model.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, npmPulumi, npmPulumiOk, seedPodConfig } from "../support/examples";
import { existingCgroupDirs } from "../support/inspect";
import { freePort, httpGet, podObjects, requireEngine } from "./helpers";

jest.setTimeout(600_000);

const backend = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-examples-"));
const pulumi = (dir: string, args: string[]) => npmPulumi(dir, args, backend);
const ok = (dir: string, args: string[]) => npmPulumiOk(dir, args, backend);

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
        for (const [key, value] of Object.entries(seedPodConfig(port))) ok(dir, ["config", "set", key, value]);
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
