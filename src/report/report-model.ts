import { relative, sep } from "node:path";
import type { TestStatus } from "./artifact-types";
import { buildCoverageMatrix, type CoverageMatrix } from "./coverage-matrix";
import type { LoadedTest } from "./read-artifacts";
import { summarizeRun, type RunSummary } from "./run-summary";

/** What Jest reports of a test file: the fields of its `TestResult` the report reads. */
export interface JestFileResult {
  testFilePath: string;
  failureMessage?: string | null;
  testResults: ReadonlyArray<{ fullName: string; status: string; duration?: number | null; failureMessages: readonly string[] }>;
}

export interface ReportTest {
  name: string;
  status: TestStatus;
  durationMs?: number;
  failureMessages: string[];
  artifacts?: LoadedTest;
}

export interface ReportFile {
  path: string;
  /** Relative to the root dir, `/`-separated. */
  display: string;
  tests: ReportTest[];
  /** A file that failed outside any test (syntax error, provisioning in beforeAll). */
  failureMessage?: string;
}

/** Everything the page shows: the input of `renderReportPage`. */
export interface RunReport {
  generatedAt: number;
  rootDir: string;
  files: ReportFile[];
  matrix: CoverageMatrix;
  summary: RunSummary;
}

function jestStatus(status: string): TestStatus {
  return status === "passed" || status === "failed" || status === "todo" ? status : "skipped";
}

/**
 * Joins Jest's results (every file and test, with or without a cluster) with the artifacts
 * faultline wrote (faults, timelines, histories). A test with artifacts but no Jest result
 * (the reporter missed the file) still shows.
 */
export function buildRunReport(jestFiles: readonly JestFileResult[], loaded: readonly LoadedTest[], rootDir: string, generatedAt: number): RunReport {
  const display = (path: string): string => {
    const rel = relative(rootDir, path);
    return (rel.startsWith("..") ? path : rel).split(sep).join("/");
  };
  const files = new Map<string, ReportFile>();
  const fileOf = (path: string): ReportFile => {
    let file = files.get(path);
    if (!file) files.set(path, (file = { path, display: display(path), tests: [] }));
    return file;
  };
  const artifactsByTest = new Map<string, LoadedTest[]>();
  for (const test of loaded) {
    const key = `${test.outcome.testPath}\0${test.outcome.testName}`;
    artifactsByTest.set(key, [...(artifactsByTest.get(key) ?? []), test]);
  }
  // Retries write a folder per attempt; Jest reports the last one only, so earlier attempts go.
  const reported = new Map<string, number>();
  for (const result of jestFiles)
    for (const t of result.testResults) reported.set(`${result.testFilePath}\0${t.fullName}`, (reported.get(`${result.testFilePath}\0${t.fullName}`) ?? 0) + 1);
  for (const [key, list] of artifactsByTest) {
    const count = reported.get(key);
    if (count !== undefined && list.length > count) artifactsByTest.set(key, list.slice(-count));
  }
  for (const result of jestFiles) {
    const file = fileOf(result.testFilePath);
    if (result.failureMessage && result.testResults.every((t) => t.status !== "failed")) file.failureMessage = result.failureMessage;
    for (const t of result.testResults) {
      // Tests sharing a name match their folders in the order they ran.
      const artifacts = artifactsByTest.get(`${result.testFilePath}\0${t.fullName}`)?.shift();
      const test: ReportTest = { name: t.fullName, status: jestStatus(t.status), failureMessages: [...t.failureMessages] };
      if (typeof t.duration === "number") test.durationMs = t.duration;
      if (artifacts) test.artifacts = artifacts;
      file.tests.push(test);
    }
  }
  for (const rest of artifactsByTest.values()) {
    for (const artifacts of rest) {
      const { testPath, testName, status, durationMs } = artifacts.outcome;
      fileOf(testPath).tests.push({ name: testName, status, durationMs, failureMessages: [], artifacts });
    }
  }
  const sorted = [...files.values()].sort((a, b) => a.display.localeCompare(b.display));
  const withArtifacts = sorted.flatMap((f) => f.tests.flatMap((t) => (t.artifacts ? [{ ...t.artifacts.outcome, status: t.status }] : [])));
  const summary = summarizeRun(sorted.flatMap((f) => f.tests.map((t) => ({ file: f.display, name: t.name, status: t.status, outcome: t.artifacts?.outcome }))));
  return { generatedAt, rootDir, files: sorted, matrix: buildCoverageMatrix(withArtifacts, display), summary };
}
