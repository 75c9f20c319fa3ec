// Renders the PodSlice's unit file and shell scripts from a checked SliceSpec.
// Every value that reaches the text was validated by the checks (checks.ts and the part checks); it is quoted too.
import { CgroupDriver } from "../types";
import { cgroupfsMarkFile, shellQuote } from "./names";
import { cpuQuotaPercent } from "./quantity";
import { SliceSpec } from "./slice";

/** Who made a slice: it is refused to any other project, stack or pod. */
export function ownerMark(project: string, stack: string, podName: string): string {
    const part = /^[A-Za-z0-9_.-]+$/;
    if (!part.test(project) || !part.test(stack)) {
        throw new Error(
            `dockerpod: the project "${project}" and stack "${stack}" names must be of letters, digits, '_', '.', '-' to mark the pod's slice`,
        );
    }
    return `${project}/${stack}/${podName}`;
}

const CPU_PERIOD_US = 100000;

/** The systemd slice unit of a pod. */
export function renderSliceUnit(slice: SliceSpec, owner: string): string {
    const lines = [
        `# dockerpod-owner: ${owner}`,
        "[Unit]",
        `Description=dockerpod pod ${slice.podName}`,
        "Documentation=https://www.npmjs.com/package/dockerpod",
        "",
        "[Slice]",
    ];
    if (slice.limits.memoryBytes !== undefined) lines.push(`MemoryMax=${slice.limits.memoryBytes}`);
    if (slice.limits.cpuMillis !== undefined) lines.push(`CPUQuota=${cpuQuotaPercent(slice.limits.cpuMillis)}`);
    return lines.join("\n") + "\n";
}

/** The limits `systemctl set-property --runtime` applies live; unset limits are reset. */
function liveProperties(slice: SliceSpec): string {
    const memory = slice.limits.memoryBytes !== undefined ? String(slice.limits.memoryBytes) : "infinity";
    const cpu = slice.limits.cpuMillis !== undefined ? cpuQuotaPercent(slice.limits.cpuMillis) : "";
    return `MemoryMax=${memory} CPUQuota=${cpu}`;
}

/** How a host script becomes root: as root already, or through `sudo -n` when allowed. */
export function becomeRoot(sudo: boolean): string {
    return sudo
        ? `if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO='sudo -n'; $SUDO true 2>/dev/null || fail "sudo -n failed for user $(id -un): host.sudo needs password-less sudo for this user"; fi`
        : `[ "$(id -u)" -eq 0 ] || fail "user $(id -un) is not root: run as root on the host, or set host.sudo: true (password-less sudo)"; SUDO=`;
}

/**
 * The docker CLI as a host script runs it: as root, and on host.dockerSocket
 * when that is set (else the CLI's own default), so the scripts ask the very
 * daemon the pod runs on.
 */
export function dockerCli(socket: string | undefined): string {
    return socket === undefined ? "$SUDO docker" : `$SUDO docker -H ${shellQuote(`unix://${socket}`)}`;
}

function prelude(slice: SliceSpec, owner: string): string {
    const sudo = becomeRoot(slice.host.sudo);
    return [
        "#!/bin/sh",
        "set -eu",
        `fail() { echo "dockerpod: $*" >&2; exit 1; }`,
        `POD=${shellQuote(slice.podName)}`,
        `OWNER=${shellQuote(owner)}`,
        `DRIVER=${shellQuote(slice.host.driver)}`,
        `CGROUP_PARENT=${shellQuote(slice.cgroupParent)}`,
        sudo,
    ].join("\n");
}

// Run before anything is made: the daemon must use the driver the pod was
// rendered for, or Docker would put the containers somewhere without limits.
function driverCheck(socket: string | undefined): string {
    return `actual=$(${dockerCli(socket)} info --format '{{.CgroupDriver}}') || fail "could not ask the Docker daemon for its cgroup driver (docker info failed)"
[ "$actual" = "$DRIVER" ] || fail "the Docker daemon uses the '$actual' cgroup driver but host.cgroupDriver is '$DRIVER': set host.cgroupDriver to \\"$actual\\""`;
}

