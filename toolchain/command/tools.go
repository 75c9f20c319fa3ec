//go:build tools

// The command plugin (pulumi-resource-command) at the version @pulumi/command asks for.
package tools

import _ "github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command"
