import { formatMs } from "../../common/duration";
import { formatValue } from "../../history/describe";
import { latencyMs, processOrder, type OpCall } from "../op-calls";
import { escapeHtml, num } from "./escape";
import { OP_COLORS } from "./palette";
import { fitText, type TimeFrame } from "./time-frame";

/** Bars drawn per test at most; a page with 100,000 SVG rects is unusable anyway. */
export const MAX_BARS = 3000;

export interface DrawnHistory {
  label: string;
  calls: OpCall[];
  /** Timeline ms of the history's time 0. */
  offsetMs: number;
}

/** `write 3`, `read → 3`, `cas [1, 2]`: what a bar says about its operation. */
export function opText(call: OpCall): string {
  const arg = call.value === null || call.value === undefined ? "" : ` ${formatValue(call.value, 24)}`;
  const result =
    call.type === "ok" && call.result !== null && call.result !== undefined && call.result !== call.value ? ` → ${formatValue(call.result, 24)}` : "";
  return `${call.f}${arg}${result}`;
}

export function opTitle(call: OpCall, processLabel: string): string {
  const latency = latencyMs(call);
  let text = `${processLabel} ${opText(call)}: ${call.type}`;
  if (latency !== undefined) text += ` after ${formatMs(latency)}`;
  if (call.error) text += ` (${call.error})`;
  if (call.type === "info") text += "\nindeterminate: it may take effect at any time after its invocation";
  text += `\nops #${call.invokeIndex}${call.completeIndex !== undefined ? `–#${call.completeIndex}` : ""}`;
  return text;
}

/**
 * A row per client process with its operations as bars from invocation to completion,
 * coloured ok / fail / info. An info bar trails a dashed line to the end: the operation may
 * still take effect. Histories without times are left to the linearization view.
 */
export function renderOpRows(histories: readonly DrawnHistory[], frame: TimeFrame, top: number): { svg: string; height: number; drawn: number; total: number } {
  const timed = histories.filter((h) => h.calls.some((c) => c.start !== undefined));
  const rows = timed.flatMap((h) => processOrder(h.calls).map((p) => ({ history: h, process: p })));
  if (rows.length === 0) return { svg: "", height: 0, drawn: 0, total: 0 };
  const rowHeight = rows.length <= 20 ? 15 : Math.max(5, Math.floor((15 * 20) / rows.length));
  const parts: string[] = [`<text class="section-label" x="${num(frame.left - 8)}" y="${num(top + 11)}" text-anchor="end">clients</text>`];
  const end = frame.x.domain[1];
  let y = top + 16;
  let drawn = 0;
  let total = 0;
  for (const [i, { history, process }] of rows.entries()) {
    const label = `${timed.length > 1 ? `${history.label} ` : ""}p${process}`;
    parts.push(
      `<rect class="lane-bg${i % 2 ? " odd" : ""}" x="${num(frame.left)}" y="${num(y)}" width="${num(frame.right - frame.left)}" height="${rowHeight}"/>`,
    );
    if (rowHeight >= 9)
      parts.push(`<text class="op-row-label" x="${num(frame.left - 8)}" y="${num(y + rowHeight - 3.5)}" text-anchor="end">${escapeHtml(label)}</text>`);
    for (const call of history.calls) {
      if (call.process !== process || call.start === undefined) continue;
      total++;
      if (drawn >= MAX_BARS) continue;
      drawn++;
      const x0 = frame.x(history.offsetMs + call.start / 1e6);
      const x1 = call.end === undefined ? frame.x(end) : frame.x(history.offsetMs + call.end / 1e6);
      const width = Math.max(1.5, x1 - x0);
      const color = OP_COLORS[call.type];
      const title = `<title>${escapeHtml(opTitle(call, `p${process}`))}</title>`;
      parts.push(
        `<rect class="op op-${call.type}" data-process="${escapeHtml(process)}" data-index="${call.invokeIndex}" x="${num(x0)}" y="${num(y + 1.5)}" width="${num(width)}" height="${num(rowHeight - 3)}" rx="1.5" fill="${color}">${title}</rect>`,
      );
      if (call.type === "info" && x1 < frame.x(end)) {
        parts.push(
          `<line class="op-maybe" x1="${num(x1)}" x2="${num(frame.x(end))}" y1="${num(y + rowHeight / 2)}" y2="${num(y + rowHeight / 2)}" stroke="${color}" stroke-dasharray="2 3"/>`,
        );
      }
      const text = rowHeight >= 12 ? fitText(opText(call), width - 4) : "";
      if (text) parts.push(`<text class="op-label" x="${num(x0 + 2.5)}" y="${num(y + rowHeight - 4)}">${escapeHtml(text)}</text>`);
    }
    y += rowHeight;
  }
  return { svg: `<g class="op-rows">${parts.join("")}</g>`, height: y - top, drawn, total };
}
