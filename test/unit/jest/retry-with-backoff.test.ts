import { isFaultlineError } from "../../../src/common/errors";
import { matchers } from "../../../src/jest/matchers/register";
expect.extend(matchers);

describe("toRetryWithBackoff", () => {
  it("passes on doubling gaps and fails on a constant retry loop", () => {
    expect([0, 500, 1500, 3500, 7500]).toRetryWithBackoff({ attempts: 4, factor: 2, minDelay: "500ms", tolerance: 0.2 });
    expect(() => expect([0, 500, 1000, 1500, 2000]).toRetryWithBackoff({ factor: 2, tolerance: 0.2 })).toThrow(/gap 2 was 500ms, expected 800ms–1.20s/);
  });

  it("honours the cap", () => {
    expect([0, 1000, 3000, 6000, 9000]).toRetryWithBackoff({ factor: 2, maxDelay: "3s", tolerance: 0.2 });
  });

  it("rejects a wrong receiver with a coded faultline error saying what it expected and received", () => {
    let caught: unknown;
    try {
      expect("soon" as unknown as number[]).toRetryWithBackoff();
    } catch (error) {
      caught = error;
    }
    if (!isFaultlineError(caught)) throw new Error(`not a FaultlineError: ${String(caught)}`);
    expect(caught.code).toBe("FAULTLINE_MATCHER_RECEIVER");
    expect(caught.option).toBe("toRetryWithBackoff.received");
    expect(caught.message).toContain("toRetryWithBackoff() expects attempt times in ms");
    expect(caught.message).toContain('received string "soon"');
    expect(caught.hint).toContain("connectionAttempts");
  });
});
