import type { Duration } from "../common/duration";
import type { Timeline } from "./timeline";
import type { Node, ProvisionerKind } from "./node-types";
import type { Fault, ActiveFault } from "./fault";
import type { History, HistoryOptions } from "../history/history";
import type { SshOptions } from "./ssh-options";

export type { AddressOptions, Node, NodeState, ProvisionerKind } from "./node-types";

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

/**
 * One node of a cluster whose nodes differ, or a group of alike nodes: what it runs and how,
 * each option as at the cluster level (where it may also be given, for every node).
 */
export interface NodeSpec {
  /** Nodes in this group, named `<group>1`, `<group>2`, …. Default 1, named as the group. */
  count?: number;
  command?: (ctx: CommandContext) => string[];
  env?: Record<string, string> | ((ctx: CommandContext) => Record<string, string>);
  cwd?: string;
  ports?: string[];
  ready?: Probe;
  readyTimeout?: Duration;
  stop?: StopOptions;
  docker?: DockerNodeOptions;
  /** Groups (or nodes) started and ready before this one starts. */
  dependsOn?: string[];
}

/** What `defineCluster` accepts. */
export interface ClusterSpec {
  /**
   * How many nodes (named n1, n2, …), their names, or — for nodes that differ — a spec per node
   * or group: `{ db: { command, ports }, app: { command, dependsOn: ["db"] } }`.
   */
  nodes: number | string[] | Record<string, NodeSpec>;
  /** Default "process". */
  provisioner?: ProvisionerKind;
  /** Named ports each node binds, allocated per run so parallel workers never collide. */
  ports?: string[];
  /** The node's argv: an array, never a shell string. Required unless every node spec gives its own. */
  command?: (ctx: CommandContext) => string[];
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
  /** SSH provisioner options: the hosts and how to reach them (default hosts: the nodes file in FAULTLINE_SSH_HOSTS). */
  ssh?: SshOptions;
  /** Preload libfaketime (Debian's libfaketime) so `faults.clock` can move the nodes' wall clock. Default false. */
  clock?: boolean;
  /** Put each data dir on a tmpfs of this size (root), so `faults.disk({ mode: "full" })` can fill it. */
  disk?: { size: string };
  /**
   * Keep the cluster between runs of this spec when the run asks for it (Jest's watch mode, or
   * FAULTLINE_REUSE=1): the next run adopts its nodes after healing what the last run left,
   * instead of provisioning anew. `true`, or options.
   */
  reuse?: boolean | ReuseOptions;
}

/** How a reusable cluster is kept between runs. */
export interface ReuseOptions {
  /** Stop the kept cluster after this long without a run using it. Default "15m" (FAULTLINE_REUSE_IDLE overrides). */
  idleTimeout?: Duration;
  /** Brings the data back to where tests expect it, before each run that reuses the cluster (e.g. delete every key). */
  reset?: (cluster: Cluster) => Promise<void> | void;
}

export interface DockerNodeOptions {
  image: string;
  entrypoint?: string[];
  /** Working directory inside the container (a compose file's `working_dir`). */
  workdir?: string;
  /**
   * Run Docker's init as PID 1 in front of the command (a compose file's `init: true`), so a
   * program without a SIGTERM handler still stops on SIGTERM. Default false: the command is PID 1.
   */
  init?: boolean;
  volumes?: string[];
  tmpfs?: Record<string, string>;
}

/** A validated spec, as returned by `defineCluster`. */
export interface ClusterDefinition extends ClusterSpec {
  readonly __faultlineCluster: true;
}
