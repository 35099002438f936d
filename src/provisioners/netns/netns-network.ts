import { FaultlineError } from "../../common/errors";
import { timers } from "../../common/timers";
import type { Grudge } from "../../faults/grudge";
import type { Node } from "../../cluster/types";
import type { NetworkControl, Undo } from "../provisioner";
import { installHint } from "../which";
import { inNamespace, runCommand, type CommandResult, type Tools } from "./ip-commands";
import { addChainScript, bypassChainScript, removeChainCommands, removeChainScript, type DropRule } from "./iptables-rules";
import { lossPlan, partitionPlan, tbfArgs } from "../drop-plans";
import type { NetnsMember } from "./netns-member";
import type { NetnsNames } from "./names";
import type { UndoEntry, UndoStack } from "./undo-stack";

export interface NetnsNetworkOptions {
  cluster: string;
  tools: Tools;
  names: NetnsNames;
  members: readonly NetnsMember[];
  /** The bridge's address: where the test's clients come from. */
  clientAddress: string;
  undo: UndoStack;
}

interface AppliedChain {
  member: NetnsMember;
  chain: string;
  entries: UndoEntry[];
}

type FaultResult = { undo: Undo; mechanism: string };

/** How long after a heal its chains are removed. */
const REMOVAL_DELAY_MS = 50;

/**
 * Network faults inside the cluster's namespaces: iptables chains for partitions and loss,
 * a tc token bucket for bandwidth. Work on one namespace is serialised (one iptables
 * transaction at a time there); namespaces are worked on in parallel.
 */
export class NetnsNetwork implements NetworkControl {
  private serial = 0;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly cleanups = new Set<Promise<void>>();
  /** Namespaces with a tbf root qdisc of ours. */
  private readonly limited = new Set<string>();

  constructor(private readonly options: NetnsNetworkOptions) {}

  async partition(grudge: Grudge, options: { clients: boolean; nodes: readonly Node[] }): Promise<FaultResult> {
    const { members, clientAddress, cluster } = this.options;
    const plan = partitionPlan(grudge, members, (m) => m.host, options.clients, clientAddress, cluster);
    return { mechanism: "iptables", undo: await this.applyChains("p", plan, "partition") };
  }

  async loss(targets: readonly Node[], probability: number): Promise<FaultResult> {
    const plan = lossPlan(this.members(targets), this.options.members, (m) => m.host, probability, this.options.cluster);
    return { mechanism: "iptables statistic", undo: await this.applyChains("l", plan, "loss") };
  }

  async bandwidth(targets: readonly Node[], rateKBps: number): Promise<FaultResult> {
    const { tools, cluster, undo } = this.options;
    const qdisc = tbfArgs(rateKBps, cluster);
    const tc = tools.tc;
    if (!tc) {
      throw new FaultlineError({
        code: "FAULTLINE_REQUIREMENT_MISSING",
        message: 'a bandwidth fault on provisioner "netns" needs "tc"',
        hint: installHint("tc"),
        cluster,
      });
    }
    const members = this.members(targets);
    const busy = members.filter((member) => this.limited.has(member.namespace));
    if (busy.length) {
      // One root qdisc per interface: a second limit would replace the first, not stack on it.
      throw new FaultlineError({
        code: "FAULTLINE_CONCURRENT_FAULTS",
        message: `a bandwidth limit is already active on ${busy.map((m) => m.name).join(", ")}`,
        hint: "heal the first bandwidth fault before applying another to the same node",
        cluster,
      });
    }
    for (const member of members) this.limited.add(member.namespace);
    const applied: Array<{ entry: UndoEntry; namespace: string }> = [];
    const results = await Promise.allSettled(
      members.map(async (member) => {
        const entry = undo.push([tc, "-n", member.namespace, "qdisc", "del", "dev", "eth0", "root"], `tbf on ${member.namespace}`);
        const result = await this.enqueue(member.namespace, () => runCommand([tc, "-n", member.namespace, "qdisc", "add", "dev", "eth0", "root", ...qdisc]));
        if (result.code !== 0) {
          undo.forget(entry);
          this.limited.delete(member.namespace);
          throw this.failure("bandwidth", member, result, /unknown|not supported/i.test(result.stderr));
        }
        applied.push({ entry, namespace: member.namespace });
      }),
    );
    const undoAll = once(async () => {
      await settleAll(
        applied.map(async ({ entry, namespace }) => {
          await undo.run(entry);
          this.limited.delete(namespace);
        }),
      );
    });
    await rethrowFirst(results, undoAll);
    return { mechanism: "tc tbf", undo: undoAll };
  }

  /** Resolves when every background chain removal has finished. */
  async idle(): Promise<void> {
    while (this.cleanups.size) await Promise.allSettled([...this.cleanups]);
  }

