import { FaultlineError, describeValue } from "../../common/errors";
import type { HistoryInput } from "../pairing";
import { anomaliesImplying, anomaliesProhibitedBy, canonicalModel, modelBoundary, type ConsistencyModel } from "./consistency-models";
import { CYCLE_KINDS, findCycles } from "./cycle-search";
import { GraphBuilder } from "./dependency-graph";
import { explainCycle } from "./explain-cycle";
import type { InferDependencies } from "./inference";
import { inferListAppend } from "./list-append";
import { linkProcessOrder, linkRealtimeOrder } from "./order-edges";
import { inferRwRegister } from "./rw-register";
import { AnomalyLog, type TxnAnomaly } from "./txn-anomaly";
import { txnHistoryOf, type TxnHistory } from "./txn-history";

/** What the transactions do: append to lists and read them, or write and read registers. */
export type TxnWorkload = "list-append" | "rw-register";

export const TXN_WORKLOADS: readonly TxnWorkload[] = ["list-append", "rw-register"];

/** Options of {@link checkTransactions}. */
export interface TxnCheckOptions {
  /** The consistency model(s) the history must satisfy. Default: `"strict-serializable"`. */
  readonly model?: ConsistencyModel | readonly ConsistencyModel[];
  /** Default: detected from the micro-operations (`append` means list-append, `w` rw-register). */
  readonly workload?: TxnWorkload;
  /** Further anomalies (Elle's names, e.g. `"G2-item"`) that fail the check whatever the model. */
  readonly anomalies?: readonly string[];
  /** rw-register only: assume writes follow reads within a transaction (see {@link RwRegisterOptions}). Default false. */
  readonly wfrKeys?: boolean;
  /**
   * Edge visits the cycle search may spend per anomaly class and strongly connected component
   * before reporting `cycle-search-timeout` for it. Default 5,000,000.
   */
  readonly cycleSearchBudget?: number;
  /** Anomalies kept per kind (all are counted). Default 32. */
  readonly keep?: number;
}

/** The verdict of a transactional check. */
export interface TxnCheckResult {
  /** `"unknown"` when the only findings are searches that ran out of budget. */
  readonly valid: boolean | "unknown";
  readonly workload: TxnWorkload;
  readonly models: readonly string[];
  /** Kinds found that the model(s) forbid, worst first. */
  readonly anomalyTypes: readonly string[];
  /** Every anomaly found, by kind (forbidden or not); at most `keep` per kind. */
  readonly anomalies: Readonly<Record<string, readonly TxnAnomaly[]>>;
  /** How many of each kind were found. */
  readonly counts: Readonly<Record<string, number>>;
  /** The weakest models the anomalies rule out, and the stronger ones they rule out too. */
  readonly not: readonly string[];
  readonly alsoNot: readonly string[];
  readonly transactions: number;
  readonly microOps: number;
  /** The verdict for people: what was found and, for each forbidden kind, its first witness explained. */
  readonly message: string;
}

/** Kinds whose presence makes the verdict unknown rather than false. */
const UNKNOWN_KINDS: ReadonlySet<string> = new Set(["cycle-search-timeout"]);

/** list-append when a transaction appends, rw-register when one writes. */
export function detectWorkload(history: TxnHistory): TxnWorkload {
  let append = false;
  let write = false;
  for (const txn of history.txns) {
    for (const mop of txn.mops) {
      if (mop[0] === "append") append = true;
      else if (mop[0] === "w") write = true;
    }
  }
  if (append && write) {
    throw new FaultlineError({
      code: "FAULTLINE_HISTORY",
      message: "the history both appends (list-append) and writes (rw-register); a check handles one kind of object",
      hint: 'record one workload per history, or pass workload: "list-append" / "rw-register" to check one of them',
    });
  }
  return write ? "rw-register" : "list-append";
}

function severity(kind: string): number {
  const order = ["G0", "G1a", "G1b", "G1c", "G-single", "G-nonadjacent", "G2-item"];
  const base = kind.replace(/-(process|realtime)$/, "");
  const at = order.indexOf(base);
  const variant = kind.endsWith("-process") ? 10 : kind.endsWith("-realtime") ? 20 : 0;
  return at >= 0 ? at + variant : 30;
}

function modelList(option: TxnCheckOptions["model"]): string[] {
  const given = option === undefined ? ["strict-serializable"] : typeof option === "string" ? [option] : option;
  if (!Array.isArray(given) || given.length === 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      option: "model",
      message: `expected a consistency model such as "serializable", or a list of them, received ${describeValue(option)}`,
      hint: "name the model the system promises: read-committed, snapshot-isolation, serializable, strict-serializable, …",
    });
  }
  return given.map((m) => canonicalModel(m));
}

