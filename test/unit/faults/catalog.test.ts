import { faultFrom, faultKinds, faults } from "../../../src/faults/catalog";
import { withFault } from "../../../src/jest/with-fault";

describe("fault options", () => {
  it("refuses an unknown option, naming it, the near miss and the options there are", () => {
    expect(() => faultFrom("kill", { nod: "leader" })).toThrow(
      expect.objectContaining({
        code: "FAULTLINE_INVALID_OPTION",
        option: "kill.nod",
        message: expect.stringContaining('has no option "nod" (did you mean "node"?)'),
        hint: expect.stringContaining("node, twice, gap, waitForExit"),
      }),
    );
    expect(() => faults.partition({ isolate: "leader", oneway: true } as never)).toThrow(/did you mean "oneWay"/);
  });

  it("refuses it when the test file is collected, from withFault too", () => {
    expect(() => withFault("latency", { latency: "50ms", jiter: "5ms" } as never, async () => undefined)).toThrow(
      /fault "latency" has no option "jiter" \(did you mean "jitter"\?\)/,
    );
  });

  it("does not suggest a name far from the typo", () => {
    expect(() => faultFrom("pause", { everything: true })).toThrow(/has no option "everything" \[option/);
  });

  it("accepts every documented option of every kind, and withFault's own options", () => {
    expect(faultKinds()).toHaveLength(21);
    expect(() => faultFrom("kill", { node: "leader", twice: true, gap: "100ms", waitForExit: true })).not.toThrow();
    expect(() =>
      faultFrom("latency", { latency: 50, jitter: 5, node: "n1", port: "http", links: "clients", direction: "upstream", toxicity: 0.5 }),
    ).not.toThrow();
    expect(() =>
      withFault(
        "partition",
        { isolate: "leader", oneWay: true, clients: true, cluster: "etcd", recoverWithin: "10s", steadyTimeout: "5s" },
        async () => undefined,
      ),
    ).not.toThrow();
  });

  it("refuses options that are not an object", () => {
    expect(() => faultFrom("kill", "leader")).toThrow(/options of fault "kill" must be an object, received "leader"/);
  });
});