// The daemon must have the API host.dockerApiVersion declares, or the containers would be made
// with options it does not take (the docker provider refuses volume noCopy below 1.45).
function apiCheck(host: SliceSpec["host"]): string[] {
    if (host.dockerApiVersion === undefined) return [];
    const minor = host.dockerApiVersion.split(".")[1];
    return [
        `api=$(${dockerCli(host.dockerSocket)} version --format '{{.Server.APIVersion}}') || fail "could not ask the Docker daemon for its API version (docker version failed)"`,
        `case "$api" in 1.*) ;; *) fail "the Docker daemon reports API version '$api', not 1.x" ;; esac`,
        `[ "\${api#1.}" -ge ${minor} ] 2>/dev/null || fail "the Docker daemon's API is $api, older than host.dockerApiVersion ${host.dockerApiVersion}: set host.dockerApiVersion to \\"$api\\" or leave it unset"`,
    ];
}

function ownerCheck(file: string, verb: string): string {
    return `if $SUDO test -e ${file} && ! $SUDO grep -qxF "# dockerpod-owner: $OWNER" ${file}; then
  fail "${verb} $CGROUP_PARENT refused: it belongs to '$($SUDO sed -n 's/^# dockerpod-owner: //p' ${file} | head -n 1)', not '$OWNER' (another pod of the same name?)"
fi`;
}

export interface SliceScripts {
    /** Creates the slice or brings its limits up to date (create and update). */
    apply: string;
    /** Removes the slice; a missing slice is fine. */
    delete: string;
}

function systemdScripts(slice: SliceSpec, owner: string): SliceScripts {
    const file = `"/etc/systemd/system/$CGROUP_PARENT"`;
    const dropIns = `"/run/systemd/system.control/$CGROUP_PARENT.d" "/etc/systemd/system.control/$CGROUP_PARENT.d"`;
    const apply =
        [
            prelude(slice, owner),
            `command -v systemctl >/dev/null 2>&1 || fail "systemctl not found: the systemd cgroup driver needs systemd on the host (or set host.cgroupDriver: cgroupfs)"`,
            driverCheck(slice.host.dockerSocket),
            ...apiCheck(slice.host),
            ownerCheck(file, "taking over"),
            // A slice of that name that is in use (a transient one, logind's user-UID.slice) or defined
            // anywhere else (a unit file or template elsewhere) is not the pod's: never write over it.
            // (systemd loads any slice name on demand, so LoadState says nothing; an unused, undefined
            // slice is inactive and has no fragment.)
            `if ! $SUDO test -e ${file}; then`,
            `  active=$($SUDO systemctl show -p ActiveState --value -- "$CGROUP_PARENT") || fail "could not ask systemd about $CGROUP_PARENT"`,
            `  fragment=$($SUDO systemctl show -p FragmentPath --value -- "$CGROUP_PARENT") || fail "could not ask systemd about $CGROUP_PARENT"`,
            `  if [ "$active" != inactive ] || [ -n "$fragment" ]; then`,
            `    fail "taking over $CGROUP_PARENT refused: systemd already has a slice of that name (ActiveState=$active\${fragment:+, defined in $fragment}) that is not this pod's: choose another pod name or host.parentSlice"`,
            `  fi`,
            `fi`,
            `$SUDO tee ${file} >/dev/null <<'DOCKERPOD_UNIT'`,
            renderSliceUnit(slice, owner) + "DOCKERPOD_UNIT",
            `$SUDO systemctl daemon-reload`,
            `$SUDO systemctl start -- "$CGROUP_PARENT"`,
            `# Apply the limits to the running slice (an update changes them live).`,
            `$SUDO systemctl set-property --runtime -- "$CGROUP_PARENT" ${liveProperties(slice)}`,
            `echo "slice $CGROUP_PARENT ready"`,
        ].join("\n") + "\n";
    const del =
        [
            prelude(slice, owner),
            `if ! $SUDO test -e ${file}; then echo "slice $CGROUP_PARENT already gone"; exit 0; fi`,
            ownerCheck(file, "deleting"),
            `# The pod's containers were removed first; stopping the slice kills anything left inside.`,
            `$SUDO systemctl stop -- "$CGROUP_PARENT" || true`,
            `$SUDO rm -rf ${file} ${dropIns}`,
            `$SUDO systemctl daemon-reload`,
            `echo "slice $CGROUP_PARENT removed"`,
        ].join("\n") + "\n";
    return { apply, delete: del };
}

