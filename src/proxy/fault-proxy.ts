import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { FaultlineError } from "../common/errors";
import { logger } from "../common/log";
import { monoNowMs } from "../common/timers";
import { ProxyConnection, SOCKET_HIGH_WATER, rollToxicity, type ConnectionHost } from "./proxy-connection";
import { resolveToxic } from "./resolve-toxic";
import { checkPort, checkUpstream, type ProxyUpstream } from "./check-address";
import type { ByteCounter } from "./toxic-link";
import type { ProxyToxic, ToxicDirection, ToxicSpec } from "./toxic-spec";

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
   * pass a seeded one to make a fault schedule reproducible.
   */
  random?: () => number;
}

/** Which directions are blackholed: `upstream` is client -> server, `downstream` server -> client. */
export interface Blackhole {
  upstream: boolean;
  downstream: boolean;
}

export interface ProxyStats {
  /** Client connections accepted since start, refused ones (`down`) included. */
  connections: number;
  /** Connections open now, including ones waiting for a partition to heal. */
  active: number;
  /** Bytes forwarded client -> server. */
  bytesUpstream: number;
  /** Bytes forwarded server -> client. */
  bytesDownstream: number;
}

/** Attempts kept for `connectionAttempts`; older ones are dropped so a long run stays small. */
const MAX_ATTEMPTS = 100_000;

/**
 * A TCP proxy that injects faults with Toxiproxy's semantics: toxics (latency, bandwidth,
 * slow_close, timeout, reset_peer, slicer, limit_data, down) per direction and per share of
 * connections, plus blackholes that hold traffic the way a partitioned link does. Toxics and
 * blackholes act on open connections too. With none active, bytes go straight from one socket
 * to the other.
 */
export class FaultProxy implements AsyncDisposable {
  readonly name: string;
  private readonly server: Server;
  private readonly listenHost: string;
  private readonly listenPort: number;
  private upstream: ProxyUpstream;
  private readonly random: () => number;
  private address: AddressInfo | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly connections = new Set<ProxyConnection>();
  /** Connections accepted during a partition, dialled upstream when it heals. */
  private readonly pending = new Set<ProxyConnection>();
  private activeToxics: ProxyToxic[] = [];
  /** What connections see: the manual setting, or any hold still in place. */
  private readonly hole: Blackhole = { upstream: false, downstream: false };
  private readonly manualHole: Blackhole = { upstream: false, downstream: false };
  /** How many live holds (overlapping faults) blackhole each direction. */
  private readonly holds: Record<ToxicDirection, number> = { upstream: 0, downstream: 0 };
  private readonly counters: Record<ToxicDirection, ByteCounter> = { upstream: { bytes: 0 }, downstream: { bytes: 0 } };
  private accepted = 0;
  private readonly attempts: number[] = [];
  private readonly listeners = new Set<(at: number) => void>();
  private readonly connectionHost: ConnectionHost;

