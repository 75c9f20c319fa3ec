import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    AGENT_LEASES,
    AGENT_LOCK,
    agentName,
    leaseDir,
    renderAgentRelease,
    renderAgentScript,
    renderAgentStart,
} from "../../../sdk/core/agent";
import { isDns1123Label } from "../../../sdk/core/names";

const HOST = { sudo: false, dockerSocket: "/var/run/docker.sock" };
const AGENT = agentName("docker:28-cli");

/**
 * Runs a host script with stand-ins on PATH (`docker` logs its arguments and
 * answers with `answer`, a shell snippet; `flock` logs the lock and runs the
 * command it holds) and the lock's and leases' host paths moved into a scratch
 * directory. Returns the log and the pod names with a lease afterwards.
 */
function runHostScript(script: string, answer: string, leases: string[] = []): { log: string[]; leases: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-test-"));
    try {
        const log = path.join(dir, "log");
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\necho "docker $*" >>"${log}"\n${answer}\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "flock"), `#!/bin/sh\necho "flock $1 $2 $3" >>"${log}"\nshift 3\nexec "$@"\n`, { mode: 0o755 });
        const leaseRoot = path.join(dir, "leases");
        const ours = leaseDir(AGENT, HOST.dockerSocket).replace(AGENT_LEASES, leaseRoot);
        if (leases.length) fs.mkdirSync(ours, { recursive: true });
        for (const pod of leases) fs.writeFileSync(path.join(ours, pod), "");
        const moved = script
            .split(AGENT_LEASES)
            .join(leaseRoot)
            .split(AGENT_LOCK)
            .join(path.join(dir, "lock", "agent.lock"))
            .split(`'${path.dirname(AGENT_LOCK)}'`)
            .join(`'${path.join(dir, "lock")}'`);
        execFileSync("sh", ["-c", moved], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, stdio: "pipe" });
        return {
            log: fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [],
            leases: fs.existsSync(ours) ? fs.readdirSync(ours).sort() : [],
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the guardian agent's name", () => {
    test("is one per guardian image, and never a pod's derived name (those have `_`)", () => {
        expect(AGENT).toMatch(/^dockerpod-guardian-[0-9a-f]{12}$/);
        expect(agentName("docker:27-cli")).not.toBe(AGENT);
        expect(agentName("docker:28-cli")).toBe(AGENT);
        expect(AGENT).not.toContain("_");
    });

    test("its leases are kept per daemon: two daemons on one host each have their agent", () => {
        expect(leaseDir(AGENT, "/var/run/docker.sock")).toMatch(new RegExp(`^${AGENT_LEASES}/${AGENT}\\.[0-9a-f]{12}$`));
        expect(leaseDir(AGENT, "/run/other/docker.sock")).not.toBe(leaseDir(AGENT, "/var/run/docker.sock"));
    });
});

