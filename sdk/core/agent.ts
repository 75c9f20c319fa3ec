// The guardian agent: one container per Docker daemon that runs the guardian
// (guardian.ts) of every healing pod on it, as the kubelet is one process for
// all pods of a node. A pod asks for healing with its guardian's *claim*: a
// container that is created and never started (`<pod>_guardian`), labelled
// with the agent's name, whose command is the pod's guardian script. The agent
// starts a guardian per claim (a shell loop, a few hundred KiB), stops it when
// the claim goes, and holds the one `docker events` stream that wakes them.
//
// The agent is not a Pulumi resource: it outlives any one stack. Each healing
// pod has a host Command whose create writes the pod's *lease* (a file named
// after the pod in the agent's lease directory on the host, mounted read-only
// into the agent) and starts the agent when it is not running, and whose
// delete (before the claim is deleted) removes the lease, stops that pod's
// guardian at once and removes the agent with the last lease. The agent runs
// a guardian only for a claim with a lease, so a pod being destroyed is never
// healed again. Both hold one lock on the host, so a destroy in one stack and
// an up in another never leave a claim without its agent. Every name here was
// validated; each is quoted.
import { createHash } from "crypto";
import { GUARDIAN_MEMBER, LABEL_POD, LABEL_ROLE, NAME_SEPARATOR, shellQuote } from "./names";
import { becomeRoot, dockerCli } from "./render";

/** On the agent and on each claim: the agent that serves it. */
export const LABEL_AGENT = "dockerpod.agent";

/** Role labels of the agent and of a pod's claim. */
export const AGENT_ROLE = "guardian-agent";
export const CLAIM_ROLE = "guardian";

/**
 * The agent's memory limit: its shell, one `docker events`, a guardian loop
 * per pod, and the Docker CLI calls of guardians that heal at once (after a
 * daemon restart, all of them).
 */
export const AGENT_MEMORY_MIB = 512;

/**
 * Seconds between the agent's look at the claims when no claim's create or
 * destroy event comes and no lease's Command signals it: a fallback, like the
 * guardians' own resync (each look is a Docker CLI call).
 */
export const AGENT_RESYNC_SECONDS = 30;

/** Where the agent keeps its guardians' pid files and scripts, inside its container. */
const RUN = "/run/dockerpod-guardian";

/** The lock that orders agent starts and removals on the host. */
export const AGENT_LOCK = "/run/dockerpod/guardian-agent.lock";

/** Where the leases live on the host: a directory per agent and daemon, a file per pod. Kept across reboots, as the agent and claims are. */
export const AGENT_LEASES = "/var/lib/dockerpod/guardian-agent";

/** Where the agent sees its lease directory. */
const LEASES = "/leases";

/** The lease directory of an agent on one daemon (two daemons on a host each have their agent). */
export function leaseDir(agent: string, dockerSocket: string): string {
    return `${AGENT_LEASES}/${agent}.${createHash("sha256").update(dockerSocket).digest("hex").slice(0, 12)}`;
}

/**
 * The agent's name on the host: one agent per guardian image and agent
 * script, so two stacks with different dockerpod versions or images each
 * have theirs. No pod-derived name has no `_`, so none collides with it.
 */
export function agentName(image: string): string {
    const digest = createHash("sha256").update(renderAgentScript("")).update("\0").update(image).digest("hex");
    return `dockerpod-guardian-${digest.slice(0, 12)}`;
}

/**
 * Lines that stop one pod's guardian inside the agent: its process group (the
 * loop and any Docker CLI call it is making), then its files. `$RUN` is set.
 */
function stopGuardianFunction(): string {
    return `# Whether a process runs (a zombie, not yet reaped by the agent's shell, does not).
alive() { s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$s" != Z ]; }
stop_guardian() { # claim id
  pid=$(cat "$RUN/$1.pid" 2>/dev/null) && kill -TERM -- "-$pid" 2>/dev/null
  pod=$(cat "$RUN/$1.pod" 2>/dev/null) && rm -f "$RUN/pod.$pod"
  rm -f "$RUN/$1.pid" "$RUN/$1.sh" "$RUN/$1.pod"
}`;
}

