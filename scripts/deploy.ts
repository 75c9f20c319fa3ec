// `npm run deploy`: deploys examples/seed-pod (the tutorial's pod) with the
// real Pulumi engine, stack `dev` of project `dockerpod-example`, through the
// Automation API: this process is the program's language host, so no
// `pulumi-language-nodejs` is needed.
//
// The CLI: a `pulumi` on PATH (a normal install, which fetches the docker and
// command plugins itself), else the one toolchain/build.sh builds from Go
// modules, offline, with its docker plugin. State: PULUMI_BACKEND_URL, else a
// file backend in .pulumi-state/ (as `npm run pulumi` uses). Config (appImage, sidecarImage,
// sandboxImage, hostPort, cgroupDriver) is the stack's; cgroupDriver is set
// from the daemon (`docker info`) when it is not set.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as auto from "@pulumi/pulumi/automation";

const ROOT = path.resolve(__dirname, "../../../..");

function sh(cmd: string, args: string[]): string {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

async function pulumiCli(): Promise<{ command: auto.PulumiCommand; env: Record<string, string> }> {
    const onPath = (() => {
        try {
            return sh("sh", ["-c", "command -v pulumi"]);
        } catch {
            return "";
        }
    })();
    if (onPath) {
        return { command: await auto.PulumiCommand.get({ root: path.dirname(path.dirname(onPath)), skipVersionCheck: true }), env: {} };
    }
    const toolchain = sh("bash", [path.join(ROOT, "toolchain/build.sh")]);
    return {
        command: await auto.PulumiCommand.get({ root: toolchain }),
        env: {
            PULUMI_HOME: path.join(toolchain, "home"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        },
    };
}

async function main(): Promise<void> {
    const { command, env } = await pulumiCli();
    const state = path.join(ROOT, ".pulumi-state");
    fs.mkdirSync(state, { recursive: true });
    if (process.env.PULUMI_CONFIG_PASSPHRASE === undefined && process.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
        console.log("deploy: PULUMI_CONFIG_PASSPHRASE is not set: using an empty passphrase for this local stack");
        env.PULUMI_CONFIG_PASSPHRASE = "";
    }
    // The example imports "dockerpod", as a user's program does: resolve it to this package.
    const link = path.join(__dirname, "../node_modules/dockerpod");
    if (!fs.existsSync(link)) {
        fs.mkdirSync(path.dirname(link), { recursive: true });
        fs.symlinkSync(ROOT, link);
    }
    // The compiled example, loaded at run time (its path is only known here).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = async () => ({ ...require(path.join(__dirname, "../examples/seed-pod/index.js")) });
    env.PULUMI_BACKEND_URL = process.env.PULUMI_BACKEND_URL ?? `file://${state}`;
    // The project is the root Pulumi.yaml (its config: Pulumi.dev.yaml beside it); the inline
    // program stands in for its `main`.
    const stack = await auto.LocalWorkspace.createOrSelectStack(
        { projectName: "dockerpod-example", stackName: "dev", program },
        {
            pulumiCommand: command,
            workDir: ROOT,
            envVars: env,
        },
    );
    const config = await stack.getAllConfig();
    if (config["dockerpod-example:cgroupDriver"] === undefined) {
        const driver = sh("docker", ["info", "--format", "{{.CgroupDriver}}"]);
        console.log(`deploy: the Docker daemon uses the ${driver} cgroup driver: pulumi config set cgroupDriver ${driver}`);
        await stack.setConfig("cgroupDriver", { value: driver });
    }
    const result = await stack.up({ onOutput: (text) => process.stdout.write(text) });
    console.log(`deploy: ${result.summary.result}`);
}

main().catch((err) => {
    const text = String((err as Error).message ?? err);
    if (/no resource plugin 'command/.test(text) || /pulumi-resource-command/.test(text)) {
        console.error(
            "deploy: the `command` plugin (pulumi-resource-command 1.2.1) is not installed: a normal `pulumi` " +
                "install fetches it; offline, install it with `npm run pulumi -- plugin install resource command 1.2.1 --file <binary>`",
        );
    }
    console.error(text);
    process.exit(1);
});
