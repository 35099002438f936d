import { FaultlineError } from "../common/errors";
import { takeAll, undoAllOnce } from "../common/take-all";
import { monoNowMs } from "../common/timers";
import { logger } from "../common/log";
import { checkPort, checkUpstream, type ProxyUpstream } from "./check-address";
import { ProxyCore, type Blackhole, type ProxyEngine, type ProxyStats } from "./proxy-core";
import { ThreadProxy } from "./proxy-thread";
import type { ProxyToxic, ToxicSpec } from "./toxic-spec";

export type { Blackhole, ProxyStats } from "./proxy-core";

const log = logger("proxy");

export interface FaultProxyOptions {
  /** Names the proxy in logs and errors, e.g. `etcd/n1:client` or `n1->n2:peer`. */
  name: string;
  listen?: {
    /** Default `127.0.0.1`. */
    host?: string;
    /** Default 0: any free port (read it from `port` after `start()`). */
    port?: number;
  };
  upstream: ProxyUpstream;
  /**
   * Random source for toxicity decisions, jitter and slice sizes. Default `Math.random`;
   * pass a seeded one to make a fault schedule reproducible. A function cannot cross to the
   * proxy thread, so a proxy given one runs on the calling thread.
   */
  random?: () => number;
  /**
   * Where the proxy's sockets live. Default `true` (unless `random` is given, or the
   * environment says `FAULTLINE_PROXY_THREAD=0`): on a worker thread shared by the process's
   * proxies, so forwarding neither waits for nor slows the test's event loop (a client in the
   * test, a busy matcher). `false`: on the calling thread. Calls behave the same either way;
   * each change is in force when the call returns.
   */
  thread?: boolean;
}

/**
 * A TCP proxy that injects faults with Toxiproxy's semantics: toxics (latency, bandwidth,
 * slow_close, timeout, reset_peer, slicer, limit_data, down) per direction and per share of
 * connections, plus blackholes that hold traffic the way a partitioned link does. Toxics and
 * blackholes act on open connections too. With none active, bytes go straight from one socket
 * to the other, on the proxy thread (see `thread`).
 */
export class FaultProxy implements AsyncDisposable {
  readonly name: string;
  private readonly engine: ProxyEngine;
  private readonly listeners = new Set<(at: number) => void>();

  constructor(options: FaultProxyOptions) {
    this.name = options.name;
    const listenHost = options.listen?.host ?? "127.0.0.1";
    const listenPort = options.listen?.port ?? 0;
    checkPort(listenPort, "listen.port", this.name, true);
    const upstream = checkUpstream(options.upstream, this.name);
    const onAttempt = (at: number): void => this.tell(at);
    if (onThread(options)) {
      this.engine = new ThreadProxy(this.name, { listenHost, listenPort, upstream }, onAttempt);
    } else {
      const random = options.random ?? Math.random;
      this.engine = new ProxyCore({ name: this.name, listenHost, listenPort, upstream, random, now: monoNowMs, onAttempt });
    }
  }

  /** Starts listening. Throws FAULTLINE_PORT_UNAVAILABLE when the address cannot be bound. */
  start(): Promise<void> {
    return this.engine.start();
  }

  /** The address clients dial; available once `start()` resolved. */
  get host(): string {
    return this.engine.host;
  }

  get port(): number {
    return this.engine.port;
  }

  /** Forwards new connections to another address (a node restarted elsewhere); open ones stay. */
  setUpstream(upstream: ProxyUpstream): void {
    this.engine.setUpstream(checkUpstream(upstream, this.name));
  }

  /** Adds a toxic, to new and open connections alike; returns its id. */
  addToxic(spec: ToxicSpec): string {
    return this.engine.addToxic(spec);
  }

  /** Removes a toxic; what it held is delivered in order. Returns false if there was none. */
  removeToxic(id: string): boolean {
    return this.engine.removeToxic(id);
  }

  clearToxics(): void {
    this.engine.clearToxics();
  }

  /** Active toxics, validated, with defaults filled in and their ids. */
  get toxics(): ProxyToxic[] {
    return this.engine.toxics;
  }

