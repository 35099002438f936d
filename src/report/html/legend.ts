import type { NodeEventKind } from "../../cluster/timeline";
import { nodeGlyph } from "./node-lanes";
import { OP_COLORS, svgDefs } from "./palette";

function swatch(inner: string, width = 16): string {
  return `<svg width="${width}" height="14" viewBox="${-width / 2} -7 ${width} 14" aria-hidden="true">${inner}</svg>`;
}

const EVENTS: NodeEventKind[] = ["spawned", "ready", "signalled", "exited", "stopping", "stopped", "paused", "resumed"];

/** What the timeline's marks mean; one per page, above the tests. */
export function renderLegend(): string {
  const items = [
    ...EVENTS.map((e) => `<span>${swatch(nodeGlyph(e))}${e}</span>`),
    `<span>${swatch(`<rect x="-8" y="-5" width="16" height="10" fill="#343a40" fill-opacity="0.55"/>`)}down</span>`,
    `<span>${swatch(`${svgDefs("legend")}<rect x="-8" y="-5" width="16" height="10" fill="url(#legend-paused)"/>`)}paused</span>`,
    `<span>${swatch(`<rect x="-8" y="-3" width="16" height="6" fill="#fab005" fill-opacity="0.3"/>`)}starting</span>`,
    `<span>${swatch(`<rect x="-8" y="-7" width="16" height="14" fill="#7048e8" fill-opacity="0.16"/>`)}fault target</span>`,
    `<span>${swatch(`<rect x="-8" y="-7" width="16" height="14" fill="url(#legend-cut)"/>`)}cut off by a partition</span>`,
    ...(["ok", "fail", "info"] as const).map(
      (t) => `<span>${swatch(`<rect x="-8" y="-4" width="16" height="8" rx="1.5" fill="${OP_COLORS[t]}"/>`)}op ${t}</span>`,
    ),
    `<span>${swatch(`<line x1="-8" x2="8" y1="0" y2="0" stroke="${OP_COLORS.info}" stroke-dasharray="2 3"/>`)}may still take effect</span>`,
  ];
  return `<div class="legend">${items.join("")}</div>`;
}