  private async applyChains(kind: "p" | "l", plan: Map<NetnsMember, DropRule[]>, fault: string): Promise<Undo> {
    const { names, tools, undo } = this.options;
    const applied: AppliedChain[] = [];
    const results = await Promise.allSettled(
      [...plan].map(async ([member, rules]) => {
        const chain = names.chain(kind, ++this.serial);
        const prefix = [...inNamespace(tools, member.namespace)];
        const entries = removeChainCommands(tools.iptables, chain).map((argv) => undo.push([...prefix, ...argv], `chain ${chain} in ${member.namespace}`));
        const result = await this.restore(member, addChainScript(chain, rules));
        if (result.code !== 0) {
          for (const entry of entries) undo.forget(entry);
          throw this.failure(fault, member, result, /statistic/i.test(result.stderr));
        }
        applied.push({ member, chain, entries });
      }),
    );
    const heal = once(() => this.heal(applied));
    await rethrowFirst(results, heal);
    return heal;
  }

  /**
   * Neutralises every chain at once (see bypassChainScript), then removes them in the
   * background — only once all are neutralised, so removals never compete with the heal.
   */
  private async heal(applied: readonly AppliedChain[]): Promise<void> {
    const bypassed = await Promise.all(applied.map((chain) => this.restore(chain.member, bypassChainScript(chain.chain))));
    const remove = async (chain: AppliedChain): Promise<boolean> => {
      const result = await this.restore(chain.member, removeChainScript(chain.chain));
      // On failure the registered undo commands stay: dispose and the reaper run them.
      if (result.code === 0) for (const entry of chain.entries) this.options.undo.forget(entry);
      return result.code === 0;
    };
    let failure: FaultlineError | undefined;
    for (const [i, chain] of applied.entries()) {
      const bypass = bypassed[i]!;
      if (bypass.code === 0) {
        // Started a moment later: spawning (a fork of this whole process) before the heal has
        // resolved would delay it, and the test's next step deserves the CPU first.
        const tracked: Promise<void> = delay(REMOVAL_DELAY_MS)
          .then(() => remove(chain))
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(() => this.cleanups.delete(tracked));
        this.cleanups.add(tracked);
      } else if (!(await remove(chain).catch(() => false))) {
        // Neither way worked: the heal does not hold, so it must not claim to.
        failure ??= this.failure("heal", chain.member, bypass, false);
      }
    }
    if (failure) throw failure;
  }

  private restore(member: NetnsMember, script: string): Promise<CommandResult> {
    const { tools } = this.options;
    return this.enqueue(member.namespace, () =>
      runCommand([...inNamespace(tools, member.namespace), tools.iptablesRestore, "-w", "--noflush"], { stdin: script }),
    );
  }

  private enqueue<T>(namespace: string, task: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(namespace) ?? Promise.resolve()).then(task, task);
    this.queues.set(
      namespace,
      next.catch(() => undefined),
    );
    return next;
  }

  private members(targets: readonly Node[]): NetnsMember[] {
    return targets.map((target) => {
      const member = this.options.members.find((m) => m.name === target.name);
      if (!member) {
        throw new FaultlineError({
          code: "FAULTLINE_UNKNOWN_NODE",
          message: `no node named "${target.name}" in this cluster; nodes are ${this.options.members.map((m) => m.name).join(", ")}`,
          hint: "target the cluster's own nodes",
          cluster: this.options.cluster,
        });
      }
      return member;
    });
  }

  private failure(fault: string, member: NetnsMember, result: CommandResult, unsupported: boolean): FaultlineError {
    return new FaultlineError({
      code: unsupported ? "FAULTLINE_FAULT_UNSUPPORTED" : "FAULTLINE_FAULT_FAILED",
      message: `${fault} in namespace ${member.namespace} failed (exit ${result.code}): ${result.stderr || "no output"}`,
      hint: unsupported
        ? "this kernel lacks the module the fault needs (see `faultline doctor`); client-side faults through the fault proxy work everywhere"
        : "check `iptables -V` and the kernel log; the fault was rolled back",
      cluster: this.options.cluster,
      node: member.name,
    });
  }
}

/** A real timer that keeps the process alive (unlike `sleep`): dispose awaits what it delays. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}

/** Wraps an undo so a second call returns the first call's promise. */
function once(fn: () => Promise<void>): Undo {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

/** Waits for all; rethrows the first rejection. */
async function settleAll(promises: Array<Promise<void>>): Promise<void> {
  const failure = (await Promise.allSettled(promises)).find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
}

/** On a partial apply, undoes what did apply, then rethrows the first failure. */
async function rethrowFirst(results: PromiseSettledResult<void>[], rollback: Undo): Promise<void> {
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (!failure) return;
  await rollback().catch(() => undefined);
  throw failure.reason;
}
