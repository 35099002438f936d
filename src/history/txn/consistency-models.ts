import { FaultlineError } from "../../common/errors";

/**
 * Which anomalies each consistency model forbids, so a test names the model it expects and the
 * checker works out the anomalies. The relations are Elle's (elle.consistency-model), which
 * cites Adya; Adya, Liskov & O'Neil; Bailis et al.; Cerone et al.; Daudjee & Salem; Fekete et
 * al.; and Kleppmann's Hermitage. Serializable means conflict serializable.
 *
 * Our dependency graphs hold item edges only (no predicates), so `G-single` here is Elle's
 * `G-single-item`, and so on; `G2` is kept as the name for "some anti-dependency cycle".
 */

/** Anomaly -> anomalies it implies (seeing the first means the second happened too). */
const IMPLIES: Readonly<Record<string, readonly string[]>> = {
  G0: ["G1c", "G0-process"],
  "G0-process": ["G1c-process", "G0-realtime"],
  "G0-realtime": ["G1c-realtime"],
  G1a: ["G1"],
  G1b: ["G1"],
  G1c: ["G1", "G1c-process"],
  "G1c-process": ["G1c-realtime", "G1-process"],
  "G1c-realtime": ["G1-realtime"],
  G1: ["G1-process"],
  "G1-process": ["G1-realtime"],
  "G-single": ["G-nonadjacent", "G-single-process", "GSIb"],
  "G-single-process": ["G-nonadjacent-process", "G-single-realtime"],
  "G-single-realtime": ["G-nonadjacent-realtime"],
  "G-nonadjacent": ["G2-item", "G-nonadjacent-process"],
  "G-nonadjacent-process": ["G2-item-process", "G-nonadjacent-realtime"],
  "G-nonadjacent-realtime": ["G2-item-realtime"],
  "G2-item": ["G2", "G2-item-process"],
  "G2-item-process": ["G2-process", "G2-item-realtime"],
  "G2-item-realtime": ["G2-realtime"],
  G2: ["G2-process"],
  "G2-process": ["G2-realtime"],
  GSIa: ["GSI"],
  GSIb: ["GSI"],
  // Two committed reads that no single order of appends explains: someone read dirty state.
  "incompatible-order": ["G1a"],
  // Reading an element one's own transaction appends later is a one-transaction G1c.
  "future-read": ["G1c"],
  // An aborted write carried into committed state: counted with aborted reads.
  "dirty-update": ["G1a"],
  "lost-update": ["write-skew", "G2-item"],
  "write-skew": ["G2"],
};

/** Model -> weaker models it implies. */
const WEAKER: Readonly<Record<string, readonly string[]>> = {
  "causal-cerone": ["read-atomic"],
  "consistent-view": ["cursor-stability", "monotonic-view"],
  "cursor-stability": ["read-committed"],
  "forward-consistent-view": ["consistent-view"],
  "monotonic-atomic-view": ["read-committed"],
  "monotonic-view": ["read-committed"],
  "monotonic-snapshot-read": ["read-committed"],
  "parallel-snapshot-isolation": ["causal-cerone", "update-atomic"],
  prefix: ["causal-cerone"],
  "read-atomic": ["monotonic-atomic-view"],
  "read-committed": ["read-uncommitted"],
  "repeatable-read": ["cursor-stability", "monotonic-atomic-view"],
  "update-atomic": ["read-atomic"],
  "update-serializable": ["forward-consistent-view"],
  serializable: ["repeatable-read", "update-serializable", "snapshot-isolation"],
  "snapshot-isolation": ["forward-consistent-view", "monotonic-atomic-view", "monotonic-snapshot-read", "parallel-snapshot-isolation", "prefix"],
  "strict-serializable": ["serializable", "snapshot-isolation", "strong-snapshot-isolation", "strong-session-serializable"],
  "strong-session-read-uncommitted": ["read-uncommitted"],
  "strong-session-read-committed": ["read-committed", "strong-session-read-uncommitted"],
  "strong-read-uncommitted": ["strong-session-read-uncommitted"],
  "strong-read-committed": ["strong-session-read-committed", "strong-read-uncommitted"],
  "strong-session-serializable": ["serializable", "strong-session-snapshot-isolation"],
  "strong-session-snapshot-isolation": ["snapshot-isolation", "strong-session-read-committed"],
  "strong-snapshot-isolation": ["strong-session-snapshot-isolation", "strong-read-committed"],
};

/** Model -> anomalies it forbids directly (weaker models' prohibitions are inherited). */
const FORBIDS: Readonly<Record<string, readonly string[]>> = {
  // Garbage reads (a value nobody wrote) and duplicate elements break every model: no version order explains them.
  "read-uncommitted": ["G0", "duplicate-elements", "cyclic-versions", "garbage-read"],
  "read-committed": ["G1"],
  "cursor-stability": ["G1", "G-cursor", "lost-update"],
  "monotonic-view": ["G1", "G-monotonic"],
  "monotonic-snapshot-read": ["G1", "G-MSR"],
  "consistent-view": ["G1", "G-single"],
  "forward-consistent-view": ["G1", "G-SIb"],
  "update-serializable": ["G1", "G-update"],
  "repeatable-read": ["G1", "G2-item", "lost-update"],
  "snapshot-isolation": ["internal", "G1", "G-SI", "G-nonadjacent"],
  serializable: ["internal", "G1", "G2"],
  "strict-serializable": ["G1", "G1c-realtime", "G2-realtime"],
  "causal-cerone": ["internal", "G1a"],
  "parallel-snapshot-isolation": ["internal", "G1a"],
  prefix: ["internal", "G1a"],
  "read-atomic": ["internal", "G1a", "future-read"],
  "update-atomic": ["lost-update"],
  "strong-session-read-uncommitted": ["G0-process"],
  "strong-session-read-committed": ["G1c-process"],
  "strong-read-uncommitted": ["G0-realtime"],
  "strong-read-committed": ["G1c-realtime"],
  "strong-session-snapshot-isolation": ["internal", "G1-process", "G-nonadjacent-process"],
  "strong-snapshot-isolation": ["internal", "G1-realtime", "G-nonadjacent-realtime"],
  "strong-session-serializable": ["G1-process", "G2-process"],
};

