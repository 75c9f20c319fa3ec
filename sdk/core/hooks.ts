// What the kubelet does around a container's start and stop, as host scripts:
// the postStart hook, the startup probe and the wait for readiness after a
// start; the preStop hook and the stop within the grace before a delete. A
// Command on the Docker host runs them (`docker exec` into the container, or
// into its prober for httpGet and tcpSocket probes), so the app's image needs
// nothing for them. The guardian runs the same lines after its restarts.
// Every name was validated and every command argument is quoted.
import { ContainerSpec, HookSpec, PayloadSpec, ProbeSpec } from "./container";
import { proberName, shellQuote, stoppingName } from "./names";
import { becomeRoot, dockerCli } from "./render";
import { RestartPolicy } from "../types";

/** The container needs a start script: a postStart hook or a startup probe. */
export function hasStartHooks(c: ContainerSpec): boolean {
    return c.lifecycle.postStart !== undefined || c.startupProbe !== undefined;
}

/** The container needs a hooks Command: a start script, or a preStop hook. */
export function hasHooks(c: ContainerSpec): boolean {
    return hasStartHooks(c) || c.lifecycle.preStop !== undefined;
}

/** Seconds `up` gives a readiness probe to pass once the container is started. */
export function readinessBudgetSeconds(p: ProbeSpec): number {
    return p.initialDelaySeconds + (p.periodSeconds + p.timeoutSeconds) * p.failureThreshold + 5;
}

/**
 * After a preStop hook, the kubelet gives the container at least 2 s to stop
 * (its minimumGracePeriodInSeconds), even when the hook used the whole grace.
 */
export const MINIMUM_STOP_AFTER_HOOK_SECONDS = 2;

/** A hook's command line: `docker exec` into the container (with the given docker command line), or a wait on the host. */
export function hookLine(docker: string, container: string, hook: HookSpec): string {
    return hook.exec ? `${docker} exec -- ${container} ${hook.exec.map(shellQuote).join(" ")}` : `sleep ${hook.sleepSeconds}`;
}

/** Where a probe runs: the container, or its prober (httpGet and tcpSocket). */
function probeTarget(c: ContainerSpec, p: ProbeSpec): string {
    return p.runsIn === "prober" ? proberName(c.dockerName) : c.dockerName;
}

/** A probe's command line, bounded by its timeout: in the container, or in its prober. */
export function probeLine(docker: string, c: ContainerSpec, p: ProbeSpec): string {
    return `timeout ${p.timeoutSeconds} ${docker} exec -- ${probeTarget(c, p)} ${p.command.map(shellQuote).join(" ")}`;
}

/**
 * Shell lines that run a preStop hook cut off at the grace (at least 1 s: a
 * grace of 0 is refused with a preStop hook, and `timeout 0` would not cut it
 * off) and set `code` and `out`, its exit code and output, and `left`, the
 * seconds the stop after it gets: what is left of the grace, at least
 * MINIMUM_STOP_AFTER_HOOK_SECONDS. Hook and SIGTERM share the grace, as in Kubernetes.
 */
export function preStopLines(docker: string, container: string, hook: HookSpec, graceSeconds: number): string[] {
    return [
        `began=$(date +%s)`,
        `out=$(timeout ${graceSeconds} ${hookLine(docker, container, hook)} 2>&1); code=$?`,
        `left=$(( ${graceSeconds} - ($(date +%s) - began) )); [ "$left" -ge ${MINIMUM_STOP_AFTER_HOOK_SECONDS} ] || left=${MINIMUM_STOP_AFTER_HOOK_SECONDS}`,
    ];
}

function preamble(c: ContainerSpec, sudo: boolean, socket: string | undefined): string[] {
    return [
        "#!/bin/sh",
        "set -u",
        `fail() { echo "dockerpod: $*" >&2; exit 1; }`,
        becomeRoot(sudo),
        `dk() { ${dockerCli(socket)} "$@"; }`,
        `CONTAINER=${shellQuote(c.dockerName)}`,
        // The last 2000 bytes of an output, enough to say why without flooding the up's log.
        `tailOf() { printf '%s' "$1" | tail -c 2000; }`,
    ];
}

/**
 * After the container is created and started: its postStart hook, its startup
 * probe as the kubelet runs it, then the wait for its readiness probe (the
 * Docker healthcheck of the container or of its prober). Each failure names
 * the container and carries the last output; the container is stopped when
 * its hook or startup probe failed, as the kubelet kills it.
 */
