#!/usr/bin/env bash
# Builds the Pulumi toolchain this package is proven with, from Go modules
# (nothing here can be downloaded from a release page), and caches it:
#   pulumi                  the CLI and engine, github.com/pulumi/pulumi/pkg/v3 (toolchain/cli)
#   pulumi-resource-docker  the docker plugin: kreuzwerker/terraform-provider-docker through
#                           pulumi-terraform-bridge, with @pulumi/docker's tokens (toolchain/docker)
# and installs the docker plugin into a PULUMI_HOME of the package's own.
#
# Prints the toolchain folder on stdout (bin/pulumi, home/ with the plugin);
# everything else goes to stderr. Each binary is cached under a key of its
# own inputs and the Go version, so a warm run costs a few hashes and a cold
# one builds once (about 5 minutes each on 2 cores, plus module downloads).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${DOCKERPOD_PULUMI_CACHE:-/var/cache/dockerpod-pulumi}
# The CLI's version must match toolchain/cli/go.mod; the docker plugin's is the
# @pulumi/docker of package.json (the SDK asks the engine for exactly that version).
PULUMI_VERSION=v3.274.1
DOCKER_PLUGIN_VERSION=$(node -p 'require(process.argv[1]).dependencies["@pulumi/docker"]' "$here/../package.json")

command -v go >/dev/null || { echo "toolchain: the go command is missing (Go 1.26 builds the Pulumi CLI and plugins)" >&2; exit 1; }
# Modules come from the machine's Go module proxy only (GOPROXY as configured), never a VCS host.
export GOFLAGS="-mod=mod" GOTOOLCHAIN=local
if [ "$(go env GOPROXY)" = "direct" ] || [ "$(go env GOPROXY)" = "off" ]; then
    echo "toolchain: GOPROXY is '$(go env GOPROXY)': set it to the Go module proxy this machine reaches" >&2
    exit 1
fi

key() { (cat "$@"; go version) | sha256sum | cut -c1-16; }

# build NAME DIR PACKAGE LDFLAGS TAGS: builds into $root/NAME-<key of DIR's files>/NAME, once.
build() {
    local name=$1 dir=$2 pkg=$3 ldflags=$4 tags=$5
    local out="$root/$name-$(echo "$ldflags $tags" | key "$dir"/go.mod "$dir"/go.sum "$dir"/*.go -)"
    if [ ! -x "$out/$name" ]; then
        mkdir -p "$out"
        local start=$SECONDS
        echo "toolchain: building $name from Go modules (cold: several minutes on 2 cores)" >&2
        if ! (cd "$dir" && go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out/$name.tmp" "$pkg") >&2; then
            echo "toolchain: FAILED: (cd $dir && go build -trimpath -tags '$tags' -ldflags '$ldflags' $pkg)" >&2
            exit 1
        fi
        mv "$out/$name.tmp" "$out/$name"
        echo "toolchain: built $name in $((SECONDS - start)) s" >&2
    fi
    echo "$out/$name"
}

mkdir -p "$root"
exec 9>"$root/.lock"
flock 9
cli=$(build pulumi "$here/cli" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" "osusergo,grpcnotrace")
plugin=$(build pulumi-resource-docker "$here/docker" . "-X main.version=$DOCKER_PLUGIN_VERSION" "no_compose")

# The toolchain folder: bin/ holds only the CLI (the Automation API puts it on PATH, and a
# plugin found on PATH would override PULUMI_HOME's with a warning); home/ is PULUMI_HOME.
toolchain="$root/toolchain-$(echo "$cli $plugin $DOCKER_PLUGIN_VERSION" | key -)"
if [ ! -f "$toolchain/ready" ]; then
    mkdir -p "$toolchain/bin" "$toolchain/home"
    ln -sf "$cli" "$toolchain/bin/pulumi"
    PULUMI_HOME="$toolchain/home" PULUMI_SKIP_UPDATE_CHECK=true "$cli" plugin install resource docker \
        "$DOCKER_PLUGIN_VERSION" --file "$plugin" >&2
    touch "$toolchain/ready"
fi
echo "$toolchain"
