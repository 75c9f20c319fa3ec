import { execFileSync } from "child_process";
import { renderGuardianScript } from "../../../sdk/core/guardian";
import { checkPod } from "../../../sdk/core/pod";

const healing = checkPod("foo", {
    heal: true,
    terminationGracePeriodSeconds: 3,
    host: { cgroupDriver: "cgroupfs" },
    initContainers: [{ name: "setup", image: "busybox" }],
    containers: [
        {
            name: "app",
            image: "busybox",
            livenessProbe: { exec: { command: ["sh", "-c", "test -f '/tmp/ok'"] }, periodSeconds: 2, failureThreshold: 2 },
        },
        { name: "sidecar", image: "busybox" },
    ],
});

const hooked = checkPod("foo", {
    heal: true,
    terminationGracePeriodSeconds: 5,
    host: { cgroupDriver: "cgroupfs" },
    initContainers: [{ name: "proxy", image: "busybox", restartPolicy: "Always", lifecycle: { preStop: { sleep: { seconds: 1 } } } }],
    containers: [
        {
            name: "app",
            image: "busybox",
            startupProbe: { httpGet: { port: 8080, path: "/started" }, periodSeconds: 1, failureThreshold: 30 },
            livenessProbe: { exec: { command: ["true"] } },
            lifecycle: { postStart: { exec: { command: ["touch", "/tmp/it's started"] } }, preStop: { exec: { command: ["drain"] } } },
        },
    ],
});

/**
 * The guardian's functions (everything before its loop) with a stand-in
 * `docker` that logs each call and answers `inspect` as told.
 */
function runGuardianFunctions(
    script: string,
    calls: string,
    docker: string,
    keep = /^(docker (exec|start|stop|restart)|sleep|start failed|log )/,
): string[] {
    const functions = script.slice(0, script.indexOf('log "watching pod'));
    // A clock that stands still, so what is left of a grace never depends on a second boundary.
    const stub =
        `docker() { echo "docker $*" >>"$LOG"; ${docker}; }\ntimeout() { echo "timeout $1" >>"$LOG"; shift; "$@"; }\n` +
        `sleep() { echo "sleep $*" >>"$LOG"; }\ndate() { case "$1" in +%s) echo 1000 ;; *) command date "$@" ;; esac; }\n`;
    const log = execFileSync("sh", ["-c", `LOG=$(mktemp); ${stub}${functions}\n${calls}\ncat "$LOG"; rm -f "$LOG"`], {
        encoding: "utf8",
    });
    // What the functions did: the stand-ins' lines (log lines go to stdout too).
    return log
        .trim()
        .split("\n")
        .filter((line) => keep.test(line));
}

