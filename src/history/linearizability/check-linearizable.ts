import { FaultlineError, describeValue } from "../../common/errors";
import { toMs, type Duration } from "../../common/duration";
import { monoNowNs } from "../../common/timers";
import { isModel, type Model, type ModelInput, type ModelOutput, type PartitionKey } from "../models/model";
import { operationsOf, pairCalls, type Call, type HistoryInput } from "../pairing";
import { startSearch, type SearchOutcome } from "./search";
import { explainDeadEnd, summarise, type CheckedOperation, type IllegalExplanation } from "./explanation";

/** Options of {@link checkLinearizable}. */
export interface LinearizabilityOptions {
  /**
   * Time the search may take over all partitions. When it is spent, the verdict is `unknown`
   * rather than a hang. Default: `"10s"`.
   */
  budget?: Duration;
  /** @internal Search steps before a partition is studied for shortcuts (tests set 0). */
  quickSteps?: number;
}

export type Verdict = "ok" | "illegal" | "unknown";

/** The verdict of {@link checkLinearizable} with what a person needs to act on it. */
export interface LinearizabilityResult {
  readonly verdict: Verdict;
  /** `true` for ok, `false` for illegal, `"unknown"` when the budget ran out. */
  readonly valid: boolean | "unknown";
  readonly model: string;
  /** Operations checked (failed ones are left out: they did not happen). */
  readonly operations: number;
  readonly partitions: number;
  /** Search steps taken, summed over partitions. */
  readonly explored: number;
  readonly elapsedMs: number;
  readonly budgetMs: number;
  /** For `illegal`: the longest linearizable prefix and the operation that cannot follow it. */
  readonly explanation?: IllegalExplanation;
  /** For `unknown`: the partitions not decided in time. */
  readonly undecided?: readonly (PartitionKey | undefined)[];
  /** For `unknown`: the deepest prefix reached, to show progress. */
  readonly progress?: IllegalExplanation;
  /** The verdict as a paragraph for people. */
  readonly message: string;
}

export const DEFAULT_BUDGET: Duration = "10s";

interface Partition {
  readonly key: PartitionKey | undefined;
  readonly calls: Call[];
}

/** Groups checkable calls by the model's partition key; one group when it has none. */
function partitionCalls<S>(calls: readonly Call[], model: Model<S>): Partition[] {
  const groups = new Map<PartitionKey | undefined, Call[]>();
  for (const call of calls) {
    if (call.status === "fail") continue; // certainly did not happen
    const input: ModelInput = { f: call.f, value: call.value };
    if (call.status !== "ok" && model.readOnly?.(input)) continue; // can never matter
    const key = model.partition ? model.partition(input) : undefined;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(call);
  }
  return [...groups].map(([key, group]) => ({ key, calls: group })).sort((a, b) => a.calls.length - b.calls.length);
}

function checkFunctions<S>(calls: readonly Call[], model: Model<S>): void {
  if (!model.functions) return;
  const known = new Set(model.functions);
  for (const call of calls) {
    if (!known.has(call.f)) {
      throw new FaultlineError({
        code: "FAULTLINE_HISTORY",
        message: `model ${model.name} has no operation "${call.f}" (op #${call.invoke.index}, process ${call.process})`,
        hint: `the model knows ${model.functions.join(", ")}; record operations under those names or define your own model`,
      });
    }
  }
}

/**
 * Checks that a history is linearizable with respect to `model`: that every operation can be
 * given a single instant between its invocation and its completion such that, in that order,
 * the model produces the results clients saw. `fail` operations are left out; `info` and
 * unfinished ones may take effect at any time after their invocation, or never.
 *
 * The search is Wing & Gong's with Lowe's cache, run separately for each of the model's
 * partitions (P-compositionality), and stops with `unknown` when `budget` is spent.
 */
