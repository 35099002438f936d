import { FaultlineError, describeValue } from "../common/errors";
import { toMs, type Duration } from "../common/duration";
import { monoNowNs } from "../common/timers";
import { defaultClassify, type Classifier } from "./classify";
import { HistoryClient } from "./history-client";
import { isOperationType, type NewOperation, type Operation, type ProcessId } from "./operation";
import { toJsonl } from "./formats/jsonl";
import { toEdnHistory } from "./formats/edn-history";

/** Options of {@link createHistory}. */
export interface HistoryOptions {
  /**
   * Decides whether an operation whose function threw is recorded as `fail` (certainly did not
   * happen) or `info` (may have happened). Timeouts are always `info`.
   * Default: {@link defaultClassify} — `fail` for ECONNREFUSED, DNS failures and errors marked
   * with `markDefinite()`, `info` for everything else.
   */
  classify?: Classifier;
  /** Timeout applied to every `client.invoke()` that does not give its own. Default: none. */
  timeout?: Duration;
}

/** Called with each operation as it is recorded, e.g. to put it on a timeline. */
export type OperationListener = (op: Operation, history: History) => void;

const MARK = Symbol.for("faultline.history");

/**
 * A history of client operations, recorded as they happen. Clients (`history.client(id)`)
 * record an invocation, run the real call, and record its completion; a client whose operation
 * ended `info` continues as a new process, as in Jepsen, because the old one may still be
 * acting. Ops are small plain objects with `time` as a float of nanoseconds since `origin`,
 * which keeps 100,000 of them near 10 MB.
 */
export class History {
  /** Monotonic nanoseconds (`process.hrtime.bigint()`) at which the history began. */
  readonly origin: bigint;
  /** @internal */
  readonly classify: Classifier;
  /** @internal */
  readonly defaultTimeoutMs: number | undefined;
  private readonly ops: Operation[] = [];
  private readonly listeners = new Set<OperationListener>();
  private readonly clients = new Map<string | number, HistoryClient>();
  private readonly usedProcesses = new Set<ProcessId>();
  /** Invocation still open for each process, to reject histories a checker could not read. */
  private readonly pending = new Map<ProcessId, Operation>();
  private nextProcess = 0;

  constructor(options: HistoryOptions = {}) {
    if (options.classify !== undefined && typeof options.classify !== "function") {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        option: "classify",
        message: `expected a function (error) => "fail" | "info", received ${describeValue(options.classify)}`,
      });
    }
    this.classify = options.classify ?? defaultClassify;
    this.defaultTimeoutMs = options.timeout === undefined ? undefined : toMs(options.timeout, { option: "timeout" });
    this.origin = monoNowNs();
    Object.defineProperty(this, MARK, { value: true });
  }

  /** A history holding operations recorded elsewhere (a parsed file, another tool). */
  static fromOperations(operations: readonly NewOperation[], options?: HistoryOptions): History {
    const history = new History(options);
    // Imported operations keep their own times, or none: stamping them now would invent latencies.
    for (const op of operations) history.append(op, op.time);
    return history;
  }

  /** True for a History from any module registry (Jest gives each test file its own). */
  static isHistory(value: unknown): value is History {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARK] === true;
  }

  /** Every operation recorded so far, in order. */
  get operations(): readonly Operation[] {
    return this.ops;
  }

  get length(): number {
    return this.ops.length;
  }

  /** Nanoseconds since {@link origin}, the clock operations are stamped with. */
  now(): number {
    return Number(monoNowNs() - this.origin);
  }

  /**
   * The client with this id, created on first use. A numeric id becomes the client's first
   * process number when that number is still free.
   */
  client(id: string | number): HistoryClient {
    let client = this.clients.get(id);
    if (!client) {
      client = new HistoryClient(this, id, this.allocateProcess(typeof id === "number" ? id : undefined));
      this.clients.set(id, client);
    }
    return client;
  }

  /**
   * Appends an operation recorded by hand. The history assigns `index`, and `time` when absent;
   * an `invoke` while the process has one open, or a completion with none open, is rejected.
   */
  record(op: NewOperation): Operation {
    return this.append(op, op?.time ?? this.now());
  }

  private append(op: NewOperation, time: number | undefined): Operation {
    this.validate(op);
    const full = makeOperation(this.ops.length, op, time);
    if (op.type === "invoke") this.pending.set(op.process, full);
    else this.pending.delete(op.process);
    this.usedProcesses.add(op.process);
    if (typeof op.process === "number" && op.process >= this.nextProcess) this.nextProcess = Math.floor(op.process) + 1;
    this.ops.push(full);
    for (const listener of this.listeners) listener(full, this);
    return full;
  }

  /** Calls `listener` for every operation recorded from now on; returns an unsubscribe function. */
  onOperation(listener: OperationListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** One JSON object per line: `{"index":0,"process":0,"type":"invoke","f":"read","value":null,"time":1200}`. */
  toJSONL(): string {
    return toJsonl(this.ops);
  }

  /** One EDN map per line, as Jepsen's `history.edn`: `{:index 0, :process 0, :type :invoke, …}`. */
  toEDN(): string {
    return toEdnHistory(this.ops);
  }

  toJSON(): readonly Operation[] {
    return this.ops;
  }

  /** @internal A process number no client or recorded op has used. */
  allocateProcess(preferred?: number): number {
    const process =
      preferred !== undefined && Number.isSafeInteger(preferred) && preferred >= 0 && !this.usedProcesses.has(preferred) ? preferred : this.nextProcess;
    this.usedProcesses.add(process);
    if (process >= this.nextProcess) this.nextProcess = process + 1;
    return process;
  }

  private validate(op: NewOperation): void {
    const bad = (message: string): never => {
      throw new FaultlineError({
        code: "FAULTLINE_HISTORY",
        message: `cannot record operation ${describeValue(op)} at index ${this.ops.length}: ${message}`,
        hint: "each process invokes one operation at a time and completes it with ok, fail or info before the next",
      });
    };
    if (typeof op !== "object" || op === null) bad("expected an object");
    if (!isOperationType(op.type)) bad(`type must be "invoke", "ok", "fail" or "info"`);
    if (typeof op.f !== "string") bad("f must be a string");
    if (typeof op.process !== "number" && typeof op.process !== "string") bad("process must be a number or a string");
    if (op.time !== undefined && (typeof op.time !== "number" || !Number.isFinite(op.time))) bad("time must be a number of nanoseconds");
    if (typeof op.process === "string") return; // the nemesis and other actors overlap freely
    const open = this.pending.get(op.process);
    if (op.type === "invoke" && open) bad(`process ${op.process} already has operation ${open.index} (${open.f}) open`);
    if (op.type !== "invoke" && !open) bad(`process ${op.process} has no open invocation to complete`);
  }
}

/** Builds operations with one property order so V8 gives them all the same shape. */
function makeOperation(index: number, op: NewOperation, time: number | undefined): Operation {
  const full: { -readonly [K in keyof Operation]: Operation[K] } = {
    index,
    process: op.process,
    type: op.type,
    f: op.f,
    value: op.value,
    time,
  };
  if (op.error !== undefined) full.error = op.error;
  return full;
}

/** Creates an empty {@link History}. */
export function createHistory(options?: HistoryOptions): History {
  return new History(options);
}