export function renderStartScript(p: PayloadSpec): string {
    const c = p.container;
    const socket = p.host.dockerSocket;
    const lines = preamble(c, p.host.sudo, socket);
    const stop = `dk stop -t ${p.graceSeconds} -- "$CONTAINER" >/dev/null 2>&1`;
    lines.push(`if [ "$(dk inspect --format '{{.State.Running}}' -- "$CONTAINER" 2>/dev/null)" != true ]; then`);
    if (c.sidecar || p.restartPolicy === RestartPolicy.Always) {
        // Stopped after a failed hook or probe: the next `up` starts it again, as Docker's policy would.
        lines.push(`  dk start -- "$CONTAINER" >/dev/null || fail "could not start container $CONTAINER"`);
    } else {
        // It ran to its end (or a failed hook or probe stopped it): starting it would run it twice.
        lines.push(
            `  fail "container $CONTAINER is not running (exit code $(dk inspect --format '{{.State.ExitCode}}' -- "$CONTAINER" 2>/dev/null)), ` +
                `so its hooks and startup probe cannot run, and with restartPolicy ${p.restartPolicy} it is not started again; ` +
                `if a failed hook or probe stopped it, fix it and run up: the change replaces the container"`,
        );
    }
    lines.push(`fi`);
    const postStart = c.lifecycle.postStart;
    if (postStart) {
        lines.push(
            `echo "running the postStart hook of $CONTAINER"`,
            `out=$(${hookLine(dockerCli(socket), '"$CONTAINER"', postStart)} 2>&1); code=$?`,
            `if [ "$code" -ne 0 ]; then`,
            `  ${stop}`,
            `  fail "the postStart hook of container $CONTAINER failed (exit $code), so the container was stopped, as the kubelet kills it; ` +
                `fix the hook and run up again, which starts the container and runs the hook again. The hook's output: $(tailOf "$out")"`,
            `fi`,
        );
    }
    const startup = c.startupProbe;
    if (startup) {
        lines.push(
            `echo "waiting for the startup probe of $CONTAINER (at most ${startup.failureThreshold} failures, every ${startup.periodSeconds} s)"`,
            `sleep ${startup.initialDelaySeconds}`,
            `fails=0`,
            `while :; do`,
            // `timeout` runs a program, not the shell function: the docker command line itself.
            `  out=$(${probeLine(dockerCli(socket), c, startup)} 2>&1); code=$?`,
            `  [ "$code" -eq 0 ] && break`,
            `  [ "$code" -eq 124 ] && out="timed out after ${startup.timeoutSeconds} s"`,
            `  fails=$((fails + 1))`,
            `  if [ "$fails" -ge ${startup.failureThreshold} ]; then`,
            `    ${stop}`,
            `    fail "the startup probe of container $CONTAINER failed ${startup.failureThreshold} times in a row (every ${startup.periodSeconds} s), ` +
                `so the container was stopped, as the kubelet kills it; the probe's last output (exit $code): $(tailOf "$out")"`,
            `  fi`,
            `  sleep ${startup.periodSeconds}`,
            `done`,
            `echo "startup probe of $CONTAINER passed"`,
        );
    }
    const readiness = c.readinessProbe;
    if (readiness) {
        const budget = readinessBudgetSeconds(readiness);
        lines.push(
            `TARGET=${shellQuote(probeTarget(c, readiness))}`,
            `deadline=$(( $(date +%s) + ${budget} ))`,
            `until [ "$(dk inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' -- "$TARGET" 2>/dev/null)" = healthy ]; do`,
            `  if [ "$(date +%s)" -ge "$deadline" ]; then`,
            // Docker keeps the last results; the last one says why.
            `    last=$(dk inspect --format '{{range .State.Health.Log}}{{println "@@dockerpod@@"}}exit {{.ExitCode}}: {{.Output}}{{end}}' -- "$TARGET" 2>/dev/null |`,
            `      sed -n -e '/^@@dockerpod@@$/h' -e '/^@@dockerpod@@$/!H' -e '$x' -e '$s/^@@dockerpod@@\\n//' -e '$p')`,
            `    fail "container $CONTAINER is not ready: its readiness probe did not pass within ${budget} s; the probe's last output: $(tailOf "$last")"`,
            `  fi`,
            `  sleep 1`,
            `done`,
            `echo "$CONTAINER is ready"`,
        );
    }
    return lines.join("\n") + "\n";
}

/**
 * Before the container is deleted: its preStop hook, cut off at the grace,
 * then a stop with what is left of the grace (see preStopLines). A failing
 * hook is reported and the stop goes on, as in Kubernetes. The container is
 * renamed first (see stoppingName); the provider removes it by id.
 */
export function renderStopScript(p: PayloadSpec): string {
    const c = p.container;
    const socket = p.host.dockerSocket;
    return (
        [
            ...preamble(c, p.host.sudo, socket),
            // Out of the guardian's sight first: it would start the stopped container again before its removal.
            `dk rename -- "$CONTAINER" ${shellQuote(stoppingName(c.dockerName))} 2>/dev/null && CONTAINER=${shellQuote(stoppingName(c.dockerName))}`,
            `if [ "$(dk inspect --format '{{.State.Running}}' -- "$CONTAINER" 2>/dev/null)" != true ]; then`,
            `  echo "$CONTAINER is not running: no preStop hook to run"; exit 0`,
            `fi`,
            `echo "running the preStop hook of $CONTAINER"`,
            ...preStopLines(dockerCli(socket), '"$CONTAINER"', c.lifecycle.preStop!, p.graceSeconds),
            `[ "$code" -eq 0 ] || echo "dockerpod: the preStop hook of container $CONTAINER failed (exit $code); it is stopped anyway, as the kubelet does. The hook's output: $(tailOf "$out")" >&2`,
            `dk stop -t "$left" -- "$CONTAINER" >/dev/null || true`,
        ].join("\n") + "\n"
    );
}

/**
 * The hooks Command's create without a start hook, and its update: a hook runs
 * only after its container's start or before its removal (a changed hook
 * replaces the container, and so the Command).
 */
export const NOTHING_TO_RUN_SCRIPT =
    "#!/bin/sh\necho 'dockerpod: nothing to run now: hooks run after the container starts and before it is removed'\n";
