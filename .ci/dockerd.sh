#!/usr/bin/env bash
# Makes sure a Docker daemon answers on this machine (CI: a fresh Debian, as root):
# installs docker.io when dockerd is missing (and, for the private-registry
# tests, docker-registry and apache2-utils' htpasswd), starts dockerd in the
# background when `docker info` fails (log: /tmp/dockerd.log), waits up to 60 s for it.
set -euo pipefail

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
if [ ${#need[@]} -gt 0 ]; then
    echo "dockerd.sh: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${need[@]}"
fi

if ! docker info >/dev/null 2>&1; then
    echo "dockerd.sh: starting dockerd (log: /tmp/dockerd.log)" >&2
    nohup dockerd >/tmp/dockerd.log 2>&1 &
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
fi

if ! docker info >/dev/null 2>&1; then
    echo "dockerd.sh: the Docker daemon did not answer within 60 s; last lines of /tmp/dockerd.log:" >&2
    tail -n 40 /tmp/dockerd.log >&2 2>/dev/null || true
    exit 1
fi
echo "dockerd.sh: Docker $(docker info --format '{{.ServerVersion}}') up, cgroup driver: $(docker info --format '{{.CgroupDriver}}'), cgroup version: $(docker info --format '{{.CgroupVersion}}')"
