// The guardian: a small reconcile loop that makes a pod heal like a
// Kubernetes pod on a plain Docker host. Docker restarts a dead sandbox (its
// restart policy), but the containers joined to it keep the old, empty
// network namespace (moby#24935). The guardian notices a sandbox that is down
// or started after its containers, brings the sandbox back, reruns the init
// containers in order, restarts the app containers so they join the new
// namespaces, and restarts containers whose liveness probe keeps failing.
//
// It runs as `sh` with the Docker CLI, talks to the daemon through its socket
// (which is root on that host), and never creates or removes a container:
// what is missing is Pulumi's to recreate. Rendered here, as text, so the
// script is snapshot-tested; every name in it was validated, every probe
// argument is quoted.
import { LABEL_POD, proberName, sandboxName, shellQuote } from "./names";
import { PodSpec } from "./pod";

/** Seconds between reconciles when no Docker event wakes the guardian first. */
export const GUARDIAN_PERIOD_SECONDS = 2;

export function renderGuardianScript(spec: PodSpec): string {
    const names = (list: PodSpec["containers"]) => list.map((c) => c.dockerName).join(" ");
    const probes = [...spec.initContainers.filter((c) => c.sidecar), ...spec.containers].flatMap((c, i) => {
        const p = c.livenessProbe;
        if (!p) return [];
        const n = i + 1;
        const command = p.command.map(shellQuote).join(" ");
        return [
            {
                init: `NEXT_${n}=$(( $(date +%s) + ${p.initialDelaySeconds} )); FAIL_${n}=0`,
                fn: [
                    `live_${n}() { # ${c.dockerName}`,
                    `  now=$(date +%s); [ "$now" -ge "$NEXT_${n}" ] || return 0`,
                    `  NEXT_${n}=$((now + ${p.periodSeconds}))`,
                    `  [ "$(docker inspect --format '{{.State.Running}}' ${c.dockerName} 2>/dev/null)" = true ] || return 0`,
                    `  if timeout ${p.timeoutSeconds} docker exec ${p.runsIn === "prober" ? proberName(c.dockerName) : c.dockerName} ${command} >/dev/null 2>&1; then FAIL_${n}=0; return 0; fi`,
                    `  FAIL_${n}=$((FAIL_${n} + 1)); log "liveness probe of ${c.dockerName} failed ($FAIL_${n}/${p.failureThreshold})"`,
                    `  if [ "$FAIL_${n}" -ge ${p.failureThreshold} ]; then`,
                    `    log "restarting ${c.dockerName}: its liveness probe failed ${p.failureThreshold} times in a row"`,
                    `    docker restart -t "$GRACE" ${c.dockerName} >/dev/null || log "could not restart ${c.dockerName}"`,
                    `    FAIL_${n}=0; NEXT_${n}=$((now + ${p.initialDelaySeconds} + ${p.periodSeconds}))`,
                    `  fi`,
                    `}`,
                ].join("\n"),
                call: `live_${n}`,
            },
        ];
    });
    return `#!/bin/sh
# dockerpod guardian for pod ${spec.podName}: heals the pod as the kubelet would.
POD=${shellQuote(spec.podName)}
SANDBOX=${shellQuote(sandboxName(spec.podName))}
INITS=${shellQuote(names(spec.initContainers))}
SIDECARS=${shellQuote(names(spec.initContainers.filter((c) => c.sidecar)))}
APPS=${shellQuote(names(spec.containers))}
RESTART=${shellQuote(spec.sandbox.restartPolicy)}
GRACE=${spec.graceSeconds}
PERIOD=${GUARDIAN_PERIOD_SECONDS}

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) guardian[$POD]: $*"; }

# "running startedAt exitCode" of a container; startedAt padded to nanoseconds so it sorts as text.
state() {
  docker inspect --format '{{.State.Running}} {{.State.StartedAt}} {{.State.ExitCode}}' "$1" 2>/dev/null |
    sed -e 's/Z / /' -e 's/\\(T[0-9:]*\\) /\\1. /' -e 's/\\.\\([0-9]*\\) /.\\1000000000 /' -e 's/\\(\\.[0-9]\\{9\\}\\)[0-9]* /\\1Z /'
}
before() { expr "$1" \\< "$2" >/dev/null; }

DOWN=
down() { [ "$DOWN" = "$1" ] || log "pod down: $1"; DOWN=$1; }

reconcile() {
  s=$(state "$SANDBOX")
  [ -n "$s" ] || { down "sandbox $SANDBOX does not exist (pulumi up recreates it)"; return; }
  set -- $s
  if [ "$1" != true ]; then
    if [ "$RESTART" = Never ]; then down "sandbox $SANDBOX is not running and restartPolicy is Never"; return; fi
    log "starting sandbox $SANDBOX: it is not running"
    docker start "$SANDBOX" >/dev/null || { log "could not start $SANDBOX"; return; }
    set -- $(state "$SANDBOX")
  fi
  sandbox_started=$2
  # Init containers rerun, in order, whenever the sandbox started after their last run.
  for c in $INITS; do
    set -- $(state "$c")
    [ -n "$1" ] || continue
    case " $SIDECARS " in
      *" $c "*)
        # A sidecar: brought back whenever it is down or holds an older sandbox's namespaces, whatever restartPolicy says.
        if [ "$1" != true ]; then
          log "starting sidecar $c: it is not running (exit code $3)"
          docker start "$c" >/dev/null || { log "could not start sidecar $c; the containers after it wait"; return; }
        elif before "$2" "$sandbox_started"; then
          log "restarting sidecar $c: it started before the sandbox did ($2 < $sandbox_started)"
          docker restart -t "$GRACE" "$c" >/dev/null || { log "could not restart sidecar $c; the containers after it wait"; return; }
        fi
        continue ;;
    esac
    if [ "$1" != true ] && { before "$2" "$sandbox_started" || [ "$3" != 0 ]; }; then
      [ "$RESTART" = Never ] && { down "init container $c must rerun and restartPolicy is Never"; return; }
      log "rerunning init container $c: the sandbox started at $sandbox_started"
      docker start -a "$c" >/dev/null 2>&1
      set -- $(state "$c")
      [ "$3" = 0 ] || { log "init container $c exited $3; app containers wait"; return; }
    fi
  done
  # App containers that joined an older sandbox hold a dead network namespace: restart them.
  for c in $APPS; do
    set -- $(state "$c")
    [ -n "$1" ] || continue
    if [ "$1" = true ]; then
      if before "$2" "$sandbox_started"; then
        [ "$RESTART" = Never ] && { down "$c joined an older sandbox and restartPolicy is Never"; continue; }
        log "restarting $c: it started before the sandbox did ($2 < $sandbox_started)"
        docker restart -t "$GRACE" "$c" >/dev/null || log "could not restart $c"
      fi
    else
      case "$RESTART" in
        Never) down "$c exited ($3) and restartPolicy is Never"; continue ;;
        OnFailure) [ "$3" = 0 ] && continue ;;
      esac
      log "starting $c: it is not running (exit code $3)"
      docker start "$c" >/dev/null || log "could not start $c"
    fi
  done
  DOWN=
}
${probes.map((p) => p.fn).join("\n")}
${probes.map((p) => p.init).join("\n")}
log "watching pod $POD (sandbox $SANDBOX, init: \${INITS:-none}, apps: $APPS, restartPolicy $RESTART)"
trap 'log "stopping"; exit 0' TERM INT
while :; do
  reconcile
${probes.map((p) => `  ${p.call}`).join("\n")}
  # Wake on the pod's container events, or after PERIOD seconds: nothing is missed while either was down.
  timeout "$PERIOD" docker events --filter "label=${LABEL_POD}=$POD" --filter type=container \\
    --filter event=die --filter event=start --filter event=restart --format '{{.Action}}' 2>/dev/null | head -n 1 >/dev/null &
  wait $!
done
`;
}
