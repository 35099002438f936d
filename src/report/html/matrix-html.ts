import type { CoverageMatrix } from "../coverage-matrix";
import { escapeHtml } from "./escape";
import { faultColor } from "./palette";

/**
 * The coverage matrix as a table: a row per fault kind and target, a column per cluster; each
 * cell shows how many tests ran with that fault there and how many failed. Empty cells are the
 * point: they are the failures nobody has tested yet.
 */
export function renderMatrix(matrix: CoverageMatrix): string {
  if (matrix.rows.length === 0) return `<p class="empty">No faults were injected in this run.</p>`;
  const head = `<tr><th>fault</th><th>target</th>${matrix.clusters.map((c) => `<th class="cluster">${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = matrix.rows.map((row, i) => {
    const first = i === 0 || matrix.rows[i - 1]!.kind !== row.kind;
    const span = matrix.rows.filter((r) => r.kind === row.kind).length;
    const kind = first
      ? `<th class="kind" rowspan="${span}"><span class="swatch" style="background:${faultColor(row.kind)}"></span>${escapeHtml(row.kind)}</th>`
      : "";
    const cells = matrix.clusters.map((cluster) => {
      const cell = row.cells[cluster];
      const data = `data-kind="${escapeHtml(row.kind)}" data-target="${escapeHtml(row.target)}" data-cluster="${escapeHtml(cluster)}"`;
      if (!cell) return `<td class="matrix-cell empty-cell" ${data} data-passed="0" data-failed="0">·</td>`;
      const state = cell.failed > 0 ? "fail" : cell.passed > 0 ? "pass" : "unapplied";
      const title = [
        `${cell.passed} passed, ${cell.failed} failed; applied ${cell.applications}×${cell.unapplied ? `, failed to apply ${cell.unapplied}×` : ""}`,
        ...cell.tests,
      ].join("\n");
      const text =
        state === "unapplied"
          ? `✕ could not apply`
          : `${cell.passed ? `<span class="pass-count">✓ ${cell.passed}</span>` : ""}${cell.failed ? ` <span class="fail-count">✕ ${cell.failed}</span>` : ""}`;
      return `<td class="matrix-cell ${state}" ${data} data-passed="${cell.passed}" data-failed="${cell.failed}" title="${escapeHtml(title)}">${text}</td>`;
    });
    return `<tr>${kind}<td class="target">${escapeHtml(row.target)}</td>${cells.join("")}</tr>`;
  });
  return `<table class="matrix"><thead>${head}</thead><tbody>${body.join("")}</tbody></table>`;
}
