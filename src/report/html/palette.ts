/** Colours shared by the SVG views, the legend and the CSS. Colour-blind-safe where it matters (ok/fail/info). */
export const OP_COLORS = { ok: "#2f9e44", fail: "#e03131", info: "#f08c00", pending: "#868e96" } as const;

const FAULT_COLORS: Record<string, string> = {
  partition: "#7048e8",
  kill: "#a61e4d",
  terminate: "#a61e4d",
  interrupt: "#a61e4d",
  restart: "#a61e4d",
  pause: "#1c7ed6",
  latency: "#0c8599",
  jitter: "#0c8599",
  bandwidth: "#0c8599",
  slow_close: "#0c8599",
  timeout: "#0c8599",
  reset_peer: "#0c8599",
  slicer: "#0c8599",
  limit_data: "#0c8599",
  down: "#0c8599",
  loss: "#0c8599",
  clock: "#d6336c",
  disk: "#5c940d",
  failpoint: "#e8590c",
  http: "#e8590c",
};
const FALLBACK = ["#364fc7", "#087f5b", "#862e9c", "#c92a2a", "#5f3dc4", "#2b8a3e"];

/** One colour per fault kind; unknown kinds get a stable one from a small palette. */
export function faultColor(kind: string): string {
  const known = FAULT_COLORS[kind];
  if (known) return known;
  let hash = 0;
  for (const c of kind) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length]!;
}

/** `<defs>` every timeline SVG uses: hatching for partitioned and paused lanes. Ids are per SVG. */
export function svgDefs(id: string): string {
  return `<defs>
<pattern id="${id}-cut" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#7048e8" fill-opacity="0.10"/><line x1="0" y1="0" x2="0" y2="6" stroke="#7048e8" stroke-width="2.2" stroke-opacity="0.55"/></pattern>
<pattern id="${id}-paused" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="5" height="5" fill="#1c7ed6" fill-opacity="0.12"/><line x1="0" y1="0" x2="0" y2="5" stroke="#1c7ed6" stroke-width="1.6" stroke-opacity="0.5"/></pattern>
</defs>`;
}
