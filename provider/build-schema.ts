// `npm run build` runs this, compiled, after tsc: it infers the package schema
// from the provider's TypeScript source and writes it beside the compiled
// provider (bin/provider/schema.json), which serves it without compiling anything.
import * as fs from "fs";
import * as path from "path";
import { components } from "./components";
import { inferSchema } from "./infer";
import { BUILT_SCHEMA, packageName } from "./schema";

const sourceDir = path.resolve(__dirname, "..", "..", "provider");
inferSchema(sourceDir, packageName, components).then(
    (schema) => fs.writeFileSync(path.join(__dirname, BUILT_SCHEMA), JSON.stringify(schema, null, 2) + "\n"),
    (error: unknown) => {
        console.error(error);
        process.exit(1);
    },
);