describe("guardian script", () => {
    test("snapshot", () => {
        expect(renderGuardianScript(healing)).toMatchSnapshot();
    });

    test("is valid POSIX sh", () => {
        expect(() => execFileSync("sh", ["-n"], { input: renderGuardianScript(healing) })).not.toThrow();
        expect(() => execFileSync("sh", ["-n"], { input: renderGuardianScript(hooked) })).not.toThrow();
    });

    test("snapshot with hooks and a startup probe", () => {
        expect(renderGuardianScript(hooked)).toMatchSnapshot();
    });

    test("a restart runs the preStop hook, restarts with what is left of the grace, then runs the postStart hook", () => {
        const log = runGuardianFunctions(renderGuardianScript(hooked), "restart_container foo_app", "return 0");
        expect(log).toEqual([
            "docker exec -- foo_app drain",
            "docker restart -t 5 -- foo_app",
            "docker exec -- foo_app touch /tmp/it's started",
        ]);
        // A sidecar's sleep hook waits on the host; a container without hooks is only restarted.
        expect(runGuardianFunctions(renderGuardianScript(hooked), "restart_container foo_proxy", "return 0")).toEqual([
            "sleep 1",
            "docker restart -t 5 -- foo_proxy",
        ]);
    });

    test("after a new sandbox, the probers are restarted first: they held the old network namespace too", () => {
        // The pod's one inspect call answers for every container it names: the sandbox started after the rest.
        const olderThanSandbox = `case "$1" in inspect) for n; do case "$n" in
            foo_sandbox) echo "/$n true 2026-01-01T00:00:02.5Z 0" ;; foo_*) echo "/$n true 2026-01-01T00:00:01.5Z 0" ;; esac; done ;; esac`;
        expect(runGuardianFunctions(renderGuardianScript(hooked), "reconcile", olderThanSandbox, /^docker restart/)).toEqual([
            "docker restart -t 2 -- foo_app.probe",
            "docker restart -t 5 -- foo_proxy",
            "docker restart -t 5 -- foo_app",
        ]);
        // A pod without httpGet or tcpSocket probes has none.
        expect(renderGuardianScript(healing)).toContain("PROBERS=''");
    });

    /**
     * A stand-in daemon with state: a file per container ("running startedAt
     * exitCode"); start and stop change it, each start one second later than
     * the last; a stop leaves `exit` as the exit code.
     */
    const statefulDocker = (exit: number) => `
        case "$1" in
          inspect) for n; do [ ! -f "$ST/$n" ] || echo "/$n $(cat "$ST/$n")"; done ;;
          start) shift; [ "$1" != -a ] || shift; shift
            t=$(cat "$ST/.clock"); echo $((t + 1)) >"$ST/.clock"; echo "true 2026-01-01T00:00:$t.5Z 0" >"$ST/$1" ;;
          stop) shift 3; for n; do echo "false 2026-01-01T00:00:01.5Z ${exit}" >"$ST/$n"; done ;;
        esac`;
    const deadSandbox = [
        'ST=$(mktemp -d); echo 20 >"$ST/.clock"',
        'echo "false 2026-01-01T00:00:01.5Z 137" >"$ST/foo_sandbox"',
        'echo "false 2026-01-01T00:00:01.5Z 0" >"$ST/foo_setup"',
        'for n in foo_app foo_sidecar; do echo "true 2026-01-01T00:00:01.6Z 0" >"$ST/$n"; done',
        "reconcile",
        'for n in foo_app foo_sidecar; do echo "after $n $(cut -d" " -f1 "$ST/$n")" >>"$LOG"; done; rm -rf "$ST"',
    ].join("\n");

    test("a dead sandbox: its containers get SIGTERM and 1 s (no preStop) while it starts; the init reruns; the apps start side by side", () => {
        const log = runGuardianFunctions(
            renderGuardianScript(healing),
            deadSandbox,
            statefulDocker(143),
            /^(docker (start|stop|restart)|after)/,
        );
        // The stop runs in the background, beside the sandbox's start.
        const stop = log.indexOf("docker stop -t 1 -- foo_app foo_sidecar");
        expect(stop).toBeGreaterThanOrEqual(0);
        expect(log.filter((line) => line !== log[stop]).slice(0, 2)).toEqual([
            "docker start -- foo_sandbox",
            "docker start -a -- foo_setup",
        ]);
        // The apps start only once their stop is over, in either order.
        expect(log.slice(-4, -2).sort()).toEqual(["docker start -- foo_app", "docker start -- foo_sidecar"]);
        expect(stop).toBeLessThan(log.length - 4);
        expect(log.slice(-2)).toEqual(["after foo_app true", "after foo_sidecar true"]);
        expect(log.filter((line) => line.startsWith("docker restart"))).toEqual([]);
    });

    test("under restartPolicy OnFailure, an app that exited 0 on the guardian's SIGTERM still comes back", () => {
        const onFailure = checkPod("foo", {
            heal: true,
            restartPolicy: "OnFailure",
            terminationGracePeriodSeconds: 3,
            host: { cgroupDriver: "cgroupfs" },
            initContainers: [{ name: "setup", image: "busybox" }],
            containers: [
                { name: "app", image: "busybox" },
                { name: "sidecar", image: "busybox" },
            ],
        });
        const log = runGuardianFunctions(renderGuardianScript(onFailure), deadSandbox, statefulDocker(0), /^after/);
        expect(log).toEqual(["after foo_app true", "after foo_sidecar true"]);
    });

    test("an app that exited 0 by itself stays down under OnFailure; a failed one is started", () => {
        const onFailure = checkPod("foo", {
            heal: true,
            restartPolicy: "OnFailure",
            host: { cgroupDriver: "cgroupfs" },
            containers: [
                { name: "done", image: "busybox" },
                { name: "failed", image: "busybox" },
            ],
        });
        const calls = [
            'ST=$(mktemp -d); echo 20 >"$ST/.clock"',
            'echo "true 2026-01-01T00:00:01.5Z 0" >"$ST/foo_sandbox"',
            'echo "false 2026-01-01T00:00:02.5Z 0" >"$ST/foo_done"',
            'echo "false 2026-01-01T00:00:02.5Z 3" >"$ST/foo_failed"',
            'reconcile; rm -rf "$ST"',
        ].join("\n");
        expect(runGuardianFunctions(renderGuardianScript(onFailure), calls, statefulDocker(0), /^docker (start|stop|restart)/)).toEqual([
            "docker start -- foo_failed",
        ]);
    });

    test("after a settled reconcile the guardian looks again in 30 s (events wake it first); after a failed start, in 10 s", () => {
        const plain = checkPod("foo", {
            heal: true,
            host: { cgroupDriver: "cgroupfs" },
            containers: [{ name: "app", image: "busybox" }],
        });
        const script = renderGuardianScript(plain);
        const pod = (app: string) =>
            [
                'ST=$(mktemp -d); echo 20 >"$ST/.clock"',
                'echo "true 2026-01-01T00:00:01.5Z 0" >"$ST/foo_sandbox"',
                `echo "${app}" >"$ST/foo_app"`,
                'reconcile; next_wake; echo "next $WAIT" >>"$LOG"; rm -rf "$ST"',
            ].join("\n");
        // Running in the live sandbox: nothing to do.
        expect(runGuardianFunctions(script, pod("true 2026-01-01T00:00:02.5Z 0"), statefulDocker(0), /^(docker start|next)/)).toEqual([
            "next 30",
        ]);
        // Exited: started, and settled.
        expect(runGuardianFunctions(script, pod("false 2026-01-01T00:00:02.5Z 1"), statefulDocker(0), /^(docker start|next)/)).toEqual([
            "docker start -- foo_app",
            "next 30",
        ]);
        // Its start fails: the guardian tries again sooner.
        const failingStart = `case "$1" in start) return 1 ;; *) ${statefulDocker(0)} ;; esac`;
        expect(runGuardianFunctions(script, pod("false 2026-01-01T00:00:02.5Z 1"), failingStart, /^(docker start|next)/)).toEqual([
            "docker start -- foo_app",
            "next 10",
        ]);
    });

    test("a liveness probe of a container that was down waits its period from the start that woke the guardian, not the next resync", () => {
        const script = renderGuardianScript(healing);
        const calls = [
            'log() { echo "log $*" >>"$LOG"; }; ST=$(mktemp -d); echo false >"$ST/running"',
            'EVENT=; probe_1; echo "next $NEXT_1" >>"$LOG"', // down: looked at again at the resync, or when an event comes
            'echo true >"$ST/running"; EVENT=; probe_1', // no event: not looked at before then
            'EVENT=1; probe_1; echo "next $NEXT_1" >>"$LOG"', // its start woke the guardian: period 2 s from now
            "EVENT=; probe_1", // not due yet
            'rm -rf "$ST"',
        ].join("\n");
        const docker = 'case "$1" in inspect) cat "$ST/running" ;; exec) return 1 ;; esac';
        expect(runGuardianFunctions(script, calls, docker, /^(docker (inspect|exec)|next|log)/)).toEqual([
            "docker inspect --format {{.State.Running}} -- foo_app",
            "next 1030",
            "docker inspect --format {{.State.Running}} -- foo_app",
            "next 1002",
        ]);
    });

    test("a preStop hook is cut off at the grace; the restart after it still gets 2 s (the kubelet's minimum)", () => {
        const withGrace = (terminationGracePeriodSeconds: number) =>
            checkPod("foo", {
                heal: true,
                terminationGracePeriodSeconds,
                host: { cgroupDriver: "cgroupfs" },
                containers: [
                    { name: "app", image: "busybox", lifecycle: { preStop: { exec: { command: ["drain"] } } } },
                    { name: "plain", image: "busybox" },
                ],
            });
        const keep = /^(timeout|docker (exec|restart))/;
        expect(runGuardianFunctions(renderGuardianScript(withGrace(5)), "restart_container foo_app", "return 0", keep)).toEqual([
            "timeout 5",
            "docker exec -- foo_app drain",
            "docker restart -t 5 -- foo_app",
        ]);
        expect(runGuardianFunctions(renderGuardianScript(withGrace(1)), "restart_container foo_app", "return 0", keep)).toEqual([
            "timeout 1",
            "docker exec -- foo_app drain",
            "docker restart -t 2 -- foo_app",
        ]);
        // A container without a preStop hook keeps the pod's grace.
        expect(runGuardianFunctions(renderGuardianScript(withGrace(1)), "restart_container foo_plain", "return 0", keep)).toEqual([
            "docker restart -t 1 -- foo_plain",
        ]);
    });

    test("a failing postStart hook stops the container again, as the kubelet kills it", () => {
        const log = runGuardianFunctions(
            renderGuardianScript(hooked),
            "start_container foo_app || echo 'start failed' >>\"$LOG\"",
            '[ "$1" = exec ] && return 7; return 0',
        );
        expect(log).toEqual([
            "docker start -- foo_app",
            "docker exec -- foo_app touch /tmp/it's started",
            "docker stop -t 5 -- foo_app",
            "start failed",
        ]);
    });

    test("a failing postStart hook holds the container back 10 s, then 20 s, ...; a passing one resets it", () => {
        const calls = [
            'log() { echo "log $*" >>"$LOG"; }',
            'post_start foo_app; held foo_app && echo \'held 10\' >>"$LOG"; echo "delay $DELAY_2" >>"$LOG"',
            'post_start foo_app; echo "delay $DELAY_2" >>"$LOG"',
            "HOLD_2=0; held foo_app || echo 'released' >>\"$LOG\"",
            "held foo_proxy || echo 'no hook, never held' >>\"$LOG\"",
            'OK=1; post_start foo_app; echo "delay $DELAY_2" >>"$LOG"',
        ].join("\n");
        const log = runGuardianFunctions(
            renderGuardianScript(hooked),
            calls,
            '[ "$1" = exec ] && [ -z "$OK" ] && return 7; return 0',
            /^(delay|held|released|no hook|log )/,
        );
        expect(log).toEqual([
            "log the postStart hook of foo_app failed (exit 7): stopping it, as the kubelet kills it; starting it again in 10 s",
            "held 10",
            "delay 10",
            "log the postStart hook of foo_app failed (exit 7): stopping it, as the kubelet kills it; starting it again in 20 s",
            "delay 20",
            "released",
            "no hook, never held",
            "delay 0",
        ]);
    });

    test("liveness waits for the startup probe of the current start; the probe runs in the prober", () => {
        const script = renderGuardianScript(hooked);
        // The guardian begins with the start `up` saw pass; a new start runs the startup probe first.
        const calls = [
            'GRACE=5; log() { echo "log $*" >>"$LOG"; }',
            "STARTED_2=old; SEEN_2=old; SFAIL_2=0; NEXT_2=0; FAIL_2=0",
            "probe_2", // sees the new start: waits initialDelaySeconds (0)
            "probe_2", // the startup probe (fails: the stand-in exec fails)
        ].join("\n");
        const log = runGuardianFunctions(
            script,
            calls,
            'case "$1" in inspect) case "$*" in *StartedAt*) echo new ;; *) echo true ;; esac ;; exec) return 1 ;; esac',
        );
        expect(log).toEqual([
            "docker exec -- foo_app.probe wget -q -O /dev/null http://127.0.0.1:8080/started",
            "log startup probe of foo_app failed (1/30)",
        ]);
    });

    test("a guardian that (re)starts probes the start it finds before liveness: after a reboot it cannot know that start passed", () => {
        const log = runGuardianFunctions(
            renderGuardianScript(hooked),
            'log() { echo "log $*" >>"$LOG"; }; probe_2; probe_2; probe_2',
            'case "$1" in inspect) case "$*" in *StartedAt*) echo boot ;; *) echo true ;; esac ;; esac',
        );
        expect(log).toEqual([
            "docker exec -- foo_app.probe wget -q -O /dev/null http://127.0.0.1:8080/started",
            "log startup probe of foo_app passed",
            "docker exec -- foo_app true",
        ]);
    });

    test("quotes probe arguments; never interpolates them", () => {
        expect(renderGuardianScript(healing)).toContain(`docker exec -- foo_app 'sh' '-c' 'test -f '\\''/tmp/ok'\\'''`);
    });

    test("liveness probes need heal", () => {
        expect(() =>
            checkPod("foo", { containers: [{ name: "app", image: "x", livenessProbe: { exec: { command: ["true"] } } }] }),
        ).toThrow(/livenessProbe: needs heal: true/);
    });

    test("start times sort as text once padded to nanoseconds", () => {
        const normalize = renderGuardianScript(healing).match(/snapshot\(\) \{\n[^\n]*\n\s*sed ([^\n]*)\)/)![1];
        const run = (line: string) => execFileSync("sh", ["-c", `echo '${line}' | sed ${normalize}`], { encoding: "utf8" }).trim();
        expect(run("/foo_app true 2026-11-27T04:51:32.1Z 0")).toBe("/foo_app true 2026-11-27T04:51:32.100000000Z 0");
        expect(run("/foo_app true 2026-11-27T04:51:32.123456789Z 0")).toBe("/foo_app true 2026-11-27T04:51:32.123456789Z 0");
        expect(run("/foo_app false 0001-01-01T00:00:00Z 137")).toBe("/foo_app false 0001-01-01T00:00:00.000000000Z 137");
    });
});
