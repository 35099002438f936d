/**
 * A checker's verdict reduced to what the report draws. Checkers return richer objects; this
 * reads them by shape (not by class) so the report survives their evolution and results
 * deserialised from disk.
 */
export interface CheckSummary {
  verdict: "ok" | "illegal" | "unknown";
  /** Which checker: "linearizable", "set", … when it says. */
  checker?: string;
  /**
   * Operation indexes (any event of an operation: invoke or completion) of the longest
   * linearizable prefix, in linearization order.
   */
  prefix?: number[];
  /** Index of an event of the operation that no linearization of the prefix can take next. */
  culprit?: number;
  message?: string;
  /**
   * For a transactional check: a witness cycle per forbidden kind, each step's `from`/`to` an
   * operation index of a transaction, with the dependency (`ww`, `wr`, `rw`, `process`,
   * `realtime`) and why.
   */
  cycles?: Array<{ kind: string; explanation?: string; steps: Array<{ from: number; to: number; rel: string; why: string }> }>;
}

type Bag = Record<string, unknown>;

const PREFIX_KEYS = ["prefix", "longestPrefix", "linearizablePrefix", "longestLinearizablePrefix", "linearization", "linearized"];
const CULPRIT_KEYS = ["culprit", "breaking", "breakingOp", "failingOp", "offending", "illegalOp", "op", "operation"];
const MESSAGE_KEYS = ["message", "explanation", "reason", "description"];

/** Reads a checker result of any known shape; undefined when it is not a verdict at all. */
export function summarizeCheck(check: unknown): CheckSummary | undefined {
  if (typeof check !== "object" || check === null) return typeof check === "boolean" ? { verdict: check ? "ok" : "illegal" } : undefined;
  const bag = check as Bag;
  const verdict = readVerdict(bag);
  if (!verdict) return undefined;
  const summary: CheckSummary = { verdict };
  const checker = firstString(bag, ["checker", "name", "kind"]);
  if (checker) summary.checker = checker;
  const explanation = isBag(bag.explanation) ? bag.explanation : isBag(bag.details) ? bag.details : undefined;
  const sources = explanation ? [bag, explanation] : [bag];
  for (const source of sources) {
    summary.prefix ??= readIndexes(firstOf(source, PREFIX_KEYS));
    summary.culprit ??= readIndex(firstOf(source, CULPRIT_KEYS));
    summary.message ??= firstString(source, MESSAGE_KEYS);
  }
  const cycles = readCycles(bag.cycles);
  if (cycles) summary.cycles = cycles;
  return summary;
}

function readVerdict(bag: Bag): CheckSummary["verdict"] | undefined {
  for (const key of ["verdict", "result", "outcome", "status", "valid"]) {
    const value = bag[key];
    if (value === true || value === "ok" || value === "valid" || value === "linearizable") return "ok";
    if (value === false || value === "illegal" || value === "invalid" || value === "not-linearizable") return "illegal";
    if (value === "unknown" || value === "timeout" || value === "budget") return "unknown";
  }
  return undefined;
}

function readIndexes(value: unknown): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: number[] = [];
  for (const item of value) {
    const index = readIndex(item);
    if (index !== undefined) out.push(index);
  }
  return out;
}

/** An op index from a number, an operation `{ index }`, or a call `{ invoke: { index } }`. */
function readIndex(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  if (!isBag(value)) return undefined;
  if (typeof value.index === "number") return value.index;
  if (isBag(value.invoke) && typeof value.invoke.index === "number") return value.invoke.index;
  if (isBag(value.call)) return readIndex(value.call);
  return undefined;
}

function firstOf(bag: Bag, keys: readonly string[]): unknown {
  for (const key of keys) if (bag[key] !== undefined) return bag[key];
  return undefined;
}

function firstString(bag: Bag, keys: readonly string[]): string | undefined {
  for (const key of keys) if (typeof bag[key] === "string" && bag[key] !== "") return bag[key];
  return undefined;
}

function isBag(value: unknown): value is Bag {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Witness cycles as `checkForReport` writes them; malformed steps are left out. */
function readCycles(value: unknown): CheckSummary["cycles"] {
  if (!Array.isArray(value)) return undefined;
  const cycles: NonNullable<CheckSummary["cycles"]> = [];
  for (const cycle of value) {
    if (!isBag(cycle) || typeof cycle.kind !== "string" || !Array.isArray(cycle.steps)) continue;
    const steps = cycle.steps.filter(
      (s): s is { from: number; to: number; rel: string; why: string } =>
        isBag(s) && typeof s.from === "number" && typeof s.to === "number" && typeof s.rel === "string" && typeof s.why === "string",
    );
    if (steps.length) cycles.push({ kind: cycle.kind, explanation: typeof cycle.explanation === "string" ? cycle.explanation : undefined, steps });
  }
  return cycles.length ? cycles : undefined;
}
