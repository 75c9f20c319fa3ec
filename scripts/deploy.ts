// `npm run deploy`: `pulumi up` of the root project (Pulumi.yaml: the seed pod,
// examples/seed-pod/index.ts), stack `dev`, through the real language host:
// the same path as `npm run pulumi -- up` at the root (toolchain/pulumi.sh:
// a `pulumi` on PATH, else the one built from Go modules, offline).
//
// Before the up, it starts dockerd with .ci/dockerd.sh when no daemon answers,
// and fills in what the stack's config lacks and a user would otherwise set by hand:
// - cgroupDriver: the daemon's (`docker info`);
// - appImage, sidecarImage, sandboxImage: where the seed pod's default image
//   is neither on the host nor pullable (a machine without Docker Hub), the
//   local stand-in images of tests/images/build.sh (busybox from Debian's
//   busybox-static), saying so.
// State: PULUMI_BACKEND_URL, else a file backend in .pulumi-state/; an unset
// PULUMI_CONFIG_PASSPHRASE means an empty one for this local stack.
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../../..");
const STACK = "dev";

/** The seed pod's images (examples/seed-pod/index.ts) and the local stand-ins for a host that cannot pull them. */
const IMAGES: { key: string; image: string; standIn: string }[] = [
    { key: "appImage", image: "nginx:alpine", standIn: "dockerpod-test/web:1" },
    { key: "sidecarImage", image: "curlimages/curl:8.3.0", standIn: "dockerpod-test/busybox:1" },
    { key: "sandboxImage", image: "registry.k8s.io/pause:3.9", standIn: "registry.k8s.io/pause:3.9" },
];

const env: NodeJS.ProcessEnv = { ...process.env, INIT_CWD: ROOT };
if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    console.log("deploy: PULUMI_CONFIG_PASSPHRASE is not set: using an empty passphrase for this local stack");
    env.PULUMI_CONFIG_PASSPHRASE = "";
}

/** Runs `pulumi <args>` at the root through toolchain/pulumi.sh; returns stdout, or undefined when it failed and `allowFail`. */
function pulumi(args: string[], allowFail = false, show = false): string | undefined {
    const r = spawnSync("bash", [path.join(ROOT, "toolchain/pulumi.sh"), ...args], {
        cwd: ROOT,
        env,
        encoding: "utf8",
        stdio: ["ignore", show ? "inherit" : "pipe", allowFail ? "pipe" : "inherit"],
    });
    if (r.status !== 0) {
        if (allowFail) return undefined;
        throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.status})`);
    }
    return (r.stdout ?? "").trim();
}

function docker(args: string[]): { ok: boolean; out: string } {
    const r = spawnSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

function main(): void {
    if (!docker(["info"]).ok) {
        console.log("deploy: the Docker daemon does not answer: starting it (.ci/dockerd.sh)");
        execFileSync("bash", [path.join(ROOT, ".ci/dockerd.sh")], { stdio: "inherit" });
    }
    pulumi(["stack", "select", STACK, "--create"]);
    const config = (key: string) => pulumi(["config", "get", key], true);

    if (config("cgroupDriver") === undefined) {
        const driver = execFileSync("docker", ["info", "--format", "{{.CgroupDriver}}"], { encoding: "utf8" }).trim();
        console.log(`deploy: the Docker daemon uses the ${driver} cgroup driver: pulumi config set cgroupDriver ${driver}`);
        pulumi(["config", "set", "cgroupDriver", driver]);
    }
    for (const { key, image, standIn } of IMAGES) {
        if (config(key) !== undefined || docker(["image", "inspect", image]).ok) continue;
        const pull = docker(["pull", image]);
        if (pull.ok) continue;
        if (!docker(["image", "inspect", standIn]).ok) {
            console.log(`deploy: building the local stand-in images (tests/images/build.sh)`);
            execFileSync("bash", [path.join(ROOT, "tests/images/build.sh")], { stdio: "inherit" });
        }
        console.log(`deploy: ${image} cannot be pulled here (${pull.out.split("\n").pop()}): pulumi config set ${key} ${standIn}`);
        pulumi(["config", "set", key, standIn]);
    }
    pulumi(["up", "--yes", ...process.argv.slice(2)], false, true);
    console.log(`deploy: stack ${STACK} is up; \`npm run pulumi -- stack output\` shows the pod, \`npm run pulumi -- destroy\` removes it`);
}

try {
    main();
} catch (err) {
    console.error(`deploy: ${(err as Error).message}`);
    process.exit(1);
}
