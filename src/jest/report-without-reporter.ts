import { isAbsolute, relative } from "node:path";
import type { Config } from "@jest/types";
import { wallNow } from "../common/timers";
import { formatTerminalSummary } from "../report/run-summary";
import { writeReport } from "../report/write-report";
import { reportDirOf } from "./watch-guard";

// Workers stamp artifacts with their own clock; the reporter allows the same slack.
const CLOCK_SLACK_MS = 2000;

let runStartedAt: number | undefined;

/** Global setup notes when the run began: only artifacts written since then are this run's. */
export function markRunStart(): void {
  runStartedAt ??= wallNow() - CLOCK_SLACK_MS;
}

/** Whether faultline's reporter is among the run's reporters (by path or package name). */
export function hasFaultlineReporter(globalConfig: Pick<Config.GlobalConfig, "reporters">): boolean {
  return (globalConfig.reporters ?? []).some((entry) => {
    const path = typeof entry === "string" ? entry : entry[0];
    return path === "faultline/reporter" || /[\\/]report[\\/]jest-reporter(\.[cm]?[jt]s)?$/.test(path);
  });
}

/** Whether this runner's command line replaced the configured reporters (`--reporters`). */
export function reportersFromCommandLine(argv: readonly string[] = process.argv): boolean {
  return argv.some((arg) => arg === "--reporters" || arg.startsWith("--reporters="));
}

/**
 * IDE runners pass their own reporters on the command line — VS Code's Jest extension
 * `--reporters default --reporters <its reporter>`, WebStorm its `jest-intellij` reporter — and
 * Jest then drops the configured ones, the preset's faultline reporter with them. The tests still
 * write their artifacts; global teardown then assembles the report from them, as the reporter
 * would have (without Jest's failure messages, which only reporters see), and prints the same
 * summary. A project that left the reporter out of its own configuration gets no report, as before.
 */
export async function writeReportWithoutReporter(globalConfig: Config.GlobalConfig, project: Config.ProjectConfig | undefined): Promise<void> {
  const since = runStartedAt;
  runStartedAt = undefined;
  if (!project || since === undefined || hasFaultlineReporter(globalConfig) || !reportersFromCommandLine()) return;
  const reportDir = reportDirOf(project);
  try {
    const { report, indexPath } = await writeReport({ reportDir, rootDir: globalConfig.rootDir, since });
    const touchedFaultline = report.files.some((f) => f.tests.some((t) => t.artifacts));
    if (touchedFaultline) process.stderr.write(`\n${formatTerminalSummary(report.summary, displayPath(indexPath))}\n`);
  } catch (error) {
    process.stderr.write(`faultline: report: could not write the report in ${reportDir}: ${(error as Error).message}\n`);
  }
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
