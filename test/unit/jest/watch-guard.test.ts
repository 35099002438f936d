import { unwatchedReportDirError } from "../../../src/jest/watch-guard";

const preset = require("../../../preset/jest-preset.js") as { watchPathIgnorePatterns: string[] };

const project = (overrides: Record<string, unknown> = {}) => ({
  rootDir: "/repo",
  roots: ["/repo"],
  moduleFileExtensions: ["js", "json"],
  watchPathIgnorePatterns: preset.watchPathIgnorePatterns,
  modulePathIgnorePatterns: [],
  testEnvironmentOptions: {},
  ...overrides,
});
const watching = { watch: false, watchAll: true };

describe("the report folder in watch mode", () => {
  it("is ignored by the preset's watchPathIgnorePatterns at its default place", () => {
    expect(unwatchedReportDirError(watching, project())).toBeUndefined();
  });

  it("is refused inside rootDir when the project moved it where nothing ignores it", () => {
    const error = unwatchedReportDirError(watching, project({ testEnvironmentOptions: { faultline: { reportDir: "reports/chaos" } } }));
    expect(error?.code).toBe("FAULTLINE_INVALID_OPTION");
    expect(error?.message).toContain("/repo/reports/chaos is watched by Jest");
    expect(error?.hint).toContain('watchPathIgnorePatterns: ["<rootDir>/reports/chaos/"]');
  });

  it("is refused when the project replaced the preset's watchPathIgnorePatterns", () => {
    expect(unwatchedReportDirError(watching, project({ watchPathIgnorePatterns: ["/tmp/"] }))?.option).toBe("watchPathIgnorePatterns");
  });

  it("is accepted when the project's own pattern covers it", () => {
    const options = {
      testEnvironmentOptions: { faultline: { reportDir: "reports/chaos" } },
      watchPathIgnorePatterns: ["<rootDir>/reports/".replace("<rootDir>", "/repo")],
    };
    expect(unwatchedReportDirError(watching, project(options))).toBeUndefined();
  });

  it("is accepted outside every root, and whenever Jest is not watching", () => {
    expect(unwatchedReportDirError(watching, project({ testEnvironmentOptions: { faultline: { reportDir: "../report" } } }))).toBeUndefined();
    expect(unwatchedReportDirError({ watch: false, watchAll: false }, project({ watchPathIgnorePatterns: [] }))).toBeUndefined();
    expect(unwatchedReportDirError({ watch: true, watchAll: false }, project({ watchPathIgnorePatterns: [] }))).toBeDefined();
  });
});
