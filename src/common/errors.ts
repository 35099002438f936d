/**
 * Every error faultline throws. Each carries a stable `code` (`FAULTLINE_*`), says what failed and
 * where (cluster, node, option), and gives a `hint` saying what to do about it.
 *
 * Jest gives every test file its own module registry, so `instanceof` fails across registries:
 * use {@link isFaultlineError}, which checks a global symbol instead.
 */
const MARK = Symbol.for("faultline.error");

/**
 * Every code faultline throws, what it means, and the hint an error gets when its throw site has
 * no more specific one. README's error table is rendered from this (and a test keeps it so).
 */
export const ERROR_CATALOGUE = {
  FAULTLINE_INVALID_OPTION: {
    meaning: "an option, spec field or argument has a wrong name, type or value",
    hint: "fix the option named in the message; the README documents each one",
  },
  FAULTLINE_INVALID_DURATION: {
    meaning: "a duration could not be read",
    hint: 'write durations as a number of milliseconds or a string such as "500ms", "20s", "2m"',
  },
  FAULTLINE_UNKNOWN_CLUSTER: {
    meaning: "a test names a cluster no cluster module defines",
    hint: "check the name in the file's @cluster docblock or useCluster() against the preset's clusters option",
  },
  FAULTLINE_NO_CLUSTER: {
    meaning: "a fault or matcher needs a cluster and the test has none",
    hint: 'name a cluster with the file\'s /** @cluster name */ docblock or useCluster("name")',
  },
  FAULTLINE_CLUSTER_MODULE: {
    meaning: "a cluster module could not be loaded or does not export a defineCluster() spec",
    hint: "export default defineCluster({...}) from the module, and check that it compiles",
  },
  FAULTLINE_BINARY_NOT_FOUND: {
    meaning: "a node's program is not installed or not on PATH",
    hint: "install it (the message names the Debian package where known) or give its absolute path",
  },
  FAULTLINE_NODE_EXITED: { meaning: "a node exited while it was expected to run", hint: "read the node's log tail printed below the message" },
  FAULTLINE_READY_TIMEOUT: { meaning: "a node did not pass its ready probe in time", hint: "read the node's log tail; raise readyTimeout if it is only slow" },
  FAULTLINE_PORT_UNAVAILABLE: {
    meaning: "no free port could be reserved for a node",
    hint: "free ports below the kernel's ephemeral range, or run fewer clusters at once",
  },
  FAULTLINE_UNKNOWN_NODE: { meaning: "a node name or index that the cluster does not have", hint: "use a node name from the cluster, or an index from 0" },
  FAULTLINE_NODE_STATE: {
    meaning: "an operation does not fit a node's or cluster's current state",
    hint: "start the node (or cluster) first, and do not use it after it stopped",
  },
  FAULTLINE_PROVISION_FAILED: {
    meaning: "provisioning a cluster failed for a reason of the machine or the system under test",
    hint: "see the cause below; npx faultline doctor says what this machine can do",
  },
  FAULTLINE_STOP_TIMEOUT: {
    meaning: "a node did not stop after its graceful signal and SIGKILL",
    hint: "a process stuck in the kernel (D state) cannot be killed: see the node's state in the message",
  },
  FAULTLINE_PROBE_FAILED: {
    meaning: "a ready, healthy or leader probe found a node or cluster not (yet) as it should be",
    hint: "probes fail until the system settles: read the answer in the message and the node's log",
  },
  FAULTLINE_HEALTH_TIMEOUT: { meaning: "the cluster did not become healthy within the budget", hint: "see the node logs and timeline below" },
  FAULTLINE_NOT_STEADY: {
    meaning: "a fault was to be applied to a cluster that was not in steady state",
    hint: "let the cluster recover first (toRecoverWithin), or fix the healthy probe",
  },
  FAULTLINE_FAULT_UNSUPPORTED: {
    meaning: "the cluster's backend cannot do this fault (or not for this cluster)",
    hint: "npx faultline doctor and README's provisioner table say which provisioner can",
  },
  FAULTLINE_FAULT_FAILED: { meaning: "applying or healing a fault failed on the machine", hint: "the message names the command that failed and its output" },
  FAULTLINE_CONCURRENT_FAULTS: {
    meaning: "two faulted tests of one cluster ran at the same time",
    hint: "run faulted tests of a cluster one after another (test, not test.concurrent)",
  },
  FAULTLINE_NO_LEADER: {
    meaning: "a leader was needed and the cluster has none or cannot say",
    hint: "add a leader probe to the spec, or wait for an election (toElectLeaderWithin)",
  },
  FAULTLINE_PERMISSION: {
    meaning: "the fault or provisioner needs a privilege this process lacks",
    hint: "run as root (or with the capability named in the message)",
  },
  FAULTLINE_PROXY: { meaning: "a fault proxy or toxic was misconfigured or failed", hint: "check the toxic's type and attributes against Toxiproxy's" },
  FAULTLINE_MATCHER_RECEIVER: {
    meaning: "a matcher was called on a value of the wrong kind",
    hint: "pass a cluster, node, history or promise as the matcher's table in README says",
  },
  FAULTLINE_HISTORY: {
    meaning: "a history was recorded or used inconsistently",
    hint: "await each invoke() of a client, and use one client per logical thread",
  },
  FAULTLINE_PARSE: { meaning: "a history or term could not be parsed", hint: "the message gives the line and column; check the file's format" },
  FAULTLINE_CHECK_BUDGET: { meaning: "a checker ran out of its time or memory budget before a verdict", hint: "raise the budget, or check a shorter history" },
  FAULTLINE_DOCKER: {
    meaning: "the Docker engine refused or failed an operation",
    hint: "start dockerd or set DOCKER_HOST; build images with npx faultline image from-host",
  },
  FAULTLINE_FAILPOINT: { meaning: "a failpoint term or its delivery failed", hint: "terms are gofail's: off, return(v), sleep(ms), panic, n*term, p%term" },
  FAULTLINE_REQUIREMENT_MISSING: {
    meaning: "a program or library the cluster or fault needs is not installed",
    hint: "install the Debian package named in the message",
  },
  FAULTLINE_TEARDOWN: {
    meaning: "removing what the run made failed",
    hint: "the run's watchdog retries when the run ends; the message names each object left",
  },
  FAULTLINE_SSH: {
    meaning: "an SSH host could not be reached, refused our key or its host key was not trusted, or dropped mid-run",
    hint: "the message names the host; check it with ssh -p <port> user@host, and its known_hosts entry",
  },
  FAULTLINE_UNSAFE_PATH: { meaning: "a run directory path could be taken over by another user", hint: "set TMPDIR to a directory only you can write" },
  FAULTLINE_RUN_ENDED: { meaning: "the run a cluster belonged to has ended and was reaped", hint: "start a new run" },
} as const satisfies Record<string, { meaning: string; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** README's error table. */
export function errorCatalogueMarkdown(): string {
  const rows = (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).map(
    (code) => `| \`${code}\` | ${ERROR_CATALOGUE[code].meaning} | ${ERROR_CATALOGUE[code].hint} |`,
  );
  return ["| code | meaning | default hint |", "|---|---|---|", ...rows].join("\n");
}

export interface FaultlineErrorOptions {
  code: ErrorCode;
  message: string;
  hint?: string;
  cluster?: string;
  node?: string;
  option?: string;
  cause?: unknown;
  /** Extra lines printed after the message (log tails, timeline slices). */
  details?: string;
}

export class FaultlineError extends Error {
  readonly code: ErrorCode;
  /** What failed and where, without code, hint or details: for quoting inside another message. */
  readonly reason: string;
  /** What failed, without where: for an error that re-raises it at another place. */
  readonly what: string;
  readonly hint: string;
  readonly cluster?: string;
  readonly node?: string;
  readonly option?: string;
  readonly details?: string;

  constructor(options: FaultlineErrorOptions) {
    const where = [
      options.cluster !== undefined ? `cluster "${options.cluster}"` : undefined,
      options.node !== undefined ? `node "${options.node}"` : undefined,
      options.option !== undefined ? `option "${options.option}"` : undefined,
    ]
      .filter(Boolean)
      .join(", ");
    const reason = where ? `${options.message} [${where}]` : options.message;
    let text = `${options.code}: ${reason}`;
    const hint = options.hint ?? ERROR_CATALOGUE[options.code].hint;
    text += `\n  Hint: ${hint}`;
    if (options.details) text += `\n${options.details}`;
    super(text, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "FaultlineError";
    this.code = options.code;
    this.reason = reason;
    this.what = options.message;
    this.hint = hint;
    this.cluster = options.cluster;
    this.node = options.node;
    this.option = options.option;
    this.details = options.details;
    Object.defineProperty(this, MARK, { value: true });
  }
}

/** True for any error faultline threw, whichever module registry created it. */
export function isFaultlineError(error: unknown): error is FaultlineError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[MARK] === true;
}

/**
 * An error's message as a clause of another message: a faultline error's reason (without its
 * code, hint and details, which the outer error has its own of), any other error's message.
 */
export function errorReason(error: unknown): string {
  if (isFaultlineError(error)) return error.reason;
  // Not `instanceof Error`: Node's own errors come from another realm than a Jest test's.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

/** Formats a value for an "expected X, received Y" message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (value === undefined) return "undefined";
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