function cgroupfsScripts(slice: SliceSpec, owner: string): SliceScripts {
    const mark = `"$MARK"`;
    const memory = slice.limits.memoryBytes;
    const quota = slice.limits.cpuMillis !== undefined ? Math.round((slice.limits.cpuMillis * CPU_PERIOD_US) / 1000) : undefined;
    const ancestors = slice.cgroupParent
        .split("/")
        .slice(1)
        .map((_, i, parts) => "/" + parts.slice(0, i + 1).join("/"));
    const common = [prelude(slice, owner), `ROOT=/sys/fs/cgroup`, `MARK=${shellQuote(cgroupfsMarkFile(slice.cgroupParent))}`].join("\n");
    const apply =
        [
            common,
            driverCheck(slice.host.dockerSocket),
            ...apiCheck(slice.host),
            ownerCheck(mark, "taking over"),
            // A cgroup that exists without the pod's mark is someone else's (a kubelet's, another tool's):
            // never write limits into it.
            `if ! $SUDO test -e "$MARK"; then`,
            `  for dir in "$ROOT$CGROUP_PARENT" "$ROOT"/*"$CGROUP_PARENT"; do`,
            `    if [ -d "$dir" ]; then fail "taking over $CGROUP_PARENT refused: the cgroup $dir exists and is not this pod's: choose another pod name or host.parentSlice"; fi`,
            `  done`,
            `fi`,
            `$SUDO mkdir -p "$(dirname "$MARK")"`,
            `echo "# dockerpod-owner: $OWNER" | $SUDO tee "$MARK" >/dev/null`,
            `write() { echo "$2" | $SUDO tee "$1" >/dev/null || fail "could not write $2 to $1"; }`,
            `if [ -f "$ROOT/cgroup.controllers" ]; then`,
            `  # cgroup v2: enable the controllers down to the pod, which holds no process itself.`,
            `  for dir in "$ROOT" ${ancestors
                .map((a) => shellQuote(a))
                .map((a) => `"$ROOT"${a}`)
                .join(" ")}; do`,
            `    $SUDO mkdir -p "$dir"`,
            `    for c in memory cpu pids; do write "$dir/cgroup.subtree_control" "+$c"; done`,
            `  done`,
            `  write "$ROOT$CGROUP_PARENT/memory.max" ${shellQuote(memory !== undefined ? String(memory) : "max")}`,
            `  write "$ROOT$CGROUP_PARENT/cpu.max" ${shellQuote(`${quota ?? "max"} ${CPU_PERIOD_US}`)}`,
            `else`,
            `  # cgroup v1: one directory per controller hierarchy.`,
            `  for c in memory cpu pids; do`,
            `    [ -d "$ROOT/$c" ] || fail "the $c cgroup controller is not mounted at $ROOT/$c"`,
            `    $SUDO mkdir -p "$ROOT/$c$CGROUP_PARENT"`,
            `  done`,
            `  write "$ROOT/memory$CGROUP_PARENT/memory.limit_in_bytes" ${shellQuote(memory !== undefined ? String(memory) : "-1")}`,
            `  write "$ROOT/cpu$CGROUP_PARENT/cpu.cfs_period_us" ${CPU_PERIOD_US}`,
            `  write "$ROOT/cpu$CGROUP_PARENT/cpu.cfs_quota_us" ${shellQuote(quota !== undefined ? String(quota) : "-1")}`,
            `fi`,
            `echo "cgroup $CGROUP_PARENT ready"`,
        ].join("\n") + "\n";
    const del =
        [
            common,
            // Without the pod's mark the cgroup is not the pod's (or is gone): leave it be.
            `if ! $SUDO test -e "$MARK"; then echo "cgroup $CGROUP_PARENT is not marked as this pod's: left alone"; exit 0; fi`,
            ownerCheck(mark, "deleting"),
            `# The containers are gone by now: remove the pod's directory in every hierarchy that has one.`,
            `for dir in "$ROOT$CGROUP_PARENT" "$ROOT"/*"$CGROUP_PARENT"; do`,
            `  [ -d "$dir" ] || continue`,
            `  $SUDO rmdir "$dir" || fail "could not remove $dir: is a container of the pod still running in it?"`,
            `done`,
            `$SUDO rm -f "$MARK"`,
            `echo "cgroup $CGROUP_PARENT removed"`,
        ].join("\n") + "\n";
    return { apply, delete: del };
}

