import { checkForReport, rememberCheck } from "../../../src/history/check-results";
import type { Operation } from "../../../src/history";
import { checkTransactions } from "../../../src/history/txn/check-txn";
import type { FaultSummary } from "../../../src/report/artifact-types";
import { summarizeCheck } from "../../../src/report/check-summary";
import { renderTxnCycles } from "../../../src/report/html/txn-cycle-svg";
import { verdictLine } from "../../../src/report/html/linearization-svg";
import { pairForDrawing } from "../../../src/report/op-calls";
import { readSkewHistory } from "../history/txn/support";

// Read skew (see support), each event 10 ms after the one before, from the history's origin.
const readSkew: Operation[] = readSkewHistory().map((op, i) => ({ ...op, time: i * 10e6 }));

describe("the report's drawing of a transactional anomaly", () => {
  const result = checkTransactions(readSkew, { model: "serializable" });
  rememberCheck(readSkew, result);
  // What the artifact holds after a round trip through JSON, as the report reads it from disk.
  const summary = summarizeCheck(JSON.parse(JSON.stringify(checkForReport(readSkew))))!;
  const calls = pairForDrawing(readSkew);

  it("keeps the witness cycle of each forbidden kind, with its steps, through the artifact", () => {
    expect(summary).toMatchObject({ verdict: "illegal", checker: "transactions, serializable" });
    expect(summary.cycles).toHaveLength(1);
    expect(summary.cycles![0]!.kind).toBe("G-single");
    expect(summary.cycles![0]!.steps.map((s) => s.rel).sort()).toEqual(["rw", "wr"]);
  });

  it("draws the transactions as a ring with labelled dependencies, the reasons in words, and the faults in force during each", () => {
    const [t1, t2] = [summary.cycles![0]!.steps[0]!.from, summary.cycles![0]!.steps[0]!.to];
    const first = calls.find((c) => c.completeIndex === t1 || c.invokeIndex === t1)!;
    // A fault over the start of the first transaction only, before the second began (timeline
    // ms; the history starts at 1000 ms; the two transactions overlap in time).
    const fault: FaultSummary = {
      id: "pause-1",
      kind: "pause",
      description: "pause n2",
      targets: ["n2"],
      appliedAt: 1000 + first.start! / 1e6 - 5,
      healedAt: 1000 + first.start! / 1e6 + 5,
    };
    const later: FaultSummary = { ...fault, id: "kill-1", kind: "kill", appliedAt: 5000, healedAt: 6000 };
    const html = renderTxnCycles(summary, calls, 1000, [fault, later]);
    expect(html).toContain('<svg class="txn-view"');
    expect(html.match(/<g class="txn-node"/g)).toHaveLength(2);
    expect(html).toContain(`data-index="${t1}"`);
    expect(html).toContain(`data-index="${t2}"`);
    expect(html).toMatch(/class="txn-rel"[^>]*>rw</);
    expect(html).toMatch(/class="txn-rel"[^>]*>wr</);
    for (const step of summary.cycles![0]!.steps) expect(html).toContain(step.why.replace(/'/g, "&#39;"));
    expect(html).toMatch(/<strong>T1<\/strong>[^<]*— while <span class="txn-fault"[^>]*>pause/);
    expect(html).toMatch(/<strong>T2<\/strong>[^<]*— no fault in force/);
    expect(html).not.toContain(">kill");
  });

  it("says what a passing transactional check found, in its own words", () => {
    expect(verdictLine({ verdict: "ok", checker: "transactions, serializable" })).toContain("✓ no anomaly the model forbids");
    expect(verdictLine({ verdict: "ok", checker: "linearizable" })).toContain("✓ linearizable");
  });
});
