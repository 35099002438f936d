import { summarizeCheck } from "../../../src/report/check-summary";

describe("summarizeCheck", () => {
  it("reads verdicts however a checker spells them", () => {
    expect(summarizeCheck({ valid: true })).toEqual({ verdict: "ok" });
    expect(summarizeCheck({ valid: "unknown" })?.verdict).toBe("unknown");
    expect(summarizeCheck({ result: "illegal" })?.verdict).toBe("illegal");
    expect(summarizeCheck({ verdict: "ok", checker: "linearizable" })).toEqual({ verdict: "ok", checker: "linearizable" });
    expect(summarizeCheck(false)).toEqual({ verdict: "illegal" });
  });

  it("takes the longest prefix and the breaking op as indexes, operations or calls", () => {
    const summary = summarizeCheck({
      valid: false,
      longestPrefix: [0, { index: 2 }, { invoke: { index: 4 }, complete: { index: 6 } }],
      failingOp: { invoke: { index: 7 } },
      message: "read 1 cannot follow: holds 2",
    });
    expect(summary).toEqual({ verdict: "illegal", prefix: [0, 2, 4], culprit: 7, message: "read 1 cannot follow: holds 2" });
  });

  it("looks inside an explanation object too", () => {
    expect(summarizeCheck({ result: "illegal", explanation: { prefix: [1, 3], culprit: 5, message: "m" } })).toEqual({
      verdict: "illegal",
      prefix: [1, 3],
      culprit: 5,
      message: "m",
    });
  });

  it("is undefined for what is not a verdict", () => {
    expect(summarizeCheck(undefined)).toBeUndefined();
    expect(summarizeCheck("ok")).toBeUndefined();
    expect(summarizeCheck({ lost: [] })).toBeUndefined();
  });
});
