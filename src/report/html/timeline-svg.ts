import { formatMs } from "../../common/duration";
import type { FaultSummary, RecoverySummary, TimelineWindow } from "../artifact-types";
import { byName } from "../grudge";
import { escapeHtml, num } from "./escape";
import { FAULT_ROW_HEIGHT, placeFaults, renderFaultBands } from "./fault-bands";
import { LANE_HEIGHT, renderLaneBackgrounds, renderLaneStates, renderNodeMarkers } from "./node-lanes";
import { renderOpRows, type DrawnHistory } from "./op-bars";
import { svgDefs } from "./palette";
import { fitText, textWidth, timeAxis, timeFrame, VIEW_WIDTH, type TimeFrame } from "./time-frame";

export interface TimelineViewInput {
  /** Unique in the page: prefixes the SVG's pattern ids. */
  id: string;
  window: TimelineWindow;
  faults: readonly FaultSummary[];
  recoveries: readonly RecoverySummary[];
  histories: readonly DrawnHistory[];
}

/** The time span a test's views share: its window, stretched over operations that ran past it. */
export function viewFrame(input: Pick<TimelineViewInput, "window" | "histories">): TimeFrame {
  let to = input.window.to;
  let from = input.window.from;
  for (const h of input.histories) {
    for (const c of h.calls) {
      if (c.start !== undefined) from = Math.min(from, h.offsetMs + c.start / 1e6);
      if (c.end !== undefined) to = Math.max(to, h.offsetMs + c.end / 1e6);
    }
  }
  return timeFrame(input.window.from, from, to);
}

const RECOVERY_ROW = 18;

function renderRecoveries(recoveries: readonly RecoverySummary[], frame: TimeFrame, y: number): string {
  const parts = [`<text class="section-label" x="${num(frame.left - 8)}" y="${num(y + 12)}" text-anchor="end">recovery</text>`];
  for (const r of recoveries) {
    const x1 = frame.x(r.at);
    // Measured from a heal or a matcher call that may precede the test: clamp to the frame.
    const x0 = Math.max(frame.left, Math.min(x1 - 2, frame.x(r.at - r.durationMs)));
    const mid = y + 9;
    const color = r.ok ? "#2f9e44" : "#e03131";
    const label = r.ok ? `✓ ${r.label}: ${formatMs(r.durationMs)}` : `✕ ${r.label}: not within ${formatMs(r.budgetMs)}`;
    const title = `${r.label}: ${r.ok ? "recovered" : "did not recover"} in ${formatMs(r.durationMs)} (budget ${formatMs(r.budgetMs)})${r.faultId ? `, measured from the heal of ${r.faultId}` : ""}`;
    // Before the bracket if there is room, else after it, else inside it over the line.
    const before = x0 - 6 - textWidth(label) > frame.left;
    const after = !before && x1 + 5 + textWidth(label) < VIEW_WIDTH - 4;
    const text = before
      ? `<text class="recovery-label" x="${num(x0 - 5)}" y="${num(mid + 4)}" text-anchor="end" fill="${color}">${escapeHtml(label)}</text>`
      : after
        ? `<text class="recovery-label" x="${num(x1 + 5)}" y="${num(mid + 4)}" fill="${color}">${escapeHtml(label)}</text>`
        : `<text class="recovery-label" x="${num(x1 - 6)}" y="${num(mid - 3)}" text-anchor="end" fill="${color}">${escapeHtml(fitText(label, x1 - x0 - 8))}</text>`;
    parts.push(
      `<g class="recovery" data-ok="${r.ok}"><title>${escapeHtml(title)}</title><line x1="${num(x0)}" x2="${num(x1)}" y1="${num(mid)}" y2="${num(mid)}" stroke="${color}" stroke-width="2.5"/><line x1="${num(x0)}" x2="${num(x0)}" y1="${num(mid - 5)}" y2="${num(mid + 5)}" stroke="${color}" stroke-width="1.5"/><line x1="${num(x1)}" x2="${num(x1)}" y1="${num(mid - 5)}" y2="${num(mid + 5)}" stroke="${color}" stroke-width="2.5"/>${text}</g>`,
    );
  }
  return parts.join("");
}

/**
 * The test's timeline as one SVG: time axis; a fault track (bars labelled with what was cut
 * from what); recoveries; a lane per node with its events and the time it was down or paused,
 * under the bands of the faults aimed at it; then client operations per process.
 */
export function renderTimelineSvg(input: TimelineViewInput): string {
  const frame = viewFrame(input);
  const nodes = [...input.window.nodes].sort(byName);
  const { placed, rows } = placeFaults(input.faults, frame);
  const trackTop = 22;
  let y = trackTop + Math.max(1, rows) * FAULT_ROW_HEIGHT + 4;
  const recoveryTop = y;
  if (input.recoveries.length) y += RECOVERY_ROW + 4;
  const lanes = new Map<string, { y: number; height: number }>();
  for (const node of nodes) {
    lanes.set(node, { y, height: LANE_HEIGHT });
    y += LANE_HEIGHT + 2;
  }
  const ops = renderOpRows(input.histories, frame, y + 6);
  const height = y + 6 + ops.height + 8;
  const body = [
    svgDefs(input.id),
    timeAxis(frame, 13, height - 4),
    `<text class="section-label" x="${num(frame.left - 8)}" y="${num(trackTop + 13)}" text-anchor="end">faults</text>`,
    input.faults.length === 0 ? `<text class="empty" x="${num(frame.left + 6)}" y="${num(trackTop + 13)}">no faults in this test</text>` : "",
    renderLaneBackgrounds(nodes, lanes, frame),
    renderFaultBands(placed, frame, trackTop, lanes, height - 4, input.id),
    renderLaneStates(nodes, input.window.carried, input.window.events, lanes, frame, input.id),
    renderNodeMarkers(input.window.events, lanes, frame),
    input.recoveries.length ? renderRecoveries(input.recoveries, frame, recoveryTop) : "",
    ops.svg,
  ];
  const note = ops.drawn < ops.total ? `<p class="note">Showing the first ${ops.drawn} of ${ops.total} operations.</p>` : "";
  return `<svg class="timeline" data-cluster="${escapeHtml(input.window.cluster)}" viewBox="0 0 ${VIEW_WIDTH} ${num(height)}" width="100%" role="img" aria-label="timeline of cluster ${escapeHtml(input.window.cluster)}">${body.join("")}</svg>${note}`;
}
