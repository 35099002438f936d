import type { Operation } from "./operation";

/** A value as people read it in a verdict: `nil`, `3`, `[3, 0]`, `"x 1 y"`; long ones cut. */
export function formatValue(value: unknown, max = 60): string {
  const text = render(value, 0);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function render(value: unknown, depth: number): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object") return String(value);
  if (depth > 4) return "…";
  if (Array.isArray(value)) return `[${value.map((v) => render(v, depth + 1)).join(", ")}]`;
  if (value instanceof Set) return `Set {${[...(value as Set<unknown>)].map((v) => render(v, depth + 1)).join(", ")}}`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${render(v, depth + 1)}`);
  return `{${entries.join(", ")}}`;
}

/** One operation: `#12 p3 ok    cas [3, 0]`. */
export function describeOperation(op: Operation): string {
  let text = `#${op.index} p${op.process} ${op.type.padEnd(6)} ${op.f} ${formatValue(op.value)}`;
  if (op.error !== undefined) text += ` (${op.error})`;
  return text;
}

/**
 * The operations around `indexes` (positions in `operations`), `radius` on each side, one per
 * line; the ones asked about are marked `>`. Used by verdicts and matcher messages to show
 * where in the history an anomaly sits.
 */
export function formatNeighbourhood(operations: readonly Operation[], indexes: readonly number[], radius = 3): string {
  const wanted = new Set(indexes);
  const shown = new Set<number>();
  for (const i of indexes) {
    for (let j = Math.max(0, i - radius); j <= Math.min(operations.length - 1, i + radius); j++) shown.add(j);
  }
  const lines: string[] = [];
  let last = -1;
  for (const i of [...shown].sort((a, b) => a - b)) {
    if (last >= 0 && i > last + 1) lines.push("    …");
    lines.push(`  ${wanted.has(i) ? ">" : " "} ${describeOperation(operations[i]!)}`);
    last = i;
  }
  return lines.join("\n");
}
