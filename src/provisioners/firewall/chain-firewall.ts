import type { FaultlineError } from "../../common/errors";
import { timers } from "../../common/timers";
import type { ChainKind, ChainNames } from "./chain-names";
import type { CommandResult } from "./command-result";
import type { DropRule, Member } from "./drop-plans";
import { addChainScript, bypassChainScript, removeChainScript } from "./restore-scripts";
import type { SerialQueues } from "./serial-queues";
import { once } from "./undo-once";

/** How a backend reaches a node's firewall. */
export interface FirewallHost<M extends Member> {
  /** Runs `iptables-restore --noflush` with `script` in the node's network namespace. */
  restore(member: M, script: string): Promise<CommandResult>;
  /**
   * Called before a chain is made: registers its removal with the reaper where the chain would
   * outlive this process (a netns node's namespace does; a container's goes with the container).
   * Returns the unregistration, called once the chain is gone.
   */
  register?(member: M, chain: string): () => void;
  /** The error for a script that failed: `what` is "partition", "loss" or "heal". */
  failure(what: string, member: M, result: CommandResult): FaultlineError;
}

export interface ChainFirewallOptions<M extends Member> {
  names: ChainNames;
  queues: SerialQueues;
  host: FirewallHost<M>;
}

interface Chain<M> {
  member: M;
  name: string;
  /** The fault it belongs to ("partition", "loss"), for errors. */
  fault: string;
  rules: readonly DropRule[];
  unregister?: () => void;
}

/** How long after a heal its chains are removed. */
const REMOVAL_DELAY_MS = 50;

/**
 * Partitions and loss as iptables chains in nodes' namespaces, the same on netns and docker: one
 * chain per fault and node, so overlapping faults need no counting — healing one removes its own
 * rules and no other fault's. Heals bypass the chains at once and remove them in the background
 * (see bypassChainScript). Work on one node is serialised through `queues`.
 */
export class ChainFirewall<M extends Member> {
  /** Chains of faults not yet healed: a node's new namespace (a restarted container) gets them again. */
  private readonly active = new Set<Chain<M>>();
  private readonly cleanups = new Set<Promise<void>>();

  constructor(private readonly options: ChainFirewallOptions<M>) {}

  /** Makes one chain per node of `plan`; all or none. Returns the heal. */
  async apply(kind: ChainKind, plan: ReadonlyMap<M, readonly DropRule[]>, fault: string): Promise<() => Promise<void>> {
    const { names, host } = this.options;
    const chains = [...plan].map(([member, rules]): Chain<M> => ({ member, name: names.next(kind), fault, rules }));
    const applied: Array<Chain<M>> = [];
    const results = await Promise.allSettled(
      chains.map(async (chain) => {
        chain.unregister = host.register?.(chain.member, chain.name);
        this.active.add(chain); // before applying: a restart in between must redo it
        const result = await this.restore(chain.member, addChainScript(chain.name, chain.rules));
        if (result.code !== 0) {
          this.active.delete(chain);
          chain.unregister?.();
          throw host.failure(fault, chain.member, result);
        }
        applied.push(chain);
      }),
    );
    const heal = once(() => {
      for (const chain of chains) this.active.delete(chain);
      return this.heal(applied);
    });
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) {
      await heal().catch(() => undefined);
      throw failure.reason;
    }
    return heal;
  }

  /** `node`'s namespace was made anew (a new container): makes its active chains in it again. */
  async reapply(node: string): Promise<void> {
    for (const chain of this.active) {
      if (chain.member.name !== node) continue;
      const result = await this.restore(chain.member, addChainScript(chain.name, chain.rules));
      if (result.code !== 0) throw this.options.host.failure(chain.fault, chain.member, result);
    }
  }

  /** Resolves when every background chain removal has finished. */
  async idle(): Promise<void> {
    while (this.cleanups.size) await Promise.allSettled([...this.cleanups]);
  }

  /**
   * Neutralises every chain at once, then removes them in the background — only once all are
   * neutralised, so removals never compete with the heal.
   */
  private async heal(applied: ReadonlyArray<Chain<M>>): Promise<void> {
    const bypassed = await Promise.all(applied.map((chain) => this.restore(chain.member, bypassChainScript(chain.name))));
    let failure: FaultlineError | undefined;
    for (const [i, chain] of applied.entries()) {
      const bypass = bypassed[i]!;
      if (bypass.code === 0) {
        // Started a moment later: spawning (a fork of this whole process) before the heal has
        // resolved would delay it, and the test's next step deserves the CPU first.
        const tracked: Promise<void> = delay(REMOVAL_DELAY_MS)
          .then(() => this.remove(chain))
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(() => this.cleanups.delete(tracked));
        this.cleanups.add(tracked);
      } else if (!(await this.remove(chain).catch(() => false))) {
        // Neither way worked: the heal does not hold, so it must not claim to.
        failure ??= this.options.host.failure("heal", chain.member, bypass);
      }
    }
    if (failure) throw failure;
  }

  private async remove(chain: Chain<M>): Promise<boolean> {
    const result = await this.restore(chain.member, removeChainScript(chain.name));
    // On failure the registered removal stays: dispose and the reaper run it.
    if (result.code === 0) chain.unregister?.();
    return result.code === 0;
  }

  private restore(member: M, script: string): Promise<CommandResult> {
    return this.options.queues.run(member.name, () => this.options.host.restore(member, script));
  }
}

/** A real timer that keeps the process alive (unlike `sleep`): dispose awaits what it delays. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}
