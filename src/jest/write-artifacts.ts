import { monoNowMs } from "../common/timers";
import { checkForReport } from "../history/check-results";
import { clusterArtifactInput } from "../report/cluster-artifact-input";
import { writeTestArtifacts } from "../report/test-artifacts";
import type { FileState } from "./file-state";

/** After each test: its slice of every cluster's timeline (and of the in-process faults'), histories and logs, for the report. */
export async function writeArtifacts(state: FileState, name: string, status: "passed" | "failed"): Promise<void> {
  const startedAt = state.current?.startedAt;
  if (startedAt === undefined) return;
  // The in-process scope only for a test that used it: it has no nodes to show otherwise.
  const inProcess = state.inProcess;
  const from = startedAt - (inProcess?.timeline.origin ?? 0);
  const usedInProcess = inProcess?.timeline.events.some((e) => e.type === "fault" && e.at >= from);
  const reported = [...state.clusters.values(), ...(inProcess && usedInProcess ? [inProcess] : [])];
  if (reported.length === 0) return;
  try {
    await writeTestArtifacts({
      reportDir: state.config.reportDir,
      testPath: state.config.testPath,
      testName: name,
      status,
      durationMs: monoNowMs() - startedAt,
      clusters: reported.map((cluster) => clusterArtifactInput(cluster, startedAt, (history) => checkForReport(history))),
    });
  } catch (error) {
    // A report is a convenience: failing to write one must never fail the test.
    process.stderr.write(`faultline: could not write artifacts for "${name}": ${(error as Error).message}\n`);
  }
}
