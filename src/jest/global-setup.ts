import { beginRun, RUN_DIR_ENV } from "../reaper/run-context";
import { sweepDeadRuns } from "../reaper/sweep";

/**
 * Jest global setup: sweeps what dead runs left behind, then starts this run (directory,
 * watchdog) and publishes it to the workers through FAULTLINE_RUN_DIR.
 *
 * A project with its own globalSetup composes it:
 * ```js
 * // global-setup.js
 * const { globalSetup } = require("faultline");
 * module.exports = async (globalConfig, projectConfig) => { await globalSetup(); await mySetup(); };
 * ```
 */
export default async function globalSetup(): Promise<void> {
  // Jest runs global setup once per project; one run serves them all.
  if (process.env[RUN_DIR_ENV]) return;
  await sweepDeadRuns();
  beginRun(process.pid);
}
