import { escapeHtml, num } from "./escape";
import { axisMs, linearScale, niceTicks, type Scale } from "./scale";

/** Width of every timeline-aligned SVG (viewBox units; the page scales it to fit). */
export const VIEW_WIDTH = 1100;
/** Room on the left for lane labels. */
export const GUTTER = 120;
const RIGHT_PAD = 18;

/**
 * The horizontal frame the timeline and the latency chart share, so a fault band sits at the
 * same x in both. Times are timeline ms; labels are relative to the test's start.
 */
export interface TimeFrame {
  x: Scale;
  /** Timeline ms of the test's start, the axis' 0. */
  zero: number;
  left: number;
  right: number;
}

export function timeFrame(zero: number, from: number, to: number): TimeFrame {
  const end = to > from ? to : from + 1;
  return { x: linearScale([from, end], [GUTTER, VIEW_WIDTH - RIGHT_PAD]), zero, left: GUTTER, right: VIEW_WIDTH - RIGHT_PAD };
}

/** Tick marks and labels (`+1.5s`) along `y`, with faint gridlines down to `bottom`. */
export function timeAxis(frame: TimeFrame, y: number, bottom: number): string {
  const [from, to] = frame.x.domain;
  const ticks = niceTicks(from - frame.zero, to - frame.zero, 10);
  const parts = ticks.map((t) => {
    const x = num(frame.x(t + frame.zero));
    const label = t === 0 ? "0" : `${t > 0 ? "+" : ""}${axisMs(t)}`;
    return `<line class="grid" x1="${x}" x2="${x}" y1="${num(y + 4)}" y2="${num(bottom)}"/><text class="tick" x="${x}" y="${num(y)}" text-anchor="middle">${escapeHtml(label)}</text>`;
  });
  return `<g class="axis">${parts.join("")}</g>`;
}

/** Text shortened to fit `width` px at the page's 11px sans-serif (about 6.2 px a character). */
export function fitText(text: string, width: number): string {
  const max = Math.floor(width / 6.2);
  if (max < 3) return "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Approximate rendered width of `text` in px. */
export function textWidth(text: string): number {
  return text.length * 6.2;
}
