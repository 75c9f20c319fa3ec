#!/usr/bin/env bash
# Boots the systemd test VM (image from build-image.sh) under QEMU/TCG and waits
# until it is ready: sshd answers and dockerd reports the systemd cgroup driver on
# cgroup v2, with the local test images loaded.
#
#   tests/vm/boot.sh [--port N] [--owner-pid PID] [--no-images] [--timeout SECONDS]
#
# On success prints one JSON line on stdout (everything else goes to stderr):
#   {"runDir", "pid", "sshPort", "keyFile", "sshConfig", "knownHosts", "dockerHost",
#    "dockerSocket", "consoleLog", "imageDir", "timings": {...}}
# Stop it with tests/vm/stop.sh <runDir> (powers off, kills QEMU after a timeout,
# removes the run directory and its overlay).
#
# The VM: pc machine, TCG, 2 vCPUs, 2 GiB, the host's Debian kernel and initrd
# (copied into the image cache). Disks are a qcow2 chain, so every boot starts
# from the same clean state and nothing cached is ever written:
#   image.ext4 (raw, build-image.sh)
#     <- warm-<images>.qcow2 (cache: the test images already `docker load`ed, made
#        once per set of image ids by one extra boot)
#       <- <runDir>/overlay.qcow2 (this run; deleted by stop.sh)
# User-mode networking with restrict=on (the guest reaches nothing) and one
# forward, 127.0.0.1:<port> to the guest's sshd. Serial console: <runDir>/console.log.
#
# --owner-pid PID: a detached watchdog kills QEMU (and removes the run directory)
# once PID is gone, so a crashed test run never leaves a VM behind.
#
# Docker over SSH: DOCKER_HOST=ssh://root@127.0.0.1:<port>. The docker CLI runs
# `ssh`; <runDir>/bin/ssh wraps it with `-F <runDir>/ssh_config` (key, strict
# known_hosts, connection sharing), so put <runDir>/bin first in PATH (sourcing
# <runDir>/env does both). Faster for test assertions: <runDir>/docker.sock, the
# guest's /run/docker.sock forwarded over one SSH connection (`ssh -L`, pid in
# <runDir>/tunnel.pid). See tests/vm/README.md.
#
# Environment: DOCKERPOD_VM_CPUS (2), DOCKERPOD_VM_MEMORY (2048, MiB),
# DOCKERPOD_VM_MACHINE (pc), DOCKERPOD_VM_APPEND (extra kernel parameters),
# DOCKERPOD_VM_KEEP=1 (keep the run directory of a failed boot).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
want_port=""
owner=""
images=1
timeout=240
while [ $# -gt 0 ]; do
    case $1 in
        --port) want_port=$2; shift 2 ;;
        --owner-pid) owner=$2; shift 2 ;;
        --no-images) images=0; shift ;;
        --timeout) timeout=$2; shift 2 ;;
        *) echo "boot.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
IMAGES=(dockerpod-test/busybox:1 dockerpod-test/web:1 registry.k8s.io/pause:3.9 docker:28-cli)
APPEND="root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 apparmor=0 quiet ${DOCKERPOD_VM_APPEND:-}"

log() { echo "boot: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)

img=$(bash "$here/build-image.sh" | tail -n 1)
[ -s "$img/image.ext4" ] || { log "build-image.sh gave no image"; exit 1; }
t_image=$(since "$t_start")

run=$(mktemp -d /tmp/dockerpod-vm.XXXXXX)
chmod 700 "$run"
mkdir "$run/bin"
pid=""
port=""
fail() {
    log "$*"
    if [ -s "$run/console.log" ]; then
        log "last console lines ($run/console.log):"
        tail -n 40 "$run/console.log" | sed 's/^/  | /' >&2
    fi
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    [ "${DOCKERPOD_VM_KEEP:-0}" = 1 ] || rm -rf "$run"
    exit 1
}
vmssh() { "$run/bin/ssh" dockerpod-vm "$@"; }
# Killed or failed half-way (e.g. a test's timeout): never leave a QEMU behind.
booted=""
trap '[ -n "$booted" ] || { [ -n "$pid" ] && kill "$pid" 2>/dev/null; [ "${DOCKERPOD_VM_KEEP:-0}" = 1 ] || rm -rf "$run"; }' EXIT
trap 'exit 1' TERM INT HUP

pick_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 40000))
        ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
    done
    return 1
}

