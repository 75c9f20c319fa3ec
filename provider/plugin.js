// The entry point Pulumi's plugin runner loads for every operation of a YAML,
// Python or Go program that uses dockerpod (package.json's "main"). index.ts
// is the provider itself, and the entry Pulumi's schema analyzer reads.
//
// It runs the compiled provider when the package is built (`npm run build`
// writes bin/provider, with the package schema beside it; the published
// package ships it): that starts in well under a second. In a checkout that
// was not built, it runs the TypeScript source, which the runner's ts-node
// type-checks and the provider analyzes on start: several seconds.
const fs = require("fs");
const path = require("path");

const compiled = path.join(__dirname, "..", "bin", "provider", "index.js");
module.exports = require(fs.existsSync(compiled) ? compiled : "./index.ts");
