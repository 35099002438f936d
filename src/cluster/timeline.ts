import { monoNowMs, wallNow } from "../common/timers";
import { formatMs } from "../common/duration";
import type { Grudge } from "./grudge";

/** What happened to a node process. */
export type NodeEventKind = "spawned" | "ready" | "exited" | "stopping" | "stopped" | "signalled" | "paused" | "resumed";

interface EventBase {
  /** Monotonic milliseconds since the timeline began. */
  at: number;
  /** Wall-clock milliseconds (Date.now) when it was recorded. */
  wall: number;
  /** Position on the timeline, from 0. */
  seq: number;
}

export interface NodeEvent extends EventBase {
  type: "node";
  node: string;
  event: NodeEventKind;
  pid?: number;
  code?: number | null;
  signal?: string | null;
  message?: string;
}

export interface ProbeEvent extends EventBase {
  type: "probe";
  /** `ready` (one node), `healthy` (the cluster), `leader`. */
  probe: "ready" | "healthy" | "leader";
  node?: string;
  ok: boolean;
  error?: string;
  durationMs: number;
}

export interface FaultEvent extends EventBase {
  type: "fault";
  phase: "apply" | "heal" | "failed";
  /** Unique per applied fault; apply and heal share it. */
  id: string;
  kind: string;
  description: string;
  /** Nodes the fault acts on. */
  targets: string[];
  /** How it was done: "proxy", "iptables", "signal", "docker", … */
  mechanism?: string;
  /** For partitions: node -> nodes it cannot hear from. */
  grudge?: Grudge;
  durationMs?: number;
  error?: string;
}

export interface TestEvent extends EventBase {
  type: "test";
  phase: "start" | "end";
  name: string;
  status?: "passed" | "failed";
}

export interface RecoveryEvent extends EventBase {
  type: "recovery";
  ok: boolean;
  /** Time from the reference point (last heal, or the matcher call) to healthy. */
  durationMs: number;
  budgetMs: number;
  /** The heal the recovery was measured from, if any. */
  faultId?: string;
  label: string;
}

export interface NoteEvent extends EventBase {
  type: "note";
  message: string;
  node?: string;
}

export type TimelineEvent = NodeEvent | ProbeEvent | FaultEvent | TestEvent | RecoveryEvent | NoteEvent;
type DistributiveOmit<T, K extends keyof EventBase> = T extends unknown ? Omit<T, K> : never;
export type NewTimelineEvent = DistributiveOmit<TimelineEvent, "at" | "wall" | "seq">;

/**
 * One ordered record of everything that happened to a cluster: node events, probes, faults,
 * recoveries and test boundaries. Matchers read slices of it for their messages; the report
 * draws it.
 */
export class Timeline {
  readonly events: TimelineEvent[] = [];
  /** Monotonic ms at which the timeline began (`at` values are relative to it). */
  readonly origin = monoNowMs();
  /** Wall-clock ms at the origin. */
  readonly originWall = wallNow();
  private readonly listeners = new Set<(event: TimelineEvent) => void>();

  now(): number {
    return monoNowMs() - this.origin;
  }

  record<E extends NewTimelineEvent>(event: E): E & EventBase {
    const full = { ...event, at: this.now(), wall: wallNow(), seq: this.events.length } as E & EventBase;
    this.events.push(full as TimelineEvent);
    for (const listener of this.listeners) listener(full as TimelineEvent);
    return full;
  }

  /** Calls `listener` for each event recorded from now on; returns an unsubscribe function. */
  subscribe(listener: (event: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events with `at >= from` (and `< to` when given). */
  slice(from: number, to = Infinity): TimelineEvent[] {
    return this.events.filter((e) => e.at >= from && e.at < to);
  }

  /** The most recent fault heal, if any. */
  lastHeal(): FaultEvent | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.type === "fault" && e.phase === "heal") return e;
    }
    return undefined;
  }

  /** Renders events as lines for error messages: `+1.20s  n1 exited (signal SIGKILL)`. */
  format(events: TimelineEvent[] = this.events, limit = 25): string {
    const shown = events.length > limit ? events.slice(-limit) : events;
    const lines = shown.map((e) => `  +${formatMs(e.at).padStart(7)}  ${describeEvent(e)}`);
    if (events.length > limit) lines.unshift(`  … ${events.length - limit} earlier events`);
    return lines.join("\n");
  }

  toJSON(): { origin: number; originWall: number; events: TimelineEvent[] } {
    return { origin: this.origin, originWall: this.originWall, events: this.events };
  }
}

/** One line describing an event for people. */
export function describeEvent(e: TimelineEvent): string {
  switch (e.type) {
    case "node": {
      let text = `${e.node} ${e.event}`;
      if (e.event === "exited") text += e.signal ? ` (signal ${e.signal})` : ` (code ${e.code})`;
      if (e.event === "spawned" && e.pid) text += ` (pid ${e.pid})`;
      if (e.message) text += `: ${e.message}`;
      return text;
    }
    case "probe":
      return `${e.probe} probe${e.node ? ` on ${e.node}` : ""} ${e.ok ? "ok" : `failed: ${e.error ?? "unknown"}`}`;
    case "fault": {
      const verb = e.phase === "apply" ? "applied" : e.phase === "heal" ? "healed" : "failed";
      let text = `fault ${e.kind} ${verb}: ${e.description}`;
      if (e.mechanism) text += ` via ${e.mechanism}`;
      if (e.durationMs !== undefined) text += ` (${formatMs(e.durationMs)})`;
      if (e.error) text += ` — ${e.error}`;
      return text;
    }
    case "test":
      return e.phase === "start" ? `test started: ${e.name}` : `test ${e.status ?? "ended"}: ${e.name}`;
    case "recovery":
      return `${e.label}: ${e.ok ? "recovered" : "did not recover"} in ${formatMs(e.durationMs)} (budget ${formatMs(e.budgetMs)})`;
    case "note":
      return `${e.node ? `${e.node}: ` : ""}${e.message}`;
  }
}
