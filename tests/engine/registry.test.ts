// Private images on the real engine: a real `docker-registry` with htpasswd
// auth on 127.0.0.1 (tests/support/registry.ts), a fresh password per run,
// and examples/private-registry run as it is, through the real Pulumi engine:
// the docker provider pulls through the daemon with its registryAuth and asks
// the registry for digests over HTTP.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerPod } from "../../sdk";
import { EXAMPLES, loadExample, npmPulumi, npmPulumiOk } from "../support/examples";
import { EngineStack, T_CONTAINER, T_IMAGE, changes } from "../support/engine";
import { TestRegistry, startRegistry } from "../support/registry";
import { BUSYBOX, HOST, PARENT, Stacks, docker as engine, freePort, httpGet, inspect, podObjects, requireEngine, value } from "./helpers";

jest.setTimeout(120_000);

const stacks = new Stacks();
let registry: TestRegistry;
const REPOSITORY = "team/web";
const local = (version: string) => `dockerpod-test/web:${version}-${process.pid}`;

/**
 * A busybox image whose default command serves /www/index.html (saying
 * `version`) on port 8080, and exits on SIGTERM (so a stop takes no grace).
 */
async function webImage(version: string): Promise<string> {
    const helper = await engine.createContainer({
        Image: BUSYBOX,
        Cmd: ["sh", "-c", `mkdir -p /www && echo ${version} > /www/index.html`],
    });
    try {
        await helper.start();
        await helper.wait();
        const [repo, tag] = local(version).split(":");
        await helper.commit({ repo, tag, changes: [`CMD ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]`] });
    } finally {
        await helper.remove({ force: true });
    }
    return local(version);
}

/** Every local reference to the registry's repository (pulled by digest), so each test pulls afresh. */
async function forgetPulls(): Promise<void> {
    for (const image of await engine.listImages()) {
        for (const ref of [...(image.RepoDigests ?? []), ...(image.RepoTags ?? [])]) {
            if (ref.startsWith(`${registry.host}/`))
                await engine
                    .getImage(ref)
                    .remove({ noprune: true })
                    .catch(() => undefined);
        }
    }
}

beforeAll(async () => {
    await requireEngine();
    registry = await startRegistry(engine);
    await webImage("v1");
    await webImage("v2");
});

afterEach(async () => {
    await stacks.destroyAll();
    await forgetPulls();
});

afterAll(async () => {
    await registry?.stop();
    for (const v of ["v1", "v2"])
        await engine
            .getImage(local(v))
            .remove({ force: true })
            .catch(() => undefined);
});

/** `pulumi up` of examples/private-registry with this stack config (the password a secret). */
async function upExample(stack: EngineStack, config: Record<string, string>) {
    await stack.setConfig(config, ["registryPassword"]);
    return stack.up(() => loadExample("private-registry"));
}

function exampleConfig(hostPort: number, password = registry.password): Record<string, string> {
    return {
        registry: registry.host,
        registryScheme: "http",
        registryUser: registry.username,
        registryPassword: password,
        image: `${registry.host}/${REPOSITORY}:1`,
        hostPort: String(hostPort),
        cgroupDriver: HOST.cgroupDriver,
        parentSlice: PARENT,
    };
}

const errorsOf = (run: { errors: Error[] }) => run.errors.map((e) => e.message).join("\n");

