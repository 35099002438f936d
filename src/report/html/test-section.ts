import { formatMs } from "../../common/duration";
import type { ClusterOutcome, FaultSummary, TimelineWindow } from "../artifact-types";
import { pairForDrawing } from "../op-calls";
import type { LoadedHistory, LoadedTest } from "../read-artifacts";
import type { ReportTest } from "../report-model";
import { escapeHtml, escapeLogLine } from "./escape";
import { faultLabel } from "./fault-bands";
import { renderLatencySvg } from "./latency-svg";
import { renderLinearization, verdictLine } from "./linearization-svg";
import { renderTxnCycles } from "./txn-cycle-svg";
import type { DrawnHistory } from "./op-bars";
import { faultColor } from "./palette";
import { renderTimelineSvg, viewFrame } from "./timeline-svg";

const STATUS_ICON: Record<ReportTest["status"], string> = { passed: "✓", failed: "✕", skipped: "○", todo: "✎" };

function rel(ms: number, zero: number): string {
  return `+${formatMs(Math.max(0, ms - zero))}`;
}

function faultTable(faults: readonly FaultSummary[], zero: number): string {
  if (faults.length === 0) return "";
  const rows = faults.map((f) => {
    const inForce = f.failed
      ? `<span class="bad">failed: ${escapeHtml(f.error ?? "unknown")}</span>`
      : f.activeMs !== undefined
        ? formatMs(f.activeMs)
        : "not healed";
    return `<tr class="fault-row"><td><span class="swatch" style="background:${faultColor(f.kind)}"></span>${escapeHtml(f.kind)}</td><td>${escapeHtml(faultLabel(f))}</td><td>${escapeHtml(f.targets.join(", ") || "—")}</td><td>${escapeHtml(f.mechanism ?? "")}</td><td class="num">${rel(f.appliedAt, zero)}</td><td class="num">${inForce}</td><td class="num">${f.applyMs === undefined ? "" : formatMs(f.applyMs)}</td></tr>`;
  });
  return `<table class="faults"><thead><tr><th>fault</th><th>what</th><th>targets</th><th>via</th><th>applied</th><th>in force</th><th>apply took</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function recoveryList(cluster: ClusterOutcome): string {
  if (cluster.recoveries.length === 0) return "";
  const items = cluster.recoveries.map(
    (r) =>
      `<li class="${r.ok ? "good" : "bad"}">${r.ok ? "✓" : "✕"} ${escapeHtml(r.label)}: ${r.ok ? `recovered in <strong>${formatMs(r.durationMs)}</strong>` : `did not recover within ${formatMs(r.budgetMs)}`} <span class="dim">(budget ${formatMs(r.budgetMs)}${r.faultId ? `, after ${escapeHtml(r.faultId)}` : ""})</span></li>`,
  );
  return `<ul class="recoveries">${items.join("")}</ul>`;
}

function historyBlock(history: LoadedHistory, drawn: DrawnHistory, dir: string, faults: readonly FaultSummary[]): string {
  const link = `<a href="${escapeHtml(`${dir}/${history.artifact.file}`)}">${escapeHtml(history.artifact.file)}</a>`;
  const head = `<h5>${escapeHtml(drawn.label)} · ${history.artifact.operations} events · ${link}</h5>`;
  if (history.error) return `${head}<p class="bad">could not read: ${escapeHtml(history.error)}</p>`;
  const check = history.artifact.check;
  const body =
    check?.verdict !== "illegal"
      ? verdictLine(check)
      : check.cycles
        ? renderTxnCycles(check, drawn.calls, drawn.offsetMs, faults)
        : renderLinearization(drawn.calls, check);
  return `<div class="history">${head}${body}</div>`;
}

function logTails(test: LoadedTest, cluster: ClusterOutcome): string {
  const tails = test.logTails[cluster.name] ?? {};
  const nodes = Object.keys(tails);
  if (nodes.length === 0) return "";
  const blocks = nodes.map((node) => {
    const href = `${test.dir}/logs/${cluster.logs[node] ?? ""}`;
    const lines = tails[node]!;
    return `<div class="log"><h6>${escapeHtml(node)} <a href="${escapeHtml(href)}">log tail</a></h6><pre>${lines.map(escapeLogLine).join("\n") || '<span class="dim">(empty)</span>'}</pre></div>`;
  });
  return `<details class="logs"><summary>node logs (last lines)</summary><div class="logs-grid">${blocks.join("")}</div></details>`;
}

function clusterBlock(test: LoadedTest, cluster: ClusterOutcome, id: string): string {
  const window: TimelineWindow = test.timelines.find((w) => w.cluster === cluster.name) ?? {
    cluster: cluster.name,
    origin: 0,
    originWall: 0,
    from: 0,
    to: 1,
    nodes: cluster.nodes,
    carried: [],
    events: [],
  };
  const loaded = test.histories.filter((h) => h.cluster === cluster.name);
  const drawn: DrawnHistory[] = loaded.map((h) => ({
    label: h.artifact.file.replace(/\.jsonl$/, ""),
    calls: pairForDrawing(h.operations),
    offsetMs: h.artifact.offsetMs,
  }));
  const timeline = renderTimelineSvg({ id, window, faults: cluster.faults, recoveries: cluster.recoveries, histories: drawn });
  const latency = renderLatencySvg(viewFrame({ window, histories: drawn }), cluster.faults, drawn);
  return [
    `<section class="cluster" data-cluster="${escapeHtml(cluster.name)}">`,
    `<h4>cluster <strong>${escapeHtml(cluster.name)}</strong> <span class="dim">${escapeHtml(cluster.provisioner)} · ${cluster.nodes.length} nodes · <a href="${escapeHtml(`${test.dir}/timeline.json`)}">timeline.json</a></span></h4>`,
    cluster.placements
      ? `<p class="dim placements">${Object.entries(cluster.placements)
          .map(([node, where]) => `${escapeHtml(node)} on ${escapeHtml(where)}`)
          .join(" · ")}</p>`
      : "",
    faultTable(cluster.faults, window.from),
    recoveryList(cluster),
    `<div class="chart">${timeline}</div>`,
    latency ? `<div class="chart">${latency}</div>` : "",
    loaded.map((h, i) => historyBlock(h, drawn[i]!, test.dir, cluster.faults)).join(""),
    logTails(test, cluster),
    `</section>`,
  ].join("");
}

/** Chips in a test's summary line: faults by kind and recovery times, readable when collapsed. */
function chips(test: ReportTest): string {
  const clusters = test.artifacts?.outcome.clusters ?? [];
  const kinds = new Map<string, number>();
  for (const f of clusters.flatMap((c) => c.faults)) if (!f.failed) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const faultChips = [...kinds].map(
    ([kind, n]) => `<span class="chip" style="border-color:${faultColor(kind)};color:${faultColor(kind)}">${escapeHtml(kind)}${n > 1 ? ` ×${n}` : ""}</span>`,
  );
  const recoveries = clusters
    .flatMap((c) => c.recoveries)
    .map((r) => `<span class="chip ${r.ok ? "good" : "bad"}">${r.ok ? `recovered ${formatMs(r.durationMs)}` : "no recovery"}</span>`);
  return [...faultChips, ...recoveries].join("");
}

/** One test: summary line, then per cluster its faults, recoveries, timeline, latency, histories, logs. */
export function renderTestSection(test: ReportTest, id: string, open: boolean): string {
  const failure = test.failureMessages.length
    ? `<pre class="failure">${test.failureMessages.join("\n\n").split("\n").map(escapeLogLine).join("\n")}</pre>`
    : "";
  const clusters = test.artifacts ? test.artifacts.outcome.clusters.map((c, i) => clusterBlock(test.artifacts!, c, `${id}-c${i}`)).join("") : "";
  const duration = test.durationMs === undefined ? "" : `<span class="duration">${formatMs(test.durationMs)}</span>`;
  return [
    `<details class="test status-${escapeHtml(test.status)}" id="${id}" data-status="${escapeHtml(test.status)}"${open ? " open" : ""}>`,
    `<summary><span class="icon">${STATUS_ICON[test.status] ?? "?"}</span><span class="test-name">${escapeHtml(test.name)}</span>${chips(test)}${duration}</summary>`,
    `<div class="test-body">${failure}${clusters || (test.status === "skipped" || test.status === "todo" ? "" : '<p class="dim">No cluster activity recorded for this test.</p>')}</div>`,
    `</details>`,
  ].join("");
}
