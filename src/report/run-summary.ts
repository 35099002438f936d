import { formatMs } from "../common/duration";
import type { TestOutcome, TestStatus } from "./artifact-types";

/** `summary.json`, and what the terminal summary prints. */
export interface RunSummary {
  tests: { total: number; passed: number; failed: number; skipped: number };
  faults: { total: number; unapplied: number; byKind: Record<string, number> };
  recoveries: { count: number; failed: number; medianMs?: number; maxMs?: number };
  failedTests: Array<{ file: string; name: string }>;
}

export interface SummaryTest {
  file: string;
  name: string;
  status: TestStatus;
  outcome?: Pick<TestOutcome, "clusters">;
}

/** Median of `values` (mean of the middle two for an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarizeRun(tests: readonly SummaryTest[]): RunSummary {
  const summary: RunSummary = {
    tests: { total: 0, passed: 0, failed: 0, skipped: 0 },
    faults: { total: 0, unapplied: 0, byKind: {} },
    recoveries: { count: 0, failed: 0 },
    failedTests: [],
  };
  const recoveryTimes: number[] = [];
  for (const test of tests) {
    summary.tests.total++;
    if (test.status === "passed") summary.tests.passed++;
    else if (test.status === "failed") {
      summary.tests.failed++;
      summary.failedTests.push({ file: test.file, name: test.name });
    } else summary.tests.skipped++;
    for (const cluster of test.outcome?.clusters ?? []) {
      for (const fault of cluster.faults) {
        if (fault.failed) {
          summary.faults.unapplied++;
          continue;
        }
        summary.faults.total++;
        summary.faults.byKind[fault.kind] = (summary.faults.byKind[fault.kind] ?? 0) + 1;
      }
      for (const recovery of cluster.recoveries) {
        summary.recoveries.count++;
        if (!recovery.ok) summary.recoveries.failed++;
        // A recovery that never happened has no recovery time: its duration is the budget spent.
        else recoveryTimes.push(recovery.durationMs);
      }
    }
  }
  const mid = median(recoveryTimes);
  if (mid !== undefined) {
    summary.recoveries.medianMs = mid;
    summary.recoveries.maxMs = Math.max(...recoveryTimes);
  }
  return summary;
}

/** The few lines printed at the end of a run. */
export function formatTerminalSummary(summary: RunSummary, reportPath: string, maxFailed = 5): string {
  const lines: string[] = [];
  const kinds = Object.entries(summary.faults.byKind)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([kind, count]) => `${kind} ×${count}`);
  let faults = `faultline: ${summary.faults.total} ${plural(summary.faults.total, "fault")} injected`;
  if (kinds.length) faults += ` (${kinds.join(", ")})`;
  if (summary.faults.unapplied) faults += `, ${summary.faults.unapplied} failed to apply`;
  lines.push(faults);
  const r = summary.recoveries;
  if (r.count) {
    let text = `  recovery: median ${r.medianMs === undefined ? "–" : formatMs(r.medianMs)}, max ${r.maxMs === undefined ? "–" : formatMs(r.maxMs)} over ${r.count - r.failed} ${plural(r.count - r.failed, "recovery", "recoveries")}`;
    if (r.failed) text += `, ${r.failed} did not recover in budget`;
    lines.push(text);
  }
  if (summary.failedTests.length) {
    lines.push(`  ${summary.failedTests.length} failed ${plural(summary.failedTests.length, "test")}:`);
    for (const t of summary.failedTests.slice(0, maxFailed)) lines.push(`    ✕ ${t.file} › ${t.name}`);
    if (summary.failedTests.length > maxFailed) lines.push(`    … and ${summary.failedTests.length - maxFailed} more`);
  }
  lines.push(`  report: ${reportPath}`);
  return lines.join("\n");
}

function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
