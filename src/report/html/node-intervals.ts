import type { NodeEvent, NodeEventKind, TimelineEvent } from "../../cluster/timeline";

/** States worth shading on a node's lane; "up" is the unshaded default. */
export type LaneState = "up" | "starting" | "stopping" | "down" | "paused";

export interface LaneInterval {
  node: string;
  state: Exclude<LaneState, "up">;
  from: number;
  to: number;
}

const NEXT: Record<NodeEventKind, LaneState | undefined> = {
  spawned: "starting",
  ready: "up",
  exited: "down",
  stopping: "stopping",
  stopped: "down",
  signalled: undefined, // a signal is a marker; what it did arrives as exited/paused
  paused: "paused",
  resumed: "up",
};

/** The state a node is in after `event`, from the state before it. */
export function nextState(state: LaneState, event: NodeEventKind): LaneState {
  return NEXT[event] ?? state;
}

/**
 * Shaded intervals per node over `[from, to]`: down, paused, starting, stopping. Nodes start in
 * the state their last carried event left them in (up when they have none).
 */
export function laneIntervals(
  nodes: readonly string[],
  carried: readonly TimelineEvent[],
  events: readonly TimelineEvent[],
  from: number,
  to: number,
): LaneInterval[] {
  const state = new Map<string, { state: LaneState; since: number }>();
  for (const node of nodes) state.set(node, { state: "up", since: from });
  for (const e of carried) if (e.type === "node") state.set(e.node, { state: nextState(state.get(e.node)?.state ?? "up", e.event), since: from });
  const out: LaneInterval[] = [];
  const close = (node: string, at: number): void => {
    const current = state.get(node);
    if (current && current.state !== "up" && at > current.since) out.push({ node, state: current.state, from: current.since, to: at });
  };
  for (const e of events) {
    if (e.type !== "node") continue;
    const current = state.get(e.node) ?? { state: "up" as LaneState, since: from };
    const next = nextState(current.state, e.event);
    if (next === current.state && state.has(e.node)) continue;
    close(e.node, e.at);
    state.set(e.node, { state: next, since: e.at });
  }
  for (const node of state.keys()) close(node, to);
  return out;
}

export function nodeEvents(events: readonly TimelineEvent[]): NodeEvent[] {
  return events.filter((e): e is NodeEvent => e.type === "node");
}
