import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { FaultlineError } from "../common/errors";
import { logger } from "../common/log";
import { resetSocket } from "./reset-socket";
import { ProxyConnection, SOCKET_HIGH_WATER, rollToxicity, type ConnectionHost } from "./proxy-connection";
import { resolveToxic } from "./resolve-toxic";
import type { ProxyUpstream } from "./check-address";
import type { ByteCounter } from "./toxic-link";
import type { ProxyToxic, ToxicDirection, ToxicSpec } from "./toxic-spec";

const log = logger("proxy");

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

/** What {@link FaultProxy} drives: a {@link ProxyCore} on the calling thread, or one on the proxy thread. */
export interface ProxyEngine {
  start(): Promise<void>;
  readonly host: string;
  readonly port: number;
  setUpstream(upstream: ProxyUpstream): void;
  addToxic(spec: ToxicSpec): string;
  removeToxic(id: string): boolean;
  clearToxics(): void;
  readonly toxics: ProxyToxic[];
  setBlackhole(blackhole: Blackhole): void;
  hold(directions: Partial<Blackhole>): () => void;
  readonly blackhole: Blackhole;
  cutConnections(): void;
  readonly connectionAttempts: number[];
  readonly stats: ProxyStats;
  close(): Promise<void>;
}

export function closedProxy(name: string): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_PROXY", message: `proxy "${name}" was closed and cannot start again`, hint: "create a new FaultProxy" });
}

/** A change asked of a closed proxy: refused, since nothing is left for it to act on. */
export function closedChange(name: string, op: string): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_PROXY", message: `proxy "${name}" is closed: ${op} has nothing to act on`, hint: "create a new FaultProxy" });
}

export function unboundProxy(name: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_PROXY",
    message: `proxy "${name}" has no address yet`,
    hint: "await proxy.start() before reading host or port",
  });
}

/** What a core needs; its caller has checked the addresses. */
export interface ProxyCoreOptions {
  name: string;
  listenHost: string;
  listenPort: number;
  upstream: ProxyUpstream;
  random: () => number;
  /** The clock of connection attempts, in the caller's `monoNowMs()` terms. */
  now: () => number;
  /** Told of every accepted connection, refused ones included. */
  onAttempt: (at: number) => void;
}

/** Attempts kept for `connectionAttempts`; older ones are dropped so a long run stays small. */
const MAX_ATTEMPTS = 100_000;

/**
 * The proxy itself — listening socket, connections, toxics, blackholes, counters — on whichever
 * thread runs it. {@link FaultProxy} is its public face and documents each method.
 */
export class ProxyCore implements ProxyEngine {
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
  private readonly connectionHost: ConnectionHost;

  private readonly now: () => number;
  private readonly onAttempt: (at: number) => void;

  constructor(options: ProxyCoreOptions) {
    this.name = options.name;
    this.listenHost = options.listenHost;
    this.listenPort = options.listenPort;
    this.upstream = options.upstream;
    this.random = options.random;
    this.now = options.now;
    this.onAttempt = options.onAttempt;
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

  start(): Promise<void> {
    if (this.closing) {
      return Promise.reject(closedProxy(this.name));
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

  get host(): string {
    return this.bound().address;
  }

  get port(): number {
    return this.bound().port;
  }

  setUpstream(upstream: ProxyUpstream): void {
    this.open("setUpstream");
    this.upstream = upstream;
  }

  addToxic(spec: ToxicSpec): string {
    const resolved = resolveToxic(spec, this.name);
    this.open("addToxic");
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

  removeToxic(id: string): boolean {
    if (this.closing || !this.activeToxics.some((t) => t.id === id)) return false;
    this.activeToxics = this.activeToxics.filter((t) => t.id !== id);
    log(`[${this.name}] - toxic ${id}`);
    for (const connection of this.connections) connection.removeToxic(id);
    return true;
  }

  clearToxics(): void {
    for (const toxic of [...this.activeToxics].reverse()) this.removeToxic(toxic.id);
  }

  get toxics(): ProxyToxic[] {
    return [...this.activeToxics];
  }

  setBlackhole(blackhole: Blackhole): void {
    this.open("setBlackhole");
    this.manualHole.upstream = blackhole.upstream;
    this.manualHole.downstream = blackhole.downstream;
    this.applyHole();
  }

  hold(directions: Partial<Blackhole>): () => void {
    this.open("hold");
    const held = (["upstream", "downstream"] as const).filter((direction) => directions[direction]);
    for (const direction of held) this.holds[direction]++;
    this.applyHole();
    let released = false;
    return () => {
      if (released || this.closing) return;
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

  cutConnections(): void {
    for (const connection of [...this.connections]) connection.reset("cutConnections()");
  }

  get connectionAttempts(): number[] {
    return [...this.attempts];
  }

  get stats(): ProxyStats {
    return {
      connections: this.accepted,
      active: this.connections.size,
      bytesUpstream: this.counters.upstream.bytes,
      bytesDownstream: this.counters.downstream.bytes,
    };
  }

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

  private accept(socket: Socket): void {
    const at = this.now();
    this.accepted += 1;
    this.attempts.push(at);
    if (this.attempts.length > MAX_ATTEMPTS) this.attempts.splice(0, this.attempts.length - MAX_ATTEMPTS);
    this.onAttempt(at);
    if (this.closing) return void socket.destroy();
    const down = this.activeToxics.find((t) => t.type === "down" && rollToxicity(t.toxicity, this.random));
    if (down) {
      socket.on("error", () => undefined);
      return resetSocket(socket);
    }
    const connection = new ProxyConnection(socket, this.connectionHost);
    this.connections.add(connection);
    if (this.hole.upstream || this.hole.downstream) this.pending.add(connection);
    else connection.connect(this.upstream);
  }

  /** Refuses a change once `close()` was called: what a closed proxy counted stays as it was. */
  private open(op: string): void {
    if (this.closing) throw closedChange(this.name, op);
  }

  private bound(): AddressInfo {
    if (this.address) return this.address;
    throw unboundProxy(this.name);
  }
}
