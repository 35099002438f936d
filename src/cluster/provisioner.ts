import type { ProvisionerKind, Node } from "./types";
import type { Grudge } from "./grudge";
import type { Timeline } from "./timeline";
import type { RunContext } from "../reaper/run-context";

/** Where a node lives, decided by the provisioner before its command is built. */
export interface NodeSlot {
  name: string;
  index: number;
  /** The address the node binds. */
  host: string;
  /** Named port -> the port the node binds. */
  ports: Record<string, number>;
  dataDir: string;
}

export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  onOutput(chunk: Buffer, stream: "stdout" | "stderr"): void;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started node process (or container) as its backend controls it. */
export interface NodeProcess {
  /** The host pid of the node's main process, where there is one. */
  readonly pid?: number;
  readonly exited: Promise<ExitStatus>;
  /** Sends a signal to everything the node runs (its process group, or its container). */
  signal(signal: NodeJS.Signals): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Removes what remains once the node has exited (stray group members, a container). */
  release(): Promise<void>;
}

export interface ProvisionContext {
  cluster: string;
  /** The cluster's directory under the run directory. */
  dir: string;
  run: RunContext;
  timeline: Timeline;
  nodes: Array<{ name: string; index: number }>;
  ports: string[];
  subnet?: string;
}

/** Undoes a network fault. */
export type Undo = () => Promise<void>;

/** The network faults a backend can do itself. Client->node toxics go through the fault proxy on every backend. */
export interface NetworkControl {
  /** Makes each node in `grudge` deaf to the nodes listed for it. `clients`: also cut the test's clients from those nodes. */
  partition(grudge: Grudge, options: { clients: boolean; nodes: readonly Node[] }): Promise<{ undo: Undo; mechanism: string }>;
  /** Drops a share of packets to and from `targets`. */
  loss?(targets: readonly Node[], probability: number): Promise<{ undo: Undo; mechanism: string }>;
  /** Limits the rate of traffic leaving `targets` (KB/s). */
  bandwidth?(targets: readonly Node[], rateKBps: number): Promise<{ undo: Undo; mechanism: string }>;
}

export interface Provisioner {
  readonly kind: ProvisionerKind;
  /** Creates shared resources (bridges, networks, link proxies) and places each node. */
  prepare(context: ProvisionContext): Promise<NodeSlot[]>;
  launch(slot: NodeSlot, spec: LaunchSpec): Promise<NodeProcess>;
  /** What `from` dials to reach `to`'s `port`. */
  peerAddress(from: NodeSlot, to: NodeSlot, port: string): string;
  readonly network: NetworkControl;
  /** Removes everything `prepare` made. Idempotent. */
  dispose(): Promise<void>;
}
