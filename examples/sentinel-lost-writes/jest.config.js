/**
 * Redis Sentinel's known lost writes, found by testFaults from random schedules: an isolated
 * primary keeps acknowledging writes that vanish when it rejoins as a replica. It fails on
 * purpose, so it is not part of the example suite (needs root, redis-server, redis-sentinel):
 *   npx jest -c examples/sentinel-lost-writes/jest.config.js
 * (test/e2e/sentinel-shrink.test.ts runs it and checks what it reports).
 */
const { join } = require("node:path");

module.exports = {
  rootDir: __dirname,
  displayName: "sentinel-lost-writes",
  preset: join(__dirname, "..", "..", "preset", "jest-preset.js"),
  testMatch: ["<rootDir>/*.test.ts"],
  moduleNameMapper: { "^faultline$": join(__dirname, "..", "..", "dist", "index.js") },
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: join(__dirname, "..", "tsconfig.json") }] },
  testEnvironmentOptions: {
    faultline: {
      clusters: { redis: "./redis-netns.cluster.ts" },
      reportDir: process.env.FAULTLINE_REPORT_DIR ?? join(__dirname, "..", "..", "faultline-report"),
    },
  },
};
