import { pairCalls, type Operation } from "../../../../src/history";

/** An independent sequential specification: the next state, or undefined if illegal. */
export type Spec<S> = (state: S, f: string, value: unknown, result: { known: boolean; value?: unknown }) => S | undefined;

/** Jepsen cas-register semantics, written separately from src/ on purpose. */
export const casRegisterSpec: Spec<unknown> = (state, f, value, result) => {
  const eq = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);
  if (f === "read") return !result.known || eq(result.value, state) ? state : undefined;
  if (f === "write") return value;
  if (f === "cas") {
    const [expected, next] = value as [unknown, unknown];
    if (result.known && result.value === false) return eq(state, expected) ? undefined : state;
    return eq(state, expected) ? next : undefined;
  }
  throw new Error(`unknown f ${f}`);
};

/**
 * Tries every order of the operations that respects real time (an operation that returned
 * before another was invoked comes first); indeterminate operations may be left out. Only
 * for small histories: it is exponential.
 */
export function bruteForceLinearizable<S>(ops: readonly Operation[], spec: Spec<S>, initial: S): boolean {
  const calls = pairCalls(ops).filter((c) => c.status !== "fail");
  const n = calls.length;
  const calledAt = calls.map((c) => c.invoke.index);
  const returnedAt = calls.map((c) => (c.status === "ok" ? c.complete!.index : Infinity));
  const placed = new Array<boolean>(n).fill(false);
  const mustPlace = calls.filter((c) => c.status === "ok").length;

  const visit = (state: S, placedOk: number): boolean => {
    if (placedOk === mustPlace) return true;
    for (let i = 0; i < n; i++) {
      if (placed[i]) continue;
      // Every unplaced operation that returned before i was invoked would have to come first.
      let allowed = true;
      for (let j = 0; j < n && allowed; j++) if (!placed[j] && j !== i && returnedAt[j]! < calledAt[i]!) allowed = false;
      if (!allowed) continue;
      const call = calls[i]!;
      const next = spec(state, call.f, call.value, call.status === "ok" ? { known: true, value: call.result } : { known: false });
      if (next === undefined) continue;
      placed[i] = true;
      const ok = visit(next, placedOk + (call.status === "ok" ? 1 : 0));
      placed[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return visit(initial, 0);
}

/** Per-key string values, a missing key reading as "" (Porcupine's store), written separately from src/. */
export const kvSpec: Spec<Readonly<Record<string, string>>> = (state, f, value, result) => {
  const [key, arg] = value as [string, string | null];
  const current = state[key] ?? "";
  if (f === "get") {
    if (!result.known) return state;
    const read = result.value as [string, string] | string;
    return (Array.isArray(read) ? read[1] : read) === current ? state : undefined;
  }
  if (f === "put") return { ...state, [key]: arg! };
  if (f === "append") return { ...state, [key]: current + arg! };
  throw new Error(`unknown f ${f}`);
};
