/**
 * faultline's Jest preset: `preset: "faultline/preset"`.
 * Points at compiled files, so a consumer needs no transform for faultline itself.
 */
const { join } = require("node:path");
const dist = join(__dirname, "..", "dist");

module.exports = {
  testEnvironment: join(dist, "jest", "environment.js"),
  globalSetup: join(dist, "jest", "global-setup.js"),
  globalTeardown: join(dist, "jest", "global-teardown.js"),
  setupFilesAfterEnv: [join(dist, "jest", "setup-after-env.js")],
  // Real clusters take seconds, not Jest's default 5 s; hang guards, not speed limits.
  testTimeout: 60_000,
  // Watch mode reruns on every JSON file written under rootDir; the report writes some each test.
  watchPathIgnorePatterns: ["/faultline-report/"],
  // The HTML report and the end-of-run summary. A project that sets its own `reporters` adds
  // "faultline/reporter" to keep them.
  reporters: ["default", join(dist, "report", "jest-reporter.js")],
};
