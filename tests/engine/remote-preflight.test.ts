// The remote host's pre-flight through the real engine on this machine, where
// no sshd runs: a pod whose host.connection points at a port nothing listens
// on, from Pulumi YAML (the component provider's path). The preview refuses it
// with one message naming user@host:port and the fix; `up --skip-preview`
// (no preview to stop it) tries the host for its retry window and then fails
// the same way, before any image is pulled. The wrong key and the user without
// sudo need an sshd: the systemd guest proves them (tests/systemd).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, npmPulumi, npmPulumiOk } from "../support/examples";
import { freePort, podObjects, requireEngine } from "./helpers";

jest.setTimeout(300_000);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-preflight-"));
const backend = path.join(work, "state");
const project = path.join(work, "yaml");
let closedPort = 0;

beforeAll(async () => {
    await requireEngine();
    closedPort = await freePort();
    fs.mkdirSync(backend);
    fs.mkdirSync(project);
    fs.writeFileSync(
        path.join(project, "Pulumi.yaml"),
        [
            "name: preflight-yaml",
            "runtime: yaml",
            "packages:",
            `  dockerpod: ${path.join(ROOT, "provider")}`,
            "resources:",
            "  pod:",
            "    type: dockerpod:index:DockerPod",
            "    properties:",
            "      podName: preflight",
            // Pulled if anything got that far: the pull would show in the state.
            "      sandboxImage: registry.k8s.io/pause:3.9",
            "      containers:",
            "        - name: app",
            "          image: dockerpod-test/web:1",
            "      host:",
            "        cgroupDriver: cgroupfs",
            "        sudo: true",
            `        connection: { host: 127.0.0.1, port: ${closedPort}, user: deploy }`,
            "",
        ].join("\n"),
    );
    npmPulumiOk(project, ["stack", "init", "dev"], backend);
});
afterAll(() => {
    npmPulumi(project, ["destroy", "--yes"], backend);
    fs.rmSync(work, { recursive: true, force: true });
});

const expected = () =>
    `host.connection: deploy@127.0.0.1:${closedPort} cannot be reached (connect ECONNREFUSED 127.0.0.1:${closedPort}): ` +
    "check host.connection.host and host.connection.port, that sshd runs there, and that this machine may connect to it";

/** The state holds the stack and the provider's own records, nothing the pod makes. */
async function nothingMade(): Promise<void> {
    const state = JSON.parse(npmPulumiOk(project, ["stack", "export"], backend)) as { deployment: { resources?: { type: string }[] } };
    const made = (state.deployment.resources ?? [])
        .map((r) => r.type)
        .filter((t) => /^(docker|command):/.test(t) && !/:providers:/.test(t));
    expect(made).toEqual([]);
    const left = await podObjects("preflight");
    expect([left.containers, left.volumes]).toEqual([[], []]);
}

test("from YAML: the preview refuses the host at once, in one message naming it and the fix; nothing is made", async () => {
    const started = Date.now();
    const r = npmPulumi(project, ["up", "--yes"], backend);
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`pre-flight: a closed port refused at preview in ${seconds.toFixed(1)} s (YAML, whole command)\n`);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(expected());
    expect(r.out.match(/cannot be reached/g)).toHaveLength(1);
    // No JavaScript stack frame and no runtime prefix reaches the user.
    expect(r.out).not.toMatch(/\n\s+at .+\(.+\.js:\d+:\d+\)|error serializing property/);
    await nothingMade();
});

test("`up --skip-preview`: the host is tried for the retry window, then the same message; no image was pulled", async () => {
    const started = Date.now();
    const r = npmPulumi(project, ["up", "--yes", "--skip-preview"], backend);
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`pre-flight: a closed port refused at up (retried) in ${seconds.toFixed(1)} s\n`);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(expected());
    expect(r.out.match(/cannot be reached/g)).toHaveLength(1);
    expect(seconds).toBeGreaterThanOrEqual(28);
    await nothingMade();
});
