/**
 * The Jest config of an example that fails on purpose (it shows testFaults finding a bug), so the
 * example suite leaves it out and it runs with its own: `npx jest -c examples/<dir>/jest.config.js`.
 * As in examples/jest.config.js, "faultline" maps to this repo's build; a consumer project
 * writes `preset: "faultline/preset"` instead.
 */
const { basename, join } = require("node:path");

module.exports = function ownJestConfig(dir, clusters) {
  return {
    rootDir: dir,
    displayName: basename(dir),
    preset: join(__dirname, "..", "preset", "jest-preset.js"),
    testMatch: ["<rootDir>/*.test.ts"],
    moduleNameMapper: { "^faultline$": join(__dirname, "..", "dist", "index.js") },
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: join(__dirname, "tsconfig.json") }] },
    testEnvironmentOptions: {
      faultline: { clusters, reportDir: process.env.FAULTLINE_REPORT_DIR ?? join(__dirname, "..", "faultline-report") },
    },
  };
};