export function checkLinearizable<S>(history: HistoryInput, model: Model<S>, options: LinearizabilityOptions = {}): LinearizabilityResult {
  if (!isModel(model as unknown)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      option: "model",
      message: `checkLinearizable expected a model such as models.casRegister(), received ${describeValue(model)}`,
      hint: "call the factory: models.casRegister(), not models.casRegister",
    });
  }
  const budgetMs = toMs(options.budget ?? DEFAULT_BUDGET, { option: "budget" });
  const started = monoNowNs();
  const deadlineNs = Number(started) + budgetMs * 1e6;
  const ops = operationsOf(history, "checkLinearizable");
  const calls = pairCalls(ops);
  checkFunctions(calls, model);
  const partitions = partitionCalls(calls, model);
  const checked = partitions.reduce((sum, p) => sum + p.calls.length, 0);
  const undecided: (PartitionKey | undefined)[] = [];
  let explored = 0;
  let progress: IllegalExplanation | undefined;
  const finish = (verdict: Verdict, extra: Partial<LinearizabilityResult>): LinearizabilityResult => {
    const base = {
      verdict,
      valid: verdict === "ok" ? true : verdict === "illegal" ? false : ("unknown" as const),
      model: model.name,
      operations: checked,
      partitions: partitions.length,
      explored,
      elapsedMs: Number(monoNowNs() - started) / 1e6,
      budgetMs,
      ...extra,
    };
    return { ...base, message: summarise(base) };
  };

  // Partitions take turns with doubling slices of time, as Porcupine checks them in parallel:
  // an illegal partition is found even when another one would take the whole budget.
  const searches = partitions.map((partition) => ({
    partition,
    ...startPartition(partition, model, options.quickSteps),
    explored: 0,
    last: undefined as SearchOutcome<S> | undefined,
  }));
  let open = searches;
  for (let sliceNs = FIRST_SLICE_NS; open.length > 0; sliceNs *= 2) {
    const still: typeof open = [];
    for (const s of open) {
      const outcome = s.run(Math.min(Number(monoNowNs()) + sliceNs, deadlineNs));
      s.explored = outcome.explored;
      s.last = outcome;
      if (outcome.verdict === "ok") continue;
      if (outcome.verdict === "illegal") {
        explored = searches.reduce((sum, x) => sum + x.explored, 0);
        return finish("illegal", { explanation: explainDeadEnd(model, s.partition.key, toChecked(s.partition.calls), outcome.deadEnd, s.inputs, s.outputs) });
      }
      still.push(s);
    }
    open = still;
    if (Number(monoNowNs()) >= deadlineNs) break;
  }
  explored = searches.reduce((sum, x) => sum + x.explored, 0);
  for (const s of open) {
    undecided.push(s.partition.key);
    const outcome = s.last;
    if (!progress && outcome?.verdict === "unknown" && outcome.deadEnd)
      progress = explainDeadEnd(model, s.partition.key, toChecked(s.partition.calls), outcome.deadEnd, s.inputs, s.outputs);
  }
  return undecided.length ? finish("unknown", { undecided, progress }) : finish("ok", {});
}

/** The first turn each partition gets; most finish within it. */
const FIRST_SLICE_NS = 2e6;

function inputsOf(calls: readonly Call[]): ModelInput[] {
  return calls.map((c) => ({ f: c.f, value: c.value }));
}

const UNKNOWN_OUTPUT: ModelOutput = Object.freeze({ known: false });

function outputsOf(calls: readonly Call[]): ModelOutput[] {
  return calls.map((c) => (c.status === "ok" ? { known: true, value: c.result } : UNKNOWN_OUTPUT));
}

function toChecked(calls: readonly Call[]): CheckedOperation[] {
  return calls.map((c) => ({
    process: c.process,
    f: c.f,
    value: c.value,
    status: c.status === "ok" ? "ok" : c.status === "info" ? "info" : "pending",
    result: c.result,
    invokeIndex: c.invoke.index,
    completeIndex: c.complete?.index,
  }));
}

function startPartition<S>(
  partition: Partition,
  model: Model<S>,
  quickSteps: number | undefined,
): { run: (deadlineNs: number) => SearchOutcome<S>; inputs: ModelInput[]; outputs: ModelOutput[] } {
  const calls = partition.calls;
  const inputs = inputsOf(calls);
  const outputs = outputsOf(calls);
  const run = startSearch({
    model,
    inputs,
    outputs,
    calledAt: calls.map((c) => c.invoke.index),
    returnedAt: calls.map((c) => (c.status === "ok" ? c.complete!.index : Infinity)),
    quickSteps,
  });
  return { run, inputs, outputs };
}
