import { FaultlineError } from "../common/errors";
import { timers } from "../common/timers";
import { evaluate, state, type ActiveFailpoint } from "./failpoint-registry";
import type { FailpointAction } from "./term-parser";

// One shared settled promise: a disabled failpoint allocates nothing.
const NOTHING: Promise<undefined> = Promise.resolve(undefined);
const points = state.points;

/**
 * A named point in the code under test where a test can inject a failure.
 *
 * ```ts
 * const forced = await failpoint<number>("cas.put");
 * if (forced !== undefined) throw new Error(`injected: ${forced}`);
 * ```
 *
 * Resolves to `undefined` when the failpoint is off (the cost is one `Map.size` check and one
 * already-settled promise), to `v` for `return(v)` (`true` for a bare `return`), after the delay
 * for `sleep(ms)`, and only once the failpoint is set again or disabled for `pause`. `panic(msg)`
 * rejects with a FAULTLINE_FAILPOINT error: a failpoint must not take the whole process down the
 * way a Go panic or a Rust thread panic would, so the code under test sees an exception it can let
 * propagate. `print(msg)` writes a line to stderr and resolves to `undefined`.
 *
 * `T` is a cast for the caller's convenience: the value is whatever the test wrote in `return(…)`.
 */
export function failpoint<T = unknown>(name: string): Promise<T | undefined> {
  if (points.size === 0) return NOTHING;
  const point = points.get(name);
  if (point === undefined) return NOTHING;
  const action = evaluate(point);
  if (action === undefined) return NOTHING;
  switch (action.type) {
    case "off":
      return NOTHING;
    case "return":
      return Promise.resolve(action.value as T);
    case "sleep":
      // A referenced timer on purpose: a process must not exit halfway through an injected delay.
      return new Promise((resolve) => timers.setTimeout(() => resolve(undefined), action.ms));
    case "pause":
      return new Promise((resolve) => point.paused.add(() => resolve(undefined)));
    case "panic":
      return Promise.reject(panicError(point, action));
    case "print":
      print(point, action);
      return NOTHING;
  }
}

/**
 * The synchronous twin of {@link failpoint}, for code that cannot await. `sleep(ms)` blocks the
 * whole thread (as gofail's does) with `Atomics.wait`; `pause` cannot be honoured without
 * blocking forever, so it throws FAULTLINE_FAILPOINT.
 */
export function failpointSync<T = unknown>(name: string): T | undefined {
  if (points.size === 0) return undefined;
  const point = points.get(name);
  if (point === undefined) return undefined;
  const action = evaluate(point);
  if (action === undefined) return undefined;
  switch (action.type) {
    case "off":
      return undefined;
    case "return":
      return action.value as T;
    case "sleep":
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, action.ms);
      return undefined;
    case "pause":
      throw new FaultlineError({
        code: "FAULTLINE_FAILPOINT",
        message: `failpoint "${point.name}" is set to pause, which failpointSync() cannot do without blocking the thread forever`,
        hint: "use `await failpoint(name)` where the code can await, or a sleep(<ms>) term here",
      });
    case "panic":
      throw panicError(point, action);
    case "print":
      print(point, action);
      return undefined;
  }
}

function panicError(point: ActiveFailpoint, action: Extract<FailpointAction, { type: "panic" }>): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_FAILPOINT",
    message: `failpoint "${point.name}" panicked${action.message !== undefined ? `: ${action.message}` : ""}`,
    hint: `it is set to "${point.terms}"; disable it (failpoints.disable, or DELETE /${point.name}) to stop it`,
  });
}

function print(point: ActiveFailpoint, action: Extract<FailpointAction, { type: "print" }>): void {
  process.stderr.write(`failpoint print: ${point.name}${action.message !== undefined ? `: ${action.message}` : ""}\n`);
}
