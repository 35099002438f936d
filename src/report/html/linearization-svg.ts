import type { CheckSummary } from "../check-summary";
import { processOrder, type OpCall } from "../op-calls";
import { escapeHtml, num } from "./escape";
import { opText, opTitle } from "./op-bars";
import { OP_COLORS } from "./palette";
import { fitText, GUTTER, VIEW_WIDTH } from "./time-frame";

/** Events shown at most: around the op that breaks linearizability, where the story is. */
const MAX_EVENTS = 120;
const ROW = 22;

/**
 * Porcupine's view of an illegal history: a row per client, operations as bars placed by the
 * order of their events (not by time, so short operations stay readable), the longest
 * linearizable prefix filled and numbered in linearization order, the op that cannot follow it
 * marked in red. Everything else is an outline.
 */
export function renderLinearization(calls: readonly OpCall[], check: CheckSummary): string {
  const byEvent = new Map<number, OpCall>();
  for (const c of calls) {
    byEvent.set(c.invokeIndex, c);
    if (c.completeIndex !== undefined) byEvent.set(c.completeIndex, c);
  }
  const order = new Map<OpCall, number>();
  for (const index of check.prefix ?? []) {
    const call = byEvent.get(index);
    if (call && !order.has(call)) order.set(call, order.size + 1);
  }
  const culprit = check.culprit === undefined ? undefined : byEvent.get(check.culprit);
  const events = [...byEvent.keys()].sort((a, b) => a - b);
  let first = 0;
  let last = events.length - 1;
  if (events.length > MAX_EVENTS) {
    const focus = culprit ? events.indexOf(culprit.invokeIndex) : events.length - 1;
    first = Math.max(0, Math.min(focus - Math.floor(MAX_EVENTS * 0.7), events.length - MAX_EVENTS));
    last = first + MAX_EVENTS - 1;
  }
  const shown = events.slice(first, last + 1);
  const rank = new Map(shown.map((e, i) => [e, i]));
  const slot = (VIEW_WIDTH - GUTTER - 20) / Math.max(1, shown.length);
  const xOf = (event: number | undefined, fallback: number): number => GUTTER + (event !== undefined && rank.has(event) ? rank.get(event)! : fallback) * slot;
  const processes = processOrder(calls.filter((c) => rank.has(c.invokeIndex) || (c.completeIndex !== undefined && rank.has(c.completeIndex))));
  const parts: string[] = [];
  for (const [row, process] of processes.entries()) {
    const y = 8 + row * ROW;
    parts.push(
      `<rect class="lane-bg${row % 2 ? " odd" : ""}" x="${GUTTER}" y="${num(y)}" width="${num(VIEW_WIDTH - GUTTER - 20)}" height="${ROW}"/><text class="op-row-label" x="${GUTTER - 8}" y="${num(y + 15)}" text-anchor="end">p${escapeHtml(process)}</text>`,
    );
    for (const call of calls) {
      if (call.process !== process) continue;
      const startRank = rank.has(call.invokeIndex) ? rank.get(call.invokeIndex)! : call.invokeIndex < shown[0]! ? -0.5 : undefined;
      if (startRank === undefined) continue;
      const x0 = GUTTER + Math.max(0, startRank) * slot + slot * 0.15;
      const x1 = call.completeIndex === undefined || call.type === "info" ? xOf(undefined, shown.length) : xOf(call.completeIndex, shown.length) + slot * 0.85;
      const n = order.get(call);
      const kind = call === culprit ? "culprit" : n !== undefined ? "in-prefix" : "outside";
      const fill = kind === "outside" ? "#fff" : kind === "culprit" ? "#ffe3e3" : "#d3f9d8";
      const stroke = kind === "culprit" ? OP_COLORS.fail : kind === "in-prefix" ? OP_COLORS.ok : "#adb5bd";
      const title = `${opTitle(call, `p${process}`)}${n !== undefined ? `\nlinearized ${ordinal(n)}` : ""}${kind === "culprit" ? "\ncannot be linearized after the prefix" : ""}`;
      const label = `${kind === "culprit" ? "✕ " : n !== undefined ? `${n}. ` : ""}${opText(call)}${call.type === "info" ? " ?" : call.type === "fail" ? " ✗" : ""}`;
      parts.push(
        `<g class="lin-op ${kind}" data-index="${call.invokeIndex}"><title>${escapeHtml(title)}</title><rect x="${num(x0)}" y="${num(y + 3)}" width="${num(Math.max(3, x1 - x0))}" height="${ROW - 6}" rx="3" fill="${fill}" stroke="${stroke}" stroke-width="${kind === "culprit" ? 2.5 : 1.2}"${call.type === "info" ? ` stroke-dasharray="4 2"` : ""}/><text class="lin-label" x="${num(x0 + 4)}" y="${num(y + 15)}">${escapeHtml(fitText(label, x1 - x0 - 6))}</text></g>`,
      );
    }
  }
  const height = 8 + processes.length * ROW + 8;
  const prefixCount = order.size;
  const intro = [
    `<p class="lin-intro"><strong>Not linearizable.</strong> `,
    prefixCount
      ? `The longest linearizable prefix has <strong>${prefixCount}</strong> operation${prefixCount === 1 ? "" : "s"} (green, numbered in linearization order)`
      : "No prefix was reported",
    culprit
      ? `; <span class="culprit-text">✕ p${escapeHtml(culprit.process)} ${escapeHtml(opText(culprit))}</span> (op #${culprit.invokeIndex}) cannot follow it.`
      : ".",
    check.message ? ` <span class="lin-message">${escapeHtml(check.message)}</span>` : "",
    shown.length < events.length ? ` Showing events ${first}–${last} of ${events.length}.` : "",
    `</p>`,
  ].join("");
  return `<div class="linearization">${intro}<svg class="lin-view" viewBox="0 0 ${VIEW_WIDTH} ${height}" width="100%" role="img" aria-label="linearization of the history">${parts.join("")}</svg></div>`;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** One-line verdict for a history whose check was not illegal (or had nothing to draw). */
export function verdictLine(check: CheckSummary | undefined): string {
  if (!check) return `<p class="verdict none">not checked</p>`;
  const txn = check.checker?.startsWith("transactions") === true;
  const text =
    check.verdict === "ok"
      ? txn
        ? "✓ no anomaly the model forbids"
        : "✓ linearizable"
      : check.verdict === "unknown"
        ? "? unknown (checker gave up within its budget)"
        : txn
          ? "✕ anomalies found"
          : "✕ not linearizable";
  return `<p class="verdict ${check.verdict}">${escapeHtml(check.checker ? `${check.checker}: ${text}` : text)}${check.message ? ` — ${escapeHtml(check.message)}` : ""}</p>`;
}