describe("examples/private-registry against a registry with htpasswd auth", () => {
    test("the right credentials pull the image; the pod serves it; no credential in outputs, summary or state", async () => {
        const digest = await registry.push(local("v1"), REPOSITORY, "1");
        const pinned = `${registry.host}/${REPOSITORY}:1@${digest}`;
        await expect(engine.getImage(pinned).inspect()).rejects.toMatchObject({ statusCode: 404 });

        const port = await freePort();
        const stack = stacks.create();
        const run = await upExample(stack, exampleConfig(port));
        expect(errorsOf(run)).toBe("");
        const outputs = run.result as Record<string, pulumi.Output<unknown>>;

        // Pulled from the registry, by its digest, and run.
        const pulled = await engine.getImage(pinned).inspect();
        expect(pulled.RepoDigests).toContain(`${registry.host}/${REPOSITORY}@${digest}`);
        expect((await inspect("web_app")).Image).toBe(pulled.Id);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "v1\n" });

        const summary = String(await value(outputs.summary));
        expect(summary).toContain(`${registry.host}/${REPOSITORY}:1`);
        const everything = JSON.stringify([
            summary,
            await value(outputs.containerIds),
            [...stack.state.values()].map((e) => [e.inputs, e.outputs]),
            (await inspect("web_app")).Config.Env,
        ]);
        expect(everything).not.toContain(registry.password);
    });

    test("a wrong password fails the up clearly, names the image, and makes no container of the pod", async () => {
        await registry.push(local("v1"), REPOSITORY, "1");
        const wrong = `wrong-${process.pid}`;
        const stack = stacks.create();
        const run = await upExample(stack, exampleConfig(await freePort(), wrong));
        const message = errorsOf(run);
        // Always asks the registry for the digest first, with the provider's credentials.
        expect(message).toContain(
            `Got error when attempting to fetch image version ${REPOSITORY}:1 from registry: bad credentials: 401 Unauthorized`,
        );
        expect(message).not.toContain(wrong);
        expect(message).not.toContain(registry.password);
        // Nothing half-made: no slice, volume or container; only the sandbox's (local) image is in the state.
        expect(await podObjects("web")).toEqual({ containers: [], volumes: [], cgroups: [] });
        expect([...stack.state.keys()]).toEqual([`${T_IMAGE}::web-sandbox.image`]);
    });

    test("IfNotPresent with a wrong password: the pull is refused by the registry, and no container is made, not even the sandbox", async () => {
        await registry.push(local("v1"), REPOSITORY, "1");
        const wrong = `wrong-${process.pid}`;
        const stack = stacks.create();
        const image = `${registry.host}/${REPOSITORY}:1`;
        const run = await stack.up(() => {
            const access = new docker.Provider("registry", {
                registryAuth: [{ address: registry.address, username: registry.username, password: pulumi.secret(wrong) }],
            });
            return new DockerPod(
                "web",
                {
                    host: HOST,
                    terminationGracePeriodSeconds: 1,
                    containers: [{ name: "app", image }],
                },
                { providers: { docker: access } },
            );
        });
        const message = errorsOf(run);
        expect(message).toContain(`Unable to read Docker image into resource: unable to pull image ${image}`);
        expect(message).toMatch(/unauthorized: authentication required/);
        expect(message).not.toContain(wrong);
        // Nothing half-made: no slice, volume or container; only the sandbox's (local) image is in the state.
        expect(await podObjects("web")).toEqual({ containers: [], volumes: [], cgroups: [] });
        expect([...stack.state.keys()]).toEqual([`${T_IMAGE}::web-sandbox.image`]);
    });
});

test("examples/private-registry as a user runs it: npm run pulumi in its folder; up serves, preview and refresh find nothing, destroy leaves nothing", async () => {
    await registry.push(local("v1"), REPOSITORY, "1");
    const dir = path.join(EXAMPLES, "private-registry");
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-registry-example-"));
    const ok = (args: string[]) => npmPulumiOk(dir, args, backend);
    try {
        ok(["stack", "select", "--create", "dev"]);
        const port = await freePort();
        const { registryPassword, ...plain } = exampleConfig(port);
        for (const [key, v] of Object.entries(plain)) ok(["config", "set", key, v]);
        ok(["config", "set", "--secret", "registryPassword", registryPassword]);
        ok(["up", "--yes"]);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "v1\n" });
        ok(["preview", "--expect-no-changes"]);
        ok(["refresh", "--yes", "--expect-no-changes"]);
        ok(["destroy", "--yes"]);
        expect(await podObjects("web")).toEqual({ containers: [], volumes: [], cgroups: [] });
    } finally {
        npmPulumi(dir, ["destroy", "--yes"], backend);
        npmPulumi(dir, ["stack", "rm", "--yes", "dev"], backend);
        fs.rmSync(backend, { recursive: true, force: true });
    }
});

describe("imagePullPolicy Always against the registry", () => {
    test("re-pulls only when the tag's digest moved: unmoved, nothing changes; moved, the image and that container are replaced", async () => {
        const first = await registry.push(local("v1"), REPOSITORY, "1");
        const port = await freePort();
        const stack = stacks.create();
        const up = () =>
            upExample(stack, exampleConfig(port)).then((r) => {
                if (r.errors.length) throw new Error(errorsOf(r));
                return r;
            });
        await up();
        const sandboxBefore = (await inspect("web_sandbox")).Id;
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "v1\n" });

        // Same digest in the registry: the next up changes nothing (and pulls nothing).
        const unmoved = await up();
        expect(changes(unmoved.steps)).toEqual([]);

        // A new image pushed under the same tag.
        const second = await registry.push(local("v2"), REPOSITORY, "1");
        expect(second).not.toBe(first);
        const moved = await up();
        const changed = changes(moved.steps);
        expect(changed).toEqual([`replace ${T_IMAGE}::web-app.image`, `replace ${T_CONTAINER}::web-app`]);
        expect(stack.state.get(`${T_IMAGE}::web-app.image`)!.inputs.name).toBe(`${registry.host}/${REPOSITORY}:1@${second}`);
        expect((await inspect("web_app")).Image).toBe((await engine.getImage(local("v2")).inspect()).Id);
        expect((await inspect("web_sandbox")).Id).toBe(sandboxBefore);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: "v2\n" });
    });
});
