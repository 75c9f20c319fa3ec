// Runs an example program (examples/<dir>/index.ts) in-process, as Pulumi's
// Node.js language host would: CommonJS, with `dockerpod` resolving to this
// repository's SDK. Its types are checked by `tsc -p examples/tsconfig.json`.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as sdk from "../../sdk";

export const EXAMPLES = path.join(__dirname, "..", "..", "examples");

/**
 * Runs examples/<dir>/index.ts and returns its exports: the stack outputs.
 * `dockerpod` may be replaced (e.g. to add resource options the engine
 * would observe itself).
 */
export function loadExample(dir: string, dockerpod: typeof sdk = sdk): Record<string, unknown> {
    const file = path.join(EXAMPLES, dir, "index.ts");
    const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
        fileName: file,
    });
    const module = { exports: {} as Record<string, unknown> };
    // The example's own `require`, as Node would give it (the package itself resolved to this checkout).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = (id: string) => (id === "dockerpod" ? dockerpod : require(id));
    new Function("exports", "require", "module", "__filename", "__dirname", outputText)(
        module.exports,
        load,
        module,
        file,
        path.dirname(file),
    );
    return module.exports;
}
