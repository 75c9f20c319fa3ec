/**
 * The VM checks, kept out of the main suite (root jest.config.js never matches
 * tests/vm): `npx jest -c tests/vm/jest.config.js` (root, ~1.5 min with a cached image).
 */
module.exports = {
    rootDir: "../..",
    preset: "ts-jest",
    testEnvironment: "<rootDir>/tests/support/environment.js",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tests/tsconfig.json" }] },
    testMatch: ["<rootDir>/tests/vm/**/*.vm.ts"],
};
