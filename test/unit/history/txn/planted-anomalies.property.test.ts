import * as fc from "fast-check";
import { checkTransactions, type Operation, type Txn } from "../../../../src/history";
import { join, ops, simulate, simulateSnapshotIsolation, type SimStep } from "./support";

const mops = fc.array(fc.tuple(fc.boolean(), fc.nat(3)), { minLength: 1, maxLength: 4 });

/** Steps of a concurrent client workload; `serial` forces each transaction to finish before the next. */
const steps = (serial: boolean, fates: boolean): fc.Arbitrary<SimStep[]> =>
  fc.array(
    fc.record({
      process: fc.nat(4),
      mops,
      fate: fates ? fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.nat(3)) : fc.constant(0),
      applyDelay: serial ? fc.constant(0) : fc.nat(3),
      completeDelay: serial ? fc.constant(0) : fc.nat(3),
    }),
    { maxLength: 40 },
  );

/** Anomalies planted on keys "p" and "q", which the background never touches. */
const PLANTS: Record<string, { block: Txn[]; failed?: boolean; after: Txn; model: string }> = {
  G0: {
    block: [
      [
        ["append", "p", 1],
        ["append", "q", 2],
      ],
      [
        ["append", "p", 2],
        ["append", "q", 1],
      ],
    ],
    after: [
      ["r", "p", [1, 2]],
      ["r", "q", [1, 2]],
    ],
    model: "read-uncommitted",
  },
  G1c: {
    block: [
      [
        ["append", "p", 1],
        ["r", "q", [1]],
      ],
      [
        ["append", "q", 1],
        ["r", "p", [1]],
      ],
    ],
    after: [["r", "p", [1]]],
    model: "serializable",
  },
  "G-single": {
    block: [
      [
        ["append", "p", 1],
        ["append", "q", 1],
      ],
      [
        ["r", "p", []],
        ["r", "q", [1]],
      ],
    ],
    after: [
      ["r", "p", [1]],
      ["r", "q", [1]],
    ],
    model: "serializable",
  },
  "G2-item": {
    block: [
      [
        ["r", "p", []],
        ["append", "q", 1],
      ],
      [
        ["r", "q", []],
        ["append", "p", 1],
      ],
    ],
    after: [
      ["r", "p", [1]],
      ["r", "q", [1]],
    ],
    model: "serializable",
  },
  G1a: { block: [[["append", "p", 1]]], failed: true, after: [["r", "p", [1]]], model: "serializable" },
};

/** The background with the planted block (all invoked, then all completed) spliced in at a transaction boundary. */
function plant(background: Operation[], at: number, name: string): { history: Operation[]; planted: number[] } {
  const { block, failed, after } = PLANTS[name]!;
  const open = new Set<number | string>();
  const boundaries = [0];
  background.forEach((op, i) => {
    if (op.type === "invoke") open.add(op.process);
    else open.delete(op.process);
    if (open.size === 0) boundaries.push(i + 1);
  });
  const cut = boundaries[at % boundaries.length]!;
  const inner = ops([
    ...block.map((t, i) => [1000 + i, "invoke", t] as const),
    ...block.map((t, i) => [1000 + i, failed ? "fail" : "ok", t] as const),
    [1100, "invoke", after],
    [1100, "ok", after],
  ]);
  const history = join(background.slice(0, cut), inner, background.slice(cut));
  const planted = history
    .filter((op) => typeof op.process === "number" && op.process >= 1000 && op.process < 1100 && op.type !== "invoke")
    .map((op) => op.index);
  return { history, planted };
}

describe("planted anomalies", () => {
  it("passes every history a strictly serializable list store produces, with failures and crashes", () => {
    fc.assert(
      fc.property(steps(false, true), (s) => {
        const result = checkTransactions(simulate(s, "list-append"), { model: "strict-serializable", workload: "list-append" });
        expect(result.anomalyTypes).toEqual([]);
        expect(result.valid).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("passes every history a strictly serializable register store produces", () => {
    fc.assert(
      fc.property(steps(false, true), (s) => {
        const history = simulate(s, "rw-register");
        expect(checkTransactions(history, { model: "strict-serializable", workload: "rw-register" }).valid).toBe(true);
        expect(checkTransactions(history, { model: "strict-serializable", workload: "rw-register", wfrKeys: true }).valid).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("passes every history a snapshot-isolation store produces as snapshot isolation, and finds only write skew (G2-item) against serializability", () => {
    let skews = 0;
    fc.assert(
      fc.property(steps(false, false), (s) => {
        const history = simulateSnapshotIsolation(s);
        expect(checkTransactions(history, { model: "snapshot-isolation", workload: "list-append" }).valid).toBe(true);
        const serializable = checkTransactions(history, { model: "serializable", workload: "list-append" });
        expect(serializable.anomalyTypes.filter((k) => k !== "G2-item")).toEqual([]);
        if (serializable.anomalyTypes.length) skews++;
      }),
      { numRuns: 150 },
    );
    // The store does allow write skew, and some of the random histories must show it.
    expect(skews).toBeGreaterThan(0);
  });

  for (const name of Object.keys(PLANTS)) {
    it(`finds exactly ${name} planted anywhere in an otherwise serial history`, () => {
      fc.assert(
        fc.property(steps(true, false), fc.nat(), (s, at) => {
          const { history, planted } = plant(simulate(s, "list-append"), at, name);
          const result = checkTransactions(history, { model: PLANTS[name]!.model as never, workload: "list-append" });
          expect(result.anomalyTypes).toEqual([name]);
          const found = result.anomalies[name]!;
          expect(found).toHaveLength(1);
          if (name !== "G1a") {
            expect([...found[0]!.indexes].sort((a, b) => a - b)).toEqual(planted);
            // Every step is explained from the data, never by the bare fallback.
            expect(found[0]!.explanation).not.toMatch(/depends on T\d/);
          } else expect(found[0]!.indexes).toContain(planted[0]);
        }),
        { numRuns: 60 },
      );
    });
  }

  it("reports a planted G-single under strict serializability as G-single with its two-step cycle", () => {
    fc.assert(
      fc.property(steps(true, false), fc.nat(), (s, at) => {
        const { history, planted } = plant(simulate(s, "list-append"), at, "G-single");
        const result = checkTransactions(history, { model: "strict-serializable", workload: "list-append" });
        expect(result.anomalyTypes).toEqual(["G-single"]);
        const cycle = result.anomalies["G-single"]![0]!.cycle!;
        expect(cycle.map((step) => step.rel)).toEqual(["wr", "rw"]);
        expect(cycle.map((step) => step.from)).toEqual(planted);
      }),
      { numRuns: 60 },
    );
  });
});
