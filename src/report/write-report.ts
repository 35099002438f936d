import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { wallNow } from "../common/timers";
import { renderReportPage } from "./html/page";
import { readRunArtifacts } from "./read-artifacts";
import { buildRunReport, type JestFileResult, type RunReport } from "./report-model";

export interface WriteReportOptions {
  reportDir: string;
  /** Test paths are shown relative to it. */
  rootDir: string;
  /** Jest's results of the run's test files; may be empty (the report then shows artifacts only). */
  jestFiles?: readonly JestFileResult[];
  /** Only artifacts written at or after this Date.now() ms count: the current run's. */
  since?: number;
}

/**
 * Reads the run's artifacts and writes `index.html`, `coverage.json` and `summary.json` into
 * the report dir. Returns what it wrote, for the terminal summary.
 */
export async function writeReport(options: WriteReportOptions): Promise<{ report: RunReport; indexPath: string }> {
  const loaded = await readRunArtifacts(options.reportDir, options.since ?? 0);
  const report = buildRunReport(options.jestFiles ?? [], loaded, options.rootDir, wallNow());
  await mkdir(options.reportDir, { recursive: true });
  const indexPath = join(options.reportDir, "index.html");
  await Promise.all([
    writeFile(indexPath, renderReportPage(report)),
    writeFile(join(options.reportDir, "coverage.json"), JSON.stringify(report.matrix, null, 2)),
    writeFile(join(options.reportDir, "summary.json"), JSON.stringify({ generatedAt: new Date(report.generatedAt).toISOString(), ...report.summary }, null, 2)),
  ]);
  return { report, indexPath };
}