/** The scripts that create, update and delete a pod's slice. */
export function renderSliceScripts(slice: SliceSpec, owner: string): SliceScripts {
    return slice.host.driver === CgroupDriver.Systemd ? systemdScripts(slice, owner) : cgroupfsScripts(slice, owner);
}

/** What identifies a slice: a change to it replaces the slice instead of leaking the old one. */
export function sliceIdentity(slice: SliceSpec): string {
    return `${slice.host.driver}:${slice.cgroupParent}`;
}

/**
 * Opens a pod's emptyDir volumes to every user (mode 0777), as Kubernetes
 * makes an emptyDir: a fresh Docker volume is root's with mode 0755, which a
 * container running as another user (runAsUser) could not write. The names
 * are validated volume names, quoted.
 */
export function renderVolumeModes(volumes: string[], sudo: boolean, socket?: string): string {
    return (
        [
            "#!/bin/sh",
            "set -eu",
            `fail() { echo "dockerpod: $*" >&2; exit 1; }`,
            becomeRoot(sudo),
            `for volume in ${volumes.map(shellQuote).join(" ")}; do`,
            `  dir=$(${dockerCli(socket)} volume inspect --format '{{.Mountpoint}}' -- "$volume") || fail "could not inspect volume $volume"`,
            `  $SUDO chmod 0777 "$dir" || fail "could not open volume $volume ($dir) to every user"`,
            `  echo "$volume: 0777"`,
            "done",
        ].join("\n") + "\n"
    );
}

/**
 * Checks at `up` that a container's image does not run as root, for
 * `runAsNonRoot` without `runAsUser` (Docker cannot refuse it by itself). The
 * image goes into the text, quoted: a remote Command's environment would be
 * dropped by sshd unless its AcceptEnv allows it.
 */
export function renderImageUserCheck(containerName: string, image: string, sudo: boolean, socket?: string): string {
    return (
        [
            "#!/bin/sh",
            "set -eu",
            `fail() { echo "dockerpod: $*" >&2; exit 1; }`,
            `CONTAINER=${shellQuote(containerName)}`,
            `IMAGE=${shellQuote(image)}`,
            becomeRoot(sudo),
            `user=$(${dockerCli(socket)} image inspect --format '{{.Config.User}}' -- "$IMAGE") || fail "could not inspect image $IMAGE"`,
            // As the kubelet decides: the uid must be a number, and not 0 (`00` and `0000` are 0 too);
            // a user name cannot be verified without the image's passwd, so it is refused.
            `uid=\${user%%:*}`,
            `case "$uid" in`,
            `  "") fail "container $CONTAINER sets runAsNonRoot but its image $IMAGE sets no USER, so it runs as root: set securityContext.runAsUser, or use an image with a non-root numeric USER" ;;`,
            `  *[!0-9]*) fail "container $CONTAINER sets runAsNonRoot but its image $IMAGE runs as user '$uid', a name that cannot be verified as non-root (the kubelet refuses it too): set securityContext.runAsUser to a numeric uid" ;;`,
            `esac`,
            `case "$uid" in`,
            `  *[!0]*) ;;`,
            `  *) fail "container $CONTAINER sets runAsNonRoot but its image $IMAGE runs as uid $uid, which is root: set securityContext.runAsUser, or use an image with a non-root USER" ;;`,
            `esac`,
            `echo "image user: $user"`,
        ].join("\n") + "\n"
    );
}
