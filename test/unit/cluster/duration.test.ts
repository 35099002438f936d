import { toMs, formatMs } from "../../../src/common/duration";
import { isFaultlineError } from "../../../src/common/errors";

describe("durations", () => {
  it.each([
    ["500ms", 500],
    ["20s", 20_000],
    ["2m", 120_000],
    ["1.5s", 1500],
    [250, 250],
  ])("reads %p as %p ms", (input, ms) => {
    expect(toMs(input)).toBe(ms);
  });

  it.each(["20 seconds", "20", "-1s", "", "1h30m", null, {}, NaN, -5])("rejects %p with FAULTLINE_INVALID_DURATION naming the option", (input) => {
    let caught: unknown;
    try {
      toMs(input, { option: "readyTimeout", cluster: "etcd" });
    } catch (error) {
      caught = error;
    }
    expect(isFaultlineError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe("FAULTLINE_INVALID_DURATION");
    expect((caught as Error).message).toContain('option "readyTimeout"');
    expect((caught as Error).message).toContain('cluster "etcd"');
    expect((caught as { hint: string }).hint).toMatch(/"20s"/);
  });

  it("formats for people", () => {
    expect(formatMs(850)).toBe("850ms");
    expect(formatMs(2400)).toBe("2.40s");
    expect(formatMs(72_000)).toBe("1m 12s");
  });
});
