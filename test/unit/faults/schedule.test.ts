import { join } from "node:path";
import { faults } from "../../../src/faults/catalog";
import type { ActiveSchedule } from "../../../src/faults/schedule";
import { startedCluster } from "../../integration/started-cluster";

const tinyNode = join(__dirname, "..", "..", "fixtures", "servers", "tiny-node.js");

describe("fault schedules", () => {
  const started = startedCluster(
    { nodes: 5, ports: ["http"], command: ({ node }) => [process.execPath, tinyNode, "--name", node.name, "--port", String(node.port("http"))] },
    "sched",
  );

  /** Runs a schedule of four faults to the end and returns what it applied, in order. */
  async function sequence(seed: number): Promise<string[]> {
    const schedule = faults.schedule({
      faults: [faults.kill({ node: "random" }), faults.pause({ node: "random" }), faults.terminate({ node: "random" }), faults.pause({ node: "minority" })],
      interval: "150ms",
      duration: "50ms",
      count: 4,
      seed,
    });
    const cluster = started();
    const active = (await cluster.inject(schedule)) as unknown as ActiveSchedule;
    while (active.steps.length < 4) await new Promise((r) => setTimeout(r, 50));
    await active.heal();
    await cluster.restoreSteadyState("20s");
    expect(active.seed).toBe(seed);
    return active.steps.map((step) => `${step.kind}:${[...step.targets].join(",")}`);
  }

  it("replays the same faults on the same targets from the same seed", async () => {
    const first = await sequence(20261121);
    const again = await sequence(20261121);
    expect(first).toHaveLength(4);
    expect(again).toEqual(first);
    const other = await sequence(7);
    expect(other).not.toEqual(first);
  }, 60_000);

  it("records every scheduled fault on the timeline, applied and healed", async () => {
    const cluster = started();
    const before = cluster.timeline.events.length;
    await sequence(99);
    const faultEvents = cluster.timeline.events.slice(before).filter((e) => e.type === "fault" && e.kind !== "schedule");
    expect(faultEvents.filter((e) => e.type === "fault" && e.phase === "apply")).toHaveLength(4);
    expect(faultEvents.filter((e) => e.type === "fault" && e.phase === "heal")).toHaveLength(4);
  }, 60_000);
});