  constructor(options: FaultProxyOptions) {
    this.name = options.name;
    this.listenHost = options.listen?.host ?? "127.0.0.1";
    this.listenPort = options.listen?.port ?? 0;
    checkPort(this.listenPort, "listen.port", this.name, true);
    this.upstream = checkUpstream(options.upstream, this.name);
    this.random = options.random ?? Math.random;
    this.connectionHost = {
      name: this.name,
      toxics: () => this.activeToxics,
      blackhole: this.hole,
      counters: this.counters,
      random: this.random,
      log,
      released: (connection) => {
        this.connections.delete(connection);
        this.pending.delete(connection);
      },
    };
    // pauseOnConnect: a client is not read until its upstream connection exists.
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true, highWaterMark: SOCKET_HIGH_WATER }, (socket) => this.accept(socket));
  }

  /** Starts listening. Throws FAULTLINE_PORT_UNAVAILABLE when the address cannot be bound. */
  start(): Promise<void> {
    if (this.closing) {
      return Promise.reject(
        new FaultlineError({ code: "FAULTLINE_PROXY", message: `proxy "${this.name}" was closed and cannot start again`, hint: "create a new FaultProxy" }),
      );
    }
    this.starting ??= new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          new FaultlineError({
            code: "FAULTLINE_PORT_UNAVAILABLE",
            message: `proxy "${this.name}" cannot listen on ${this.listenHost}:${this.listenPort} (${error.code ?? error.message})`,
            hint: "the port is taken or not allowed; use port 0 to let the system pick a free one",
            option: "listen.port",
            cause: error,
          }),
        );
      };
      this.server.once("error", onError);
      this.server.listen({ host: this.listenHost, port: this.listenPort }, () => {
        this.server.off("error", onError);
        this.server.on("error", (error) => log(`[${this.name}] server error: ${error.message}`));
        this.address = this.server.address() as AddressInfo;
        log(`[${this.name}] listening on ${this.address.address}:${this.address.port} -> ${this.upstream.host}:${this.upstream.port}`);
        resolve();
      });
    });
    return this.starting;
  }

  /** The address clients dial; available once `start()` resolved. */
  get host(): string {
    return this.bound().address;
  }

  get port(): number {
    return this.bound().port;
  }

  /** Forwards new connections to another address (a node restarted elsewhere); open ones stay. */
  setUpstream(upstream: ProxyUpstream): void {
    this.upstream = checkUpstream(upstream, this.name);
  }

  /** Adds a toxic, to new and open connections alike; returns its id. */
  addToxic(spec: ToxicSpec): string {
    const resolved = resolveToxic(spec, this.name);
    let id = resolved.id;
    if (this.activeToxics.some((t) => t.id === id)) {
      if (spec.name !== undefined) {
        throw new FaultlineError({
          code: "FAULTLINE_INVALID_OPTION",
          message: `proxy "${this.name}" already has a toxic named "${id}"`,
          option: "toxic.name",
          hint: "remove it first, or leave out `name` to get a generated id",
        });
      }
      let n = 2;
      while (this.activeToxics.some((t) => t.id === `${resolved.id}_${n}`)) n += 1;
      id = `${resolved.id}_${n}`;
    }
    const toxic = { ...resolved, id } as ProxyToxic;
    this.activeToxics = [...this.activeToxics, toxic];
    log(`[${this.name}] + toxic ${id}`, toxic.attributes);
    if (toxic.type === "down") {
      if (toxic.attributes.cutExisting) {
        for (const connection of [...this.connections]) {
          if (rollToxicity(toxic.toxicity, this.random)) connection.reset(`down toxic ${id}`);
        }
      }
    } else {
      for (const connection of this.connections) connection.addToxic(toxic);
    }
    return id;
  }

  /** Removes a toxic; what it held is delivered in order. Returns false if there was none. */
  removeToxic(id: string): boolean {
    if (!this.activeToxics.some((t) => t.id === id)) return false;
    this.activeToxics = this.activeToxics.filter((t) => t.id !== id);
    log(`[${this.name}] - toxic ${id}`);
    for (const connection of this.connections) connection.removeToxic(id);
    return true;
  }

  clearToxics(): void {
    for (const toxic of [...this.activeToxics].reverse()) this.removeToxic(toxic.id);
  }

  /** Active toxics, validated, with defaults filled in and their ids. */
  get toxics(): ProxyToxic[] {
    return [...this.activeToxics];
  }

  /**
   * Partitions the link. In a blackholed direction bytes are held, not lost, like TCP
   * retransmitting into a dead link; new clients are accepted but not connected upstream while
   * either direction is blackholed (a handshake needs both). Clearing delivers what was held,
   * in order, and connects the waiting clients, so a healed partition never corrupts a stream.
   */
  setBlackhole(blackhole: Blackhole): void {
    this.manualHole.upstream = blackhole.upstream;
    this.manualHole.downstream = blackhole.downstream;
    this.applyHole();
  }

  /**
   * Blackholes the given directions until the returned release is called. Holds stack: a
   * direction flows again only when every hold on it is released (and `setBlackhole` does not
   * hold it), so two overlapping partitions each heal only their own cut.
   */
  hold(directions: Partial<Blackhole>): () => void {
    const held = (["upstream", "downstream"] as const).filter((direction) => directions[direction]);
    for (const direction of held) this.holds[direction]++;
    this.applyHole();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const direction of held) this.holds[direction]--;
      this.applyHole();
    };
  }

  private applyHole(): void {
    this.hole.upstream = this.manualHole.upstream || this.holds.upstream > 0;
    this.hole.downstream = this.manualHole.downstream || this.holds.downstream > 0;
    for (const connection of this.connections) {
      connection.setHeld("upstream", this.hole.upstream);
      connection.setHeld("downstream", this.hole.downstream);
    }
    if (!this.hole.upstream && !this.hole.downstream) {
      for (const connection of this.pending) connection.connect(this.upstream);
      this.pending.clear();
    }
  }

  get blackhole(): Blackhole {
    return { ...this.hole };
  }

  /** Resets every open connection: clients see ECONNRESET. */
  cutConnections(): void {
    for (const connection of [...this.connections]) connection.reset("cutConnections()");
  }

  /** `monoNowMs()` of every client connection accepted, refused ones included, oldest first. */
  get connectionAttempts(): number[] {
    return [...this.attempts];
  }

  /** Calls `listener` with `monoNowMs()` on every accepted connection; returns an unsubscribe. */
  onConnection(listener: (at: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get stats(): ProxyStats {
    return {
      connections: this.accepted,
      active: this.connections.size,
      bytesUpstream: this.counters.upstream.bytes,
      bytesDownstream: this.counters.downstream.bytes,
    };
  }

  /** Stops listening and destroys every socket. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.starting?.catch(() => undefined);
      for (const connection of [...this.connections]) connection.destroy();
      this.pending.clear();
      if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
      log(`[${this.name}] closed`);
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private accept(socket: Socket): void {
    const at = monoNowMs();
    this.accepted += 1;
    this.attempts.push(at);
    if (this.attempts.length > MAX_ATTEMPTS) this.attempts.splice(0, this.attempts.length - MAX_ATTEMPTS);
    for (const listener of this.listeners) {
      try {
        listener(at);
      } catch (error) {
        log(`[${this.name}] onConnection listener threw: ${String(error)}`);
      }
    }
    if (this.closing) return void socket.destroy();
    const down = this.activeToxics.find((t) => t.type === "down" && rollToxicity(t.toxicity, this.random));
    if (down) {
      socket.on("error", () => undefined);
      return void socket.resetAndDestroy();
    }
    const connection = new ProxyConnection(socket, this.connectionHost);
    this.connections.add(connection);
    if (this.hole.upstream || this.hole.downstream) this.pending.add(connection);
    else connection.connect(this.upstream);
  }

  private bound(): AddressInfo {
    if (this.address) return this.address;
    throw new FaultlineError({
      code: "FAULTLINE_PROXY",
      message: `proxy "${this.name}" has no address yet`,
      hint: "await proxy.start() before reading host or port",
    });
  }
}
