#!/usr/bin/env bash
# Stops a VM started by boot.sh and removes its run directory (overlay included).
#
#   tests/vm/stop.sh <runDir> [graceSeconds]
#
# `systemctl poweroff` over SSH first; QEMU (-no-reboot) exits when the guest is
# down. After graceSeconds (default 30) QEMU gets SIGTERM, then SIGKILL. Safe to
# call twice and on a run directory whose QEMU is already gone.
set -uo pipefail

run=${1:?usage: stop.sh <runDir> [graceSeconds]}
grace=${2:-30}
case $run in /tmp/dockerpod-vm.*) ;; *) echo "stop.sh: $run is not a dockerpod-vm run directory" >&2; exit 2 ;; esac
[ -d "$run" ] || exit 0

pid=$(cat "$run/qemu.pid" 2>/dev/null || true)
alive() { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

if alive; then
    timeout 15 "$run/bin/ssh" dockerpod-vm 'systemctl poweroff --no-block' >/dev/null 2>&1 || true
    end=$(( $(date +%s) + grace ))
    while alive && [ "$(date +%s)" -lt "$end" ]; do sleep 0.5; done
    if alive; then
        echo "stop.sh: guest not down after ${grace}s, killing qemu $pid" >&2
        kill "$pid" 2>/dev/null
        for _ in 1 2 3 4 5 6; do alive || break; sleep 0.5; done
        alive && kill -9 "$pid" 2>/dev/null
    fi
fi
# The Docker socket tunnel, SSH connection masters (ControlPersist) and the watchdog.
tunnel=$(cat "$run/tunnel.pid" 2>/dev/null || true)
[ -n "$tunnel" ] && kill "$tunnel" 2>/dev/null
for cm in "$run"/cm-*; do
    [ -S "$cm" ] && ssh -o ControlPath="$cm" -O exit dockerpod-vm >/dev/null 2>&1
done
wd=$(cat "$run/watchdog.pid" 2>/dev/null || true)
[ -n "$wd" ] && kill "$wd" 2>/dev/null
rm -rf "$run"
exit 0
