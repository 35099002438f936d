import * as api from "../../src/index";
import type {
  BandwidthOptions,
  ClockOptions,
  Cluster,
  DiskOptions,
  FailpointFaultOptions,
  HttpFaultOptions,
  LatencyOptions,
  LossOptions,
  PartitionOptions,
  ResourcesOptions,
  ScheduleOptions,
  SignalFaultOptions,
} from "../../src/index";

describe("the main entry", () => {
  it("exports by name: internals of the fault catalogue do not leak", () => {
    expect(Object.keys(api)).not.toContain("faultFrom");
    expect(Object.keys(api)).not.toContain("faultKinds");
    expect(Object.keys(api)).not.toContain("provisionCluster");
    expect(typeof api.startCluster).toBe("function");
    expect(typeof api.HistoryClient).toBe("function");
    expect(typeof api.faults.partition).toBe("function");
  });

  it("types every fault kind's options (a missing export fails to compile)", () => {
    const options: [
      SignalFaultOptions,
      PartitionOptions,
      LatencyOptions,
      LossOptions,
      BandwidthOptions,
      ClockOptions,
      DiskOptions,
      ResourcesOptions,
      FailpointFaultOptions,
      HttpFaultOptions,
      ScheduleOptions,
    ] = [
      { node: "leader" },
      { isolate: "leader" },
      { latency: 100 },
      { probability: 0.1 },
      { rate: 64 },
      { offset: "-1m" },
      { mode: "readonly" },
      { nofile: 64 },
      { name: "x", term: "off" },
      { origin: "http://127.0.0.1:1" },
      { faults: [], interval: "1s", seed: 1 },
    ];
    expect(options).toHaveLength(11);
  });

  it("types startCluster as returning the Cluster interface, not the implementation", () => {
    type Returned = Awaited<ReturnType<typeof api.startCluster>>;
    // "backend"/"restoreSteadyState" are the implementation's; the public type has neither.
    const hasInternals: "restoreSteadyState" extends keyof Returned ? true : false = false;
    const isCluster: Returned extends Cluster ? true : false = true;
    expect([hasInternals, isCluster]).toEqual([false, true]);
  });
});
