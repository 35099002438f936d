import { rm } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import type { AggregatedResult, Reporter, Test, TestResult } from "@jest/reporters";
import type { Config } from "@jest/types";
import { wallNow } from "../common/timers";
import type { JestFileResult } from "./report-model";
import { formatTerminalSummary } from "./run-summary";
import { runsDir } from "./test-artifacts";
import { writeReport } from "./write-report";

/** Options of the reporter: `reporters: ["default", ["faultline/reporter", { reportDir }]]`. */
export interface FaultlineReporterOptions {
  /**
   * Where the report goes, relative to rootDir. Default: each project's
   * `testEnvironmentOptions.faultline.reportDir`, else "faultline-report".
   */
  reportDir?: string;
  /** Print the few-line summary at the end of the run. Default true. */
  summary?: boolean;
}

const DEFAULT_DIR = "faultline-report";
// Workers stamp artifacts with their own clock; a little slack keeps this run's first test in.
const CLOCK_SLACK_MS = 2000;

/**
 * Jest reporter that assembles `<reportDir>/index.html`, `coverage.json` and `summary.json`
 * from the artifacts each test wrote, and prints faults, recovery times and failed tests.
 * Report problems are printed, never thrown: they must not fail a green run.
 */
export default class FaultlineReporter implements Reporter {
  private readonly rootDir: string;
  private readonly fixedDir: string | undefined;
  private readonly printSummary: boolean;
  private runStartedAt = 0;
  /** Report dir -> Jest results of the files whose project writes there. */
  private readonly files = new Map<string, JestFileResult[]>();

  constructor(globalConfig: Pick<Config.GlobalConfig, "rootDir">, options: FaultlineReporterOptions = {}) {
    this.rootDir = globalConfig.rootDir;
    this.fixedDir = options.reportDir === undefined ? undefined : resolve(this.rootDir, options.reportDir);
    this.printSummary = options.summary ?? true;
  }

  /** Removes the previous run's artifacts, so the report shows this run only. */
  async onRunStart(): Promise<void> {
    this.runStartedAt = wallNow() - CLOCK_SLACK_MS;
    this.files.clear();
    const dir = this.fixedDir ?? resolve(this.rootDir, DEFAULT_DIR);
    // Only a directory the user named gets a report whatever runs; the default one gets a report
    // when a project writes there, or a project with its own reportDir would also leave an empty one.
    if (this.fixedDir) this.files.set(dir, []);
    try {
      await rm(runsDir(dir), { recursive: true, force: true });
    } catch (error) {
      warn(`could not clear ${runsDir(dir)}: ${(error as Error).message}`);
    }
  }

  onTestFileResult(test: Test, result: TestResult, _aggregated: AggregatedResult): void {
    const dir = this.fixedDir ?? projectReportDir(test.context.config);
    const list = this.files.get(dir) ?? [];
    list.push({ testFilePath: result.testFilePath, failureMessage: result.failureMessage, testResults: result.testResults });
    this.files.set(dir, list);
  }

  async onRunComplete(): Promise<void> {
    for (const [reportDir, jestFiles] of this.files) {
      try {
        const { report, indexPath } = await writeReport({ reportDir, rootDir: this.rootDir, jestFiles, since: this.runStartedAt });
        const touchedFaultline = report.files.some((f) => f.tests.some((t) => t.artifacts));
        if (this.printSummary && touchedFaultline) process.stderr.write(`\n${formatTerminalSummary(report.summary, displayPath(indexPath))}\n`);
      } catch (error) {
        warn(`could not write the report in ${reportDir}: ${(error as Error).message}`);
      }
    }
  }
}

/** A project's `testEnvironmentOptions.faultline.reportDir`, as the environment resolves it. */
function projectReportDir(config: Pick<Config.ProjectConfig, "rootDir" | "testEnvironmentOptions">): string {
  const options = (config.testEnvironmentOptions as { faultline?: { reportDir?: unknown } } | undefined)?.faultline;
  const dir = typeof options?.reportDir === "string" ? options.reportDir : DEFAULT_DIR;
  return resolve(config.rootDir, dir);
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

function warn(message: string): void {
  process.stderr.write(`faultline: report: ${message}\n`);
}