/**
 * Checks a transactional history the way Elle does: infers write-write, write-read and
 * read-write dependencies between transactions from what they read (plus process and
 * real-time order when the model needs them), reports the anomalies visible without a cycle,
 * then searches each strongly connected component of the dependency graph for the shortest
 * witness cycle of every class the model forbids, explained step by step.
 */
export function checkTransactions(input: HistoryInput, options: TxnCheckOptions = {}): TxnCheckResult {
  const models = modelList(options.model);
  const history = txnHistoryOf(input);
  const workload = options.workload ?? detectWorkload(history);
  if (!TXN_WORKLOADS.includes(workload)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      option: "workload",
      message: `unknown workload ${describeValue(workload)}`,
      hint: `use one of ${TXN_WORKLOADS.join(", ")}`,
    });
  }
  const budget = options.cycleSearchBudget ?? 5_000_000;
  if (typeof budget !== "number" || !(budget > 0)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      option: "cycleSearchBudget",
      message: `expected a positive number of edge visits, received ${describeValue(budget)}`,
    });
  }
  const forbidden = anomaliesProhibitedBy(models);
  for (const kind of anomaliesImplying(options.anomalies ?? [])) forbidden.add(kind);
  const wanted = new Set([...forbidden].filter((k) => CYCLE_KINDS.has(k)));

  const log = new AnomalyLog(options.keep ?? 32);
  const builder = new GraphBuilder(history.txns.length);
  const infer: InferDependencies = workload === "list-append" ? inferListAppend : (h, b, l) => inferRwRegister(h, b, l, { wfrKeys: options.wfrKeys === true });
  const inference = infer(history, builder, log);
  const needsRealtime = [...wanted].some((k) => k.endsWith("-realtime"));
  if (needsRealtime || [...wanted].some((k) => k.endsWith("-process"))) linkProcessOrder(history, builder);
  if (needsRealtime) linkRealtimeOrder(history, builder);
  const graph = builder.build();

  const { cycles, timeouts } = findCycles(graph, { kinds: wanted, budget });
  for (const cycle of cycles) log.add(explainCycle(cycle, history.txns, inference));
  for (const timeout of timeouts) {
    log.add({
      kind: "cycle-search-timeout",
      indexes: [],
      description: `the search for ${timeout.kind} in a strongly connected component of ${timeout.componentSize} transactions spent its budget of ${budget} edge visits without deciding`,
    });
  }

  const kinds = [...log.byKind.keys()].sort((a, b) => severity(a) - severity(b) || a.localeCompare(b));
  const anomalyTypes = kinds.filter((k) => forbidden.has(k));
  const unknown = kinds.filter((k) => UNKNOWN_KINDS.has(k));
  const valid: boolean | "unknown" = anomalyTypes.length > 0 ? false : unknown.length > 0 ? "unknown" : true;
  const boundary = modelBoundary(kinds.filter((k) => !UNKNOWN_KINDS.has(k)));
  const anomalies: Record<string, TxnAnomaly[]> = {};
  const counts: Record<string, number> = {};
  for (const kind of kinds) {
    anomalies[kind] = log.byKind.get(kind)!;
    counts[kind] = log.counts.get(kind)!;
  }
  let microOps = 0;
  for (const txn of history.txns) microOps += txn.mops.length;
  const result = {
    valid,
    workload,
    models,
    anomalyTypes,
    anomalies,
    counts,
    not: boundary.not,
    alsoNot: boundary.alsoNot,
    transactions: history.txns.length,
    microOps,
  };
  return { ...result, message: verdictMessage(result, unknown) };
}

function verdictMessage(result: Omit<TxnCheckResult, "message">, unknown: readonly string[]): string {
  const { models, anomalyTypes, anomalies, counts } = result;
  const head = `${result.transactions} transactions (${result.microOps} micro-operations, ${result.workload})`;
  const tally = (kinds: readonly string[]): string => kinds.map((k) => `${k} ×${counts[k]}`).join(", ");
  const allowed = Object.keys(anomalies).filter((k) => !anomalyTypes.includes(k) && !unknown.includes(k));
  const also = allowed.length ? `\nAlso found, which ${models.join(" and ")} allow${models.length > 1 ? "" : "s"}: ${tally(allowed)}.` : "";
  if (result.valid === true) return `${head}: consistent with ${models.join(" and ")}.${also}`;
  if (result.valid === "unknown") {
    return `${head}: could not decide ${models.join(" and ")}: ${anomalies["cycle-search-timeout"]![0]!.description}.${also}`;
  }
  const lines = [`${head}: not ${models.join(" and ")}. Found ${tally(anomalyTypes)}.`];
  if (result.not.length) lines.push(`The history is not ${result.not.join(", ")} (nor anything stronger).`);
  for (const kind of anomalyTypes) {
    const first = anomalies[kind]![0]!;
    lines.push("", first.explanation ?? `${kind}: ${first.description}`);
  }
  return lines.join("\n") + also;
}
