import type { Duration } from "../common/duration";
import type { Timeline } from "./timeline";
import type { Fault, ActiveFault } from "./fault";
import type { History, HistoryOptions } from "../history/history";
import type { FaultProxy } from "../proxy/fault-proxy";

export type ProvisionerKind = "process" | "netns" | "docker";

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

export interface Cluster extends AsyncDisposable {
  readonly name: string;
  readonly nodes: readonly Node[];
  readonly provisioner: ProvisionerKind;
  readonly timeline: Timeline;
  /** Directory for this cluster's data dirs and logs. */
  readonly dir: string;
  node(nameOrIndex: string | number): Node;
  /** What `from` dials to reach `to`'s `port` (a per-link proxy on `process`). */
  peerAddress(from: Node, to: Node, port: string): string;
  /** Asks the `leader` probe; a probe that does not answer within `timeout` (default 10s) counts as no leader. */
  leader(timeout?: Duration): Promise<Node | undefined>;
  isHealthy(): Promise<boolean>;
  /** Runs the healthy probe once and returns its error (undefined when healthy); a probe that does not answer within `timeout` (default 10s) fails. */
  checkHealth(timeout?: Duration): Promise<Error | undefined>;
  waitUntilHealthy(timeout?: Duration): Promise<void>;
  inject(fault: Fault): Promise<ActiveFault>;
  /** Faults applied and not yet healed. */
  readonly activeFaults: readonly ActiveFault[];
  /** A history whose operations the report shows with this cluster; `options` as for `createHistory`. */
  history(options?: HistoryOptions): History;
  stop(): Promise<void>;
}

/** The argument of a cluster's `command`, `env` and probes. */
export interface CommandContext {
  node: Node;
  cluster: Cluster;
}

export type Probe = (node: Node, cluster: Cluster) => Promise<void>;

export interface StopOptions {
  /** Signal sent first. Default SIGTERM. */
  signal?: NodeJS.Signals;
  /** Time to wait before SIGKILL. Default "10s". */
  timeout?: Duration;
}

/** What `defineCluster` accepts. */
export interface ClusterSpec {
  /** How many nodes (named n1, n2, …) or their names. */
  nodes: number | string[];
  /** Default "process". */
  provisioner?: ProvisionerKind;
  /** Named ports each node binds, allocated per run so parallel workers never collide. */
  ports?: string[];
  /** The node's argv: an array, never a shell string. */
  command: (ctx: CommandContext) => string[];
  env?: Record<string, string> | ((ctx: CommandContext) => Record<string, string>);
  /** Working directory. Default: the node's data dir. */
  cwd?: string;
  /** Readiness probe for one node. Default: every named port accepts TCP connections. */
  ready?: Probe;
  /** How long one node may take to become ready. Default "30s". */
  readyTimeout?: Duration;
  /** Steady state of the whole cluster; throw (or return false) when unhealthy. Default: every node running and ready. */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a probe that returns nothing passed
  healthy?: (cluster: Cluster) => Promise<boolean | void>;
  /** Which node leads, if the system has a leader. */
  leader?: (cluster: Cluster) => Promise<Node | string | undefined>;
  stop?: StopOptions;
  /** Options for the netns and docker provisioners. */
  network?: { subnet?: string };
  /** Docker provisioner options. */
  docker?: DockerNodeOptions;
  /** Preload libfaketime (Debian's libfaketime) so `faults.clock` can move the nodes' wall clock. Default false. */
  clock?: boolean;
  /** Put each data dir on a tmpfs of this size (root), so `faults.disk({ mode: "full" })` can fill it. */
  disk?: { size: string };
}

export interface DockerNodeOptions {
  image: string;
  entrypoint?: string[];
  volumes?: string[];
  tmpfs?: Record<string, string>;
}

/** A validated spec, as returned by `defineCluster`. */
export interface ClusterDefinition extends ClusterSpec {
  readonly __faultlineCluster: true;
}
