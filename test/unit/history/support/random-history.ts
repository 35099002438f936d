import * as fc from "fast-check";
import type { NewOperation, Operation } from "../../../../src/history";

/** One scheduling decision: which process acts, and two small numbers that pick what it does. */
export type Step = readonly [process: number, a: number, b: number];

interface InFlight {
  f: string;
  value: unknown;
  applied: boolean;
  result?: unknown;
  /** For cas: whether the compare matched when it was applied. */
  matched?: boolean;
}

/**
 * Simulates clients of a real (linearizable) register and records what they saw: each
 * operation takes effect at one instant between its invocation and completion, or (when it ends
 * info or never returns) possibly never. Then, when `corrupt` is set, an ok read lies, which
 * usually (not always) makes the history non-linearizable.
 */
export function simulate(steps: readonly Step[], options: { cas: boolean; maxOps: number; corrupt: number | undefined }): Operation[] {
  const ops: NewOperation[] = [];
  let register: unknown = null;
  let started = 0;
  const flight = new Map<number, InFlight>();
  const processOf = new Map<number, number>();
  let nextProcess = 3;
  for (const [p, a, b] of steps) {
    const process = processOf.get(p) ?? p;
    const op = flight.get(p);
    if (!op) {
      if (started >= options.maxOps) continue;
      started++;
      const kind = a % (options.cas ? 3 : 2);
      const next: InFlight =
        kind === 0
          ? { f: "read", value: null, applied: false }
          : kind === 1
            ? { f: "write", value: b % 3, applied: false }
            : { f: "cas", value: [a % 3, b % 3], applied: false };
      flight.set(p, next);
      ops.push({ process, type: "invoke", f: next.f, value: next.value });
      continue;
    }
    if (!op.applied && b % 5 < 3) {
      op.applied = true;
      if (op.f === "read") op.result = register;
      else if (op.f === "write") register = op.value;
      else {
        const [expected, value] = op.value as [number, number];
        op.matched = register === expected;
        if (op.matched) register = value;
      }
      continue;
    }
    const complete = (type: "ok" | "fail" | "info", value: unknown): void => {
      ops.push({ process, type, f: op.f, value });
      flight.delete(p);
      if (type === "info") processOf.set(p, nextProcess++);
    };
    if (!op.applied) {
      // Not applied: it may end info (and maybe take effect never), or fail.
      if (b % 5 === 3) complete("info", op.value);
      else complete("fail", op.value);
      continue;
    }
    if (a % 4 === 3) complete("info", op.value);
    else if (op.f === "cas" && !op.matched) complete(a % 2 ? "fail" : "ok", a % 2 ? op.value : false);
    else complete("ok", op.f === "read" ? op.result : op.value);
  }
  const result = ops.map((op, index) => ({ ...op, index }) as Operation);
  if (options.corrupt !== undefined) {
    const reads = result.filter((op) => op.type === "ok" && op.f === "read");
    if (reads.length) {
      const target = reads[options.corrupt % reads.length]!;
      (target as { value: unknown }).value = ((target.value as number | null) ?? -1) + 1;
    }
  }
  return result;
}

/** Arbitrary small histories of 3 processes, with or without cas, sometimes corrupted. */
export function arbitraryHistory(cas: boolean, maxOps = 8): fc.Arbitrary<Operation[]> {
  return fc
    .record({
      steps: fc.array(fc.tuple(fc.nat(2), fc.nat(11), fc.nat(9)), { minLength: 1, maxLength: 40 }),
      corrupt: fc.option(fc.nat(10), { nil: undefined }),
    })
    .map(({ steps, corrupt }) => simulate(steps, { cas, maxOps, corrupt }));
}
