/**
 * `faultline/failpoints`: named failure switches compiled into the code under test, set from a
 * test, from the environment or over HTTP (gofail-compatible). Imported by services, so it loads
 * nothing but Node built-ins and faultline's error type.
 *
 * ```ts
 * import { failpoint } from "faultline/failpoints";
 * if ((await failpoint("cas.put")) !== undefined) throw new Error("injected CAS failure");
 * ```
 */
import { loadEnvironment } from "./environment";
import { disableAllFailpoints, disableFailpoint, enableFailpoint, failpointCount, failpointTerms, listFailpoints } from "./failpoint-registry";
import { serveFailpoints } from "./failpoint-server";
import { parseFailpointList, parseFailpointTerms } from "./term-parser";

export { failpoint, failpointSync } from "./failpoint";
export type { EnableOptions, FailpointStatus } from "./failpoint-registry";
export type { FailpointServer, FailpointServerOptions } from "./failpoint-server";
export type { FailpointAction, FailpointModifier, FailpointTerm, FailpointValue } from "./term-parser";
export { FAILPOINT_GRAMMAR } from "./term-parser";

/** Programmatic control of this process's failpoints. */
export const failpoints = {
  /** Sets `name` to `terms` (e.g. `"50%return(1)"`), resetting its count; throws FAULTLINE_FAILPOINT on a bad term. */
  enable: enableFailpoint,
  /** Turns `name` off; returns false when it was not on. */
  disable: disableFailpoint,
  /** Turns every failpoint off. */
  disableAll: disableAllFailpoints,
  /** Enabled failpoints with their terms and counts, sorted by name. */
  list: listFailpoints,
  /** The terms `name` is set to, or undefined. */
  terms: failpointTerms,
  /** Evaluations of `name` that ran an action other than `off` since it was enabled; undefined if never enabled. */
  count: failpointCount,
  /** Starts the gofail-compatible HTTP endpoint (what FAULTLINE_FAILPOINTS_HTTP does at load). */
  serve: serveFailpoints,
  /** Parses terms without enabling them (throws FAULTLINE_FAILPOINT naming the bad part). */
  parse: parseFailpointTerms,
  /** Parses `a=terms;b=terms`. */
  parseList: parseFailpointList,
} as const;

// Its own rejection handler crashes the process, as gofail exits when it cannot listen.
void loadEnvironment();
