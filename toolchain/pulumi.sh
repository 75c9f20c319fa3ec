#!/usr/bin/env bash
# `npm run pulumi -- <args>`: the Pulumi CLI with what this package needs, offline.
# A `pulumi` on PATH is used when it is at least the version toolchain/build.sh
# builds; otherwise the one built from Go modules (built on first use, cached).
# Either way the docker plugin comes from the package's own PULUMI_HOME, and
# nothing tries the internet: no update check, no automatic plugin download.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=$(bash "$here/build.sh")
cli=$cache/bin/pulumi
if command -v pulumi >/dev/null 2>&1; then
    have=$(pulumi version 2>/dev/null | sed 's/^v//')
    want=$("$cli" version | sed 's/^v//')
    if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" = "$want" ]; then
        cli=$(command -v pulumi)
    fi
fi
# State: PULUMI_BACKEND_URL, else the file backend `npm run deploy` uses.
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$(cd "$here/.." && pwd)/.pulumi-state}
export PULUMI_HOME=$cache/home PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
exec "$cli" "$@"