/** Other names people use for the same models. */
const ALIASES: Readonly<Record<string, string>> = {
  "PL-1": "read-uncommitted",
  "PL-2": "read-committed",
  "PL-2.99": "repeatable-read",
  "PL-3": "serializable",
  "conflict-serializable": "serializable",
  "PL-SI": "snapshot-isolation",
  "PL-SS": "strict-serializable",
  "strong-serializable": "strict-serializable",
  "PL-CS": "cursor-stability",
  "PL-2+": "consistent-view",
  "PL-FCV": "forward-consistent-view",
  "PL-MSR": "monotonic-snapshot-read",
  "PL-2L": "monotonic-view",
  "PL-3U": "update-serializable",
};

/** Every consistency model a transactional check accepts (aliases such as `PL-3` too). */
export const CONSISTENCY_MODELS = [
  "read-uncommitted",
  "read-committed",
  "cursor-stability",
  "monotonic-atomic-view",
  "monotonic-view",
  "monotonic-snapshot-read",
  "consistent-view",
  "forward-consistent-view",
  "update-serializable",
  "repeatable-read",
  "read-atomic",
  "causal-cerone",
  "update-atomic",
  "prefix",
  "parallel-snapshot-isolation",
  "snapshot-isolation",
  "serializable",
  "strong-session-read-uncommitted",
  "strong-session-read-committed",
  "strong-read-uncommitted",
  "strong-read-committed",
  "strong-session-snapshot-isolation",
  "strong-snapshot-isolation",
  "strong-session-serializable",
  "strict-serializable",
] as const;

export type ConsistencyModel = (typeof CONSISTENCY_MODELS)[number] | keyof typeof ALIASES;

const KNOWN: ReadonlySet<string> = new Set(CONSISTENCY_MODELS);

/** The model's own name for `name` (aliases resolved); throws FAULTLINE_INVALID_OPTION for an unknown one. */
export function canonicalModel(name: unknown, option = "model"): (typeof CONSISTENCY_MODELS)[number] {
  const resolved = typeof name === "string" ? (ALIASES[name] ?? name) : name;
  if (typeof resolved === "string" && KNOWN.has(resolved)) return resolved as (typeof CONSISTENCY_MODELS)[number];
  throw new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    option,
    message: `unknown consistency model ${JSON.stringify(name)}`,
    hint: `use one of ${CONSISTENCY_MODELS.join(", ")} (or PL-1, PL-2, PL-2.99, PL-3, PL-SI, PL-SS)`,
  });
}

function closure(start: Iterable<string>, next: (x: string) => readonly string[] | undefined): Set<string> {
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length) {
    const x = todo.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const y of next(x) ?? []) todo.push(y);
  }
  return seen;
}

const IMPLIED_BY: Record<string, string[]> = {};
for (const [a, bs] of Object.entries(IMPLIES)) for (const b of bs) (IMPLIED_BY[b] ??= []).push(a);
const STRONGER: Record<string, string[]> = {};
for (const [a, bs] of Object.entries(WEAKER)) for (const b of bs) (STRONGER[b] ??= []).push(a);

/** `anomalies` and every anomaly they imply. */
export function impliedAnomalies(anomalies: Iterable<string>): Set<string> {
  return closure(anomalies, (a) => IMPLIES[a]);
}

/** Every anomaly that is, or implies, one of `anomalies`. */
export function anomaliesImplying(anomalies: Iterable<string>): Set<string> {
  return closure(anomalies, (a) => IMPLIED_BY[a]);
}

/** The models `model` implies, itself included. */
export function weakerModels(model: string): Set<string> {
  return closure([canonicalModel(model)], (m) => WEAKER[m]);
}

/** Every anomaly whose presence means one of `models` does not hold. */
export function anomaliesProhibitedBy(models: Iterable<string>): Set<string> {
  const direct: string[] = [];
  for (const model of models) for (const m of weakerModels(model)) direct.push(...(FORBIDS[m] ?? []));
  return anomaliesImplying(direct);
}

/**
 * What the anomalies found rule out: `not`, the weakest models they break (every model
 * stronger than one of those breaks too), and `alsoNot`, the stronger ones.
 */
export function modelBoundary(anomalies: Iterable<string>): { not: string[]; alsoNot: string[] } {
  const found = impliedAnomalies(anomalies);
  const impossible = new Set<string>();
  for (const [model, forbidden] of Object.entries(FORBIDS)) if (forbidden.some((a) => found.has(a))) impossible.add(model);
  for (const model of closure(impossible, (m) => STRONGER[m])) impossible.add(model);
  // `impossible` is closed upwards, so a model is weakest when none of its direct weaker models is in it.
  const not = [...impossible].filter((m) => !(WEAKER[m] ?? []).some((w) => impossible.has(w)));
  const alsoNot = [...impossible].filter((m) => !not.includes(m));
  return { not: not.sort(), alsoNot: alsoNot.sort() };
}
