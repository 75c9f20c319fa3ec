// The provider's program: plugin.js loads it (compiled, or from source) when
// Pulumi runs this folder as a plugin (`pulumi package add <this folder>`).
//
// This is what componentProviderHost (@pulumi/pulumi/provider/experimental)
// does, with DockerPodProvider in place of its ComponentProvider: that one
// prepares each component's inputs first (see provider.ts), and loads the
// components only when one is constructed. componentProviderHost takes no
// provider of our own, so the host is started here, when Pulumi's plugin
// runner loads this file: it starts serving right away.
//
// The components are exported as types only: Pulumi's schema analyzer follows
// this export to their classes (from source), while the compiled file loads
// nothing of the SDK. The runner finds no component classes among the
// exports, so it starts no host of its own.
import * as fs from "fs";
import * as path from "path";
import { main } from "@pulumi/pulumi/provider";
import { DockerPodProvider } from "./provider";
import { packageName } from "./schema";

export type { DockerPod, PayloadContainer, PodSlice, SandboxContainer } from "./components";

// The provider's folder (package.json, PulumiPlugin.yaml): this file's own when
// run from source, ../../provider when run compiled from bin/provider.
const providerDir = fs.existsSync(path.join(__dirname, "package.json")) ? __dirname : path.resolve(__dirname, "..", "..", "provider");
main(
    new DockerPodProvider({
        name: packageName,
        dirname: providerDir,
        components: async () => (await import("./components")).components,
    }),
    process.argv.slice(2),
);
