import type { ClusterOutcome, FaultSummary, TestOutcome } from "../../../src/report/artifact-types";
import { buildCoverageMatrix, targetClass } from "../../../src/report/coverage-matrix";

const nodes = ["n1", "n2", "n3"];
function fault(kind: string, description: string, targets: string[], extra: Partial<FaultSummary> = {}): FaultSummary {
  return { id: `${kind}-${description}`, kind, description, targets, appliedAt: 0, ...extra };
}
function test(
  name: string,
  status: TestOutcome["status"],
  clusters: Array<[string, FaultSummary[]]>,
): Pick<TestOutcome, "testPath" | "testName" | "status" | "clusters"> {
  const outcomes: ClusterOutcome[] = clusters.map(([cluster, faults]) => ({
    name: cluster,
    provisioner: "process",
    nodes,
    faults,
    recoveries: [],
    histories: [],
    logs: {},
  }));
  return { testPath: "/repo/t.test.ts", testName: name, status, clusters: outcomes };
}

describe("targetClass", () => {
  it("reads the role a description names", () => {
    expect(targetClass(fault("kill", "SIGKILL to n2 (the leader)", ["n2"]), nodes)).toBe("leader");
    expect(targetClass(fault("pause", "pause minority (n3)", ["n3"]), nodes)).toBe("minority");
    expect(targetClass(fault("partition", "majorities-ring over n1..n5", []), nodes)).toBe("majorities-ring");
    expect(targetClass(fault("partition", "halves: n1 | n2,n3", []), nodes)).toBe("halves");
  });

  it("falls back to the grudge's shape, then all nodes, then node names", () => {
    expect(targetClass(fault("partition", "groups", ["n1"], { grudge: { n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] } }), nodes)).toBe("split 1|2");
    expect(targetClass(fault("partition", "cut", ["n2"], { grudge: { n2: ["n1"] } }), nodes)).toBe("one-way");
    expect(targetClass(fault("latency", "latency 100ms on n1,n2,n3", ["n3", "n1", "n2"]), nodes)).toBe("all");
    expect(targetClass(fault("kill", "SIGKILL to n3", ["n3"]), nodes)).toBe("n3");
    expect(targetClass(fault("kill", "SIGKILL to n10,n2", ["n10", "n2"]), nodes)).toBe("n2,n10");
    expect(targetClass(fault("failpoint", "failpoint raftBeforeSave=panic in process", []), nodes)).toBe("in-process");
  });
});

describe("buildCoverageMatrix", () => {
  it("counts passing and failing tests per fault kind, target and cluster", () => {
    const leaderKill = fault("kill", "SIGKILL to n1 (the leader)", ["n1"]);
    const matrix = buildCoverageMatrix([
      test("a", "passed", [["etcd", [leaderKill]]]),
      test("b", "failed", [
        ["etcd", [leaderKill]],
        ["redis", [leaderKill]],
      ]),
      test("c", "passed", [["etcd", [fault("pause", "pause n2", ["n2"])]]]),
    ]);
    expect(matrix.clusters).toEqual(["etcd", "redis"]);
    expect(matrix.rows.map((r) => `${r.kind}/${r.target}`)).toEqual(["kill/leader", "pause/n2"]);
    expect(matrix.rows[0]!.cells).toMatchObject({ etcd: { passed: 1, failed: 1, applications: 2 }, redis: { passed: 0, failed: 1 } });
    expect(matrix.rows[1]!.cells.redis).toBeUndefined();
  });

  it("counts a test once per cell however often it applied the fault", () => {
    const kill = fault("kill", "SIGKILL to n2", ["n2"]);
    const cell = buildCoverageMatrix([test("loop", "passed", [["etcd", [kill, { ...kill, id: "again" }, { ...kill, id: "third" }]]])]).rows[0]!.cells.etcd!;
    expect(cell).toMatchObject({ passed: 1, failed: 0, applications: 3 });
    expect(cell.tests).toEqual(["/repo/t.test.ts › loop"]);
  });

  it("keeps faults that failed to apply apart: they were asked for, not covered", () => {
    const cell = buildCoverageMatrix([test("x", "failed", [["docker", [fault("clock", "clock +5s on n1", ["n1"], { failed: true })]]])]).rows[0]!.cells.docker!;
    expect(cell).toMatchObject({ passed: 0, failed: 0, applications: 0, unapplied: 1 });
  });

  it("is empty when no fault ran", () => {
    expect(buildCoverageMatrix([test("plain", "passed", [["etcd", []]])])).toEqual({ clusters: ["etcd"], rows: [] });
  });
});
