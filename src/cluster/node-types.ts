import type { Duration } from "../common/duration";
import type { FaultProxy } from "../proxy/fault-proxy";

export type ProvisionerKind = "process" | "netns" | "docker" | "ssh";

/** Options for {@link Node.url} and {@link Node.address}. */
export interface AddressOptions {
  /** Bypass the fault proxy and dial the node itself. Default false. */
  direct?: boolean;
}

/** A node's state as the framework sees it. */
export type NodeState = "idle" | "starting" | "running" | "paused" | "stopping" | "stopped" | "exited";

/** One member of a cluster: a process, a process in a namespace, or a container. */
export interface Node {
  readonly name: string;
  readonly index: number;
  /** The group of a cluster whose nodes differ (`nodes: { db: {…} }`): a fault may name it to act on all its nodes. */
  readonly group?: string;
  readonly cluster: string;
  readonly pid?: number;
  readonly dataDir: string;
  /** Where the node binds: 127.0.0.1 on `process`, its own IP on `netns`/`docker`. */
  readonly host: string;
  readonly state: NodeState;
  /** The port the node itself binds: use it in `command`. */
  port(name: string): number;
  /**
   * The fault proxy in front of this port, through which `address()` and `url()` reach the node
   * (undefined for a port without one). Its `connectionAttempts` are the times clients dialled,
   * for `toRetryWithBackoff`; its toxics and blackholes act on the test's links to the node.
   */
  proxy(port: string): FaultProxy | undefined;
  /** `host:port` a client dials (through the fault proxy unless `direct`). */
  address(name: string, options?: AddressOptions): string;
  /** e.g. `http://127.0.0.1:40123` (through the fault proxy unless `direct`). */
  url(name: string, scheme?: string, options?: AddressOptions): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly logs: { tail(lines: number): string[]; readonly file: string };
  waitForLog(pattern: RegExp, timeout?: Duration): Promise<string>;
  /** Resolves when the process exits (immediately if it is not running). */
  waitForExit(timeout?: Duration): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
