#!/usr/bin/env bash
# Makes sure a Docker daemon answers on this machine (CI: a fresh Debian, as root):
# installs docker.io when dockerd is missing, starts dockerd in the background
# when `docker info` fails (log: /tmp/dockerd.log), waits up to 60 s for it.
set -euo pipefail

if ! command -v dockerd >/dev/null 2>&1; then
    echo "dockerd.sh: installing docker.io" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y docker.io
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
