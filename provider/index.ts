// The provider's program: plugin.js loads it (compiled, or from source) when
// Pulumi runs this folder as a plugin (`pulumi package add <this folder>`).
//
// This is what componentProviderHost (@pulumi/pulumi/provider/experimental)
// does, with DockerPodProvider in place of its ComponentProvider: that one
// prepares each component's inputs first (see provider.ts). componentProviderHost
// takes no provider of our own, so the host is started here the same way, when
// Pulumi's plugin runner loads this file. It starts serving right away: the
// runner's own componentProviderHost call, made after loading, then sees a
// server already running and returns.
import * as fs from "fs";
import * as path from "path";
import { main } from "@pulumi/pulumi/provider";
import { components, packageName } from "./components";
import { DockerPodProvider } from "./provider";

export * from "./components";

// The provider's folder (package.json, PulumiPlugin.yaml): this file's own when
// run from source, ../../provider when run compiled from bin/provider.
const providerDir = fs.existsSync(path.join(__dirname, "package.json")) ? __dirname : path.resolve(__dirname, "..", "..", "provider");
main(new DockerPodProvider({ name: packageName, dirname: providerDir, components }), process.argv.slice(2));
