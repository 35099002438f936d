import { teardownError } from "../reaper/cleanup";
import { currentRun, endRun, RUN_DIR_ENV } from "../reaper/run-context";

/**
 * Jest global teardown: removes whatever the run still has registered (a worker that crashed
 * mid-file) and ends the watchdog. Compose it like global setup when you have your own.
 */
export default async function globalTeardown(): Promise<void> {
  if (!process.env[RUN_DIR_ENV]) return;
  const run = currentRun();
  const report = await endRun(run);
  // Something left on the machine fails the run, naming each object: it must never go unseen.
  const failure = teardownError(report, run.dir);
  if (failure) throw failure;
}
