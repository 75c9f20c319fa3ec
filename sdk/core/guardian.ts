// The guardian: a small reconcile loop that makes a pod heal like a
// Kubernetes pod on a plain Docker host. Docker restarts a dead sandbox (its
// restart policy), but the containers joined to it keep the old, empty
// network namespace (moby#24935). The guardian notices a sandbox that is down
// or started after its containers, brings the sandbox back, reruns the init
// containers in order, restarts the app containers so they join the new
// namespaces, and restarts containers whose liveness (or startup) probe keeps
// failing, running their preStop hook before and their postStart hook after.
//
// It runs as `sh` with the Docker CLI, talks to the daemon through its socket
// (which is root on that host), and never creates or removes a container:
// what is missing is Pulumi's to recreate. Rendered here, as text, so the
// script is snapshot-tested; every name in it was validated, every probe
// argument is quoted.
import { hookLine, preStopLines, probeLine } from "./hooks";
import { PROBER_STOP_SECONDS } from "./container";
import { proberName, sandboxName, shellQuote } from "./names";
import { PodSpec } from "./pod";

/** The kubelet's back-off before starting a container again: first delay and cap, in seconds. */
export const BACKOFF_FIRST_SECONDS = 10;
export const BACKOFF_MAX_SECONDS = 300;

/**
 * Seconds between reconciles when nothing wakes the guardian first. The host's
 * guardian agent wakes it on every start, stop and restart of the pod's
 * containers (Docker's events, and all guardians when its event stream comes
 * back), and a probe or a back-off wakes it on time, so this only bounds how
 * long a missed event goes unnoticed, as the kubelet's evented PLEG relists
 * now and then. Each look is a Docker CLI call, the largest memory a guardian
 * costs its agent while it lasts: with ten pods, one every 3 s.
 */
export const GUARDIAN_RESYNC_SECONDS = 30;

/** Seconds before the guardian looks again after a reconcile that left something undone (a start that failed, a pod down). */
export const GUARDIAN_RETRY_SECONDS = 10;

/**
 * Seconds a container whose sandbox died gets between SIGTERM and SIGKILL
 * (at most the pod's grace), with no preStop hook. Its network namespace is
 * gone: nothing reaches it and it reaches nothing, so a hook could do nothing
 * useful and a longer wait only lengthens the outage. The kubelet gives the
 * full grace and runs preStop here; an app that ignores SIGTERM (a shell or
 * `httpd -f` as PID 1) would keep the pod down for all of it.
 */
export const ORPHAN_GRACE_SECONDS = 1;

