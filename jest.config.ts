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
  projects: [
    { ...base, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...base, displayName: "e2e", testMatch: ["<rootDir>/test/e2e/**/*.test.ts"], slowTestThreshold: 60 },
    { ...base, displayName: "integration", testMatch: ["<rootDir>/test/integration/**/*.test.ts"], slowTestThreshold: 60 },
    // The examples, through faultline's own preset, as a user's project runs them.
    "<rootDir>/examples/jest.config.js",
  ],
};

export default config;
