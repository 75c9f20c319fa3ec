/** Unit tests (pure core and mocked components) and real-engine tests, type-checked by ts-jest. */
const common = {
    preset: "ts-jest",
    testEnvironment: "<rootDir>/tests/support/environment.js",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tests/tsconfig.json" }] },
};
module.exports = {
    projects: [
        { ...common, displayName: "unit", testMatch: ["<rootDir>/tests/unit/**/*.test.ts"] },
        { ...common, displayName: "engine", testMatch: ["<rootDir>/tests/engine/**/*.test.ts"] },
        // A booted systemd guest under QEMU (tests/vm): built, booted and powered off by the suite.
        { ...common, displayName: "systemd", testMatch: ["<rootDir>/tests/systemd/**/*.test.ts"] },
    ],
};
