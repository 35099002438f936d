import { parseFailpointTerms, type FailpointAction, type FailpointTerm } from "./term-parser";

/** Options of {@link enableFailpoint}. */
export interface EnableOptions {
  /** Random source in [0, 1) for `%` terms; pass a seeded one for reproducible runs. Default Math.random. */
  random?: () => number;
}

/** A failpoint as listed by {@link listFailpoints}. */
export interface FailpointStatus {
  readonly name: string;
  readonly terms: string;
  /** Evaluations that ran an action other than `off` since the terms were set. */
  readonly count: number;
}

type Modifier = { kind: "probability"; p: number } | { kind: "count"; remaining: number };

interface CompiledTerm {
  readonly modifiers: Modifier[];
  readonly action: FailpointAction;
}

/** @internal One enabled failpoint with its mutable evaluation state. */
export interface ActiveFailpoint {
  readonly name: string;
  readonly terms: string;
  readonly chain: readonly CompiledTerm[];
  readonly random: () => number;
  count: number;
  /** Evaluations suspended by `pause`, resumed when the failpoint is set again or disabled. */
  readonly paused: Set<() => void>;
}

/** @internal Process-wide failpoint state. */
export interface FailpointState {
  readonly points: Map<string, ActiveFailpoint>;
  /** Counts survive `disable` so a test can read them after healing. */
  readonly lastCounts: Map<string, number>;
  environmentLoaded: boolean;
  server?: unknown;
}

// Kept on globalThis so two copies of this module (dist and src, or a duplicated install) share
// one set of failpoints: the code under test and the test must see the same switches.
const STATE_KEY = Symbol.for("faultline.failpoints");
const holder = globalThis as unknown as Record<symbol, FailpointState | undefined>;

/** @internal */
export const state: FailpointState = (holder[STATE_KEY] ??= {
  points: new Map(),
  lastCounts: new Map(),
  environmentLoaded: false,
});

/** Sets `name` to the given terms (replacing any previous ones and resetting its count). */
export function enableFailpoint(name: string, terms: string, options: EnableOptions = {}): void {
  const chain = parseFailpointTerms(terms, name).map(compile);
  resumePaused(name);
  state.points.set(name, {
    name,
    terms: terms.trim(),
    chain,
    random: options.random ?? Math.random,
    count: 0,
    paused: new Set(),
  });
  state.lastCounts.delete(name);
}

/** Turns `name` off. Returns false when it was not enabled. */
export function disableFailpoint(name: string): boolean {
  const point = state.points.get(name);
  if (point === undefined) return false;
  resumePaused(name);
  state.points.delete(name);
  state.lastCounts.set(name, point.count);
  return true;
}

/** Turns every failpoint off. */
export function disableAllFailpoints(): void {
  for (const name of [...state.points.keys()]) disableFailpoint(name);
}

/** The terms `name` is set to, or undefined when it is off. */
export function failpointTerms(name: string): string | undefined {
  return state.points.get(name)?.terms;
}

/**
 * How many evaluations of `name` ran an action other than `off` since it was last enabled
 * (still readable after it is disabled); undefined when it was never enabled.
 */
export function failpointCount(name: string): number | undefined {
  return state.points.get(name)?.count ?? state.lastCounts.get(name);
}

/** Enabled failpoints, sorted by name. */
export function listFailpoints(): FailpointStatus[] {
  return [...state.points.values()].map(({ name, terms, count }) => ({ name, terms, count })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * @internal Walks the chain and returns the action of the first term every modifier allows,
 * or undefined when none does.
 */
export function evaluate(point: ActiveFailpoint): FailpointAction | undefined {
  for (const term of point.chain) {
    if (!allows(term, point.random)) continue;
    if (term.action.type !== "off") point.count++;
    return term.action;
  }
  return undefined;
}

function allows(term: CompiledTerm, random: () => number): boolean {
  for (const modifier of term.modifiers) {
    if (modifier.kind === "probability") {
      if (random() * 100 >= modifier.p) return false;
    } else {
      if (modifier.remaining <= 0) return false;
      modifier.remaining--;
    }
  }
  return true;
}

function compile(term: FailpointTerm): CompiledTerm {
  return {
    action: term.action,
    modifiers: term.modifiers.map((m): Modifier => (m.type === "probability" ? { kind: "probability", p: m.percent } : { kind: "count", remaining: m.times })),
  };
}

function resumePaused(name: string): void {
  const point = state.points.get(name);
  if (point === undefined) return;
  for (const resume of point.paused) resume();
  point.paused.clear();
}