export function renderGuardianScript(spec: PodSpec): string {
    const names = (list: PodSpec["containers"]) => list.map((c) => c.dockerName).join(" ");
    const running = [...spec.initContainers.filter((c) => c.sidecar), ...spec.containers];
    const probes = running.flatMap((c, i) => {
        const live = c.livenessProbe;
        const startup = c.startupProbe;
        if (!live && !startup) return [];
        const n = i + 1;
        const quoted = shellQuote(c.dockerName);
        const startedAt = `docker inspect --format '{{.State.StartedAt}}' -- ${quoted} 2>/dev/null`;
        // Until the startup probe passed for the container's current start, liveness waits (as the kubelet's does).
        const startupGate = startup
            ? [
                  `  started=$(${startedAt})`,
                  `  if [ "$STARTED_${n}" != "$started" ]; then`,
                  `    if [ "$SEEN_${n}" != "$started" ]; then SEEN_${n}=$started; SFAIL_${n}=0; NEXT_${n}=$((now + ${startup.initialDelaySeconds})); return 0; fi`,
                  `    NEXT_${n}=$((now + ${startup.periodSeconds}))`,
                  `    if ${probeLine("docker", c, startup)} >/dev/null 2>&1; then STARTED_${n}=$started; NEXT_${n}=$now; log "startup probe of ${c.dockerName} passed"; return 0; fi`,
                  `    SFAIL_${n}=$((SFAIL_${n} + 1)); log "startup probe of ${c.dockerName} failed ($SFAIL_${n}/${startup.failureThreshold})"`,
                  `    if [ "$SFAIL_${n}" -ge ${startup.failureThreshold} ]; then`,
                  `      log "restarting ${c.dockerName}: its startup probe failed ${startup.failureThreshold} times in a row"`,
                  `      restart_container ${quoted} || log "could not restart ${c.dockerName}"`,
                  `    fi`,
                  `    return 0`,
                  `  fi`,
              ]
            : [];
        const liveness = live
            ? [
                  `  NEXT_${n}=$((now + ${live.periodSeconds}))`,
                  `  if ${probeLine("docker", c, live)} >/dev/null 2>&1; then FAIL_${n}=0; return 0; fi`,
                  `  FAIL_${n}=$((FAIL_${n} + 1)); log "liveness probe of ${c.dockerName} failed ($FAIL_${n}/${live.failureThreshold})"`,
                  `  if [ "$FAIL_${n}" -ge ${live.failureThreshold} ]; then`,
                  `    log "restarting ${c.dockerName}: its liveness probe failed ${live.failureThreshold} times in a row"`,
                  `    restart_container ${quoted} || log "could not restart ${c.dockerName}"`,
                  `    FAIL_${n}=0; NEXT_${n}=$((now + ${live.initialDelaySeconds} + ${live.periodSeconds}))`,
                  `  fi`,
              ]
            : [];
        return [
            {
                init: [
                    `NEXT_${n}=$(( $(date +%s) + ${live?.initialDelaySeconds ?? 0} )); FAIL_${n}=0; IDLE_${n}=`,
                    // The start the guardian finds is probed too: after a reboot or the guardian's own restart, it
                    // cannot know that start passed (right after `up`, one passing try).
                    ...(startup ? [`STARTED_${n}=; SEEN_${n}=; SFAIL_${n}=0`] : []),
                ].join("\n"),
                fn: [
                    `probe_${n}() { # ${c.dockerName}`,
                    // Not running (IDLE): its start (an event) wakes the guardian, which probes it then, else RESYNC.
                    `  now=$(date +%s); [ "$now" -ge "$NEXT_${n}" ] || { [ -n "$IDLE_${n}" ] && [ -n "$EVENT" ]; } || return 0`,
                    `  [ "$(docker inspect --format '{{.State.Running}}' -- ${quoted} 2>/dev/null)" = true ] || { IDLE_${n}=1; NEXT_${n}=$((now + RESYNC)); return 0; }`,
                    // Back from not running: a liveness probe waits its delay and period from now, as after its own restart.
                    startup || !live
                        ? `  IDLE_${n}=`
                        : `  [ -z "$IDLE_${n}" ] || { IDLE_${n}=; FAIL_${n}=0; NEXT_${n}=$((now + ${live.initialDelaySeconds} + ${live.periodSeconds})); return 0; }`,
                    ...startupGate,
                    ...liveness,
                    `}`,
                ].join("\n"),
                call: `probe_${n}`,
                n,
            },
        ];
    });
    // One case per container with the hook; `n` numbers it as the probes do.
    const hookCases = (hook: "postStart" | "preStop", line: (c: PodSpec["containers"][number], n: number) => string) =>
        running
            .flatMap((c, i) => (c.lifecycle[hook] !== undefined ? [`    ${shellQuote(c.dockerName)}) ${line(c, i + 1)} ;;\n`] : []))
            .join("");
    const preStops = hookCases("preStop", (c) =>
        [
            ...preStopLines("docker", '"$1"', c.lifecycle.preStop!, spec.graceSeconds),
            `[ "$code" -eq 0 ] || log "the preStop hook of $1 failed (exit $code); stopping it anyway. Its output: $(printf '%s' "$out" | tail -c 500)"`,
        ].join("\n      "),
    );
    // A container whose postStart hook failed is held back before its next start, as the kubelet's
    // CrashLoopBackOff does: 10 s, doubling up to 5 minutes; a hook that passes resets it.
    const postStarts = hookCases(
        "postStart",
        (c, n) =>
            `${hookLine("docker", '"$1"', c.lifecycle.postStart!)} >/dev/null 2>&1; code=$?\n` +
            `      if [ "$code" -eq 0 ]; then DELAY_${n}=0; return 0; fi\n` +
            `      if [ "\${DELAY_${n}:-0}" -gt 0 ]; then DELAY_${n}=$((DELAY_${n} * 2)); else DELAY_${n}=${BACKOFF_FIRST_SECONDS}; fi\n` +
            `      [ "$DELAY_${n}" -le ${BACKOFF_MAX_SECONDS} ] || DELAY_${n}=${BACKOFF_MAX_SECONDS}; HOLD_${n}=$(( $(date +%s) + DELAY_${n} ))\n` +
            `      log "the postStart hook of $1 failed (exit $code): stopping it, as the kubelet kills it; starting it again in $DELAY_${n} s"\n` +
            `      docker stop -t "$GRACE" -- "$1" >/dev/null; return 1`,
    );
    const holds = hookCases("postStart", (_c, n) => `[ "$(date +%s)" -lt "\${HOLD_${n}:-0}" ]; return`);
    // The containers with a postStart hook, numbered as the probes are.
    const hooked = running.flatMap((c, i) => (c.lifecycle.postStart !== undefined ? [{ name: c.dockerName, n: i + 1 }] : []));
    // What the loop's wait must not sleep past: each probe's next run, each back-off's end.
    const deadlines = [...probes.map((p) => `$NEXT_${p.n}`), ...hooked.map(({ n }) => `\${HOLD_${n}:-0}`)];
    const probers = running.flatMap((c) => (c.proberImage !== undefined ? [proberName(c.dockerName)] : []));
    return `#!/bin/sh
# dockerpod guardian for pod ${spec.podName}: heals the pod as the kubelet would.
# The agent sends USR1 when one of the pod's containers starts, dies or restarts: the wait ends at once. Set first:
# a USR1 before the trap would end the guardian. The line it writes ends a wait that begins after it.
WOKEN=
trap 'WOKEN=1; { echo >&9; } 2>/dev/null' USR1
# The guardian waits in a read of its own pipe, not in a sleep: no process per pod while it waits.
WAKE_PIPE=/tmp/dockerpod-guardian.$$
{ mkfifo "$WAKE_PIPE" && exec 9<>"$WAKE_PIPE"; } || { echo "guardian: cannot make $WAKE_PIPE" >&2; exit 1; }
rm -f "$WAKE_PIPE"
POD=${shellQuote(spec.podName)}
SANDBOX=${shellQuote(sandboxName(spec.podName))}
INITS=${shellQuote(names(spec.initContainers))}
SIDECARS=${shellQuote(names(spec.initContainers.filter((c) => c.sidecar)))}
APPS=${shellQuote(names(spec.containers))}
PROBERS=${shellQuote(probers.join(" "))}
HOOKED=${shellQuote(hooked.map(({ name }) => name).join(" "))}
RESTART=${shellQuote(spec.sandbox.restartPolicy)}
GRACE=${spec.graceSeconds}
ORPHAN_GRACE=${Math.min(ORPHAN_GRACE_SECONDS, spec.graceSeconds)}
RESYNC=${GUARDIAN_RESYNC_SECONDS}
RETRY=${GUARDIAN_RETRY_SECONDS}

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) guardian[$POD]: $*"; }

# One inspect call for the whole pod: "/name running startedAt exitCode" per container, startedAt padded to
# nanoseconds so it sorts as text.
snapshot() {
  STATES=$(docker inspect --format '{{.Name}} {{.State.Running}} {{.State.StartedAt}} {{.State.ExitCode}}' -- $SANDBOX $PROBERS $INITS $APPS 2>/dev/null |
    sed -e 's/Z / /' -e 's/\\(T[0-9:]*\\) /\\1. /' -e 's/\\.\\([0-9]*\\) /.\\1000000000 /' -e 's/\\(\\.[0-9]\\{9\\}\\)[0-9]* /\\1Z /')
}
# "running startedAt exitCode" of a container, from the last snapshot; nothing when it does not exist.
state() { printf '%s\\n' "$STATES" | while read -r n rest; do [ "$n" != "/$1" ] || echo "$rest"; done; }
before() { expr "$1" \\< "$2" >/dev/null; }
is_in() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }
# Waits for a background job even when a wake-up signal interrupts the wait; its status is the job's.
wait_for() { while :; do wait "$1"; job_status=$?; [ $job_status -gt 128 ] && kill -0 "$1" 2>/dev/null && continue; return $job_status; done; }
# A step that failed without ending the reconcile: the guardian looks again in RETRY seconds, not RESYNC.
failed() { log "$*"; FAILED=1; }

# The container's preStop hook, cut off at the grace, before the guardian stops it; sets what is left of the grace.
pre_stop() {
  case "$1" in
${preStops}  esac
  return 0
}
# The container's postStart hook, after the guardian started it; a failing one stops it again.
post_start() {
  case "$1" in
${postStarts}  esac
  return 0
}
# Whether a container is backing off after a failed postStart hook.
held() {
  case "$1" in
${holds}  esac
  return 1
}
start_container() { docker start -- "$1" >/dev/null && post_start "$1"; }
# Hook and SIGTERM share the grace, as in Kubernetes.
restart_container() {
  left=$GRACE; pre_stop "$1"
  docker restart -t "$left" -- "$1" >/dev/null && post_start "$1"
}

# Containers still running in a dead sandbox's network namespace (all of them while the sandbox is down, else those
# started before it): stopped in the background with ORPHAN_GRACE and no preStop hook while the sandbox starts and
# the init containers rerun; each is started again below, once the stop is over. Apps stay as they are with
# restartPolicy Never.
ORPHANS=; STOPPING=
stop_orphans() {
  [ -z "$STOPPING" ] || wait_for "$STOPPING"
  STOPPING=
  stopping=
  for c in $PROBERS $SIDECARS $APPS; do
    set -- $(state "$c")
    [ "$1" = true ] || continue
    [ -z "$SINCE" ] || before "$2" "$SINCE" || continue
    [ "$RESTART" = Never ] && is_in "$c" "$APPS" && continue
    stopping="$stopping $c"
  done
  [ -n "$stopping" ] || return 0
  # Remembered until started again: one that exited 0 on SIGTERM still comes back under restartPolicy OnFailure.
  ORPHANS="$ORPHANS$stopping"
  log "stopping$stopping: they joined a sandbox that is gone (SIGKILL after $ORPHAN_GRACE s)"
  docker stop -t "$ORPHAN_GRACE" -- $stopping >/dev/null 2>&1 &
  STOPPING=$!
}
# Before the guardian acts on an orphan: its stop is over, and the snapshot says so.
settle() {
  [ -n "$STOPPING" ] && is_in "$1" "$ORPHANS" || return 0
  wait_for "$STOPPING"; STOPPING=; snapshot
}

DOWN=
down() { [ "$DOWN" = "$1" ] || log "pod down: $1"; DOWN=$1; }

# UNSETTLED stays set when the reconcile ends early or a step failed.
reconcile() {
  UNSETTLED=1; FAILED=
  snapshot
  s=$(state "$SANDBOX")
  [ -n "$s" ] || { down "sandbox $SANDBOX does not exist (pulumi up recreates it)"; return; }
  set -- $s
  if [ "$1" != true ]; then
    if [ "$RESTART" = Never ]; then down "sandbox $SANDBOX is not running and restartPolicy is Never"; return; fi
    SINCE=; stop_orphans
    log "starting sandbox $SANDBOX: it is not running"
    docker start -- "$SANDBOX" >/dev/null || { log "could not start $SANDBOX"; return; }
    snapshot; set -- $(state "$SANDBOX")
  else
    SINCE=$2; stop_orphans
  fi
  sandbox_started=$2
  # Probers hold the sandbox's network namespace too: one that joined an older sandbox probes a dead one.
  for c in $PROBERS; do
    settle "$c"; set -- $(state "$c")
    [ -n "$1" ] || continue
    if [ "$1" != true ]; then
      log "starting prober $c: it is not running"
      docker start -- "$c" >/dev/null || failed "could not start prober $c"
    elif before "$2" "$sandbox_started"; then
      log "restarting prober $c: it started before the sandbox did"
      docker restart -t ${PROBER_STOP_SECONDS} -- "$c" >/dev/null || failed "could not restart prober $c"
    fi
  done
  # Init containers rerun, in order, whenever the sandbox started after their last run.
  for c in $INITS; do
    settle "$c"; set -- $(state "$c")
    [ -n "$1" ] || continue
    if is_in "$c" "$SIDECARS"; then
      # A sidecar: brought back whenever it is down or holds an older sandbox's namespaces, whatever restartPolicy says.
      if [ "$1" != true ]; then
        held "$c" && return
        log "starting sidecar $c: it is not running (exit code $3)"
        start_container "$c" || { log "could not start sidecar $c; the containers after it wait"; return; }
      elif before "$2" "$sandbox_started"; then
        log "restarting sidecar $c: it started before the sandbox did ($2 < $sandbox_started)"
        restart_container "$c" || { log "could not restart sidecar $c; the containers after it wait"; return; }
      fi
      continue
    fi
    if [ "$1" != true ] && { before "$2" "$sandbox_started" || [ "$3" != 0 ]; }; then
      [ "$RESTART" = Never ] && { down "init container $c must rerun and restartPolicy is Never"; return; }
      log "rerunning init container $c: the sandbox started at $sandbox_started"
      # Its exit code is the command's.
      docker start -a -- "$c" >/dev/null 2>&1; code=$?
      [ "$code" = 0 ] || { log "init container $c exited $code; app containers wait"; return; }
    fi
  done
  # App containers that joined an older sandbox hold a dead network namespace; those without a postStart hook
  # start side by side.
  starting=
  for c in $APPS; do
    settle "$c"; set -- $(state "$c")
    [ -n "$1" ] || continue
    if [ "$1" = true ]; then
      if before "$2" "$sandbox_started"; then
        [ "$RESTART" = Never ] && { down "$c joined an older sandbox and restartPolicy is Never"; continue; }
        log "restarting $c: it started before the sandbox did ($2 < $sandbox_started)"
        restart_container "$c" || failed "could not restart $c"
      fi
      continue
    fi
    # Never started: Pulumi is creating it (a replacement), and starts it with its hooks.
    case "$2" in 0001-01-01T*) continue ;; esac
    if ! is_in "$c" "$ORPHANS"; then
      case "$RESTART" in
        Never) down "$c exited ($3) and restartPolicy is Never"; continue ;;
        OnFailure) [ "$3" = 0 ] && continue ;;
      esac
    fi
    held "$c" && continue
    log "starting $c: it is not running (exit code $3)"
    if is_in "$c" "$HOOKED"; then
      start_container "$c" || failed "could not start $c"
    else
      { docker start -- "$c" >/dev/null || { log "could not start $c"; exit 1; }; } &
      starting="$starting $!"
    fi
  done
  for job in $starting; do wait_for "$job" || FAILED=1; done
  ORPHANS=; DOWN=; UNSETTLED=$FAILED
}
${probes.map((p) => p.fn).join("\n")}
${probes.map((p) => p.init).join("\n")}
# WAIT: the seconds until the next probe or back-off is due, at most RESYNC (RETRY after an unsettled reconcile).
next_wake() {
  now=$(date +%s); wake=$((now + RESYNC))
  [ -z "$UNSETTLED" ] || wake=$((now + RETRY))
  # One already due (a probe whose container just started again) is run in a second.
  for t in ${deadlines.join(" ")}; do [ "$t" -gt "$now" ] || t=$((now + 1)); [ "$t" -ge "$wake" ] || wake=$t; done
  WAIT=$((wake - now))
}
log "watching pod $POD (sandbox $SANDBOX, init: \${INITS:-none}, apps: $APPS, restartPolicy $RESTART)"
trap 'log "stopping"; exit 0' TERM INT
while :; do
  # EVENT: this round was woken by the agent (a container of the pod started, died or restarted).
  EVENT=$WOKEN; WOKEN=
  reconcile
${probes.map((p) => `  ${p.call}`).join("\n")}
  next_wake
  [ -n "$WOKEN" ] || read -r -t "$WAIT" _ <&9
  # The lines of wakes this round already answers.
  while read -r -t 0.01 _ <&9; do :; done
done
`;
}
