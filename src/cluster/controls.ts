import type { FaultProxy } from "../proxy/fault-proxy";
import type { Grudge } from "./grudge";
import type { Node } from "./node-types";

/** Undoes what a control did. */
export type Undo = () => Promise<void>;

/** What a control did, how (for the timeline), and how to undo it. */
export interface Applied {
  undo: Undo;
  mechanism: string;
  /** Appended to the fault's description: a limit of the mechanism the user should know. */
  detail?: string;
}

/**
 * What faults can ask of a backend. Each control is optional: a backend offers what it can do,
 * and says through {@link HostControls.unsupported} why it lacks the rest. The capability table
 * (`src/provisioners/capabilities.ts`) is the same facts as data, for `faultline doctor` and README.
 */
export type Capability = "kill" | "pause" | "partition" | "loss" | "bandwidth" | "peer-toxics" | "clock" | "disk" | "limits";

/** Network faults a backend does itself. Client->node toxics go through the fault proxy on every backend. */
export interface NetworkControl {
  /** Makes each node in `grudge` deaf to the nodes listed for it. (The test's clients are cut at the fault proxies, by the fault.) */
  partition?(grudge: Grudge, nodes: readonly Node[]): Promise<Applied>;
  /** Drops a share of packets to and from `targets`. */
  loss?(targets: readonly Node[], probability: number): Promise<Applied>;
  /** Limits the rate of traffic leaving `targets` (KB/s). */
  bandwidth?(targets: readonly Node[], rateKBps: number): Promise<Applied>;
  /** The per-link proxies in front of `to` (every peer's link to it), for toxics on peer links. */
  linkProxiesTo?(to: string, port?: string): FaultProxy[];
}

/** A node's data dir made read-only or full. (Corruption needs no control: the node is stopped and its files are the host's.) */
export interface DiskControl {
  readonly(node: Node): Promise<Applied>;
  fill(node: Node): Promise<Applied>;
}

/** A node's wall clock, moved while it runs. */
export interface ClockControl {
  /** The environment a node's process starts with so that its clock can be moved. */
  env(node: string): Record<string, string>;
  /** Why this program's clock cannot be moved (a static or Go binary), if it cannot. */
  blocker(program: string): string | undefined | Promise<string | undefined>;
  /** Moves the clocks of `nodes` by `seconds`, running at `rate` from now. */
  shift(nodes: readonly Node[], seconds: number, rate: number): Promise<Applied>;
}

export type LimitName = "nofile" | "nproc";

/** A running node's resource limits, lowered. */
export interface LimitsControl {
  lower(nodes: readonly Node[], limits: Partial<Record<LimitName, number>>): Promise<Applied>;
}

/** The controls of one cluster's backend. */
export interface HostControls {
  readonly network: NetworkControl;
  readonly disk?: DiskControl;
  readonly clock?: ClockControl;
  readonly limits?: LimitsControl;
  /** How signals and pauses reach a node, for the timeline ("signal", "docker kill", …). */
  readonly signals: { kill: string; pause: string };
  /** Why `capability` is missing (or refused for this cluster), as a message and a hint. */
  unsupported(capability: Capability): { message: string; hint: string };
}
