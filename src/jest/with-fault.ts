import { FaultlineError, describeValue } from "../common/errors";
import { toMs, type Duration } from "../common/duration";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import type { ActiveFault, Fault } from "../cluster/fault";
import { faultFrom, type FaultKind, type FaultOptionsByKind } from "../faults/catalog";
import { fileState } from "./file-state";
import { describeClusters } from "./file-lifecycle";
import { InProcessScope } from "./in-process-scope";
import { playFaults, timingOf, type FaultTiming, type TimedFault } from "./fault-timing";

export interface WithFaultOptions {
  /** Which of the file's clusters (needed when the file has several). */
  cluster?: string;
  /** After healing, assert the cluster recovers within this budget. */
  recoverWithin?: Duration;
  /** How long to wait for steady state before applying. Default "10s". */
  steadyTimeout?: Duration;
}

type TestFn<A extends unknown[]> = (...args: A) => unknown;
/**
 * One fault of `withFaults`: a fault object, a kind, or a kind with its options — and, third,
 * when it holds: `["kill", { node: "n1" }, { after: "1s", for: "2s" }]` (see {@link FaultTiming}).
 */
export type FaultSpec =
  Fault | FaultKind | { [K in FaultKind]: readonly [K, FaultOptionsByKind[K]?] | readonly [K, FaultOptionsByKind[K] | undefined, FaultTiming] }[FaultKind];

export function pickCluster(name: string | undefined, kinds: string[]): FaultlineCluster | undefined {
  const state = fileState();
  if (!state) return undefined;
  if (name !== undefined) {
    const cluster = state.clusters.get(name);
    if (!cluster) {
      throw new FaultlineError({
        code: "FAULTLINE_UNKNOWN_CLUSTER",
        message: `withFault names cluster "${name}", which this file did not provision (it has ${[...state.clusters.keys()].join(", ") || "none"})`,
        hint: "add it to the file's @cluster docblock or call useCluster()",
        cluster: name,
      });
    }
    return cluster;
  }
  if (state.clusters.size > 1) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `this file has ${state.clusters.size} clusters (${[...state.clusters.keys()].join(", ")}); withFault(${kinds.join(", ")}) needs to know which`,
      hint: 'pass { cluster: "name" } in the options',
      option: "cluster",
    });
  }
  return state.clusters.values().next().value;
}

/** Fails with FAULTLINE_NOT_STEADY rather than blaming the fault for a cluster that was already unwell. */
export async function requireSteadyState(cluster: FaultlineCluster, timeout: Duration): Promise<void> {
  try {
    await cluster.waitUntilHealthy(timeout);
  } catch (error) {
    throw new FaultlineError({
      code: "FAULTLINE_NOT_STEADY",
      message: `cluster was not in steady state before the fault: ${(error as Error).message.split("\n")[0]}`,
      hint: "an earlier test or hook left it unhealthy, or its `healthy` probe is too strict; the fault was not applied",
      cluster: cluster.name,
      details: cluster.describeState(),
    });
  }
}

export function claim(cluster: FaultlineCluster | undefined): () => void {
  const state = fileState();
  if (!cluster || !state) return () => undefined;
  // Concurrent tests start before their beforeEach hooks run, so their names may be unknown.
  const test = state.current?.name ?? "a concurrent test";
  const owner = state.faultOwners.get(cluster.name);
  if (owner !== undefined) {
    throw new FaultlineError({
      code: "FAULTLINE_CONCURRENT_FAULTS",
      message: `${test.startsWith("a concurrent") ? test : `"${test}"`} tried to fault cluster "${cluster.name}" while ${owner.startsWith("a concurrent") ? "another test" : `"${owner}"`} is faulting it`,
      hint: "faulted tests share the cluster, so they cannot run concurrently: use test(), not test.concurrent(), for them",
      cluster: cluster.name,
    });
  }
  state.faultOwners.set(cluster.name, test);
  return () => state.faultOwners.delete(cluster.name);
}

/**
 * Checks withFault's own options when the test is collected: `recoverWithin: "5x"` used to fail
 * only after the fault had run, and then as a failure of the test rather than of its definition.
 */
