import { formatMs } from "../../common/duration";
import { formatValue } from "../describe";
import type { Model, ModelInput, ModelOutput, PartitionKey } from "../models/model";
import type { DeadEnd } from "./search";

/** An operation as the linearizability checker saw it: invocation and result together. */
export interface CheckedOperation {
  readonly process: number;
  readonly f: string;
  /** The invoked value. */
  readonly value: unknown;
  /** `info` and `pending` (never returned) may have happened at any time, or never. */
  readonly status: "ok" | "info" | "pending";
  /** The `ok` result; undefined for indeterminate operations. */
  readonly result: unknown;
  readonly invokeIndex: number;
  readonly completeIndex: number | undefined;
}

/** One operation of the linearizable prefix and the state it left. */
export interface LinearizedStep {
  readonly op: CheckedOperation;
  readonly state: string;
}

/** An operation that could have gone next instead, and why it did not help. */
export interface Candidate {
  readonly op: CheckedOperation;
  readonly reason: string;
}

/** Why a history is not linearizable, in terms a person can check by hand. */
export interface IllegalExplanation {
  /** The partition (key) the problem is in; undefined for unpartitioned models. */
  readonly key: PartitionKey | undefined;
  /** Operations in that partition. */
  readonly partitionSize: number;
  /** The longest linearizable prefix the search found, in linearization order. */
  readonly prefix: readonly LinearizedStep[];
  /** The model's state after the prefix. */
  readonly state: string;
  /** The operation that returned before any order could place it. */
  readonly blocked: CheckedOperation;
  /** What the blocked operation needed, against what the model had. */
  readonly reason: string;
  /** Operations concurrent with the blocked one that could have gone first (a few). */
  readonly candidates: readonly Candidate[];
  /** How many more candidates there were than listed. */
  readonly otherCandidates: number;
  /** All of the above as lines for people. */
  readonly text: string;
}

const PREFIX_SHOWN = 8;

/** `#117 p0 read nil → 4`, `#115 p2 cas [1, 3] → ? (info)`. */
export function describeChecked(op: CheckedOperation): string {
  const result = op.status === "ok" ? formatValue(op.result) : op.status === "info" ? "? (info: may or may not have happened)" : "? (never returned)";
  const when = op.completeIndex !== undefined ? `#${op.invokeIndex}–#${op.completeIndex}` : `#${op.invokeIndex}–`;
  return `${when} p${op.process} ${op.f} ${formatValue(op.value)} → ${result}`;
}

function whyNot<S>(model: Model<S>, state: S, input: ModelInput, output: ModelOutput): string {
  const step = model.step(state, input, output);
  if (!step.ok) return model.explain?.(state, input, output) ?? `the model rejects it in state ${model.describe(state)}`;
  return `it fits state ${model.describe(state)} (→ ${model.describe(step.state)}), but every order continuing from there fails`;
}

/** Replays the dead end's prefix through the model and words it. */
export function explainDeadEnd<S>(
  model: Model<S>,
  key: PartitionKey | undefined,
  ops: readonly CheckedOperation[],
  deadEnd: DeadEnd<S>,
  inputs: readonly ModelInput[],
  outputs: readonly ModelOutput[],
): IllegalExplanation {
  let state = model.init();
  const prefix: LinearizedStep[] = [];
  for (const i of deadEnd.prefix) {
    const step = model.step(state, inputs[i]!, outputs[i]!);
    if (step.ok) state = step.state;
    prefix.push({ op: ops[i]!, state: model.describe(state) });
  }
  const blocked = ops[deadEnd.blocked]!;
  const reason = whyNot(model, deadEnd.state, inputs[deadEnd.blocked]!, outputs[deadEnd.blocked]!);
  const candidates = deadEnd.candidates.map((i) => ({ op: ops[i]!, reason: whyNot(model, deadEnd.state, inputs[i]!, outputs[i]!) }));
  const otherCandidates = deadEnd.candidateCount - candidates.length;
  const stateText = model.describe(deadEnd.state);

  const lines: string[] = [];
  const shown = prefix.slice(-PREFIX_SHOWN);
  const keyText = key === undefined ? "" : ` of key ${formatValue(key)}`;
  lines.push(
    `The longest linearizable prefix has ${prefix.length} of ${ops.length} operations${keyText}${prefix.length > shown.length ? `; the last ${shown.length}` : ""}:`,
  );
  if (prefix.length === 0) lines.push(`  (none: the very first operations cannot be ordered from the initial state ${model.describe(model.init())})`);
  for (const step of shown) lines.push(`  ${describeChecked(step.op)}   state → ${step.state}`);
  lines.push(`Then this operation cannot be placed, and it returned before any order could place it:`);
  lines.push(`  ${describeChecked(blocked)}`);
  lines.push(`  ${reason}`);
  if (candidates.length) {
    lines.push(`Operations concurrent with it that could have gone first do not help:`);
    for (const c of candidates) lines.push(`  ${describeChecked(c.op)}: ${c.reason}`);
    if (otherCandidates > 0) lines.push(`  … and ${otherCandidates} more`);
  }
  return { key, partitionSize: ops.length, prefix, state: stateText, blocked, reason, candidates, otherCandidates, text: lines.join("\n") };
}

interface Summary {
  verdict: "ok" | "illegal" | "unknown";
  model: string;
  operations: number;
  partitions: number;
  explored: number;
  elapsedMs: number;
  budgetMs: number;
  explanation?: IllegalExplanation;
  undecided?: readonly unknown[];
  progress?: IllegalExplanation;
}

/** The verdict as a paragraph. */
export function summarise(result: Summary): string {
  const parts = result.partitions === 1 ? "" : ` in ${result.partitions} partitions`;
  const scope = `${result.operations} operations${parts}, model ${result.model}, ${formatMs(result.elapsedMs)}`;
  switch (result.verdict) {
    case "ok":
      return `linearizable (${scope})`;
    case "illegal":
      return `not linearizable (${scope})\n${result.explanation!.text}`;
    case "unknown": {
      let text = `unknown: the budget of ${formatMs(result.budgetMs)} ran out before ${result.undecided!.length} of ${result.partitions} partitions were decided (${scope}, ${result.explored} search steps)`;
      if (result.progress) text += `\nFurthest point reached so far: ${result.progress.prefix.length} of ${result.progress.partitionSize} operations placed.`;
      return `${text}\nGive the check a larger budget, or record a shorter or less concurrent history.`;
    }
  }
}
