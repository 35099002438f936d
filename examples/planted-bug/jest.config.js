/**
 * The planted-bug example: testFaults finds a bug planted in five demo-kv nodes and shrinks the
 * schedule that shows it. It fails on purpose, so it is not part of the example suite:
 *   npx jest -c examples/planted-bug/jest.config.js
 * (test/e2e/planted-bug.test.ts runs it and checks what it reports).
 */
const { join } = require("node:path");

module.exports = {
  rootDir: __dirname,
  displayName: "planted-bug",
  preset: join(__dirname, "..", "..", "preset", "jest-preset.js"),
  testMatch: ["<rootDir>/*.test.ts"],
  moduleNameMapper: { "^faultline$": join(__dirname, "..", "..", "dist", "index.js") },
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: join(__dirname, "..", "tsconfig.json") }] },
  testEnvironmentOptions: {
    faultline: {
      clusters: { buggy: "./buggy-kv.cluster.ts", fixed: "./fixed-kv.cluster.ts" },
      reportDir: process.env.FAULTLINE_REPORT_DIR ?? join(__dirname, "..", "..", "faultline-report"),
    },
  },
};
