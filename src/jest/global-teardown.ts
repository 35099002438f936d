import { currentRun, endRun, RUN_DIR_ENV } from "../reaper/run-context";

/**
 * Jest global teardown: removes whatever the run still has registered (a worker that crashed
 * mid-file) and ends the watchdog. Compose it like global setup when you have your own.
 */
export default async function globalTeardown(): Promise<void> {
  if (!process.env[RUN_DIR_ENV]) return;
  const report = await endRun(currentRun());
  if (report.failed.length) {
    process.stderr.write(`faultline: could not remove ${report.failed.map((f) => `${f.label} (${f.error})`).join(", ")}\n`);
  }
}
