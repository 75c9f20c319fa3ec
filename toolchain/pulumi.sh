#!/usr/bin/env bash
# `npm run pulumi -- <args>`: the Pulumi CLI with what this package needs, offline.
# A `pulumi` on PATH is used when it is at least the version toolchain/build.sh
# builds; otherwise the one built from Go modules (built on first use, cached),
# with its language hosts beside it. Either way the docker and command plugins
# come from the package's own PULUMI_HOME, and nothing tries the internet: no
# update check, no automatic plugin download.
#
# It acts on the project of the folder it was run from, as `pulumi` itself
# would: npm runs scripts in the package root and says where it was called in
# INIT_CWD, so `npm run pulumi -- up` inside examples/from-manifest acts on that
# example, and at the root on the root project (the seed pod).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cache=$(bash "$here/build.sh")
cli=$cache/bin/pulumi
if command -v pulumi >/dev/null 2>&1; then
    have=$(pulumi version 2>/dev/null | sed 's/^v//')
    want=$("$cli" version | sed 's/^v//')
    if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" = "$want" ]; then
        cli=$(command -v pulumi)
    fi
fi
# The examples import "dockerpod", this package, whose entry point is the compiled SDK
# (bin/sdk), and the YAML, Python and Go ones run the compiled provider (bin/provider,
# whose schema.json the build writes last): build them when missing or older than a source file.
stamp=$root/bin/provider/schema.json
if [ ! -f "$stamp" ] || [ -n "$(find "$root/sdk" "$root/provider" \( -name '*.ts' -o -name package.json \) -newer "$stamp" -print -quit)" ]; then
    echo "pulumi.sh: building the SDK (npm run build)" >&2
    (cd "$root" && npm run --silent build) >&2
fi
# State: PULUMI_BACKEND_URL, else the file backend `npm run deploy` uses.
# With that local backend and no passphrase set, an empty one (as `npm run deploy` does).
if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
    mkdir -p "$root/.pulumi-state"
    export PULUMI_BACKEND_URL=file://$root/.pulumi-state
    if [ -z "${PULUMI_CONFIG_PASSPHRASE+set}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
        export PULUMI_CONFIG_PASSPHRASE=""
    fi
fi
export PULUMI_HOME=$cache/home PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
cd "${INIT_CWD:-$PWD}"
exec "$cli" "$@"