/** The agent's own script, the command of its container. */
export function renderAgentScript(agent: string): string {
    return `#!/bin/sh
# dockerpod guardian agent ${agent}: runs the guardian of each pod whose claim names it.
AGENT=${shellQuote(agent)}
RUN=${RUN}
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) agent: $*"; }
${stopGuardianFunction()}
# Starts a guardian for each claim with a lease that has none; stops the guardians whose claim or lease is gone.
sync_claims() {
  docker ps -a --no-trunc --filter "label=${LABEL_ROLE}=${CLAIM_ROLE}" --filter "label=${LABEL_AGENT}=$AGENT" \\
    --format '{{.ID}} {{.Names}} {{.Label "${LABEL_POD}"}}' >"$RUN/claims" 2>/dev/null || return 0
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    id=\${f##*/}; id=\${id%.pid}
    grep -q "^$id " "$RUN/claims" || { stop_guardian "$id"; log "stopped the guardian of claim $id: the claim is gone"; continue; }
    alive "$(cat "$f")" || { stop_guardian "$id"; log "the guardian of claim $id ended; starting it again"; continue; }
    [ -e "${LEASES}/$(cat "$RUN/$id.pod")" ] || { stop_guardian "$id"; log "stopped the guardian of claim $id: its pod's lease is gone"; }
  done
  while read -r id name pod; do
    # A pod name is a DNS-1123 label, and its claim is named after it: anything else is not a claim dockerpod made.
    case "$pod" in '' | *[!a-z0-9-]*) log "ignoring claim $id: its pod label is not a pod name"; continue ;; esac
    [ "$name" = "\${pod}${NAME_SEPARATOR}${GUARDIAN_MEMBER}" ] || { log "ignoring claim $id: it is not named after its pod"; continue; }
    # Without a lease the pod is not made yet or is being destroyed.
    [ ! -e "$RUN/$id.pid" ] && [ -e "${LEASES}/$pod" ] || continue
    docker inspect --format '{{index .Config.Entrypoint 2}}' -- "$id" >"$RUN/$id.sh" 2>/dev/null || { rm -f "$RUN/$id.sh"; continue; }
    # Its own process group, so stopping it stops the Docker CLI call it is making too.
    setsid sh "$RUN/$id.sh" &
    echo $! >"$RUN/$id.pid"
    echo "$id" >"$RUN/pod.$pod"
    echo "$pod" >"$RUN/$id.pod"
  done <"$RUN/claims"
}
# Wakes the guardian of a pod, whose container started, died or restarted.
wake() {
  case "$1" in '' | *[!a-z0-9-]*) return 0 ;; esac
  id=$(cat "$RUN/pod.$1" 2>/dev/null) && pid=$(cat "$RUN/$id.pid" 2>/dev/null) && kill -USR1 "$pid" 2>/dev/null
  return 0
}
# Wakes every guardian: the event stream was down, and what it missed meanwhile is theirs to find.
wake_all() {
  for f in "$RUN"/*.pid; do [ -e "$f" ] && kill -USR1 "$(cat "$f")" 2>/dev/null; done
  return 0
}
trap 'log "stopping"; for f in "$RUN"/*.pid; do [ -e "$f" ] && kill -TERM -- "-$(cat "$f")" 2>/dev/null; done; exit 0' TERM INT
# A new lease: its Command sends USR1, and the claims are looked at now.
next_sync=0; listened=
trap 'next_sync=0' USR1
rm -rf "$RUN"; mkdir -p "$RUN"; mkfifo "$RUN/events"
# Open both ways: the stream's writer never blocks, and the reader learns of its end from the line it leaves.
exec 3<>"$RUN/events"
log "started"
while :; do
  { docker events --filter type=container --filter "label=${LABEL_POD}" --filter event=create --filter event=destroy \\
      --filter event=start --filter event=die --filter event=restart \\
      --format 'event role={{index .Actor.Attributes "${LABEL_ROLE}"}} pod={{index .Actor.Attributes "${LABEL_POD}"}}' 2>/dev/null
    echo "ended"; } >&3 &
  # At once, not at the first event: after a daemon restart every pod waits for this.
  # The next time is set first: a USR1 during the sync asks for another.
  next_sync=$(($(date +%s) + ${AGENT_RESYNC_SECONDS})); sync_claims
  [ -z "$listened" ] || wake_all
  listened=1
  while :; do
    if read -r -t ${AGENT_RESYNC_SECONDS} what role pod <&3; then
      # A read cut short by USR1 may leave half a line: only the stream's own last line ends it.
      case "$what $role" in
        "event role=${CLAIM_ROLE}") next_sync=0 ;;
        "event "*) wake "\${pod#pod=}" ;;
        "ended ") break ;;
      esac
    fi
    # Claims made or removed while the stream was (re)connecting are found by the next sync.
    [ "$(date +%s)" -lt "$next_sync" ] || { next_sync=$(($(date +%s) + ${AGENT_RESYNC_SECONDS})); sync_claims; }
  done
  # The stream ends when the daemon goes away: every guardian reconciles on its own time meanwhile.
  log "the Docker event stream ended; listening again"
  sleep 1
done
`;
}

export interface AgentHost {
    sudo: boolean;
    /** The daemon's socket on the host, as the Commands and the agent reach it. */
    dockerSocket: string;
    /** Set when the host scripts must name the socket (a non-default one). */
    cliSocket?: string;
}

