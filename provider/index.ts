// Entry point Pulumi runs for `pulumi package add <this folder>`.
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { components, packageName } from "./components";

export * from "./components";

componentProviderHost({ name: packageName, dirname: __dirname, components });
