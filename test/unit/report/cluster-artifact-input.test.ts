import { Timeline } from "../../../src/cluster/timeline";
import { monoNowMs } from "../../../src/common/timers";
import { History } from "../../../src/history/history";
import { clusterArtifactInput } from "../../../src/report/cluster-artifact-input";

describe("clusterArtifactInput", () => {
  it("takes the test's window, its node logs and the histories it used, on the timeline's clock", async () => {
    const timeline = new Timeline();
    timeline.record({ type: "node", node: "n1", event: "ready" });
    const before = new History();
    before.record({ process: 0, type: "invoke", f: "read", value: null });
    before.record({ process: 0, type: "ok", f: "read", value: 1 });
    await new Promise((r) => setTimeout(r, 5));
    const startedAt = monoNowMs();
    timeline.record({ type: "test", phase: "start", name: "t" });
    const during = new History();
    during.record({ process: 0, type: "invoke", f: "write", value: 2 });
    during.record({ process: 0, type: "ok", f: "write", value: 2 });
    const unused = new History();
    timeline.record({ type: "test", phase: "end", name: "t", status: "passed" });
    const cluster = {
      name: "etcd",
      provisioner: "process",
      timeline,
      nodes: [{ name: "n1", logs: { file: "/tmp/n1.log" } }],
      histories: [before, during, unused],
    };

    const input = clusterArtifactInput(cluster, startedAt, (h) => (h === during ? { valid: true } : undefined));

    expect(input.slice.from).toBeCloseTo(startedAt - timeline.origin, 6);
    const inWindow = timeline.events.filter((e) => e.at >= input.slice.from && e.at < input.slice.to).map((e) => e.type);
    expect(inWindow).toEqual(["test", "test"]);
    expect(input.nodeLogs).toEqual([{ node: "n1", file: "/tmp/n1.log" }]);
    expect(input.histories).toHaveLength(1);
    expect(input.histories[0]!.check).toEqual({ valid: true });
    const firstOp = JSON.parse(input.histories[0]!.jsonl.split("\n")[0]!) as { time: number };
    const opAt = input.histories[0]!.offsetMs! + firstOp.time / 1e6;
    expect(opAt).toBeGreaterThanOrEqual(input.slice.from);
    expect(opAt).toBeLessThan(input.slice.to);
  });
});
