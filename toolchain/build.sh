#!/usr/bin/env bash
# Builds the Pulumi toolchain this package is proven with, from Go modules
# (nothing here can be downloaded from a release page), and caches it:
#   pulumi                  the CLI and engine, github.com/pulumi/pulumi/pkg/v3 (toolchain/cli)
#   pulumi-language-nodejs, -python, -go, -yaml
#                           the language hosts that run programs (toolchain/hosts, one module
#                           at the release they were cut from); beside them the files of the sdk/v3 module the
#                           hosts call: pulumi-language-python-exec (the Python host's
#                           executor) and pulumi-resource-pulumi-nodejs (dynamic providers)
#   pulumi-resource-docker  the docker plugin: kreuzwerker/terraform-provider-docker through
#                           pulumi-terraform-bridge, with @pulumi/docker's tokens (toolchain/docker)
#   pulumi-resource-command the command plugin, github.com/pulumi/pulumi-command/provider at the
#                           release @pulumi/command asks for (toolchain/command)
# and installs the two resource plugins into a PULUMI_HOME of the package's own.
#
# Modules come from the machine's Go module proxy. Some proxies refuse the modules that
# Pulumi does not tag (the language hosts under pulumi/pulumi's sdk/, the command provider
# and pulumi-go-provider): a file-based module proxy holding them (the layout of `go help
# goproxy`) is put in front of GOPROXY when DOCKERPOD_GOPROXY_DIR names one, or when a
# folder shared/goproxy stands beside the repository. On a machine whose proxy serves
# them, nothing changes.
#
# Prints the toolchain folder on stdout (bin/ with the CLI and language hosts, home/ with
# the resource plugins);
# everything else goes to stderr. Each binary is cached under a key of its
# own inputs and the Go version, so a warm run costs a few hashes and a cold
# one builds once (on 2 cores: the CLI about 5 minutes, each host and plugin one or two more,
# plus module downloads).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${DOCKERPOD_PULUMI_CACHE:-/var/cache/dockerpod-pulumi}
# The CLI's version must match toolchain/cli/go.mod; the docker plugin's is the
# @pulumi/docker of package.json (the SDK asks the engine for exactly that version).
PULUMI_VERSION=v3.274.1
DOCKER_PLUGIN_VERSION=$(node -p 'require(process.argv[1]).dependencies["@pulumi/docker"]' "$here/../package.json")
COMMAND_PLUGIN_VERSION=$(node -p 'require(process.argv[1]).dependencies["@pulumi/command"]' "$here/../package.json")
# The YAML host's release; it must match toolchain/cli/go.mod (v1.25.0 and older start the
# nodejs host with a -root flag that hosts of this CLI's age refuse).
YAML_VERSION=v1.38.1
# The release the nodejs, python and go host modules were cut from; toolchain/hosts/go.mod
# requires pkg/v3 and sdk/v3 at it.
HOSTS_VERSION=v3.259.0

command -v go >/dev/null || { echo "toolchain: the go command is missing (Go 1.26 builds the Pulumi CLI and plugins)" >&2; exit 1; }
# Modules come from the machine's Go module proxy only (GOPROXY as configured), never a VCS host.
export GOFLAGS="-mod=mod" GOTOOLCHAIN=local
if [ "$(go env GOPROXY)" = "direct" ] || [ "$(go env GOPROXY)" = "off" ]; then
    echo "toolchain: GOPROXY is '$(go env GOPROXY)': set it to the Go module proxy this machine reaches" >&2
    exit 1
fi
# The untagged Pulumi modules: a file-based proxy in front of the configured one, when there is one.
# Their checksums are not in the public checksum database's answer for a file proxy: GONOSUMDB
# skips that lookup for these paths only (go.sum still pins every file).
UNTAGGED="github.com/pulumi/pulumi-command,github.com/pulumi/pulumi-go-provider,github.com/pulumi/pulumi/sdk/nodejs/cmd,github.com/pulumi/pulumi/sdk/python/cmd,github.com/pulumi/pulumi/sdk/go/pulumi-language-go"
file_proxy=${DOCKERPOD_GOPROXY_DIR:-$here/../../shared/goproxy}
if [ -d "$file_proxy" ]; then
    file_proxy=$(cd "$file_proxy" && pwd)
    export GOPROXY="file://$file_proxy,$(go env GOPROXY)"
    export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$UNTAGGED"
