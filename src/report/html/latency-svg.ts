import type { FaultSummary } from "../artifact-types";
import { latencyMs } from "../op-calls";
import { escapeHtml, num } from "./escape";
import { bandStart, faultLabel } from "./fault-bands";
import { MAX_BARS, opTitle, type DrawnHistory } from "./op-bars";
import { faultColor, OP_COLORS } from "./palette";
import { axisMs, logScale, logTicks } from "./scale";
import { fitText, timeAxis, VIEW_WIDTH, type TimeFrame } from "./time-frame";

const PLOT_TOP = 36;
const PLOT_HEIGHT = 150;

/** Shapes for functions (read, write, cas…) so colour can say ok / fail / info. */
const SHAPES: ReadonlyArray<(x: number, y: number, attrs: string, children?: string) => string> = [
  (x, y, attrs, children = "") => `<circle cx="${num(x)}" cy="${num(y)}" r="3.2" ${attrs}>${children}</circle>`,
  (x, y, attrs, children = "") => `<rect x="${num(x - 3)}" y="${num(y - 3)}" width="6" height="6" ${attrs}>${children}</rect>`,
  (x, y, attrs, children = "") => `<path d="M${num(x)},${num(y - 4)}L${num(x + 3.8)},${num(y + 3)}L${num(x - 3.8)},${num(y + 3)}Z" ${attrs}>${children}</path>`,
  (x, y, attrs, children = "") =>
    `<path d="M${num(x)},${num(y - 4)}L${num(x + 4)},${num(y)}L${num(x)},${num(y + 4)}L${num(x - 4)},${num(y)}Z" ${attrs}>${children}</path>`,
];

/**
 * Operation latency (completion - invocation) over time, one point per operation at its
 * invocation, on a log axis, with the test's faults as bands behind: Jepsen's latency plot.
 * Shares the timeline's x-axis, so a band here is under the same band there.
 */
export function renderLatencySvg(frame: TimeFrame, faults: readonly FaultSummary[], histories: readonly DrawnHistory[]): string {
  const points = histories.flatMap((h) =>
    h.calls.flatMap((call) => {
      const latency = latencyMs(call);
      return latency === undefined || call.start === undefined ? [] : [{ call, latency, at: h.offsetMs + call.start / 1e6 }];
    }),
  );
  if (points.length === 0) return "";
  const latencies = points.map((p) => p.latency);
  // Loops, not Math.min(...xs): spreading 100,000 arguments overflows the stack.
  const min = latencies.reduce((a, b) => Math.min(a, b), Infinity);
  const max = latencies.reduce((a, b) => Math.max(a, b), 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.01, min)));
  // A little headroom above the slowest point, so a timeout at exactly 1s is not drawn on the frame.
  const hi = Math.max(lo * 10, max * 2);
  const y = logScale([lo, hi], [PLOT_TOP + PLOT_HEIGHT, PLOT_TOP]);
  const bottom = PLOT_TOP + PLOT_HEIGHT;
  const height = bottom + 28;
  const fs = [...new Set(points.map((p) => p.call.f))];
  const parts: string[] = [timeAxis(frame, 13, bottom)];
  for (const fault of faults) {
    if (fault.failed) continue;
    const x0 = frame.x(bandStart(fault));
    const x1 = Math.max(x0 + 2, frame.x(fault.healedAt ?? frame.x.domain[1]));
    const color = faultColor(fault.kind);
    parts.push(
      `<g class="latency-band" data-fault-id="${escapeHtml(fault.id)}"><title>${escapeHtml(faultLabel(fault))}</title><rect x="${num(x0)}" y="${PLOT_TOP}" width="${num(x1 - x0)}" height="${PLOT_HEIGHT}" fill="${color}" fill-opacity="0.13"/><text class="band-label" x="${num(x0 + 3)}" y="${PLOT_TOP - 4}" fill="${color}">${escapeHtml(fitText(fault.kind, x1 - x0 - 4))}</text></g>`,
    );
  }
  for (const tick of logTicks(y.domain[0], y.domain[1])) {
    parts.push(
      `<line class="grid" x1="${num(frame.left)}" x2="${num(frame.right)}" y1="${num(y(tick))}" y2="${num(y(tick))}"/><text class="tick" x="${num(frame.left - 6)}" y="${num(y(tick) + 3.5)}" text-anchor="end">${escapeHtml(axisMs(tick))}</text>`,
    );
  }
  parts.push(
    `<text class="section-label" x="14" y="${num(PLOT_TOP + PLOT_HEIGHT / 2)}" transform="rotate(-90 14 ${num(PLOT_TOP + PLOT_HEIGHT / 2)})" text-anchor="middle">latency</text>`,
  );
  parts.push(`<rect class="plot-frame" x="${num(frame.left)}" y="${PLOT_TOP}" width="${num(frame.right - frame.left)}" height="${PLOT_HEIGHT}"/>`);
  for (const p of points.slice(0, MAX_BARS)) {
    const shape = SHAPES[fs.indexOf(p.call.f) % SHAPES.length]!;
    const color = OP_COLORS[p.call.type];
    const title = `<title>${escapeHtml(opTitle(p.call, `p${p.call.process}`))}</title>`;
    parts.push(
      shape(
        frame.x(p.at),
        y(p.latency),
        `class="latency-point" data-type="${p.call.type}" fill="${color}" fill-opacity="0.85" stroke="#fff" stroke-width="0.6"`,
        title,
      ),
    );
  }
  // Legend: shapes per function, colours per outcome.
  let lx = frame.left;
  const ly = bottom + 18;
  for (const [i, f] of fs.entries()) {
    const shape = SHAPES[i % SHAPES.length]!;
    parts.push(`${shape(lx + 4, ly - 4, `fill="#495057"`)}<text class="legend-text" x="${num(lx + 12)}" y="${num(ly)}">${escapeHtml(f)}</text>`);
    lx += 22 + f.length * 6.5;
  }
  lx += 14;
  for (const type of ["ok", "fail", "info"] as const) {
    parts.push(
      `<rect x="${num(lx)}" y="${num(ly - 8)}" width="9" height="9" rx="2" fill="${OP_COLORS[type]}"/><text class="legend-text" x="${num(lx + 13)}" y="${num(ly)}">${type}</text>`,
    );
    lx += 46;
  }
  return `<svg class="latency" viewBox="0 0 ${VIEW_WIDTH} ${height}" width="100%" role="img" aria-label="operation latency over time">${parts.join("")}</svg>`;
}
