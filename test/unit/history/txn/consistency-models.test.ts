import { anomaliesProhibitedBy, canonicalModel, checkTransactions, modelBoundary } from "../../../../src/history";
import { isFaultlineError } from "../../../../src/common/errors";

describe("consistency models", () => {
  it("forbids more the stronger the model", () => {
    const rc = anomaliesProhibitedBy(["read-committed"]);
    const si = anomaliesProhibitedBy(["snapshot-isolation"]);
    const ser = anomaliesProhibitedBy(["serializable"]);
    const strict = anomaliesProhibitedBy(["strict-serializable"]);
    expect([...rc]).toEqual(expect.arrayContaining(["G0", "G1a", "G1b", "G1c", "incompatible-order", "dirty-update"]));
    expect(rc.has("G-single")).toBe(false);
    expect(si.has("G-single")).toBe(true);
    expect(si.has("G-nonadjacent")).toBe(true);
    expect(si.has("G2-item")).toBe(false);
    expect(ser.has("G2-item")).toBe(true);
    expect(ser.has("G-single-realtime")).toBe(false);
    expect(strict.has("G-single-realtime")).toBe(true);
    expect(strict.has("G0-process")).toBe(true);
    for (const kind of ser) expect(strict.has(kind)).toBe(true);
  });

  it("names the weakest models an anomaly rules out", () => {
    expect(modelBoundary(["G1c"]).not).toEqual(["read-committed"]);
    expect(modelBoundary(["G-single"]).not).toEqual(["consistent-view", "repeatable-read"]);
    expect(modelBoundary(["G2-item"]).not).toEqual(["repeatable-read"]);
    expect(modelBoundary(["G-single-realtime"]).not).toEqual(["strong-snapshot-isolation"]);
    expect(modelBoundary(["G2-item"]).alsoNot).toContain("strict-serializable");
    expect(modelBoundary([])).toEqual({ not: [], alsoNot: [] });
  });

  it("accepts Adya's names as aliases and refuses unknown models with the list", () => {
    expect(canonicalModel("PL-3")).toBe("serializable");
    expect(canonicalModel("PL-SI")).toBe("snapshot-isolation");
    let error: unknown;
    try {
      checkTransactions([], { model: "serialisable" as never });
    } catch (e) {
      error = e;
    }
    expect(isFaultlineError(error)).toBe(true);
    expect((error as Error).message).toMatch(/FAULTLINE_INVALID_OPTION: unknown consistency model "serialisable" \[option "model"\]/);
    expect((error as Error).message).toContain("strict-serializable");
  });
});
