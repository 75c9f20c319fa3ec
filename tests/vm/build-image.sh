#!/usr/bin/env bash
# Builds (or finds in its cache) the guest image of the systemd test VM: a Debian
# root filesystem (bookworm, or trixie with DOCKERPOD_VM_SUITE) with systemd as PID 1, dockerd (systemd cgroup driver),
# sshd and sudo, plus the host's Debian kernel, initrd and modules.
#
#   tests/vm/build-image.sh [--force]
#
# Prints the image's cache directory as the last line of stdout (all logs go to
# stderr). That directory holds:
#   image.ext4                 the root filesystem (never written: boot.sh boots a qcow2 overlay)
#   vmlinuz, initrd.img        the kernel and initrd it boots with (copied from the host's /boot)
#   id_ed25519(.pub)           the client key authorized for root, pod, deploy and nosudo (0600, root only)
#   ssh_host_ed25519_key.pub   the guest's host key, for a strict known_hosts
#   build.env                  kernel version, key, timings
#
# Cache: $DOCKERPOD_VM_CACHE (default /var/cache/dockerpod-vm)/<key>, where <key>
# hashes this script (package list and guest config live in it), the suite, the
# kernel version and its package version. A key change rebuilds and drops the
# old image. Downloaded .debs are kept in <cache>/debs (debootstrap --cache-dir).
#
# Guest: users root (key only), pod (password-less sudo, NOT in group docker),
# deploy (password-less sudo and group docker) and nosudo (group docker, no sudo); systemd-networkd with QEMU's user-mode
# address 10.0.2.15; dockerd with native.cgroupdriver=systemd, the default
# bridge and iptables; modules overlay, bridge, br_netfilter, veth loaded at
# boot. A oneshot unit writes "dockerpod-vm: READY <driver> cgroup-v<N> <storage>"
# to the serial console once dockerd answers.
#
# Environment: DOCKERPOD_VM_SUITE (default bookworm), DOCKERPOD_VM_CACHE, DOCKERPOD_VM_MIRROR
# (default: the host's apt mirror for that suite, or for the host's own release), DOCKERPOD_VM_KERNEL (a version in /lib/modules; default
# the newest installed Debian kernel). Installs its host packages with apt-get.
set -euo pipefail

# The guest's Debian release: bookworm (Debian 12, docker.io 20.10), what CI boots.
# DOCKERPOD_VM_SUITE=trixie builds Debian 13 (docker.io 26.1, API 1.45): the suite passes there,
# but its sandbox starts fail now and then in this emulated guest (README, Tested Docker versions).
SUITE=${DOCKERPOD_VM_SUITE:-bookworm}
CACHE=${DOCKERPOD_VM_CACHE:-/var/cache/dockerpod-vm}
# Guest packages (debootstrap resolves Depends, never Recommends).
GUEST_PACKAGES=systemd,systemd-sysv,dbus,udev,kmod,docker.io,iptables,openssh-server,sudo,iproute2,procps,wget
# From trixie on, the docker CLI is a package of its own (docker.io only recommends it).
[ "$SUITE" = bookworm ] || GUEST_PACKAGES+=,docker-cli
# Host packages this script and boot.sh need, as command-or-file:package.
HOST_NEEDS="qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils debootstrap:debootstrap
mkfs.ext4:e2fsprogs ssh:openssh-client ssh-keygen:openssh-client depmod:kmod flock:util-linux"
# Kernel module trees left out of the guest (no such hardware in a QEMU guest).
MODULE_EXCLUDES="sound drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet
drivers/infiniband drivers/staging drivers/usb drivers/bluetooth drivers/iio drivers/input
drivers/hid drivers/isdn drivers/mtd drivers/video drivers/scsi drivers/ata drivers/mmc
drivers/hwmon drivers/platform drivers/misc drivers/thunderbolt drivers/nfc drivers/pinctrl
drivers/watchdog drivers/i2c drivers/cpufreq drivers/edac drivers/char/ipmi drivers/md drivers/gpio
drivers/leds arch/x86/kvm net/wireless net/mac80211 net/bluetooth"

