import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AggregatedResult, Test, TestResult } from "@jest/reporters";
import FaultlineReporter from "../../../src/report/jest-reporter";
import { writeTestArtifacts } from "../../../src/report/test-artifacts";

let root: string;
let stderr: string;
let write: typeof process.stderr.write;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "faultline-reporter-"));
  stderr = "";
  write = process.stderr.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
});
afterEach(async () => {
  process.stderr.write = write;
  await rm(root, { recursive: true, force: true });
});

const project = (reportDir?: string) =>
  ({ context: { config: { rootDir: root, testEnvironmentOptions: reportDir ? { faultline: { reportDir } } : {} } } }) as unknown as Test;
const result = (testFilePath: string, fullName: string, status: string) =>
  ({ testFilePath, failureMessage: null, testResults: [{ fullName, status, duration: 5, failureMessages: [] }] }) as unknown as TestResult;
const timeline = { origin: 0, originWall: 0, events: [] };
const artifacts = (reportDir: string, testName: string) =>
  writeTestArtifacts({
    reportDir,
    testPath: join(root, "a.test.ts"),
    testName,
    status: "passed",
    durationMs: 5,
    clusters: [{ name: "c", provisioner: "process", timeline, slice: { from: 0, to: 1 }, nodeLogs: [], histories: [] }],
  });

describe("FaultlineReporter", () => {
  it("clears the previous run's artifacts when a run starts", async () => {
    const stale = join(root, "faultline-report", "runs", "old-file", "old-test");
    await mkdir(stale, { recursive: true });
    await writeFile(join(stale, "outcome.json"), "{}");
    await new FaultlineReporter({ rootDir: root }).onRunStart();
    expect(existsSync(stale)).toBe(false);
  });

  it("writes the report where the project's testEnvironmentOptions put it", async () => {
    const reporter = new FaultlineReporter({ rootDir: root });
    await reporter.onRunStart();
    await artifacts(join(root, "custom-report"), "in custom");
    reporter.onTestFileResult(project("custom-report"), result(join(root, "a.test.ts"), "in custom", "passed"), {} as AggregatedResult);
    await reporter.onRunComplete();
    const summary = JSON.parse(await readFile(join(root, "custom-report", "summary.json"), "utf8"));
    expect(summary.tests).toEqual({ total: 1, passed: 1, failed: 0, skipped: 0 });
    expect(existsSync(join(root, "custom-report", "index.html"))).toBe(true);
    expect(existsSync(join(root, "custom-report", "coverage.json"))).toBe(true);
    // One report: the default folder under rootDir, which no project wrote to, stays absent.
    expect(existsSync(join(root, "faultline-report", "index.html"))).toBe(false);
  });

  it("stays quiet in runs that used no cluster, and still writes the page", async () => {
    const reporter = new FaultlineReporter({ rootDir: root }, { reportDir: "r" });
    await reporter.onRunStart();
    reporter.onTestFileResult(project(), result(join(root, "plain.test.ts"), "plain", "passed"), {} as AggregatedResult);
    await reporter.onRunComplete();
    expect(stderr).toBe("");
    expect(existsSync(join(root, "r", "index.html"))).toBe(true);
  });

  it("reports a report it cannot write as a warning, never as a failed run", async () => {
    await writeFile(join(root, "blocked"), "a file where the report dir should be");
    const reporter = new FaultlineReporter({ rootDir: root }, { reportDir: "blocked" });
    await reporter.onRunStart();
    await expect(reporter.onRunComplete()).resolves.toBeUndefined();
    expect(stderr).toMatch(/^faultline: report: could not write the report in .*blocked: /m);
  });
});
