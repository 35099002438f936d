import { formatValue } from "../describe";
import { REJECT, accept, defineModel, type Model, type StepResult } from "./model";

/** A set state: the JSON of each element, sorted, so equal sets are equal arrays. */
export type SetState = readonly string[];

/** @internal The canonical key of an element. */
export function elementKey(element: unknown): string {
  return element === undefined ? "null" : (JSON.stringify(element) ?? "null");
}

/** @internal Sorted, de-duplicated keys of a collection result. */
export function sortedKeys(values: unknown): string[] | undefined {
  if (!Array.isArray(values) && !(values instanceof Set)) return undefined;
  return [...new Set(Array.from(values as Iterable<unknown>, elementKey))].sort();
}

function insert(state: SetState, key: string): StepResult<SetState> {
  let lo = 0;
  let hi = state.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (state[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  if (state[lo] === key) return accept(state);
  return accept([...state.slice(0, lo), key, ...state.slice(lo)]);
}

function equalKeys(a: SetState, b: SetState): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** @internal `#{1 2 3}` */
export function describeKeys(state: SetState): string {
  return formatValue(`#{${state.join(" ")}}`, 80)
    .replace(/^"|"$/g, "")
    .replace(/\\"/g, '"');
}

/**
 * A grow-only set. Operations: `add` (invoke with the element) and `read` (returns every
 * element, as an array or a Set, in any order).
 */
export function set(): Model<SetState> {
  return defineModel<SetState>({
    name: "set",
    init: () => [],
    step: (state, input, output) => {
      if (input.f === "add") return insert(state, elementKey(input.value));
      if (input.f === "read") {
        if (!output.known) return accept(state);
        const keys = sortedKeys(output.value);
        return keys && equalKeys(keys, state) ? accept(state) : REJECT;
      }
      return REJECT;
    },
    equal: equalKeys,
    describe: describeKeys,
    explain: (state, input, output) => {
      if (input.f !== "read" || !output.known) return undefined;
      const keys = sortedKeys(output.value) ?? [];
      const missing = state.filter((k) => !keys.includes(k));
      const extra = keys.filter((k) => !state.includes(k));
      return `the read ${missing.length ? `misses ${missing.join(", ")}` : ""}${missing.length && extra.length ? " and " : ""}${extra.length ? `has ${extra.join(", ")}, not yet added` : ""}`;
    },
    functions: ["add", "read"],
    readOnly: (input) => input.f === "read",
  });
}
