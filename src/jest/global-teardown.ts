import type { Config } from "@jest/types";
import { teardownError } from "../reaper/cleanup";
import { currentRun, endRun, RUN_DIR_ENV } from "../reaper/run-context";
import { writeReportWithoutReporter } from "./report-without-reporter";

/**
 * Jest global teardown: removes whatever the run still has registered (a worker that crashed
 * mid-file) and ends the watchdog; writes the report when an IDE's `--reporters` left faultline's
 * reporter out. Compose it like global setup when you have your own.
 */
export default async function globalTeardown(globalConfig?: Config.GlobalConfig, projectConfig?: Config.ProjectConfig): Promise<void> {
  if (!process.env[RUN_DIR_ENV]) return;
  if (globalConfig) await writeReportWithoutReporter(globalConfig, projectConfig);
  const run = currentRun();
  const report = await endRun(run);
  // Something left on the machine fails the run, naming each object: it must never go unseen.
  const failure = teardownError(report, run.dir);
  if (failure) throw failure;
}
