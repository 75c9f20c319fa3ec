// The package as users get it: `npm pack`, the tarball installed into a fresh
// folder outside the repository, and a TypeScript program there that imports
// only "dockerpod" goes up through the real CLI and nodejs language host,
// serves, and destroys to nothing.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, npmPulumiOk } from "../support/examples";
import { existingCgroupDirs } from "../support/inspect";
import { freePort, httpGet, podObjects, requireEngine } from "./helpers";

jest.setTimeout(900_000);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-package-"));
const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version as string;
const tarball = path.join(work, `dockerpod-${version}.tgz`);
const project = path.join(work, "app");
const backend = path.join(work, "state");

beforeAll(async () => {
    await requireEngine();
    // `npm pack` builds first (its prepack script).
    execFileSync("npm", ["pack", "--pack-destination", work], { cwd: ROOT, stdio: "pipe" });
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test("the tarball holds the license, README, built SDK and provider, and no tests or sources", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((f) => f.replace(/^package\//, ""));
    expect(files).toEqual(
        expect.arrayContaining([
            "LICENSE",
            "README.md",
            "package.json",
            "bin/sdk/index.js",
            "bin/sdk/index.d.ts",
            "bin/provider/index.js",
            "bin/provider/schema.json",
            "provider/plugin.js",
            "provider/package.json",
            "provider/PulumiPlugin.yaml",
            "policy/PulumiPolicy.yaml",
        ]),
    );
    expect(files.filter((f) => /^tests\/|\.test\.|^sdk\/|^scripts\/|^toolchain\/|^examples\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    const license = execFileSync("tar", ["-xzOf", tarball, "package/LICENSE"], { encoding: "utf8" });
    expect(license).toMatch(/Apache License\s+Version 2\.0/);
    const manifest = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
    expect(manifest.license).toBe("Apache-2.0");
});

test("installed into a fresh folder, a TypeScript program goes up, serves, and destroys to nothing", async () => {
    fs.mkdirSync(project);
    // As the README says: npm init, then the tarball and @pulumi/pulumi (offline first: npm ci filled the cache).
    const npm = (args: string[]) =>
        execFileSync("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund"], { cwd: project, stdio: "pipe" });
    npm(["init", "-y"]);
    npm(["install", tarball, `@pulumi/pulumi@${installed("@pulumi/pulumi")}`, `typescript@${installed("typescript")}`]);
    fs.writeFileSync(
        path.join(project, "Pulumi.yaml"),
        "name: packaged\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n",
    );
    fs.writeFileSync(
        path.join(project, "index.ts"),
        [
            'import * as pulumi from "@pulumi/pulumi";',
            'import { CgroupDriver, DockerPod } from "dockerpod";',
            "const config = new pulumi.Config();",
            'const pod = new DockerPod("packaged", {',
            '    sandboxImage: "registry.k8s.io/pause:3.9",',
            '    containers: [{ name: "app", image: "dockerpod-test/web:1", ports: [{ containerPort: 80, hostPort: config.requireNumber("hostPort") }] }],',
            "    host: { cgroupDriver: CgroupDriver.Cgroupfs },",
            "});",
            "export const podName = pod.podName;",
            "",
        ].join("\n"),
    );
    // Nothing in the project points back into the repository.
    expect(fs.readFileSync(path.join(project, "package.json"), "utf8")).not.toContain(ROOT);
    expect(fs.realpathSync(path.join(project, "node_modules", "dockerpod"))).toBe(path.join(project, "node_modules", "dockerpod"));

    const port = await freePort();
    const ok = (args: string[]) => npmPulumiOk(project, args, backend);
    fs.mkdirSync(backend);
    ok(["stack", "init", "dev"]);
    ok(["config", "set", "hostPort", String(port)]);
    try {
        const up = ok(["up", "--yes"]);
        expect(up).toContain("dockerpod:index:DockerPod");
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "hello from dockerpod\n" });
        ok(["preview", "--expect-no-changes"]);
    } finally {
        ok(["destroy", "--yes"]);
    }
    const left = await podObjects("packaged");
    expect([left.containers, left.volumes, existingCgroupDirs("/dockerpod/packaged")]).toEqual([[], [], []]);
});

test("a YAML program beside it adds the installed package's provider and goes up", async () => {
    // After the TypeScript test: the package is installed in `project`.
    const yaml = path.join(project, "yaml");
    fs.mkdirSync(yaml);
    const port = await freePort();
    fs.writeFileSync(
        path.join(yaml, "Pulumi.yaml"),
        [
            "name: packaged-yaml",
            "runtime: yaml",
            "packages:",
            "  dockerpod: ../node_modules/dockerpod/provider",
            "resources:",
            "  pod:",
            "    type: dockerpod:index:DockerPod",
            "    properties:",
            "      podName: packaged-yaml",
            "      sandboxImage: registry.k8s.io/pause:3.9",
            "      containers:",
            "        - name: app",
            "          image: dockerpod-test/web:1",
            `          ports: [{ containerPort: 80, hostPort: ${port} }]`,
            "      host: { cgroupDriver: cgroupfs }",
            "",
        ].join("\n"),
    );
    const ok = (args: string[]) => npmPulumiOk(yaml, args, backend);
    ok(["stack", "init", "dev"]);
    try {
        expect(ok(["up", "--yes"])).toMatch(/\+ \d+ created/);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "hello from dockerpod\n" });
    } finally {
        ok(["destroy", "--yes"]);
    }
    const left = await podObjects("packaged-yaml");
    expect([left.containers, left.volumes]).toEqual([[], []]);
});

/** The version of a package the repository installed: the one the tarball's users get along. */
function installed(name: string): string {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
}