function checkWithFaultOptions(caller: string, options: WithFaultOptions): void {
  if (options.cluster !== undefined && (typeof options.cluster !== "string" || options.cluster === "")) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `${caller} option cluster must be a cluster name, received ${describeValue(options.cluster)}`,
      hint: 'e.g. { cluster: "etcd" }, a name from the file\'s @cluster docblock',
      option: `${caller}.cluster`,
    });
  }
  if (options.recoverWithin !== undefined) toMs(options.recoverWithin, { option: `${caller}.recoverWithin` });
  if (options.steadyTimeout !== undefined) toMs(options.steadyTimeout, { option: `${caller}.steadyTimeout`, positive: true });
}

const WITH_FAULT_KEYS = ["cluster", "recoverWithin", "steadyTimeout"];

function faultsOf(specs: readonly FaultSpec[]): TimedFault[] {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `withFaults needs a non-empty list of faults, received ${describeValue(specs)}`,
      hint: 'e.g. withFaults([["kill", { node: "n1" }], "partition"], fn)',
      option: "withFaults.faults",
    });
  }
  return specs.map((spec, i) => {
    if (!isKindWithOptions(spec)) return { fault: faultFrom(spec), afterMs: 0 };
    const fault = faultFrom(spec[0], spec[1]);
    return spec.length > 2 ? { fault, ...timingOf(spec[2], `withFaults.faults[${i}][2]`) } : { fault, afterMs: 0 };
  });
}

async function run<A extends unknown[]>(list: readonly TimedFault[], options: WithFaultOptions, fn: TestFn<A>, args: A): Promise<void> {
  const cluster = pickCluster(
    options.cluster,
    list.map((f) => f.fault.kind),
  );
  const release = claim(cluster);
  const applied: ActiveFault[] = [];
  let failure: unknown;
  const inject = async (fault: Fault): Promise<ActiveFault> => {
    if (cluster) return cluster.inject(fault);
    // No cluster tracks it: the file's in-process scope does, for the report, and so that a
    // body that outlives Jest's timeout cannot leave it active for the next test.
    const state = fileState();
    if (!state) return fault.apply(undefined, { id: `${fault.kind}-inproc`, random: Math.random });
    if (!state.inProcess) {
      state.inProcess = new InProcessScope();
      if (state.current) state.inProcess.timeline.record({ type: "test", phase: "start", name: state.current.name });
    }
    return state.inProcess.inject(fault);
  };
  try {
    if (cluster) await requireSteadyState(cluster, options.steadyTimeout ?? "10s");
    await playFaults(list, inject, applied, () => fn(...args));
  } catch (error) {
    failure = error;
    const state = fileState();
    if (state) state.failureSnapshot = describeClusters(state);
  } finally {
    for (const fault of applied.reverse()) {
      try {
        await fault.heal();
      } catch (error) {
        failure ??= error;
      }
    }
    release();
  }
  if (failure) throw withScheduleSeed(failure, applied);
  if (options.recoverWithin !== undefined && cluster) {
    // Required here, not at the top: @jest/globals throws when loaded outside a test file, and
    // this module is part of the public entry that the CLI loads too.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { expect } = require("@jest/globals") as typeof import("@jest/globals");
    await (expect(cluster) as unknown as { toRecoverWithin(d: Duration): Promise<void> }).toRecoverWithin(options.recoverWithin);
  }
}

function isKindWithOptions(spec: FaultSpec): spec is Extract<FaultSpec, readonly unknown[]> {
  return Array.isArray(spec);
}

function withScheduleSeed(error: unknown, applied: ActiveFault[]): unknown {
  const seeds = applied.flatMap((f) => ("seed" in f ? [(f as unknown as { seed: number }).seed] : []));
  if (seeds.length && error instanceof Error && !error.message.includes("replay with seed")) {
    error.message += `\n\nfaultline: fault schedule seed ${seeds.join(", ")} — replay with seed: ${seeds[0]}`;
  }
  return error;
}

/**
 * A test function that applies a fault before `fn` and heals it after — whether `fn` passes,
 * throws, or times out (the environment heals then too):
 *
 * ```ts
 * test("writes survive", withFault("partition", { isolate: "leader" }, async () => { … }));
 * ```
 */
