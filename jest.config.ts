/** @jest-config-loader-options {"transpileOnly": true} */
import type { Config } from "jest";

/** Jest configuration for faultline's own tests. */
const base = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }] },
} satisfies Config;

const config: Config = {
  // Jest's default on a 2-core machine is one worker (cores - 1), which runs the suite serially.
  // The tests spend their time waiting on clusters (elections, failovers, containers), not on
  // CPU: two workers took the whole suite from 957 s to 490 s on the 2-core CI machine type.
  maxWorkers: 2,
  // A worker exits on its own once its tests are done (its 'exit' event comes 0-1 ms after Jest
  // tells it to end, with nothing but its IPC pipe open), but Node then frees its heap: 230-400 MB
  // here, nearly all garbage (a forced GC leaves ~90 MB after 90 files, no growth), which takes
  // 150-300 ms, and 580 ms measured with the CPUs busy. Jest's default 500 ms then kills it and
  // prints "failed to exit gracefully". The guard stays, at a length that only a hang reaches.
  workerGracefulExitTimeout: 3000,
  projects: [
    { ...base, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...base, displayName: "e2e", testMatch: ["<rootDir>/test/e2e/**/*.test.ts"], slowTestThreshold: 60 },
    { ...base, displayName: "integration", testMatch: ["<rootDir>/test/integration/**/*.test.ts"], slowTestThreshold: 60 },
    // The examples, through faultline's own preset, as a user's project runs them.
    "<rootDir>/examples/jest.config.js",
  ],
};

export default config;