  /**
   * Partitions the link. In a blackholed direction bytes are held, not lost, like TCP
   * retransmitting into a dead link; new clients are accepted but not connected upstream while
   * either direction is blackholed (a handshake needs both). Clearing delivers what was held,
   * in order, and connects the waiting clients, so a healed partition never corrupts a stream.
   */
  setBlackhole(blackhole: Blackhole): void {
    this.engine.setBlackhole(blackhole);
  }

  /**
   * Blackholes the given directions until the returned release is called. Holds stack: a
   * direction flows again only when every hold on it is released (and `setBlackhole` does not
   * hold it), so two overlapping partitions each heal only their own cut.
   */
  hold(directions: Partial<Blackhole>): () => void {
    return this.engine.hold(directions);
  }

  /**
   * Holds directions on several proxies as one step, as a partition of many links needs: those
   * on the proxy thread are all cut in the same turn of its loop (no link forwards a byte while
   * another is already cut), and either every hold is taken or, when a proxy is closed, none
   * is. The returned release lets go of all of them.
   */
  static holdTogether(holds: ReadonlyArray<readonly [FaultProxy, Partial<Blackhole>]>): () => void {
    // This thread's holds first, the proxy thread's last: if one here refuses, the others are let
    // go before this thread could forward a byte, and the proxy thread was not asked at all.
    const steps: Array<() => () => void> = [];
    const threaded: Array<readonly [ThreadProxy, Partial<Blackhole>]> = [];
    for (const [{ engine }, directions] of holds) {
      if (engine instanceof ThreadProxy) threaded.push([engine, directions]);
      else steps.push(() => engine.hold(directions));
    }
    if (threaded.length > 0) steps.push(() => ThreadProxy.holdTogether(threaded));
    return undoAllOnce(takeAll(steps, (step) => step()));
  }

  get blackhole(): Blackhole {
    return this.engine.blackhole;
  }

  /** Resets every open connection: clients see ECONNRESET. */
  cutConnections(): void {
    this.engine.cutConnections();
  }

  /** `monoNowMs()` of every client connection accepted, refused ones included, oldest first. */
  get connectionAttempts(): number[] {
    return this.engine.connectionAttempts;
  }

  /** Calls `listener` with `monoNowMs()` on every accepted connection; returns an unsubscribe. */
  onConnection(listener: (at: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get stats(): ProxyStats {
    return this.engine.stats;
  }

  /** Stops listening and destroys every socket. Safe to call more than once. */
  close(): Promise<void> {
    return this.engine.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private tell(at: number): void {
    for (const listener of this.listeners) {
      try {
        listener(at);
      } catch (error) {
        log(`[${this.name}] onConnection listener threw: ${String(error)}`);
      }
    }
  }
}

/** Whether a proxy runs on the proxy thread: `thread`, else not with a `random` of its own, else FAULTLINE_PROXY_THREAD. */
function onThread(options: FaultProxyOptions): boolean {
  if (options.thread !== undefined && typeof options.thread !== "boolean") {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `proxy "${options.name}": thread must be true or false, got ${JSON.stringify(options.thread)}`,
      option: "thread",
      hint: "leave it out to run the proxy on the proxy thread",
    });
  }
  if (options.random !== undefined) {
    if (options.thread === true) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `proxy "${options.name}" was given both thread: true and a random function, which cannot cross to another thread`,
        option: "thread",
        hint: "leave out thread (a proxy with its own random runs on the calling thread), or leave out random",
      });
    }
    return false;
  }
  if (options.thread !== undefined) return options.thread;
  const setting = process.env.FAULTLINE_PROXY_THREAD;
  if (setting === undefined || setting === "" || setting === "1") return true;
  if (setting === "0") return false;
  throw new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `FAULTLINE_PROXY_THREAD is ${JSON.stringify(setting)}`,
    option: "FAULTLINE_PROXY_THREAD",
    hint: "set it to 0 (proxies on the calling thread) or 1 (on the proxy thread, the default), or unset it",
  });
}