export function withFault<K extends FaultKind, A extends unknown[]>(
  kind: K,
  options: FaultOptionsByKind[K] & WithFaultOptions,
  fn: TestFn<A>,
): (...args: A) => Promise<void>;
export function withFault<A extends unknown[]>(kind: Fault, options: WithFaultOptions, fn: TestFn<A>): (...args: A) => Promise<void>;
export function withFault<A extends unknown[]>(kind: FaultKind | Fault, fn: TestFn<A>): (...args: A) => Promise<void>;
export function withFault<A extends unknown[]>(
  kind: FaultKind | Fault,
  second: (object & WithFaultOptions) | TestFn<A>,
  third?: TestFn<A>,
): (...args: A) => Promise<void> {
  const fn = typeof second === "function" ? second : third;
  const options = typeof second === "function" ? {} : (second ?? {});
  if (typeof fn !== "function") {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: "withFault(kind, options, fn) needs the test body as its last argument",
      hint: 'e.g. test("…", withFault("kill", { node: "leader" }, async () => { … }))',
      option: "fn",
    });
  }
  const { cluster, recoverWithin, steadyTimeout, ...faultOptions } = options;
  checkWithFaultOptions("withFault", { cluster, recoverWithin, steadyTimeout });
  if (typeof kind === "object" && kind !== null && Object.keys(faultOptions).length > 0) {
    // faultFrom passes a fault object through: its options were fixed when it was made, and these would be ignored.
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `withFault(fault, options, fn) takes only ${WITH_FAULT_KEYS.join(", ")} with a fault object, received ${Object.keys(faultOptions)
        .map((k) => JSON.stringify(k))
        .join(", ")}`,
      hint: `give the fault its options where it is made, e.g. withFault(faults.${kind.kind}({ … }), fn), or pass its kind: withFault("${kind.kind}", { … }, fn)`,
      option: `withFault.${Object.keys(faultOptions)[0]!}`,
    });
  }
  const fault = faultFrom(kind, faultOptions); // validated now, so a typo fails at collection time
  // Length 0 on purpose: Jest reads a test function's arity to decide whether it takes `done`.
  return function faulted(this: unknown) {
    // eslint-disable-next-line prefer-rest-params
    return run([{ fault, afterMs: 0 }], { cluster, recoverWithin, steadyTimeout }, fn, [...arguments] as unknown as A);
  } as (...args: A) => Promise<void>;
}

/** Several faults at once, applied in order and healed in reverse. */
export function withFaults<A extends unknown[]>(
  specs: readonly FaultSpec[],
  options: WithFaultOptions | TestFn<A>,
  fn?: TestFn<A>,
): (...args: A) => Promise<void> {
  const body = typeof options === "function" ? options : fn;
  const opts = typeof options === "function" ? {} : (options ?? {});
  if (typeof body !== "function") {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: "withFaults(faults, options, fn) needs the test body as its last argument",
      hint: 'e.g. test("…", withFaults([["kill", { node: "n1" }], "partition"], async () => { … }))',
      option: "fn",
    });
  }
  // Checked now, as withFault does, so a typo fails when the file is collected.
  const list = faultsOf(specs);
  if (typeof opts !== "object") {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `withFaults options must be an object, received ${describeValue(opts)}`,
      hint: 'e.g. { recoverWithin: "20s" }',
      option: "withFaults.options",
    });
  }
  const unknown = Object.keys(opts).find((key) => !WITH_FAULT_KEYS.includes(key));
  if (unknown !== undefined) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `withFaults has no option ${JSON.stringify(unknown)}; its options are ${WITH_FAULT_KEYS.join(", ")}`,
      hint: 'fault options go with each fault: withFaults([["kill", { node: "n1" }]], fn)',
      option: `withFaults.${unknown}`,
    });
  }
  checkWithFaultOptions("withFaults", opts);
  return function faulted(this: unknown) {
    // eslint-disable-next-line prefer-rest-params
    return run(list, opts, body, [...arguments] as unknown as A);
  } as (...args: A) => Promise<void>;
}
