import * as fc from "fast-check";
import { checkLinearizable, models, type Operation } from "../../../src/history";
import { bruteForceLinearizable, casRegisterSpec } from "./support/brute-force";
import { arbitraryHistory, simulate } from "./support/random-history";

function verdictOf(ops: Operation[], cas: boolean): "ok" | "illegal" {
  const result = checkLinearizable(ops, cas ? models.casRegister() : models.register(), { budget: "5s" });
  if (result.verdict === "unknown") throw new Error("a tiny history should never exhaust the budget");
  return result.verdict;
}

describe("linearizability checker against a brute-force checker", () => {
  it("agrees on random register histories, including info and unfinished operations", () => {
    fc.assert(
      fc.property(arbitraryHistory(false), (ops) => {
        const expected = bruteForceLinearizable(ops, casRegisterSpec, null) ? "ok" : "illegal";
        expect(verdictOf(ops, false)).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("agrees on random cas-register histories, including failed and info cas", () => {
    fc.assert(
      fc.property(arbitraryHistory(true), (ops) => {
        const expected = bruteForceLinearizable(ops, casRegisterSpec, null) ? "ok" : "illegal";
        expect(verdictOf(ops, true)).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("accepts every uncorrupted simulated history (they come from a real register)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2), fc.nat(11), fc.nat(9)), { maxLength: 80 }),
        (steps) => verdictOf(simulate(steps, { cas: true, maxOps: 25, corrupt: undefined }), true) === "ok",
      ),
      { numRuns: 200 },
    );
  });

  it("generates both verdicts, so the agreement above means something", () => {
    const samples = fc.sample(arbitraryHistory(true), { numRuns: 300, seed: 42 });
    const verdicts = new Set(samples.map((ops) => verdictOf(ops, true)));
    expect(verdicts).toEqual(new Set(["ok", "illegal"]));
    expect(samples.some((ops) => ops.some((op) => op.type === "info"))).toBe(true);
  });
});
