import type { Duration } from "../common/duration";
import type { FaultProxy } from "../proxy/fault-proxy";
import type { HostControls } from "./controls";
import type { Node } from "./node-types";

/**
 * What a fault may act on: the cluster's nodes, its leader, the fault proxies in front of its
 * ports, its directory and its backend's controls. Never the cluster's implementation: a fault
 * asks a control, and a backend without that control says why through `controls.unsupported`.
 */
export interface FaultTarget {
  readonly name: string;
  /** The cluster's directory in the run directory. */
  readonly dir: string;
  readonly nodes: readonly Node[];
  /** The named ports of the cluster's nodes. */
  readonly ports: readonly string[];
  node(nameOrIndex: string | number): Node;
  leader(timeout?: Duration): Promise<Node | undefined>;
  /** Applies another fault (schedules, composites), recorded like any other. */
  inject(fault: Fault): Promise<ActiveFault>;
  /** The fault proxies in front of `nodes`' ports (all, or the one named), which the test's clients dial. */
  clientProxies(nodes?: readonly Node[], port?: string): FaultProxy[];
  /** How long a node may take to stop after its graceful signal (the spec's `stop.timeout`). */
  readonly stopTimeoutMs: number;
  /** The program a node runs (the first word of its command). */
  programOf(node: Node): string;
  readonly controls: HostControls;
}

/**
 * A fault: `apply()` makes it real and returns an {@link ActiveFault} whose `heal()` undoes it.
 * In-process faults (http, faulty, failpoints in the test process) receive no target.
 */
export interface Fault {
  readonly kind: string;
  /** One line for people: `partition isolating n2 (the leader)`. */
  describe(): string;
  apply(target: FaultTarget | undefined, context: FaultContext): Promise<ActiveFault>;
}

export interface FaultContext {
  /** Unique id of this application, shared by its apply and heal events. */
  id: string;
  /** Random source for targets like "random" (seeded by schedules). */
  random: () => number;
}

export interface ActiveFault extends AsyncDisposable {
  readonly id: string;
  readonly kind: string;
  readonly description: string;
  /** Nodes the fault acts on, resolved at apply time. */
  readonly targets: readonly string[];
  readonly healed: boolean;
  /** Undoes the fault. Safe to call more than once. */
  heal(): Promise<void>;
}
