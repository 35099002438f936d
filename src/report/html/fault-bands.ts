import { formatMs } from "../../common/duration";
import type { FaultSummary } from "../artifact-types";
import { grudgeShape } from "../grudge";
import { escapeHtml, num } from "./escape";
import { faultColor } from "./palette";
import { fitText, textWidth, type TimeFrame } from "./time-frame";

export const FAULT_ROW_HEIGHT = 18;

/** Where each node's lane is, for bands to cover. */
export type LaneGeometry = ReadonlyMap<string, { y: number; height: number }>;

export interface PlacedFault {
  fault: FaultSummary;
  row: number;
  x0: number;
  x1: number;
  label: string;
}

/** `partition n1 ⟂ n2,n3` for partitions, else the fault's own one-line description. */
export function faultLabel(fault: FaultSummary): string {
  if (fault.grudge && Object.keys(fault.grudge).length > 0) return `${fault.kind} ${grudgeShape(fault.grudge).label}`;
  return fault.description || `${fault.kind} ${fault.targets.join(",")}`;
}

/**
 * Where a fault's band begins: when applying it began. The apply event is recorded once apply
 * returns, after the kill or the firewall rule it made, whose markers must sit inside the band.
 */
export function bandStart(fault: Pick<FaultSummary, "appliedAt" | "applyMs">): number {
  return fault.appliedAt - (fault.applyMs ?? 0);
}

/** Stacks fault bars (with their labels) into as few rows as keep them from overlapping. */
export function placeFaults(faults: readonly FaultSummary[], frame: TimeFrame): { placed: PlacedFault[]; rows: number } {
  const rowEnds: number[] = [];
  const placed: PlacedFault[] = [];
  for (const fault of faults) {
    const x0 = frame.x(bandStart(fault));
    const x1 = Math.max(x0 + 3, frame.x(fault.healedAt ?? frame.x.domain[1]));
    const label = faultLabel(fault);
    // A label that does not fit inside its bar is written after it, so it takes room there.
    const end = textWidth(label) + 10 <= x1 - x0 ? x1 : x1 + 4 + Math.min(textWidth(label), 360);
    let row = rowEnds.findIndex((e) => e + 4 <= x0);
    if (row === -1) row = rowEnds.push(0) - 1;
    rowEnds[row] = end;
    placed.push({ fault, row, x0, x1, label });
  }
  return { placed, rows: rowEnds.length };
}

function describeFault(fault: FaultSummary, frame: TimeFrame): string {
  const lines = [`${fault.kind}: ${fault.description}`];
  if (fault.grudge) lines.push(`cut: ${grudgeShape(fault.grudge).label}`);
  if (fault.targets.length) lines.push(`targets: ${fault.targets.join(", ")}`);
  if (fault.mechanism) lines.push(`via ${fault.mechanism}`);
  lines.push(`applied at +${formatMs(Math.max(0, fault.appliedAt - frame.zero))}${fault.applyMs !== undefined ? ` (took ${formatMs(fault.applyMs)})` : ""}`);
  lines.push(
    fault.activeMs !== undefined
      ? `in force ${formatMs(fault.activeMs)}`
      : fault.failed
        ? `failed to apply: ${fault.error ?? "unknown error"}`
        : "not healed in this test",
  );
  return lines.join("\n");
}

/**
 * One `<g class="fault-band">` per applied fault: its bar and label in the fault track, a
 * shaded band over the lanes it targets (hatched on the side a partition cut off), and dashed
 * lines at apply and heal down through the client rows. A fault that failed to apply is a
 * `fault-failed` marker instead: it never happened, so it gets no band.
 */
