import type { Cluster } from "./types";

/**
 * A fault: `apply()` makes it real and returns an {@link ActiveFault} whose `heal()` undoes it.
 * In-process faults (http, faulty, failpoints in the test process) receive no cluster.
 */
export interface Fault {
  readonly kind: string;
  /** One line for people: `partition isolating n2 (the leader)`. */
  describe(): string;
  apply(cluster: Cluster | undefined, context: FaultContext): Promise<ActiveFault>;
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
