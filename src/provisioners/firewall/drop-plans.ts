import { FaultlineError, describeValue } from "../../common/errors";
import type { Grudge } from "../../cluster/grudge";

/**
 * What each node drops for a network fault, for the backends that do it with iptables inside each
 * node's network namespace (netns, docker). Plans are pure: the backend turns them into chains
 * (see restore-scripts.ts), whose loopback exception holds for every rule.
 */
export interface DropRule {
  /** Source address to drop; undefined drops everything arriving (loopback excepted). */
  source?: string;
  /** 0..1: drop this share at random (`-m statistic`); undefined drops all. */
  probability?: number;
}

/** A node as a backend places it. */
export interface Member {
  name: string;
}

/**
 * "a cannot hear b" drops, in a's INPUT, everything from b's address — b's replies to a's own
 * connections included, as Jepsen's iptables partitions do. The test's clients are not cut here:
 * the partition fault cuts them at the fault proxy, the same way on every provisioner.
 */
export function partitionPlan<M extends Member>(grudge: Grudge, members: readonly M[], addressOf: (member: M) => string, cluster: string): Map<M, DropRule[]> {
  const byName = new Map(members.map((m) => [m.name, m]));
  const lookup = (name: string): M => {
    const member = byName.get(name);
    if (!member) {
      throw new FaultlineError({
        code: "FAULTLINE_UNKNOWN_NODE",
        message: `the partition names node ${describeValue(name)}; nodes are ${members.map((m) => m.name).join(", ")}`,
        hint: "build grudges from the cluster's node names",
        cluster,
      });
    }
    return member;
  };
  const plan = new Map<M, DropRule[]>();
  for (const [deafName, unheard] of Object.entries(grudge)) {
    const deaf = lookup(deafName);
    const sources = new Set(unheard.map(lookup).filter((m) => m !== deaf));
    if (sources.size)
      plan.set(
        deaf,
        [...sources].map((s) => ({ source: addressOf(s) })),
      );
  }
  return plan;
}

/**
 * Random loss to and from `targets`, one roll per packet: a target drops a share of everything
 * arriving (but what it sends itself over loopback); every other node drops the same share of what
 * arrives from a target. (What a target sends to the host's clients is not dropped: the host's own
 * firewall is never touched.)
 */
export function lossPlan<M extends Member>(
  targets: readonly M[],
  members: readonly M[],
  addressOf: (member: M) => string,
  probability: number,
  cluster: string,
): Map<M, DropRule[]> {
  if (typeof probability !== "number" || !(probability >= 0 && probability <= 1)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `loss probability must be a number from 0 to 1, received ${describeValue(probability)}`,
      hint: "e.g. 0.3 drops about 30% of packets",
      cluster,
      option: "probability",
    });
  }
  const targetNames = new Set(targets.map((t) => t.name));
  const plan = new Map<M, DropRule[]>();
  for (const member of members) {
    if (targetNames.has(member.name)) plan.set(member, [{ probability }]);
    else if (targets.length)
      plan.set(
        member,
        targets.map((t) => ({ source: addressOf(t), probability })),
      );
  }
  return plan;
}
