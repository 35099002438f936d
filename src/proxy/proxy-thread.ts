import { existsSync, statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { FaultlineError } from "../common/errors";
import { takeAll, undoAllOnce } from "../common/take-all";
import { timers } from "../common/timers";
import { fromWireError, type WireError } from "../common/wire-error";
import type { ProxyUpstream } from "./check-address";
import { closedChange, closedProxy, unboundProxy, type Blackhole, type ProxyEngine, type ProxyStats } from "./proxy-core";
import type { ThreadMessage, ThreadRequest } from "./proxy-thread-protocol";
import { resolveToxic } from "./resolve-toxic";
import type { ProxyToxic, ToxicSpec } from "./toxic-spec";

/** A synchronous call the thread has not answered by then means it is gone or wedged. */
const ANSWER_TIMEOUT_MS = 10_000;
/** A thread with no proxy left ends after this long, unless a new proxy comes. */
const IDLE_MS = 1000;

/**
 * The worker thread that runs this module's proxies (one per module instance: Jest gives every
 * test file its own, and each ends soon after its last proxy closed). It keeps the process alive
 * only while one of its proxies listens, as a proxy on the main thread would.
 */
class ProxyThread {
  private static current: ProxyThread | undefined;

  static shared(): ProxyThread {
    if (!ProxyThread.current || ProxyThread.current.ending) ProxyThread.current = new ProxyThread();
    return ProxyThread.current;
  }

  private readonly worker: Worker;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly replies: MessagePort;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly attemptListeners = new Map<number, (at: number) => void>();
  private nextId = 0;
  /** What keeps the process alive: listening proxies and calls in flight. */
  private keepingAlive = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private ending = false;
  private failure: Error | undefined;

  private constructor() {
    const channel = new MessageChannel();
    this.replies = channel.port1;
    this.replies.unref();
    this.worker = new Worker(threadEntry(), {
      workerData: { flag: this.flag, replies: channel.port2, origin: performance.timeOrigin },
      transferList: [channel.port2],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.worker.on("message", (message: ThreadMessage) => this.onMessage(message));
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`it exited (code ${code})`)));
  }

  /** Registers a proxy (by its attempt listener); the thread stays while it has any. */
  add(proxy: number, onAttempt: (at: number) => void, create: unknown): void {
    if (this.idleTimer) timers.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.attemptListeners.set(proxy, onAttempt);
    this.call(proxy, "create", create);
  }

  newId(): number {
    return ++this.nextId;
  }

  /** A call the caller waits for, blocking its thread until the proxy thread answered (microseconds). */
  call<T>(proxy: number, op: string, args?: unknown): T {
    if (this.failure) throw this.failure;
    Atomics.store(this.flag, 0, 0);
    this.worker.postMessage({ proxy, op, args, sync: true } satisfies ThreadRequest);
    if (Atomics.wait(this.flag, 0, 0, ANSWER_TIMEOUT_MS) === "timed-out") {
      throw threadError(`the proxy thread did not answer "${op}" within ${ANSWER_TIMEOUT_MS / 1000} s`);
    }
    const reply = receiveMessageOnPort(this.replies)?.message as { result?: T; error?: WireError } | undefined;
    if (!reply) throw threadError(`the proxy thread signalled an answer to "${op}" but sent none`);
    if (reply.error) throw fromWireError(reply.error);
    return reply.result as T;
  }

  /** A call answered later (listening, closing); the process stays alive meanwhile. */
  request<T>(proxy: number, op: string): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.newId();
    this.keepAlive(1);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ proxy, op, id } satisfies ThreadRequest);
    }).finally(() => this.keepAlive(-1));
  }

  /** Counts what must keep the process alive: a listening proxy, a call in flight. */
  keepAlive(delta: number): void {
    this.keepingAlive += delta;
    if (this.keepingAlive > 0) this.worker.ref();
    else this.worker.unref();
  }

  /** Forgets a closed proxy; with none left, the thread ends after a while. */
  remove(proxy: number): void {
    this.attemptListeners.delete(proxy);
    if (this.attemptListeners.size > 0 || this.ending) return;
    this.idleTimer = timers.setTimeout(() => {
      this.ending = true;
      void this.worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private onMessage(message: ThreadMessage): void {
    if ("event" in message) {
      this.attemptListeners.get(message.proxy)?.(message.at);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.error) waiter.reject(fromWireError(message.error));
    else waiter.resolve(message.result);
  }

  private fail(error: Error): void {
    if (this.ending) return;
    this.ending = true;
    this.failure = threadError(`the proxy thread stopped: ${error.message}`, error);
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }
}

/**
 * A proxy on the proxy thread, as its owner sees it: each call crosses to the thread and
 * returns once done there, so a partition is in force when `setBlackhole` returns, as on the
 * calling thread. After close, what it counted stays readable.
 */
export class ThreadProxy implements ProxyEngine {
  private readonly thread = ProxyThread.shared();
  private readonly id = this.thread.newId();
  private address: { host: string; port: number } | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** What the proxy counted, kept here when it closed. */
  private final: FinalState | undefined;

  constructor(
    readonly name: string,
    create: { listenHost: string; listenPort: number; upstream: ProxyUpstream },
    onAttempt: (at: number) => void,
  ) {
    this.thread.add(this.id, onAttempt, { name, ...create });
  }

  start(): Promise<void> {
    if (this.closing) return Promise.reject(closedProxy(this.name));
    this.starting ??= this.thread.request<{ host: string; port: number }>(this.id, "start").then((address) => {
      this.address = address;
      this.thread.keepAlive(1);
    });
    return this.starting;
  }

  get host(): string {
    if (!this.address) throw unboundProxy(this.name);
    return this.address.host;
  }

  get port(): number {
    if (!this.address) throw unboundProxy(this.name);
    return this.address.port;
  }

  setUpstream(upstream: ProxyUpstream): void {
    this.live("setUpstream", upstream);
  }

  addToxic(spec: ToxicSpec): string {
    // Checked here first, so a spec the thread could not even receive (a function in it) gets
    // the same coded error as on the calling thread, not a DataCloneError.
    resolveToxic(spec, this.name);
    return this.live<string>("addToxic", spec);
  }

  removeToxic(id: string): boolean {
    return this.closing ? false : this.live<boolean>("removeToxic", id);
  }

  clearToxics(): void {
    if (!this.closing) this.live("clearToxics");
  }

  get toxics(): ProxyToxic[] {
    return this.final ? [...this.final.toxics] : this.read("toxics");
  }

  setBlackhole(blackhole: Blackhole): void {
    this.live("setBlackhole", { upstream: blackhole.upstream, downstream: blackhole.downstream });
  }

  hold(directions: Partial<Blackhole>): () => void {
    return ThreadProxy.holdTogether([[this, directions]]);
  }

  /**
   * Holds on several proxies, all taken in one turn of each proxy thread's loop (one call per
   * thread), or none when one of them is closed. The release lets go of every one whose proxy is
   * still open.
   */
  static holdTogether(holds: ReadonlyArray<readonly [ThreadProxy, Partial<Blackhole>]>): () => void {
    const closed = holds.find(([proxy]) => proxy.closing);
    if (closed) throw closedChange(closed[0].name, "hold");
    const byThread = new Map<ProxyThread, Array<readonly [ThreadProxy, Partial<Blackhole>]>>();
    for (const hold of holds) byThread.set(hold[0].thread, [...(byThread.get(hold[0].thread) ?? []), hold]);
    const releases = takeAll(byThread, ([thread, group]) => {
      const args = group.map(([proxy, { upstream, downstream }]) => ({ proxy: proxy.id, directions: { upstream, downstream } }));
      const ids = thread.call<number[]>(0, "holdMany", args);
      return () => {
        const open = ids.filter((_, i) => !group[i][0].closing);
        if (open.length > 0) thread.call(0, "release", open);
      };
    });
    return undoAllOnce(releases);
  }

  get blackhole(): Blackhole {
    return this.final ? { ...this.final.blackhole } : this.read("blackhole");
  }

  cutConnections(): void {
    if (!this.closing) this.live("cutConnections");
  }

  get connectionAttempts(): number[] {
    return this.final ? [...this.final.attempts] : this.read("attempts");
  }

  get stats(): ProxyStats {
    return this.final ? { ...this.final.stats, active: 0 } : this.read("stats");
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.starting?.catch(() => undefined);
      const listening = this.address !== undefined;
      this.final = this.read<FinalState>("final");
      try {
        await this.thread.request(this.id, "close");
      } finally {
        if (listening) this.thread.keepAlive(-1);
        this.thread.remove(this.id);
      }
    })();
    return this.closing;
  }

  /** A change to the proxy; refused from the moment `close()` is called, as on the calling thread. */
  private live<T = void>(op: string, args?: unknown): T {
    if (this.closing) throw closedChange(this.name, op);
    return this.thread.call<T>(this.id, op, args);
  }

  /** A read of the proxy on the thread (until `close()` has kept its final state here). */
  private read<T>(op: string): T {
    return this.thread.call<T>(this.id, op);
  }
}