export function renderFaultBands(placed: readonly PlacedFault[], frame: TimeFrame, trackTop: number, lanes: LaneGeometry, bottom: number, id: string): string {
  const laneList = [...lanes.values()];
  const lanesTop = laneList.length ? Math.min(...laneList.map((l) => l.y)) : trackTop;
  const lanesBottom = laneList.length ? Math.max(...laneList.map((l) => l.y + l.height)) : trackTop;
  return placed
    .map(({ fault, row, x0, x1, label }) => {
      const color = faultColor(fault.kind);
      const y = trackTop + row * FAULT_ROW_HEIGHT;
      const title = `<title>${escapeHtml(describeFault(fault, frame))}</title>`;
      if (fault.failed) {
        return `<g class="fault-failed" data-fault-id="${escapeHtml(fault.id)}">${title}<text x="${num(x0)}" y="${num(y + 13)}" class="fault-failed-label" fill="${color}">✕ ${escapeHtml(fitText(`${fault.kind} failed to apply`, 300))}</text></g>`;
      }
      const inside = textWidth(label) + 10 <= x1 - x0;
      const parts: string[] = [];
      const shape = fault.grudge ? grudgeShape(fault.grudge) : undefined;
      const isolated = new Set(shape?.isolated ?? []);
      // A partition touches every node of its grudge, whichever side the fault calls its target.
      const targets = [...new Set([...fault.targets, ...(shape ? Object.entries(fault.grudge!).flat(2) : [])])];
      if (targets.length === 0) {
        // In-process faults act on no node: a faint veil over every lane says "while this was on".
        parts.push(
          `<rect class="band band-all" x="${num(x0)}" y="${num(lanesTop)}" width="${num(x1 - x0)}" height="${num(lanesBottom - lanesTop)}" fill="${color}" fill-opacity="0.07" stroke="${color}" stroke-opacity="0.35" stroke-dasharray="3 3"/>`,
        );
      }
      for (const node of targets) {
        const lane = lanes.get(node);
        if (!lane) continue;
        parts.push(
          `<rect class="band" data-node="${escapeHtml(node)}" x="${num(x0)}" y="${num(lane.y)}" width="${num(x1 - x0)}" height="${num(lane.height)}" fill="${color}" fill-opacity="0.16"/>`,
        );
        if (isolated.has(node))
          parts.push(
            `<rect class="band-cut" data-node="${escapeHtml(node)}" x="${num(x0)}" y="${num(lane.y)}" width="${num(x1 - x0)}" height="${num(lane.height)}" fill="url(#${id}-cut)"/>`,
          );
      }
      for (const [x, dash] of [
        [x0, "4 3"],
        [fault.healedAt === undefined ? undefined : x1, "2 3"],
      ] as const) {
        if (x !== undefined)
          parts.push(
            `<line class="band-edge" x1="${num(x)}" x2="${num(x)}" y1="${num(y)}" y2="${num(bottom)}" stroke="${color}" stroke-opacity="0.6" stroke-dasharray="${dash}"/>`,
          );
      }
      parts.push(
        `<rect class="fault-bar" x="${num(x0)}" y="${num(y + 2)}" width="${num(x1 - x0)}" height="${FAULT_ROW_HEIGHT - 4}" rx="3" fill="${color}" fill-opacity="${inside ? 0.85 : 0.7}"/>`,
      );
      const text = inside ? label : fitText(label, 360);
      // Outside labels go after the bar, or before it when the bar ends near the right edge.
      const before = !inside && x1 + 4 + textWidth(text) > frame.right + 16 && x0 - 4 - textWidth(text) >= frame.left;
      const at = inside ? x0 + 5 : before ? x0 - 4 : x1 + 4;
      parts.push(
        `<text class="fault-label${inside ? " inside" : ""}" x="${num(at)}" y="${num(y + 13)}"${before ? ` text-anchor="end"` : ""}${inside ? "" : ` fill="${color}"`}>${escapeHtml(text)}</text>`,
      );
      return `<g class="fault-band" data-fault-id="${escapeHtml(fault.id)}" data-kind="${escapeHtml(fault.kind)}">${title}${parts.join("")}</g>`;
    })
    .join("");
}