describe("the agent's host scripts", () => {
    const SUDO_HOST = { sudo: true, dockerSocket: "/run/d.sock", cliSocket: "/run/d.sock" };
    const LOCK = (log: string[]) => log[0].replace(/ \S*$/, "");

    test.each([
        ["start", renderAgentStart(AGENT, "docker:28-cli", "foo", HOST)],
        ["release", renderAgentRelease(AGENT, "foo", HOST)],
        ["start with sudo and a socket", renderAgentStart(AGENT, "docker:28-cli", "foo", SUDO_HOST)],
    ])("%s is valid sh, and runs its inner script under the lock", (_name, script) => {
        expect(() => execFileSync("sh", ["-n"], { input: script })).not.toThrow();
        expect(script).toContain(`flock -w 300 '${AGENT_LOCK}' sh -c`);
        // A daemon with no agent on it: the inner script runs to its end.
        const { log } = runHostScript(script, '[ "$1" != inspect ] && [ "$3" != inspect ] || exit 1');
        expect(LOCK(log)).toBe("flock -w 300");
        expect(log[1]).toMatch(/^docker (-H unix:\/\/\/run\/d\.sock )?inspect --format \{\{\.State\.Running\}\} -- dockerpod-guardian-/);
    });

    test("start: writes the pod's lease and runs the agent when there is none, with the socket, the leases and nothing else of the host", () => {
        const { log, leases } = runHostScript(
            renderAgentStart(AGENT, "docker:28-cli", "foo", HOST),
            'case "$1" in inspect) exit 1 ;; esac',
        );
        expect(leases).toEqual(["foo"]);
        expect(log[1]).toBe(`docker inspect --format {{.State.Running}} -- ${AGENT}`);
        expect(log[2]).toMatch(
            new RegExp(
                `^docker run -d --name ${AGENT} --label dockerpod.role=guardian-agent --label dockerpod.agent=${AGENT} ` +
                    "--restart unless-stopped --network none --log-driver local --memory 512m --memory-swap 512m " +
                    "--mount type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock " +
                    `--mount type=bind,source=\\S+/leases/${AGENT}\\.[0-9a-f]{12},target=/leases,readonly --entrypoint /bin/sh docker:28-cli -c #!/bin/sh`,
            ),
        );
    });

    test("start: starts a stopped agent; tells a running one to look at the claims now", () => {
        const start = renderAgentStart(AGENT, "docker:28-cli", "foo", HOST);
        const stopped = runHostScript(start, 'case "$1" in inspect) echo false ;; esac', ["bar"]);
        expect(stopped.log.slice(1)).toEqual([`docker inspect --format {{.State.Running}} -- ${AGENT}`, `docker start -- ${AGENT}`]);
        expect(stopped.leases).toEqual(["bar", "foo"]);
        const running = runHostScript(start, 'case "$1" in inspect) echo true ;; esac');
        expect(running.log.slice(1)).toEqual([
            `docker inspect --format {{.State.Running}} -- ${AGENT}`,
            `docker kill --signal USR1 -- ${AGENT}`,
        ]);
    });

    test("release: removes the pod's lease, stops its guardian in the agent, and removes the agent with the last lease only", () => {
        const running = 'case "$1" in inspect) echo true ;; esac';
        const last = runHostScript(renderAgentRelease(AGENT, "foo", HOST), running, ["foo"]);
        expect(last.leases).toEqual([]);
        expect(last.log[1]).toBe(`docker inspect --format {{.State.Running}} -- ${AGENT}`);
        expect(last.log[2]).toMatch(new RegExp(`^docker exec ${AGENT} sh -c RUN=/run/dockerpod-guardian`));
        expect(last.log.join("\n")).toContain("; done sh foo\n");
        expect(last.log).toContain(`docker rm -f -- ${AGENT}`);
        const shared = runHostScript(renderAgentRelease(AGENT, "foo", HOST), running, ["bar", "foo"]);
        expect(shared.leases).toEqual(["bar"]);
        expect(shared.log.join("\n")).not.toContain("docker rm");
    });

    test("release: an agent that cannot be reached does not fail the destroy", () => {
        const { log, leases } = runHostScript(
            renderAgentRelease(AGENT, "foo", HOST),
            'case "$1" in inspect) echo true ;; exec) exit 1 ;; esac',
            ["foo"],
        );
        expect(leases).toEqual([]);
        expect(log).toContain(`docker rm -f -- ${AGENT}`);
    });

    test("sudo and a socket of its own: the lock is taken through sudo; the CLI and the agent use that socket", () => {
        const script = renderAgentStart(AGENT, "docker:28-cli", "foo", SUDO_HOST);
        expect(script).toMatch(/^exec \$SUDO flock -w 300 /m);
        const { log } = runHostScript(script, 'case "$3" in inspect) exit 1 ;; esac');
        expect(log[2]).toMatch(
            /^docker -H unix:\/\/\/run\/d\.sock run -d .* --mount type=bind,source=\/run\/d\.sock,target=\/var\/run\/docker\.sock /,
        );
    });
});