force=0
[ "${1:-}" = "--force" ] && force=1

log() { echo "build-image: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)
[ "$(id -u)" = 0 ] || { log "must run as root (debootstrap, apt-get)"; exit 1; }

# --- host packages ---------------------------------------------------------------
missing=()
for need in $HOST_NEEDS; do
    command -v "${need%%:*}" >/dev/null 2>&1 || missing+=("${need#*:}")
done
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || missing+=(linux-image-amd64)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
if [ ${#missing[@]} -gt 0 ]; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "installing host packages: ${missing[*]}"
    t=$(now)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    log "host packages installed in $(since "$t")s"
fi

# --- kernel ----------------------------------------------------------------------
kver=${DOCKERPOD_VM_KERNEL:-}
if [ -z "$kver" ]; then
    kver=$(for f in /boot/vmlinuz-*; do
        v=${f#/boot/vmlinuz-}
        if [ -d "/lib/modules/$v/kernel" ] && [ -e "/boot/initrd.img-$v" ]; then echo "$v"; fi
    done | sort -V | tail -n 1)
fi
[ -n "$kver" ] && [ -e "/boot/vmlinuz-$kver" ] && [ -e "/boot/initrd.img-$kver" ] && [ -d "/lib/modules/$kver" ] || {
    log "no usable kernel (need /boot/vmlinuz-V, /boot/initrd.img-V and /lib/modules/V; got '$kver')"; exit 1; }
kpkg=$(dpkg-query -W -f '${Version}' "linux-image-$kver" 2>/dev/null || true)
[ -n "$kpkg" ] || kpkg=$(sha256sum "/boot/vmlinuz-$kver" | cut -c1-16)

# --- cache key -------------------------------------------------------------------
key=$(printf '%s\n' "$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)" "$SUITE" "$kver" "$kpkg" \
    "$GUEST_PACKAGES" | sha256sum | cut -c1-16)
dir=$CACHE/$key
mkdir -p "$CACHE/debs"
chmod 700 "$CACHE"
exec 9>"$CACHE/.lock"
flock 9    # one build at a time; a waiting caller then finds the finished image

if [ $force = 0 ] && [ -s "$dir/image.ext4" ] && [ -s "$dir/build.env" ]; then
    log "cached image $dir (kernel $kver)"
    echo "$dir"
    exit 0
fi

# --- mirror ----------------------------------------------------------------------
mirror=${DOCKERPOD_VM_MIRROR:-}
if [ -z "$mirror" ]; then
    # The host's own Debian mirror for the suite: deb822 (.sources) or one-line (.list) format.
    # A host that lists only its own release (bookworm) has the guest's on the same mirror.
    mirror_of() {
        local m
        m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$1" '
            /^[[:space:]]*$/ { if (u != "" && ok && !found) { print u; found = 1 } u = ""; ok = 0; next }
            /^URIs:/ { u = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
            END { if (u != "" && ok && !found) print u }' | head -n 1)
        [ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk -v s="$1" '$1 == "deb" && $3 == s { print $2; exit }')
        echo "$m"
    }
    mirror=$(mirror_of "$SUITE")
    [ -n "$mirror" ] || mirror=$(mirror_of "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")")
    if [ -z "$mirror" ]; then
        echo "build-image.sh: no Debian mirror for suite $SUITE in /etc/apt/sources.list{,.d}: set DOCKERPOD_VM_MIRROR" >&2
        exit 1
    fi
fi

# --- build -----------------------------------------------------------------------
# debootstrap mounts /proc, /sys, ... inside the target: unmount before deleting.
remove_build() {
    awk -v r="$1/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$1"
}
for stale in "$CACHE"/build.*; do [ -d "$stale" ] && remove_build "$stale"; done   # killed builds
work=$(mktemp -d "$CACHE/build.XXXXXX")
root=$work/rootfs
trap 'remove_build "$work"' EXIT

log "building $dir: $SUITE from $mirror, kernel $kver ($kpkg)"
t=$(now)
mkdir -p "$root"
if ! debootstrap --variant=minbase --include="$GUEST_PACKAGES" --components=main \
        --cache-dir="$CACHE/debs" --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    [ -e "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
    log "debootstrap failed"
    exit 1
fi
t_debootstrap=$(since "$t")
log "debootstrap done in ${t_debootstrap}s"
t=$(now)

# Kernel modules (minus hardware the guest lacks), kernel and initrd.
mkdir -p "$root/usr/lib/modules"
excludes=()
for e in $MODULE_EXCLUDES; do excludes+=(--exclude "./kernel/$e"); done
tar -C "/lib/modules/$kver" "${excludes[@]}" -cf - . | tar -C "$root/usr/lib/modules" --one-top-level="$kver" -xf -
depmod -b "$root" "$kver"
cp "/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "/boot/initrd.img-$kver" "$work/initrd.img"

# Identity: fixed machine-id (no first-boot preset run), hostname, fstab.
tr -d '-' </proc/sys/kernel/random/uuid >"$root/etc/machine-id"
echo dockerpod-vm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tdockerpod-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
echo '/dev/vda / ext4 rw,relatime,errors=remount-ro 0 1' >"$root/etc/fstab"

# Network: QEMU user-mode networking (slirp) always hands out 10.0.2.15/24.
cat >"$root/etc/systemd/network/10-qemu.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
DNS=10.0.2.3
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
mkdir -p "$root/etc/systemd/system/systemd-networkd-wait-online.service.d"
cat >"$root/etc/systemd/system/systemd-networkd-wait-online.service.d/dockerpod.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=20
EOF

# Kernel modules dockerd needs for overlay2, the default bridge and published ports.
printf '%s\n' overlay bridge br_netfilter veth >"$root/etc/modules-load.d/dockerpod.conf"

# dockerd: systemd cgroup driver; storage driver left to dockerd (overlay2 when the
# overlay module loads, else it falls back); default bridge and iptables on.
mkdir -p "$root/etc/docker"
cat >"$root/etc/docker/daemon.json" <<'EOF'
{
  "exec-opts": ["native.cgroupdriver=systemd"],
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m" }
}
EOF

# Journald in memory; the console log is what the host keeps.
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=64M\n' >"$root/etc/systemd/journald.conf.d/dockerpod.conf"

# Readiness: once dockerd answers, one line on the serial console (boot.sh waits for it).
cat >"$root/usr/local/sbin/dockerpod-ready" <<'EOF'
#!/bin/sh
i=0
while ! info=$(docker info --format '{{.CgroupDriver}} cgroup-v{{.CgroupVersion}} {{.Driver}}' 2>&1); do
    i=$((i + 1))
    if [ "$i" -ge 90 ]; then
        echo "dockerpod-vm: NOT READY: $info" >/dev/ttyS0
        exit 1
    fi
    sleep 1
done
echo "dockerpod-vm: READY $info" >/dev/ttyS0
EOF
chmod 755 "$root/usr/local/sbin/dockerpod-ready"
cat >"$root/etc/systemd/system/dockerpod-ready.service" <<'EOF'
[Unit]
Description=Report on the serial console that dockerd and sshd are up
Wants=docker.service ssh.service
After=docker.service ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/dockerpod-ready
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
EOF

# Users: pod has password-less sudo but no docker group (the host scripts' docker calls must go
# through sudo); deploy has both, as a user who runs `pulumi up` against this host is set up
# (the docker provider's ssh:// transport runs the docker CLI as them); nosudo has the docker
# group but no sudo (a deploy user whose sudo was forgotten: Docker works, the slice's commands cannot).
chroot "$root" useradd -m -s /bin/bash -U pod
chroot "$root" useradd -m -s /bin/bash -U -G docker deploy
chroot "$root" useradd -m -s /bin/bash -U -G docker nosudo
for u in pod deploy; do
    echo "$u ALL=(ALL:ALL) NOPASSWD: ALL" >"$root/etc/sudoers.d/dockerpod-$u"
    chmod 0440 "$root/etc/sudoers.d/dockerpod-$u"
done
chroot "$root" passwd -l root >/dev/null

# SSH: our own host key (known to the host) and one client key for every user.
rm -f "$root"/etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -C dockerpod-vm-host -f "$root/etc/ssh/ssh_host_ed25519_key"
cp "$root/etc/ssh/ssh_host_ed25519_key.pub" "$work/ssh_host_ed25519_key.pub"
ssh-keygen -q -t ed25519 -N '' -C dockerpod-vm-client -f "$work/id_ed25519"
chmod 600 "$work/id_ed25519"
cat >"$root/etc/ssh/sshd_config.d/dockerpod.conf" <<'EOF'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 64:30:128
MaxSessions 64
EOF
for u in root pod deploy nosudo; do
    home=$(chroot "$root" getent passwd "$u" | cut -d: -f6)
    install -d -m 700 "$root$home/.ssh"
    install -m 600 "$work/id_ed25519.pub" "$root$home/.ssh/authorized_keys"
    chroot "$root" chown -R "$u:" "$home/.ssh"
done

# Services: networkd and the ready unit on; timers and scrubbers off (nothing but noise in a test VM).
chroot "$root" systemctl enable -q systemd-networkd.service dockerpod-ready.service docker.service ssh.service
chroot "$root" systemctl mask -q apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
    e2scrub_reap.service fstrim.timer getty@tty1.service systemd-timesyncd.service \
    modprobe@dm_mod.service modprobe@loop.service modprobe@fuse.service modprobe@efi_pstore.service \
    modprobe@drm.service 2>/dev/null || true
chroot "$root" systemctl set-default -q multi-user.target

# Smaller image: no package caches, docs or locales.
rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/usr/share/info/*
t_config=$(since "$t")
log "guest configured in ${t_config}s"

# Image: ext4 straight from the folder, no loop mount; sparse, with 2 GiB to spare.
t=$(now)
used_mb=$(du -sm --one-file-system "$root" | cut -f1)
size_mb=$(( (used_mb + 2048 + 255) / 256 * 256 ))
mkfs.ext4 -q -F -L dockerpod-root -m 0 -E lazy_itable_init=0,lazy_journal_init=0 \
    -d "$root" "$work/image.ext4" "${size_mb}M" >&2
t_mkfs=$(since "$t")
log "image.ext4 (${used_mb} MiB used of ${size_mb} MiB) in ${t_mkfs}s"

cat >"$work/build.env" <<EOF
KEY=$key
SUITE=$SUITE
MIRROR=$mirror
KERNEL=$kver
KERNEL_PACKAGE=$kpkg
GUEST_PACKAGES=$GUEST_PACKAGES
USED_MB=$used_mb
SIZE_MB=$size_mb
T_DEBOOTSTRAP=$t_debootstrap
T_CONFIG=$t_config
T_MKFS=$t_mkfs
T_TOTAL=$(since "$t_start")
BUILT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF

# Publish atomically; drop images of older keys.
rm -rf --one-file-system "$root"
for old in "$CACHE"/*/; do
    old=${old%/}
    case ${old##*/} in debs | build.*) continue ;; esac
    [ "$old" = "$dir" ] || rm -rf --one-file-system "$old"
done
rm -rf "$dir"
mv "$work" "$dir"
chmod 700 "$dir"
log "built $dir in $(since "$t_start")s total"
echo "$dir"
