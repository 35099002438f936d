import type { FaultSummary } from "../artifact-types";
import type { CheckSummary } from "../check-summary";
import type { OpCall } from "../op-calls";
import { escapeHtml, num } from "./escape";
import { faultLabel } from "./fault-bands";
import { faultColor } from "./palette";

type Cycle = NonNullable<CheckSummary["cycles"]>[number];

const SIZE = 260;
const RADIUS = 90;
const NODE = 20;
const REL_COLORS: Record<string, string> = { ww: "#1c7ed6", wr: "#2f9e44", rw: "#e03131", process: "#868e96", realtime: "#f08c00" };

/** Where a transaction sat on the timeline (ms), from its call's times and the history's offset. */
function span(call: OpCall | undefined, offsetMs: number): { from: number; to: number } | undefined {
  if (call?.start === undefined) return undefined;
  return { from: offsetMs + call.start / 1e6, to: offsetMs + (call.end ?? call.start) / 1e6 };
}

/** Faults in force at any moment of `[from, to]`. */
function faultsDuring(faults: readonly FaultSummary[], from: number, to: number): FaultSummary[] {
  return faults.filter((f) => !f.failed && f.appliedAt <= to && (f.healedAt ?? Infinity) >= from);
}

/**
 * One anomaly's witness cycle, as Elle draws it: the transactions as a ring, each dependency an
 * arrow labelled ww / wr / rw / process / realtime, then the steps in words. Each transaction
 * lists the faults in force while it ran, so a cycle can be read against the timeline above.
 */
function renderCycle(cycle: Cycle, calls: readonly OpCall[], offsetMs: number, faults: readonly FaultSummary[]): string {
  const byIndex = new Map<number, OpCall>();
  for (const c of calls) {
    byIndex.set(c.invokeIndex, c);
    if (c.completeIndex !== undefined) byIndex.set(c.completeIndex, c);
  }
  const txns: number[] = [];
  for (const step of cycle.steps) for (const t of [step.from, step.to]) if (!txns.includes(t)) txns.push(t);
  const label = (t: number): string => `T${txns.indexOf(t) + 1}`;
  const at = (i: number): { x: number; y: number } => {
    const angle = (2 * Math.PI * i) / txns.length - Math.PI / 2;
    return { x: SIZE / 2 + RADIUS * Math.cos(angle), y: SIZE / 2 + RADIUS * Math.sin(angle) };
  };
  const arrows = cycle.steps.map((step) => {
    const a = at(txns.indexOf(step.from));
    const b = at(txns.indexOf(step.to));
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const length = Math.hypot(dx, dy) || 1;
    const [ux, uy] = [dx / length, dy / length];
    const [x1, y1, x2, y2] = [a.x + ux * NODE, a.y + uy * NODE, b.x - ux * (NODE + 4), b.y - uy * (NODE + 4)];
    // Bow each arrow outwards a little, so the two directions between a pair do not overlap.
    const [cx, cy] = [(x1 + x2) / 2 - uy * 18, (y1 + y2) / 2 + ux * 18];
    const color = REL_COLORS[step.rel] ?? "#495057";
    return [
      `<path class="txn-edge" d="M${num(x1)},${num(y1)} Q${num(cx)},${num(cy)} ${num(x2)},${num(y2)}" stroke="${color}" fill="none" stroke-width="2" marker-end="url(#txn-arrow-${escapeHtml(step.rel)})"/>`,
      `<text class="txn-rel" x="${num(cx)}" y="${num(cy)}" fill="${color}" text-anchor="middle">${escapeHtml(step.rel)}</text>`,
    ].join("");
  });
  // Each transaction's time on the run's clock and the faults in force then, for its ring and its legend line.
  const spans = new Map(txns.map((t) => [t, span(byIndex.get(t), offsetMs)]));
  const faultsOf = (t: number): FaultSummary[] => {
    const s = spans.get(t);
    return s ? faultsDuring(faults, s.from, s.to) : [];
  };
  const nodes = txns.map((t, i) => {
    const { x, y } = at(i);
    const during = faultsOf(t);
    const ring = during.length ? ` stroke="${faultColor(during[0]!.kind)}" stroke-width="4"` : ` stroke="#495057" stroke-width="1.5"`;
    return `<g class="txn-node" data-index="${t}"><circle cx="${num(x)}" cy="${num(y)}" r="${NODE}" fill="#fff"${ring}/><text x="${num(x)}" y="${num(y + 4)}" text-anchor="middle">${label(t)}</text></g>`;
  });
  const markers = Object.entries(REL_COLORS)
    .map(
      ([rel, color]) =>
        `<marker id="txn-arrow-${rel}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`,
    )
    .join("");
  const legend = txns.map((t) => {
    const call = byIndex.get(t);
    const during = faultsOf(t);
    const what = call ? `process ${escapeHtml(call.process)}, op #${t}` : `op #${t}`;
    const marks = during.length
      ? ` — while ${during.map((f) => `<span class="txn-fault" style="color:${faultColor(f.kind)}">${escapeHtml(f.kind)} (${escapeHtml(faultLabel(f))})</span>`).join(", ")} was in force`
      : spans.get(t)
        ? " — no fault in force"
        : "";
    return `<li><strong>${label(t)}</strong> ${what}${marks}</li>`;
  });
  const steps = cycle.steps.map((step) => `<li>${escapeHtml(step.why)}</li>`);
  return [
    `<div class="txn-cycle" data-kind="${escapeHtml(cycle.kind)}">`,
    `<p class="lin-intro"><strong>${escapeHtml(cycle.kind)}</strong>: a cycle of ${cycle.steps.length} dependencies no serial order can follow.</p>`,
    `<div class="txn-cycle-body">`,
    `<svg class="txn-view" viewBox="0 0 ${SIZE} ${SIZE}" width="${SIZE}" role="img" aria-label="${escapeHtml(cycle.kind)} cycle"><defs>${markers}</defs>${arrows.join("")}${nodes.join("")}</svg>`,
    `<div class="txn-text"><ul class="txn-legend">${legend.join("")}</ul><ol class="txn-steps">${steps.join("")}</ol></div>`,
    `</div></div>`,
  ].join("");
}

/** Every witness cycle of a transactional check that found anomalies. */
export function renderTxnCycles(check: CheckSummary, calls: readonly OpCall[], offsetMs: number, faults: readonly FaultSummary[]): string {
  const cycles = check.cycles ?? [];
  const intro = `<p class="verdict illegal">✕ ${escapeHtml(check.checker ?? "transactions")}: anomalies found${check.message ? ` — ${escapeHtml(check.message.split("\n")[0]!)}` : ""}</p>`;
  return `<div class="txn-cycles">${intro}${cycles.map((c) => renderCycle(c, calls, offsetMs, faults)).join("")}</div>`;
}
