import { FaultlineError, describeValue } from "../common/errors";
import type { Grudge } from "../faults/grudge";

/**
 * What each node drops for a network fault, shared by the backends that do it with iptables
 * inside each node's network namespace (netns, docker). Plans are pure: the backend turns them
 * into chains.
 */
export interface DropRule {
  /** Source address to drop; undefined drops everything arriving (loopback excepted). */
  source?: string;
  /** 0..1: drop this share at random (`-m statistic`); undefined drops all. */
  probability?: number;
}

/** A node as a backend places it: its name and the address its packets come from. */
export interface Member {
  name: string;
}

/**
 * "a cannot hear b" drops, in a's INPUT, everything from b's address — b's replies to a's own
 * connections included, as Jepsen's iptables partitions do. With `clients`, the test's clients
 * (`clientAddress`, the host) also lose the nodes cut off, in either direction, from a majority
 * of the cluster: the isolated node of `isolate`, the minority side of `halves`.
 */
export function partitionPlan<M extends Member>(
  grudge: Grudge,
  members: readonly M[],
  addressOf: (member: M) => string,
  clients: boolean,
  clientAddress: string,
  cluster: string,
): Map<M, DropRule[]> {
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
  const deafTo = new Map<M, Set<M>>();
  for (const [deafName, unheard] of Object.entries(grudge)) {
    const deaf = lookup(deafName);
    const sources = new Set(unheard.map(lookup).filter((m) => m !== deaf));
    deafTo.set(deaf, sources);
    if (sources.size) plan.set(deaf, [...sources].map((s) => ({ source: addressOf(s) })));
  }
  if (clients) {
    const majority = Math.floor(members.length / 2) + 1;
    const cut = (a: M, b: M): boolean => Boolean(deafTo.get(a)?.has(b) || deafTo.get(b)?.has(a));
    for (const member of members) {
      const connected = members.filter((other) => other !== member && !cut(member, other)).length + 1;
      if (connected < majority) plan.set(member, [...(plan.get(member) ?? []), { source: clientAddress }]);
    }
  }
  return plan;
}

/**
 * Random loss to and from `targets`, one roll per packet: a target drops a share of everything
 * arriving; every other node drops the same share of what arrives from a target. (What a target
 * sends to the host's clients is not dropped: the host's own firewall is never touched.)
 */
export function lossPlan<M extends Member>(targets: readonly M[], members: readonly M[], addressOf: (member: M) => string, probability: number, cluster: string): Map<M, DropRule[]> {
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
    else if (targets.length) plan.set(member, targets.map((t) => ({ source: addressOf(t), probability })));
  }
  return plan;
}

/** tc arguments for a token bucket of `rateKBps` (1 KB = 1000 bytes, as in Toxiproxy); no netem needed. */
export function tbfArgs(rateKBps: number, cluster: string): string[] {
  if (typeof rateKBps !== "number" || !Number.isFinite(rateKBps) || rateKBps <= 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `bandwidth rate must be a positive number of KB/s, received ${describeValue(rateKBps)}`,
      hint: "e.g. { rate: 100 } limits to 100 KB/s",
      cluster,
      option: "rate",
    });
  }
  const bytesPerSecond = rateKBps * 1000;
  // The bucket must hold a few full frames (or nothing passes) and ~20 ms of traffic, so the
  // limit is smooth with a coarse kernel timer.
  const burst = Math.max(4 * 1514, Math.ceil(bytesPerSecond / 50));
  // "kbit", not "kbps": tc reads kbps as kilobytes per second.
  return ["tbf", "rate", `${Math.max(1, Math.round(rateKBps * 8))}kbit`, "burst", String(burst), "latency", "200ms"];
}
