import type { FaultEvent, TimelineEvent } from "../cluster/timeline";
import type { FaultSummary, RecoverySummary, TimelineJSON, TimelineWindow } from "./artifact-types";

/**
 * The part of a timeline a test owns, plus what it inherited: each node's last event before
 * the window (so a node already down is drawn down) and faults applied earlier and not yet
 * healed. One pass over the events: this runs after every test.
 */
export function timelineWindow(cluster: string, timeline: TimelineJSON, slice: { from: number; to: number }, nodes: readonly string[]): TimelineWindow {
  const events: TimelineEvent[] = [];
  const lastNodeEvent = new Map<string, TimelineEvent>();
  const openFaults = new Map<string, FaultEvent>();
  const seen = new Set(nodes);
  for (const event of timeline.events) {
    if (event.at < slice.from) {
      if (event.type === "node") lastNodeEvent.set(event.node, event);
      else if (event.type === "fault" && event.phase === "apply") openFaults.set(event.id, event);
      else if (event.type === "fault" && event.phase === "heal") openFaults.delete(event.id);
    } else if (event.at < slice.to) {
      events.push(event);
    } else {
      break; // events are recorded in order of `at`
    }
    if (event.type === "node") seen.add(event.node);
  }
  const carried = [...lastNodeEvent.values(), ...openFaults.values()].sort((a, b) => a.seq - b.seq);
  // An open-ended slice (to: Infinity) ends at its last event: JSON has no Infinity.
  const to = Number.isFinite(slice.to) ? slice.to : Math.max(slice.from, events.at(-1)?.at ?? slice.from);
  return { cluster, origin: timeline.origin, originWall: timeline.originWall, from: slice.from, to, nodes: [...seen], carried, events };
}

/** Faults seen in a window (and carried into it), apply and heal joined by id, in apply order. */
export function summarizeFaults(window: Pick<TimelineWindow, "carried" | "events">): FaultSummary[] {
  const byId = new Map<string, FaultSummary>();
  for (const event of [...window.carried, ...window.events]) {
    if (event.type !== "fault") continue;
    const known = byId.get(event.id);
    if (event.phase === "heal") {
      if (!known) continue; // healed a fault applied before the window: nothing of it to draw
      known.healedAt = event.at;
      known.activeMs = event.at - known.appliedAt;
      continue;
    }
    const summary: FaultSummary = { id: event.id, kind: event.kind, description: event.description, targets: [...event.targets], appliedAt: event.at };
    if (event.mechanism) summary.mechanism = event.mechanism;
    if (event.grudge) summary.grudge = event.grudge;
    if (event.durationMs !== undefined) summary.applyMs = event.durationMs;
    if (event.phase === "failed") {
      summary.failed = true;
      if (event.error) summary.error = event.error;
    }
    byId.set(event.id, summary);
  }
  return [...byId.values()];
}

export function summarizeRecoveries(events: readonly TimelineEvent[]): RecoverySummary[] {
  const out: RecoverySummary[] = [];
  for (const e of events) {
    if (e.type !== "recovery") continue;
    const summary: RecoverySummary = { label: e.label, ok: e.ok, durationMs: e.durationMs, budgetMs: e.budgetMs, at: e.at };
    if (e.faultId) summary.faultId = e.faultId;
    out.push(summary);
  }
  return out;
}
