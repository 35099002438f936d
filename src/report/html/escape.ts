const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Escapes text for HTML and SVG, in element content and in quoted attributes alike. Every
 * string that did not come from this code (test names, fault descriptions, node names, log
 * lines, operation values) goes through it.
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

// ANSI colour codes and other C0 controls from node logs: unreadable, and some are not even
// allowed in an HTML document.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** A log line as a page shows it: ANSI sequences and control characters removed, then escaped. */
export function escapeLogLine(line: string): string {
  return escapeHtml(line.replace(ANSI, "").replace(CONTROL, "\ufffd"));
}

/** A number for SVG coordinates: short, and never NaN or exponent notation. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return "0";
  return (Math.round(value * 10) / 10).toString();
}