/** Runs `inner` (lines) as root on the host, holding the agent lock; `inner` needs no `$SUDO`. */
function underLock(host: AgentHost, inner: string[]): string {
    return [
        "#!/bin/sh",
        "set -eu",
        `fail() { echo "dockerpod: $*" >&2; exit 1; }`,
        becomeRoot(host.sudo),
        `command -v flock >/dev/null 2>&1 || fail "flock not found on the Docker host: install util-linux (it orders the guardian agent's start and removal)"`,
        `$SUDO mkdir -p ${shellQuote(AGENT_LOCK.replace(/\/[^/]+$/, ""))}`,
        `exec $SUDO flock -w 300 ${shellQuote(AGENT_LOCK)} sh -c ${shellQuote(["set -eu", "SUDO=", ...inner].join("\n"))}`,
    ].join("\n");
}

/** The claim Command's create: the pod's lease, and the agent started unless it runs (made when missing). */
export function renderAgentStart(agent: string, image: string, podName: string, host: AgentHost): string {
    const leases = leaseDir(agent, host.dockerSocket);
    const docker = dockerCli(host.cliSocket);
    const run = [
        `${docker} run -d --name ${shellQuote(agent)}`,
        `--label ${shellQuote(`${LABEL_ROLE}=${AGENT_ROLE}`)} --label ${shellQuote(`${LABEL_AGENT}=${agent}`)}`,
        `--restart unless-stopped --network none --log-driver local`,
        `--memory ${AGENT_MEMORY_MIB}m --memory-swap ${AGENT_MEMORY_MIB}m`,
        `--mount ${shellQuote(`type=bind,source=${host.dockerSocket},target=/var/run/docker.sock`)}`,
        `--mount ${shellQuote(`type=bind,source=${leases},target=${LEASES},readonly`)}`,
        `--entrypoint /bin/sh ${shellQuote(image)} -c ${shellQuote(renderAgentScript(agent))}`,
    ].join(" ");
    return underLock(host, [
        `mkdir -p ${shellQuote(leases)}`,
        `: >${shellQuote(`${leases}/${podName}`)}`,
        `running=$(${docker} inspect --format '{{.State.Running}}' -- ${shellQuote(agent)} 2>/dev/null || true)`,
        `case "$running" in`,
        `  true) ${docker} kill --signal USR1 -- ${shellQuote(agent)} >/dev/null ;;`,
        `  false) ${docker} start -- ${shellQuote(agent)} >/dev/null ;;`,
        `  *) ${run} >/dev/null ;;`,
        `esac`,
    ]);
}

/**
 * The claim Command's delete: the pod's lease goes, and its guardian stops
 * now (not when the agent next looks), so it cannot start a container the
 * destroy is stopping; the agent goes with the last lease.
 */
export function renderAgentRelease(agent: string, podName: string, host: AgentHost): string {
    const leases = leaseDir(agent, host.dockerSocket);
    const docker = dockerCli(host.cliSocket);
    const stopInAgent = [
        `RUN=${RUN}`,
        stopGuardianFunction(),
        `id=$(cat "$RUN/pod.$1" 2>/dev/null) || exit 0`,
        `pid=$(cat "$RUN/$id.pid" 2>/dev/null)`,
        `stop_guardian "$id"`,
        // Until the loop is gone: a guardian in the middle of a heal finishes its Docker call first.
        `[ -z "$pid" ] || for i in $(seq 50); do alive "$pid" || exit 0; sleep 0.1; done`,
    ].join("\n");
    return underLock(host, [
        `rm -f ${shellQuote(`${leases}/${podName}`)}`,
        `if [ "$(${docker} inspect --format '{{.State.Running}}' -- ${shellQuote(agent)} 2>/dev/null)" = true ]; then`,
        // An agent that stops meanwhile takes the guardian with it; one that restarts finds the claim gone.
        `  ${docker} exec ${shellQuote(agent)} sh -c ${shellQuote(stopInAgent)} sh ${shellQuote(podName)} || echo "dockerpod: could not reach the guardian agent; it stops this pod's guardian when it sees the claim gone" >&2`,
        `fi`,
        `if [ -z "$(ls -A ${shellQuote(leases)} 2>/dev/null)" ]; then`,
        `  ${docker} rm -f -- ${shellQuote(agent)} >/dev/null 2>&1 || true`,
        // The directory only once the agent is gone: a running agent keeps it mounted and would never see a new lease.
        `  ${docker} inspect -- ${shellQuote(agent)} >/dev/null 2>&1 || rmdir ${shellQuote(leases)} 2>/dev/null || true`,
        `fi`,
    ]);
}