interface FinalState {
  toxics: ProxyToxic[];
  blackhole: Blackhole;
  attempts: number[];
  stats: ProxyStats;
}

function threadError(
  message: string,
  cause?: unknown,
  hint = "a fault proxy's thread failed: run with DEBUG=faultline:proxy, or FAULTLINE_PROXY_THREAD=0 to run proxies on the calling thread, and report it",
): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_PROXY", message, hint, cause });
}

/**
 * The thread's script: next to this file once built; from the source tree (this package's own
 * tests), the built one, refused when it is older than the sources it was built from.
 */
function threadEntry(): string {
  const sibling = join(__dirname, "proxy-thread-main.js");
  if (existsSync(sibling)) return sibling;
  const built = join(__dirname, "..", "..", "dist", "proxy", "proxy-thread-main.js");
  const stale =
    existsSync(built) &&
    readdirSync(__dirname, { recursive: true, encoding: "utf8" }).some(
      (file) => file.endsWith(".ts") && statSync(join(__dirname, file)).mtimeMs > statSync(built).mtimeMs,
    );
  if (existsSync(built) && !stale) return built;
  throw threadError(
    existsSync(built)
      ? `the built proxy thread (${built}) is older than the proxy's sources in ${__dirname}`
      : `the proxy thread's script is not built (looked for ${sibling} and ${built})`,
    undefined,
    "run npm run build (npm test does), or FAULTLINE_PROXY_THREAD=0 to run proxies on the calling thread",
  );
}