# start_vm DISK CACHE: starts QEMU daemonized on DISK (qcow2, host cache mode CACHE);
# sets pid, port, t_qemu and writes this boot's ssh_config, known_hosts and ssh wrapper.
start_vm() {
    local disk=$1 cache=$2 p attempt
    pid=""
    for attempt in 1 2 3 4 5; do
        p=${want_port:-$(pick_port)}
        : >"$run/console.log"
        rm -f "$run/qemu.pid"
        t_qemu=$(now)
        if qemu-system-x86_64 -name dockerpod-vm -nodefaults \
                -machine "${DOCKERPOD_VM_MACHINE:-pc}" -accel tcg,thread=multi \
                -smp "${DOCKERPOD_VM_CPUS:-2}" -m "${DOCKERPOD_VM_MEMORY:-2048}" \
                -kernel "$img/vmlinuz" -initrd "$img/initrd.img" -append "$APPEND" \
                -drive "file=$disk,format=qcow2,if=virtio,cache=$cache" \
                -netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$p-:22" \
                -device virtio-net-pci,netdev=net0 -device virtio-rng-pci \
                -display none -serial "file:$run/console.log" -monitor none -no-reboot \
                -daemonize -pidfile "$run/qemu.pid" 2>"$run/qemu.err" 8>&-; then
            port=$p
            break
        fi
        if [ -n "$want_port" ] || ! grep -qi 'hostfwd\|forward' "$run/qemu.err"; then
            cat "$run/qemu.err" >&2
            fail "qemu failed to start"
        fi
        log "port $p taken (attempt $attempt), picking another"
    done
    [ -s "$run/qemu.pid" ] || fail "qemu did not start"
    pid=$(cat "$run/qemu.pid")
    echo "$port" >"$run/port"
    cat >"$run/ssh_config" <<EOF
Host dockerpod-vm 127.0.0.1
    HostName 127.0.0.1
    Port $port
    User root
    IdentityFile $img/id_ed25519
    IdentitiesOnly yes
    HostKeyAlias dockerpod-vm
    UserKnownHostsFile $run/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 15
    ServerAliveInterval 10
    ControlMaster auto
    ControlPath $run/cm-%r-%p
    ControlPersist 300
    LogLevel ERROR
EOF
    echo "dockerpod-vm $(cut -d' ' -f1,2 "$img/ssh_host_ed25519_key.pub")" >"$run/known_hosts"
    printf '#!/bin/sh\nexec %s -F %s "$@"\n' "$(command -v ssh)" "$run/ssh_config" >"$run/bin/ssh"
    chmod 755 "$run/bin/ssh"
    log "qemu $pid booting $disk, ssh on 127.0.0.1:$port, console $run/console.log"
    watchdog
}

# watchdog: when the owner (--owner-pid) dies first, kill this QEMU and remove the run directory.
watchdog() {
    [ -n "$owner" ] || return 0
    setsid bash -c '
        owner=$1 qemu=$2 run=$3
        while kill -0 "$owner" 2>/dev/null; do
            kill -0 "$qemu" 2>/dev/null || exit 0
            sleep 2
        done
        kill "$qemu" 2>/dev/null && sleep 3
        kill -9 "$qemu" 2>/dev/null
        rm -rf "$run"' watchdog "$owner" "$pid" "$run" </dev/null >/dev/null 2>&1 8>&- &
    echo $! >"$run/watchdog.pid"
}

# wait_ready: the guest's READY line (written once dockerd answers), then the same check over SSH.
wait_ready() {
    local deadline info ok="" t
    deadline=$(( $(date +%s) + timeout ))
    while :; do
        if grep -q 'dockerpod-vm: READY' "$run/console.log" 2>/dev/null; then break; fi
        if grep -q 'dockerpod-vm: NOT READY' "$run/console.log" 2>/dev/null; then fail "dockerd did not come up in the guest"; fi
        kill -0 "$pid" 2>/dev/null || { pid=""; fail "qemu exited during boot"; }
        [ "$(date +%s)" -lt "$deadline" ] || fail "not ready after ${timeout}s"
        sleep 0.5
    done
    t_ready=$(since "$t_qemu")
    log "guest ready after ${t_ready}s: $(grep -a -o 'dockerpod-vm: READY.*' "$run/console.log" | tr -d '\r' | head -n 1)"
    t=$(now)
    for _ in $(seq 30); do
        if info=$(vmssh "docker info --format '{{.CgroupDriver}} {{.CgroupVersion}}'" 2>"$run/ssh.err"); then ok=1; break; fi
        sleep 1
    done
    [ -n "$ok" ] || { cat "$run/ssh.err" >&2; fail "ssh to the guest failed"; }
    [ "$info" = "systemd 2" ] || fail "guest dockerd reports '$info', want 'systemd 2' (cgroup driver, cgroup version)"
    t_ssh=$(since "$t")
}

