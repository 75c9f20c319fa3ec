// The remote host's pre-flight: its messages (pure), and, under mocks with a
// stand-in login, that a host that fails it stops the pod before any resource
// reaches the engine, with one error. The real logins (a wrong key, a closed
// port, a user without sudo) are proven against the QEMU guest and a closed
// port on this machine (tests/systemd, tests/engine/remote-preflight.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { DockerPod, PodSlice } from "../../../sdk";
import { HostCheck, setHostCheckForTests } from "../../../sdk/components/hostPreflight";
import { SshTarget, keyProblem, loginProblem, parsePrivilegeReport, privilegeProbe, privilegeProblem } from "../../../sdk/core/hostAccess";
import { DockerPodArgs } from "../../../sdk/types";
import { RecordingMocks } from "../../support/mocks";
import { runProgram } from "../../support/program";

const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    user: "deploy",
    host: "203.0.113.10",
    port: 2222,
    auth: "privateKey",
    sudo: true,
    ...over,
});

describe("the pre-flight's messages name the host and the fix", () => {
    test("a refused login names the credential that was offered", () => {
        const refused = { level: "client-authentication", message: "All configured authentication methods failed" };
        expect(loginProblem(target(), refused)).toEqual({
            path: "host.connection.privateKey",
            message:
                "deploy@203.0.113.10:2222 refused the login with host.connection.privateKey: add its public key to " +
                "~deploy/.ssh/authorized_keys on 203.0.113.10, or set host.connection.privateKey to a key that user accepts",
        });
        expect(loginProblem(target({ auth: "password" }), refused).path).toBe("host.connection.password");
        expect(loginProblem(target({ auth: "agent" }), refused).message).toMatch(/with the keys of the SSH agent \(SSH_AUTH_SOCK\)/);
        expect(loginProblem(target({ auth: "none" }), refused).message).toMatch(
            /with no key, password or SSH agent: set host.connection.privateKey/,
        );
    });

    test("a host that cannot be reached, does not resolve or does not answer", () => {
        expect(
            loginProblem(target(), { level: "client-socket", code: "ECONNREFUSED", message: "connect ECONNREFUSED 203.0.113.10:2222" }),
        ).toEqual({
            path: "host.connection",
            message:
                "deploy@203.0.113.10:2222 cannot be reached (connect ECONNREFUSED 203.0.113.10:2222): check host.connection.host " +
                "and host.connection.port, that sshd runs there, and that this machine may connect to it",
        });
        expect(
            loginProblem(target({ host: "nowhere.invalid" }), { level: "client-dns", code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND" }),
        ).toEqual({
            path: "host.connection.host",
            message:
                "deploy@nowhere.invalid:2222: the name nowhere.invalid does not resolve (getaddrinfo ENOTFOUND): check host.connection.host",
        });
        expect(loginProblem(target(), { level: "client-timeout", message: "Timed out while waiting for handshake" }).message).toMatch(
            /^deploy@203.0.113.10:2222 did not answer as an SSH server in time \(Timed out while waiting for handshake\): check/,
        );
    });

    test("a key SSH cannot read is named without its text", () => {
        const problem = keyProblem(target(), "Cannot parse privateKey: Unsupported key format");
        expect(problem.path).toBe("host.connection.privateKey");
        expect(problem.message).toMatch(
            /^is not a private key SSH can read \(Unsupported key format\), for deploy@203.0.113.10:2222: give/,
        );
    });

    test("the user's rights: root passes; otherwise password-less sudo with host.sudo", () => {
        expect(privilegeProblem(target(), { uid: "0" })).toBeUndefined();
        expect(privilegeProblem(target({ sudo: false }), { uid: "0" })).toBeUndefined();
        expect(privilegeProblem(target(), { uid: "1000", sudo: "ok" })).toBeUndefined();
        expect(privilegeProblem(target({ sudo: false }), { uid: "1000" })).toEqual({
            path: "host.sudo",
            message:
                "deploy@203.0.113.10:2222: user deploy is not root: run as root on the host, or set host.sudo: true (password-less sudo)",
        });
        expect(privilegeProblem(target(), { uid: "1000", sudo: "no", sudoSays: "sudo: a password is required" })).toEqual({
            path: "host.sudo",
            message:
                "deploy@203.0.113.10:2222: user deploy cannot run sudo without a password (sudo: a password is required): give deploy " +
                'password-less sudo there (e.g. the line "deploy ALL=(ALL) NOPASSWD: ALL" in /etc/sudoers.d/dockerpod), or log in as root and unset host.sudo',
        });
        expect(privilegeProblem(target(), { uid: "1000", sudo: "missing" })?.message).toMatch(
            /there is no sudo command: install sudo there/,
        );
        expect(privilegeProblem(target(), {})?.path).toBe("host.connection.user");
    });

    test("the probe is a constant script, and its report reads back", () => {
        expect(privilegeProbe(false)).toBe("echo uid=$(id -u);");
        expect(privilegeProbe(true)).toContain("sudo -n true");
        expect(parsePrivilegeReport("uid=1000\nsudo=no\nsays=sudo: a password is required\n")).toEqual({
            uid: "1000",
            sudo: "no",
            sudoSays: "sudo: a password is required",
        });
    });

    test("the probe, run by sh, reports what this machine's user is", async () => {
        const { execFileSync } = await import("child_process");
        const report = parsePrivilegeReport(execFileSync("sh", ["-c", privilegeProbe(false)], { encoding: "utf8" }));
        expect(report.uid).toBe(String(process.getuid!()));
    });
});

describe("a pod on a host that fails the pre-flight makes nothing", () => {
    const remotePod = (sudo = true): DockerPodArgs => ({
        host: { connection: { host: "203.0.113.10", port: 2222, user: "deploy", privateKey: pulumi.secret("KEY") }, sudo },
        containers: [
            { name: "app", image: "nginx:alpine" },
            { name: "side", image: "busybox", imagePullPolicy: "Never", securityContext: { runAsNonRoot: true } },
        ],
        heal: true,
    });
    let logins: Parameters<HostCheck>[] = [];
    afterEach(() => setHostCheckForTests(undefined));
    const stubbed = (answer: Awaited<ReturnType<HostCheck>>) => {
        logins = [];
        setHostCheckForTests(async (...args) => {
            logins.push(args);
            return answer;
        });
    };

    test("a refused host: one error on the pod, naming the field; no custom resource reaches the engine", async () => {
        stubbed({ path: "host.connection.privateKey", message: "deploy@203.0.113.10:2222 refused the login" });
        const mocks = new RecordingMocks();
        const { errors } = await runProgram(mocks, () => [new DockerPod("web", remotePod()), new DockerPod("api", remotePod())]);
        expect(errors.map((e) => e.message)).toEqual([
            'dockerpod: the Docker host of "web" cannot be used:\n  - host.connection.privateKey: deploy@203.0.113.10:2222 refused the login',
        ]);
        expect(pulumi.ResourceError.isInstance(errors[0])).toBe(true);
        expect(mocks.created.map((r) => r.type)).toEqual([]);
        // Two pods on one host, one login: the key, user, port and sudo as the Commands get them.
        expect(logins).toEqual([
            [{ host: "203.0.113.10", port: 2222, user: "deploy", sudo: true, privateKey: "KEY", auth: "privateKey" }, true],
        ]);
    });

    test("a fit host: the pod is made as before, its images and slice after the check", async () => {
        stubbed(undefined);
        const mocks = new RecordingMocks();
        const { errors } = await runProgram(mocks, () => new DockerPod("web", remotePod()), { preview: true });
        expect(errors).toEqual([]);
        expect(mocks.created.map((r) => r.type)).toEqual(
            expect.arrayContaining(["docker:index/remoteImage:RemoteImage", "command:remote:Command"]),
        );
        expect(logins).toHaveLength(1);
        expect(logins[0][1]).toBe(false); // preview: one attempt, no retries
    });

    test("a PodSlice on its own waits on the check too", async () => {
        stubbed({ path: "host.sudo", message: "deploy@203.0.113.10:2222: user deploy cannot run sudo without a password" });
        const mocks = new RecordingMocks();
        const { errors } = await runProgram(
            mocks,
            () =>
                new PodSlice("s", { podName: "s", host: { connection: { host: "203.0.113.10", port: 2222, user: "deploy" }, sudo: true } }),
        );
        expect(errors.map((e) => e.message)).toEqual([
            'dockerpod: the Docker host of "s" cannot be used:\n  - host.sudo: deploy@203.0.113.10:2222: user deploy cannot run sudo without a password',
        ]);
        expect(mocks.created).toEqual([]);
    });

    test("under mocks without a stand-in, no host is reached", async () => {
        const mocks = new RecordingMocks();
        const { errors } = await runProgram(mocks, () => new DockerPod("web", remotePod()));
        expect(errors).toEqual([]);
        expect(mocks.created.some((r) => r.type === "command:remote:Command")).toBe(true);
    });
});
