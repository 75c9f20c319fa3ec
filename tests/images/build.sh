#!/usr/bin/env bash
# Builds the local test images without any registry, from Debian's busybox-static:
#   dockerpod-test/busybox:1     a busybox rootfs (sh, httpd, wget, sleep, dd, ...)
#   registry.k8s.io/pause:3.9    a pause-like sandbox: /pause sleeps forever, exits 0 on TERM/INT
#   docker:28-cli                the guardian's image: busybox plus this host's Docker CLI and its libraries
#   dockerpod-test/static-httpd:1  one static binary and nothing else: /httpd (busybox under the httpd
#                                applet's name) and the page it serves; no shell, wget or nc
#   dockerpod-test/web:1         the seed pod's app where nginx:alpine cannot be pulled: busybox
#                                serving /www/index.html on port 80, exiting 0 on SIGTERM
# Idempotent and fast: an image whose "dockerpod.test.build" label matches the
# current inputs (busybox binary + this script) is left alone.
set -euo pipefail

BUSYBOX_IMAGE=dockerpod-test/busybox:1
PAUSE_IMAGE=registry.k8s.io/pause:3.9
CLI_IMAGE=docker:28-cli
STATIC_IMAGE=dockerpod-test/static-httpd:1
WEB_IMAGE=dockerpod-test/web:1
DOCKER_CLI=/usr/bin/docker   # Debian's docker.io client

if [ ! -x /bin/busybox ]; then
    echo "build.sh: /bin/busybox missing, installing busybox-static" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y busybox-static >/dev/null 2>&1 || { apt-get update && apt-get install -y busybox-static; }
fi
command -v docker >/dev/null || { echo "build.sh: docker CLI not found (run .ci/dockerd.sh first)" >&2; exit 1; }

[ -x "$DOCKER_CLI" ] || { echo "build.sh: $DOCKER_CLI missing (install docker.io)" >&2; exit 1; }
stamp=$(cat /bin/busybox "$DOCKER_CLI" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)

current() { docker image inspect --format '{{index .Config.Labels "dockerpod.test.build"}}' "$1" 2>/dev/null || true; }

if [ "$(current "$BUSYBOX_IMAGE")" = "$stamp" ] && [ "$(current "$PAUSE_IMAGE")" = "$stamp" ] && [ "$(current "$CLI_IMAGE")" = "$stamp" ] &&
    [ "$(current "$STATIC_IMAGE")" = "$stamp" ] && [ "$(current "$WEB_IMAGE")" = "$stamp" ]; then
    echo "build.sh: images up to date ($stamp)"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,www,proc,sys,dev,var/run,home}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] && continue
    ln -sf busybox "$root/bin/$applet"
done
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
# The sandbox: PID 1 is a shell that exits 0 promptly on SIGTERM/SIGINT.
cat >"$root/pause" <<'PAUSE'
#!/bin/sh
trap 'exit 0' TERM INT
while :; do
    sleep 3600 &
    wait $!
done
PAUSE
chmod 755 "$root/pause"

tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/rootfs.tar" .

# One static binary: busybox runs the applet named by argv[0], so /httpd is httpd and nothing else is reachable.
static=$work/static
mkdir -p "$static/www"
cp /bin/busybox "$static/httpd"
echo "static" >"$static/www/index.html"
tar -C "$static" --numeric-owner --owner=0 --group=0 -cf "$work/static.tar" .
docker import \
    --change "LABEL dockerpod.test.build=$stamp" \
    --change 'ENTRYPOINT ["/httpd", "-f", "-p", "8080", "-h", "/www"]' \
    "$work/static.tar" "$STATIC_IMAGE" >/dev/null

docker import \
    --change "LABEL dockerpod.test.build=$stamp" \
    --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
    --change 'CMD ["/bin/sh"]' \
    "$work/rootfs.tar" "$BUSYBOX_IMAGE" >/dev/null
docker import \
    --change "LABEL dockerpod.test.build=$stamp" \
    --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
    --change 'ENTRYPOINT ["/pause"]' \
    "$work/rootfs.tar" "$PAUSE_IMAGE" >/dev/null
# busybox httpd as PID 1 ignores SIGTERM (a stop would wait out the grace): a shell that exits on it.
echo "hello from dockerpod" >"$root/www/index.html"
tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/web.tar" .
rm "$root/www/index.html"
docker import \
    --change "LABEL dockerpod.test.build=$stamp" \
    --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
    --change 'CMD ["sh", "-c", "trap '"'"'exit 0'"'"' TERM; httpd -f -p 80 -h /www & wait"]' \
    "$work/web.tar" "$WEB_IMAGE" >/dev/null

# The guardian's image: the same rootfs plus the Docker CLI with the libraries it links.
mkdir -p "$root/usr/bin"
cp "$DOCKER_CLI" "$root/usr/bin/docker"
for lib in $(ldd "$DOCKER_CLI" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/cli.tar" .
docker import \
    --change "LABEL dockerpod.test.build=$stamp" \
    --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
    --change 'CMD ["/bin/sh"]' \
    "$work/cli.tar" "$CLI_IMAGE" >/dev/null
echo "build.sh: built $BUSYBOX_IMAGE, $PAUSE_IMAGE, $STATIC_IMAGE, $WEB_IMAGE and $CLI_IMAGE ($stamp)"
