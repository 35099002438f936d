import * as fc from "fast-check";
import { checkLinearizable, models, type Operation } from "../../../src/history";
import { generateKvHistory, type KvAnomaly } from "../../helpers/kv-history-generator";
import { bruteForceLinearizable, kvSpec } from "./support/brute-force";

const ANOMALIES: (KvAnomaly | undefined)[] = [undefined, "stale-read", "lost-append", "random-read"];

/**
 * The verdict, checked twice: as configured by default, and with the partition studied from
 * the first step (small histories finish before the default would study them, so the
 * shortcuts that study enables — appends no read contains, reads that must see one append —
 * would otherwise go untested here). Both must agree.
 */
function verdictOf(ops: readonly Operation[]): "ok" | "illegal" {
  const verdicts = [undefined, 0].map((quickSteps) => {
    const result = checkLinearizable(ops, models.kv({ initial: "" }), { budget: "20s", quickSteps });
    if (result.verdict === "unknown") throw new Error(`a small history should never exhaust the budget: ${result.message}`);
    return result.verdict;
  });
  expect(verdicts[1]).toBe(verdicts[0]);
  return verdicts[0]!;
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

  it("agrees on small histories whose values are ambiguous (repeated tokens that spell each other)", () => {
    // The checker treats an appended value no read contains, and reads that must see one
    // particular append, specially; short repeated tokens are where that could go wrong.
    const ambiguous = fc
      .record({
        clients: fc.integer({ min: 1, max: 4 }),
        operations: fc.integer({ min: 1, max: 9 }),
        seed: fc.integer(),
        put: fc.constantFrom(0, 0.15, 0.4),
        crashed: fc.integer({ min: 0, max: 1 }),
        anomaly: fc.constantFrom(...ANOMALIES),
        tokens: fc.constantFrom(["a", "b"], ["a", "ab", "b", "ba"], ["ab", "abab", "b", ""], ["xy", "x", "yx", "y"]),
      })
      .map(({ put, ...options }) => generateKvHistory({ ...options, keys: 1, mix: { get: 0.45, put, append: 0.55 - put } }));
    const verdicts = new Set<string>();
    fc.assert(
      fc.property(ambiguous, (history) => {
        const ops = history.operations as unknown as Operation[];
        const expected = bruteForceLinearizable(ops, kvSpec, {}) ? "ok" : "illegal";
        verdicts.add(expected);
        expect(verdictOf(ops)).toBe(expected);
      }),
      { numRuns: 1500 },
    );
    expect(verdicts).toEqual(new Set(["ok", "illegal"]));
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
      { numRuns: 40 },
    );
  });

  it("decides 200-client histories (10 keys, 1,700 operations) within the default budget", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          anomaly: fc.constantFrom<KvAnomaly | undefined>(undefined, "stale-read", "lost-append"),
          crashed: fc.integer({ min: 0, max: 10 }),
        }),
        ({ seed, anomaly, crashed }) => {
          const history = generateKvHistory({ clients: 200, keys: 10, operations: 1700, seed, anomaly, crashed });
          fc.pre(history.linearizable !== undefined);
          const result = checkLinearizable(history.operations as unknown as Operation[], models.kv({ initial: "" }));
          expect(result.verdict).toBe(history.linearizable ? "ok" : "illegal");
        },
      ),
      { numRuns: 8 },
    );
  });
});
