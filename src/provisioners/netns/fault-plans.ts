import { FaultlineError, describeValue } from "../../common/errors";
import type { Grudge } from "../../faults/grudge";
import type { DropRule } from "./iptables-rules";

/** A node as the netns backend places it. */
export interface NetnsMember {
  name: string;
  index: number;
  /** The node's own IP on the cluster bridge. */
  host: string;
  namespace: string;
}

/**
 * Which packets each node's namespace drops for a grudge: "a cannot hear b" drops, in a's
 * INPUT, everything from b's address. That also drops b's replies to a's own connections,
 * which is what Jepsen's iptables partitions do.
 *
 * With `clients`, the test's clients (the host, dialling from the bridge address) also lose
 * the nodes cut off — in either direction — from a majority of the cluster: the isolated node
 * of `isolate`, the minority side of `halves`. A majority side keeps serving clients.
 */
export function partitionPlan(
  grudge: Grudge,
  members: readonly NetnsMember[],
  clients: boolean,
  clientAddress: string,
  cluster: string,
): Map<NetnsMember, DropRule[]> {
  const byName = new Map(members.map((m) => [m.name, m]));
  const lookup = (name: string): NetnsMember => {
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
  const plan = new Map<NetnsMember, DropRule[]>();
  const deafTo = new Map<NetnsMember, Set<NetnsMember>>();
  for (const [deafName, unheard] of Object.entries(grudge)) {
    const deaf = lookup(deafName);
    const sources = new Set(unheard.map(lookup).filter((m) => m !== deaf));
    deafTo.set(deaf, sources);
    if (sources.size)
      plan.set(
        deaf,
        [...sources].map((s) => ({ source: s.host })),
      );
  }
  if (clients) {
    const majority = Math.floor(members.length / 2) + 1;
    const cut = (a: NetnsMember, b: NetnsMember): boolean => Boolean(deafTo.get(a)?.has(b) || deafTo.get(b)?.has(a));
    for (const member of members) {
      const connected = members.filter((other) => other !== member && !cut(member, other)).length + 1;
      if (connected >= majority) continue;
      plan.set(member, [...(plan.get(member) ?? []), { source: clientAddress }]);
    }
  }
  return plan;
}

/**
 * Random loss to and from `targets`, one roll per packet: a target drops a share of everything
 * arriving; every other node drops the same share of what arrives from a target. (What a target
 * sends to the host's clients is not dropped: the host's own firewall is never touched.)
 */
export function lossPlan(targets: readonly NetnsMember[], members: readonly NetnsMember[], probability: number, cluster: string): Map<NetnsMember, DropRule[]> {
  if (typeof probability !== "number" || !(probability >= 0 && probability <= 1)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `loss probability must be a number from 0 to 1, received ${describeValue(probability)}`,
      hint: "e.g. 0.3 drops about 30% of packets",
      cluster,
      option: "probability",
    });
  }
  const plan = new Map<NetnsMember, DropRule[]>();
  for (const member of members) {
    if (targets.includes(member)) plan.set(member, [{ probability }]);
    else if (targets.length)
      plan.set(
        member,
        targets.map((t) => ({ source: t.host, probability })),
      );
  }
  return plan;
}

/** tc arguments for a token bucket on `rateKBps` (1 KB = 1000 bytes, as in Toxiproxy). */
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
  // The bucket must hold a full frame (or nothing ever passes) and 20 ms of traffic, so the
  // limit is smooth on kernels with a coarse timer.
  const burst = Math.max(4 * 1514, Math.ceil(bytesPerSecond / 50));
  return ["tbf", "rate", `${Math.max(1, Math.round(rateKBps * 8))}kbit`, "burst", String(burst), "latency", "100ms"];
}
