// The package schema the provider serves.
//
// Inferring it (infer.ts) compiles the SDK with TypeScript: seconds, on every
// YAML, Python or Go operation. `npm run build` infers it once and writes it
// beside the compiled provider; the provider serves that file, and infers the
// schema itself only when run from source in a checkout that was not built.
import * as fs from "fs";
import * as path from "path";
import { ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";

/** The schema file `npm run build` writes beside the compiled provider. */
export const BUILT_SCHEMA = "schema.json";

/** The package name: the prefix of every token. */
export const packageName = "dockerpod";

/**
 * The schema the provider serves: the one `npm run build` wrote beside this
 * module when it runs compiled (bin/provider), or else inferred from the
 * TypeScript source of the provider in `sourceDir` and its components (loaded
 * only then).
 */
export async function packageSchema(
    sourceDir: string,
    name: string,
    components: () => Promise<ComponentResourceConstructor[]>,
): Promise<string> {
    const built = path.join(__dirname, BUILT_SCHEMA);
    if (fs.existsSync(built)) return fs.readFileSync(built, "utf8");
    const { inferSchema } = await import("./infer");
    return JSON.stringify(await inferSchema(sourceDir, name, await components()));
}
