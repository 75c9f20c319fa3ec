//go:build tools

// The language hosts that run Pulumi programs: nodejs, python and go from pulumi/pulumi's
// sdk/ modules, yaml from pulumi-yaml. The sdk/ host modules are not tagged: they are asked
// for by the v3.259.0 release commit (pseudo-version), with pkg/v3 and sdk/v3 at v3.259.0
// named here (their own go.mod asks for an older one; the CLI's newer sdk/v3 does not build
// them: its ResourceMonitorServer has methods the v3.259.0 nodejs host lacks). Hosts speak
// to the CLI over gRPC, so hosts of v3.259.0 run beside the CLI of toolchain/cli.
package tools

import (
	_ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
	_ "github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3"
	_ "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"
	_ "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
)
