import type { ClusterOutcome } from "../../../src/report/artifact-types";
import { formatTerminalSummary, median, summarizeRun, type SummaryTest } from "../../../src/report/run-summary";

function cluster(faults: Array<[string, boolean?]>, recoveries: Array<[number, boolean]>): Pick<ClusterOutcome, "faults" | "recoveries"> & ClusterOutcome {
  return {
    name: "etcd",
    provisioner: "process",
    nodes: [],
    histories: [],
    logs: {},
    faults: faults.map(([kind, failed], i) => ({ id: `${kind}-${i}`, kind, description: kind, targets: [], appliedAt: 0, ...(failed ? { failed } : {}) })),
    recoveries: recoveries.map(([durationMs, ok]) => ({ label: "toRecoverWithin(20s)", ok, durationMs, budgetMs: 20_000, at: 0 })),
  };
}

describe("median", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
});

describe("summarizeRun", () => {
  const tests: SummaryTest[] = [
    { file: "a.test.ts", name: "one", status: "passed", outcome: { clusters: [cluster([["kill"], ["partition"]], [[1200, true]])] } },
    {
      file: "a.test.ts",
      name: "two",
      status: "failed",
      outcome: {
        clusters: [
          cluster(
            [["kill"], ["clock", true]],
            [
              [20_000, false],
              [300, true],
            ],
          ),
        ],
      },
    },
    { file: "b.test.ts", name: "three", status: "passed", outcome: { clusters: [cluster([["kill"]], [[4000, true]])] } },
    { file: "b.test.ts", name: "four", status: "skipped" },
  ];
  const summary = summarizeRun(tests);

  it("counts tests by status and names the failed ones", () => {
    expect(summary.tests).toEqual({ total: 4, passed: 2, failed: 1, skipped: 1 });
    expect(summary.failedTests).toEqual([{ file: "a.test.ts", name: "two" }]);
  });

  it("counts applied faults by kind, and those that failed to apply apart", () => {
    expect(summary.faults).toEqual({ total: 4, unapplied: 1, byKind: { kill: 3, partition: 1 } });
  });

  it("takes recovery statistics over recoveries that happened; a missed budget is not a recovery time", () => {
    expect(summary.recoveries).toEqual({ count: 4, failed: 1, medianMs: 1200, maxMs: 4000 });
  });

  it("prints a few lines: faults, recoveries, failed tests, where the report is", () => {
    const text = formatTerminalSummary(summary, "faultline-report/index.html");
    expect(text.split("\n")).toEqual([
      "faultline: 4 faults injected (kill ×3, partition ×1), 1 failed to apply",
      "  recovery: median 1.20s, max 4.00s over 3 recoveries, 1 did not recover in budget",
      "  1 failed test:",
      "    ✕ a.test.ts › two",
      "  report: faultline-report/index.html",
    ]);
  });

  it("lists at most a handful of failed tests", () => {
    const many = summarizeRun(Array.from({ length: 9 }, (_, i) => ({ file: "f", name: `t${i}`, status: "failed" as const })));
    const lines = formatTerminalSummary(many, "r").split("\n");
    expect(lines).toContain("    … and 4 more");
    expect(lines.length).toBe(9);
  });
});