# stop_vm: clean poweroff (the disk is kept), QEMU exits on its own (-no-reboot).
stop_vm() {
    vmssh 'systemctl poweroff --no-block' >/dev/null 2>&1 || true
    for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && fail "guest did not power off"
    pid=""
}

# --- the disk: per-run overlay on the warm layer (test images loaded) or on the bare image
t_warm=0
if [ $images = 1 ]; then
    ids=""
    for i in "${IMAGES[@]}"; do
        ids+=$(docker image inspect --format '{{.Id}}' "$i" 2>/dev/null || echo missing)
    done
    if [[ $ids == *missing* ]]; then
        log "test images missing on the host: running tests/images/build.sh"
        bash "$here/../images/build.sh" >&2
        ids=""
        for i in "${IMAGES[@]}"; do ids+=$(docker image inspect --format '{{.Id}}' "$i"); done
    fi
    warm=$img/warm-$(echo "$ids" | sha256sum | cut -c1-12).qcow2
    exec 8>"$img/.warm.lock"
    flock 8
    if [ ! -s "$warm" ]; then
        # One extra boot, once per set of image ids: load the images, power off cleanly, keep the disk.
        t=$(now)
        log "making $warm (loading ${IMAGES[*]})"
        qemu-img create -q -f qcow2 -F raw -b "$img/image.ext4" "$run/warm.qcow2"
        start_vm "$run/warm.qcow2" writeback
        wait_ready
        docker save "${IMAGES[@]}" | vmssh docker load >&2 || fail "loading ${IMAGES[*]} into the guest failed"
        stop_vm
        rm -f "$img"/warm-*.qcow2 "$img"/warm.tmp.qcow2
        cp "$run/warm.qcow2" "$img/warm.tmp.qcow2"
        mv "$img/warm.tmp.qcow2" "$warm"
        rm -f "$run/warm.qcow2"
        t_warm=$(since "$t")
        log "warm layer made in ${t_warm}s"
    fi
    qemu-img create -q -f qcow2 -F qcow2 -b "$warm" "$run/overlay.qcow2"
else
    qemu-img create -q -f qcow2 -F raw -b "$img/image.ext4" "$run/overlay.qcow2"
fi

# A throwaway overlay: the guest's flushes need not reach the host disk.
start_vm "$run/overlay.qcow2" unsafe
exec 8>&-   # a new warm layer may replace ours now: QEMU holds it open
wait_ready
if [ $images = 1 ]; then
    got=$(vmssh "docker image inspect --format '{{.Id}}' ${IMAGES[*]}" | tr -d '\n') || true
    [ "$got" = "$ids" ] || fail "the warm layer lacks the test images (got '$got')"
fi

# A tunnel to the guest's /run/docker.sock: one SSH connection for every API call
# (ssh:// opens one per call and starts `docker system dial-stdio` in the guest).
setsid "$run/bin/ssh" -N -o ControlMaster=no -o ControlPath=none -o ExitOnForwardFailure=yes \
    -o StreamLocalBindUnlink=yes -L "$run/docker.sock:/run/docker.sock" dockerpod-vm \
    </dev/null >/dev/null 2>"$run/tunnel.err" &
echo $! >"$run/tunnel.pid"
for _ in $(seq 60); do [ -S "$run/docker.sock" ] && break; sleep 0.25; done
[ -S "$run/docker.sock" ] || { cat "$run/tunnel.err" >&2; fail "the Docker socket tunnel did not come up"; }

booted=1
cat >"$run/env" <<EOF
export DOCKER_HOST=ssh://root@127.0.0.1:$port
export PATH=$run/bin:\$PATH
EOF
log "ready in $(since "$t_start")s (image ${t_image}s, warm layer ${t_warm}s, boot ${t_ready}s, ssh ${t_ssh}s)"
printf '{"runDir":"%s","pid":%s,"sshPort":%s,"keyFile":"%s","sshConfig":"%s","knownHosts":"%s","dockerHost":"ssh://root@127.0.0.1:%s","dockerSocket":"%s","consoleLog":"%s","imageDir":"%s","timings":{"image":%s,"warm":%s,"boot":%s,"ssh":%s,"total":%s}}\n' \
    "$run" "$pid" "$port" "$img/id_ed25519" "$run/ssh_config" "$run/known_hosts" "$port" "$run/docker.sock" "$run/console.log" "$img" \
    "$t_image" "$t_warm" "$t_ready" "$t_ssh" "$(since "$t_start")"
