import type { Config } from "@jest/types";
import { beginRun, RUN_DIR_ENV } from "../reaper/run-context";
import { sweepDeadRuns } from "../reaper/sweep";
import { markRunStart } from "./report-without-reporter";
import { unwatchedReportDirError } from "./watch-guard";

/**
 * Jest global setup: sweeps what dead runs left behind, then starts this run (directory,
 * watchdog) and publishes it to the workers through FAULTLINE_RUN_DIR. In watch mode Jest calls
 * it (and global teardown) once per run, so each rerun is a run of its own.
 *
 * A project with its own globalSetup composes it:
 * ```js
 * // global-setup.js
 * const { globalSetup } = require("faultline");
 * module.exports = async (globalConfig, projectConfig) => { await globalSetup(globalConfig, projectConfig); await mySetup(); };
 * ```
 */
export default async function globalSetup(globalConfig?: Config.GlobalConfig, projectConfig?: Config.ProjectConfig): Promise<void> {
  // Checked for every project, before anything of the run exists.
  if (globalConfig) {
    const error = unwatchedReportDirError(globalConfig, projectConfig);
    if (error) throw error;
  }
  // Jest runs global setup once per project; one run serves them all.
  if (process.env[RUN_DIR_ENV]) return;
  await sweepDeadRuns();
  beginRun(process.pid);
  markRunStart();
}
