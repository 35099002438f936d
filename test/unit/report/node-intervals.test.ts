import type { TimelineEvent } from "../../../src/cluster/timeline";
import { laneIntervals } from "../../../src/report/html/node-intervals";

let seq = 0;
const node = (at: number, name: string, event: string): TimelineEvent => ({ type: "node", node: name, event, at, wall: at, seq: seq++ }) as TimelineEvent;

describe("laneIntervals", () => {
  it("shades a killed node down until it respawns, then starting until ready", () => {
    const events = [node(100, "n2", "signalled"), node(105, "n2", "exited"), node(400, "n2", "spawned"), node(700, "n2", "ready")];
    expect(laneIntervals(["n1", "n2"], [], events, 0, 1000)).toEqual([
      { node: "n2", state: "down", from: 105, to: 400 },
      { node: "n2", state: "starting", from: 400, to: 700 },
    ]);
  });

  it("keeps a pause open to the window's end when it is not resumed", () => {
    expect(laneIntervals(["n1"], [], [node(200, "n1", "paused")], 0, 900)).toEqual([{ node: "n1", state: "paused", from: 200, to: 900 }]);
  });

  it("starts a node in the state carried into the window", () => {
    const carried = [node(-50, "n3", "stopped")];
    expect(laneIntervals(["n3"], carried, [node(300, "n3", "spawned"), node(350, "n3", "ready")], 0, 500)).toEqual([
      { node: "n3", state: "down", from: 0, to: 300 },
      { node: "n3", state: "starting", from: 300, to: 350 },
    ]);
  });

  it("adds lanes for nodes that only appear in events", () => {
    expect(laneIntervals([], [], [node(10, "n4", "exited")], 0, 20)).toEqual([{ node: "n4", state: "down", from: 10, to: 20 }]);
  });
});