describe("the agent's script", () => {
    /** The agent's functions (everything before its loop) run with a stand-in `docker`, in a scratch RUN directory. */
    function runAgentFunctions(calls: string, docker: string, leases: string[]): string[] {
        const script = renderAgentScript(AGENT);
        const functions = script
            .slice(0, script.indexOf("trap "))
            .replace(/^RUN=.*$/m, "RUN=$(mktemp -d)")
            .split('"/leases/')
            .join('"$LEASES/');
        const stub = `docker() { echo "docker $*" >>"$LOG"; ${docker}; }\nsetsid() { echo "setsid $*" >>"$LOG"; }\n`;
        const setup = `LOG=$(mktemp); LEASES=$(mktemp -d); for p in ${leases.join(" ")}; do : >"$LEASES/$p"; done\n`;
        const log = execFileSync("sh", ["-c", `${setup}${stub}${functions}\n${calls}\ncat "$LOG"; rm -rf "$LOG" "$RUN" "$LEASES"`], {
            encoding: "utf8",
        });
        return log.split("\n").filter((l) => /^(docker|setsid|ran|kill) /.test(l));
    }

    test("is valid sh", () => {
        expect(() => execFileSync("sh", ["-n"], { input: renderAgentScript(AGENT) })).not.toThrow();
    });

    test("starts a guardian per claim of its own; a claim whose pod label is not a pod name is ignored", () => {
        const ps = [
            "c1 good-pod_guardian good-pod",
            "c2 x_guardian ../../etc",
            "c3 a_guardian a b",
            "c4 _guardian ",
            "c5 Evil_Pod_guardian Evil_Pod",
            "c6 other-pod_guardian other-pod",
            // Named for another pod: it would take that pod's wake-ups.
            "c7 forged good-pod",
            // No lease: not made yet, or being destroyed.
            "c8 no-lease_guardian no-lease",
        ].join("\\n");
        const log = runAgentFunctions(
            'sync_claims; ls "$RUN" | sed \'s/^/ran /\' >>"$LOG"',
            `case "$1" in ps) printf '${ps}\\n' ;; inspect) echo "echo guardian of $4" ;; esac`,
            ["good-pod", "other-pod"],
        );
        // Only its own claims are listed: the agent's label and the claim role filter the daemon's answer.
        expect(log[0]).toBe(
            `docker ps -a --no-trunc --filter label=dockerpod.role=guardian --filter label=dockerpod.agent=${AGENT} --format {{.ID}} {{.Names}} {{.Label "dockerpod.pod"}}`,
        );
        expect(log.filter((l) => l.startsWith("setsid"))).toEqual([
            expect.stringMatching(/^setsid sh .*\/c1\.sh$/),
            expect.stringMatching(/^setsid sh .*\/c6\.sh$/),
        ]);
        expect(log.filter((l) => l.startsWith("ran "))).toEqual(
            expect.arrayContaining(["ran c1.pid", "ran c1.pod", "ran c1.sh", "ran c6.pid", "ran pod.good-pod", "ran pod.other-pod"]),
        );
        expect(log.filter((l) => /^ran .*(c2|c3|c4|c5|c7|c8|etc|Evil|no-lease)/.test(l))).toEqual([]);
    });

    test("a claim that is gone, or whose lease is gone, stops its guardian; a wake names only a pod it runs", () => {
        const calls = [
            'kill() { echo "kill $*" >>"$LOG"; }',
            'echo 4242 >"$RUN/gone.pid"; echo old-pod >"$RUN/gone.pod"; echo gone >"$RUN/pod.old-pod"; : >"$RUN/gone.sh"',
            'echo 4343 >"$RUN/c2.pid"; echo leaving >"$RUN/c2.pod"; echo c2 >"$RUN/pod.leaving"; : >"$RUN/c2.sh"',
            "sync_claims",
            "wake '../gone'; wake 'old-pod'; wake 'leaving'; wake 'good-pod'",
            'ls "$RUN" | sed \'s/^/ran /\' >>"$LOG"',
        ].join("\n");
        const log = runAgentFunctions(
            calls,
            `case "$1" in ps) printf 'c1 good-pod_guardian good-pod\\nc2 leaving_guardian leaving\\n' ;; inspect) echo "echo hi" ;; esac`,
            ["good-pod"],
        );
        // Each stopped guardian's process group is stopped and its files removed; a wake of a pod it ran finds nothing.
        expect(log.filter((l) => l.startsWith("kill "))).toEqual([
            "kill -TERM -- -4343",
            "kill -TERM -- -4242",
            expect.stringMatching(/^kill -USR1 \d+$/),
        ]);
        expect(log.filter((l) => l.startsWith("ran "))).toEqual([
            "ran c1.pid",
            "ran c1.pod",
            "ran c1.sh",
            "ran claims",
            "ran pod.good-pod",
        ]);
    });

    test("when its event stream comes back, every guardian it runs is woken: what the stream missed is theirs to find", () => {
        const calls = ['kill() { echo "kill $*" >>"$LOG"; }', 'echo 4242 >"$RUN/c1.pid"; echo 4343 >"$RUN/c2.pid"', "wake_all"].join("\n");
        expect(runAgentFunctions(calls, "true", [])).toEqual(["kill -USR1 4242", "kill -USR1 4343"]);
        // Once the first stream is up (the guardians were just started), after each reconnect.
        expect(renderAgentScript(AGENT)).toMatch(/sync_claims\n {2}\[ -z "\$listened" \] \|\| wake_all\n {2}listened=1\n/);
    });
});

test("every valid pod name passes the agent's own check of a pod label ([a-z0-9-])", () => {
    for (const name of ["a", "web-1", "0abc", "x".repeat(40)]) {
        expect(isDns1123Label(name)).toBe(true);
        expect(renderAgentScript(AGENT)).toContain('*[!a-z0-9-]*) log "ignoring claim');
        expect(name).toMatch(/^[a-z0-9-]+$/);
    }
});
