// Lint rules: ESLint's and typescript-eslint's recommended sets, as pulumi-awsx
// and pulumi-eks use; formatting is prettier's (npm run lint checks both).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["bin/**", "node_modules/**", "**/*.js", "**/*.mjs", "examples/python/**", ".pulumi-state/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Unused names are the compiler's (noUnusedLocals); `_x` marks one kept on purpose.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        // Tests reach into the SDK's internals (Output internals, mocks) where no type says what is there.
        files: ["tests/**/*.ts", "scripts/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
    },
);
