import { DATA, relName } from "./dependency-graph";
import type { FoundCycle } from "./cycle-search";
import type { DataInference } from "./inference";
import { explainOrder } from "./order-edges";
import type { CycleStep, TxnAnomaly } from "./txn-anomaly";
import type { TxnRecord } from "./txn-history";
import { describeTxn } from "./txn-names";

const MEANING: Readonly<Record<string, string>> = {
  G0: "write cycle: transactions overwrite each other in a circle",
  G1c: "cyclic information flow: each transaction sees or overwrites the next",
  "G-single": "read skew: a cycle with exactly one anti-dependency",
  "G-nonadjacent": "a cycle whose anti-dependencies are never next to each other",
  "G2-item": "anti-dependency cycle (write skew): each reads what the next overwrites",
};

/** A phrase saying what a cycle class means: "read skew: …, through process order". */
export function describeCycleKind(kind: string): string {
  const base = kind.replace(/-(process|realtime)$/, "");
  const variant = kind.endsWith("-process") ? ", through process order" : kind.endsWith("-realtime") ? ", through real-time order" : "";
  return `${MEANING[base] ?? base}${variant}`;
}

/**
 * Turns a cycle of transaction ids into an anomaly a person can check by hand: the
 * transactions named T1, T2, … (starting from the earliest in the history), then one line per
 * dependency saying why each comes before the next, the last one closing the contradiction.
 */
export function explainCycle(cycle: FoundCycle, txns: readonly TxnRecord[], inference: DataInference): TxnAnomaly {
  const n = cycle.vertices.length;
  let start = 0;
  for (let i = 1; i < n; i++) if (txns[cycle.vertices[i]!]!.index < txns[cycle.vertices[start]!]!.index) start = i;
  const members = Array.from({ length: n }, (_, i) => txns[cycle.vertices[(start + i) % n]!]!);
  const rels = Array.from({ length: n }, (_, i) => cycle.rels[(start + i) % n]!);
  const name = (i: number): string => `T${(i % n) + 1}`;
  const steps: CycleStep[] = [];
  for (let i = 0; i < n; i++) {
    const a = members[i]!;
    const b = members[(i + 1) % n]!;
    const rel = rels[i]!;
    const reason = rel & DATA ? inference.explain(a, b, rel, name(i), name(i + 1)) : { why: explainOrder(a, b, rel, name(i), name(i + 1)) };
    steps.push({
      from: a.index,
      to: b.index,
      rel: relName(rel),
      ...(reason?.key !== undefined ? { key: reason.key } : {}),
      why: reason?.why ?? `${name(i + 1)} depends on ${name(i)} (${relName(rel)})`,
    });
  }
  const lines = [`${cycle.kind}: ${describeCycleKind(cycle.kind)}`, "Let:"];
  members.forEach((txn, i) => lines.push(`  ${name(i)} = ${describeTxn(txn)}`));
  lines.push("Then:");
  steps.forEach((s, i) => {
    const claim = `${name(i)} < ${name(i + 1)}, because ${s.why}`;
    lines.push(i === n - 1 ? `  - However, ${claim}: a contradiction!` : `  - ${claim}.`);
  });
  const path = members.map((_, i) => `${name(i)} -${steps[i]!.rel}->`).join(" ");
  return {
    kind: cycle.kind,
    indexes: members.map((t) => t.index),
    description: `${path} T1, over operations ${members.map((t) => t.index).join(", ")} (${describeCycleKind(cycle.kind)})`,
    cycle: steps,
    explanation: lines.join("\n"),
  };
}
