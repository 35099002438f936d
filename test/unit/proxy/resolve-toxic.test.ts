import { isFaultlineError, type FaultlineError } from "../../../src/common/errors";
import { resolveToxic } from "../../../src/proxy";

function failure(spec: unknown): FaultlineError {
  try {
    resolveToxic(spec, "client->n1:client");
  } catch (error) {
    if (isFaultlineError(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(spec)} to be rejected`);
}

describe("resolveToxic", () => {
  it("fills in Toxiproxy's defaults: downstream, toxicity 1, optional attributes", () => {
    expect(resolveToxic({ type: "reset_peer" })).toEqual({
      id: "reset_peer_downstream",
      type: "reset_peer",
      direction: "downstream",
      toxicity: 1,
      attributes: { timeout: 0 },
    });
    expect(resolveToxic({ type: "slicer", attributes: { averageSize: 8 } }).attributes).toEqual({ averageSize: 8, sizeVariation: 0, delay: 0 });
    expect(resolveToxic({ type: "down" }).attributes).toEqual({ cutExisting: false });
  });

  it("accepts durations as milliseconds or strings", () => {
    expect(resolveToxic({ type: "latency", attributes: { latency: "1.5s", jitter: 20 } }).attributes).toEqual({ latency: 1500, jitter: 20 });
    expect(resolveToxic({ type: "timeout", attributes: { timeout: "0ms" } }).attributes).toEqual({ timeout: 0 });
  });

  it.each([
    [{ type: "latency", attributes: { latency: -5 } }, "latency", "-5"],
    [{ type: "latency", attributes: { latency: 10, jitter: "lots" } }, "jitter", '"lots"'],
    [{ type: "bandwidth", attributes: { rate: 0 } }, "rate", "0"],
    [{ type: "slow_close", attributes: {} }, "delay", "undefined"],
    [{ type: "slicer", attributes: { averageSize: 10, sizeVariation: 10 } }, "sizeVariation", "10"],
    [{ type: "slicer", attributes: { averageSize: 1.5 } }, "averageSize", "1.5"],
    [{ type: "limit_data", attributes: { bytes: -1 } }, "bytes", "-1"],
    [{ type: "down", attributes: { cutExisting: "yes" } }, "cutExisting", '"yes"'],
  ])("rejects %j naming the toxic, the attribute, the form and the value", (spec, attribute, value) => {
    const error = failure(spec);
    expect(error.code).toBe("FAULTLINE_INVALID_OPTION");
    expect(error.message).toContain(`toxic "${spec.type}"`);
    expect(error.message).toContain(`attribute "${attribute}"`);
    expect(error.message).toMatch(/must be (a|an|true) /);
    expect(error.message).toContain(`received ${value}`);
    expect(error.message).toContain("client->n1:client");
    expect(error.option).toBe(`toxic.attributes.${attribute}`);
  });

  it("rejects unknown types, directions and toxicities", () => {
    expect(failure({ type: "jitter" }).message).toContain('"latency", "bandwidth"');
    expect(failure({ type: "latency", direction: "sideways", attributes: { latency: 1 } }).option).toBe("toxic.direction");
    expect(failure({ type: "latency", toxicity: 1.5, attributes: { latency: 1 } }).message).toContain("received 1.5");
    expect(failure("latency").message).toContain("must be an object");
  });
});