elif [ -n "${DOCKERPOD_GOPROXY_DIR:-}" ]; then
    echo "toolchain: DOCKERPOD_GOPROXY_DIR=$DOCKERPOD_GOPROXY_DIR is not a folder" >&2
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
            case $pkg in
            github.com/pulumi/pulumi/sdk/* | github.com/pulumi/pulumi-command/*)
                echo "toolchain: a '403 This module version is not available' above means this machine's Go proxy refuses" \
                    "Pulumi's untagged modules: point DOCKERPOD_GOPROXY_DIR at a file-based module proxy that holds them" >&2
                ;;
            esac
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
# The hosts report the sdk/v3 release they are built with (toolchain/hosts/go.mod).
sdk_version="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$HOSTS_VERSION"
# Each host built on its own line: a failure inside an array's $(...) would not stop the script.
nodejs_host=$(build pulumi-language-nodejs "$here/hosts" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 "$sdk_version" "osusergo,grpcnotrace")
python_host=$(build pulumi-language-python "$here/hosts" github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3 "$sdk_version" "osusergo,grpcnotrace")
go_host=$(build pulumi-language-go "$here/hosts" github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3 "$sdk_version" "osusergo,grpcnotrace")
yaml_host=$(build pulumi-language-yaml "$here/hosts" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
    "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION" "osusergo,grpcnotrace")
hosts=("$nodejs_host" "$python_host" "$go_host" "$yaml_host")
docker_plugin=$(build pulumi-resource-docker "$here/docker" . "-X main.version=$DOCKER_PLUGIN_VERSION" "no_compose")
command_plugin=$(build pulumi-resource-command "$here/command" github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command \
    "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=v$COMMAND_PLUGIN_VERSION" "")
# The sdk/v3 module's own files the hosts call by name, found beside the host on PATH.
sdk_dir=$(cd "$here/hosts" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
sdk_files=("$sdk_dir/python/cmd/pulumi-language-python-exec" "$sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs")
for f in "${sdk_files[@]}"; do
    [ -f "$f" ] || { echo "toolchain: $f is missing from the sdk/v3 module" >&2; exit 1; }
done

# The toolchain folder: bin/ holds the CLI, the language hosts and their sdk files, as a
# Pulumi release lays them out (the CLI finds its hosts beside its own executable, and the
# Automation API puts bin/ on PATH); the resource plugins stay off bin/ (a resource plugin
# found on PATH would override PULUMI_HOME's with a warning, seen) and live in home/.
toolchain="$root/toolchain-$(echo "$cli ${hosts[*]} ${sdk_files[*]} $docker_plugin $DOCKER_PLUGIN_VERSION $command_plugin $COMMAND_PLUGIN_VERSION" | key - "${sdk_files[@]}")"
if [ ! -f "$toolchain/ready" ]; then
    rm -rf "$toolchain"
    mkdir -p "$toolchain/bin" "$toolchain/home"
    # Copies, not links: the CLI looks for its hosts beside its resolved executable.
    for f in "$cli" "${hosts[@]}" "${sdk_files[@]}"; do
        cp "$f" "$toolchain/bin/"
        chmod 755 "$toolchain/bin/$(basename "$f")"
    done
    PULUMI_HOME="$toolchain/home" PULUMI_SKIP_UPDATE_CHECK=true "$cli" plugin install resource docker \
        "$DOCKER_PLUGIN_VERSION" --file "$docker_plugin" >&2
    PULUMI_HOME="$toolchain/home" PULUMI_SKIP_UPDATE_CHECK=true "$cli" plugin install resource command \
        "$COMMAND_PLUGIN_VERSION" --file "$command_plugin" >&2
    touch "$toolchain/ready"
fi
echo "$toolchain"
