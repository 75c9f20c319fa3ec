// Entry point Pulumi runs for `pulumi package add <this folder>`.
//
// This is what componentProviderHost (@pulumi/pulumi/provider/experimental)
// does, with DockerPodProvider in place of its ComponentProvider: that one
// prepares each component's inputs first (see provider.ts). componentProviderHost
// takes no provider of our own, so the host is started here the same way, when
// Pulumi's plugin runner loads this file. It starts serving right away: the
// runner's own componentProviderHost call, made after loading, then sees a
// server already running and returns.
import { main } from "@pulumi/pulumi/provider";
import { components, packageName } from "./components";
import { DockerPodProvider } from "./provider";

export * from "./components";

main(new DockerPodProvider({ name: packageName, dirname: __dirname, components }), process.argv.slice(2));
