import { FaultlineError, describeValue } from "../../common/errors";
import type { Grudge } from "../../faults/grudge";

/** A node as the docker backend places it. */
export interface DockerMember {
  name: string;
  /** Its fixed IP on the cluster network. */
  ip: string;
}

export interface DropRule {
  /** Source address to drop; undefined drops everything arriving (loopback excepted). */
  source?: string;
  /** 0..1: drop this share at random (`-m statistic`); undefined drops all. */
  probability?: number;
}

/**
 * Which packets each container drops for a grudge: "a cannot hear b" drops, in a's INPUT,
 * everything from b's IP — b's replies to a's own connections included, as Jepsen's iptables
 * partitions do. With `clients`, the host (the network's gateway, where the test's clients come
 * from) is also dropped by every node cut off from a majority: the isolated node, the minority.
 */
export function partitionPlan(grudge: Grudge, members: readonly DockerMember[], clients: boolean, gateway: string, cluster: string): Map<string, DropRule[]> {
  const byName = new Map(members.map((m) => [m.name, m]));
  const lookup = (name: string): DockerMember => {
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
  const plan = new Map<string, DropRule[]>();
  const deafTo = new Map<string, Set<string>>();
  for (const [deafName, unheard] of Object.entries(grudge)) {
    const deaf = lookup(deafName);
    const sources = [...new Set(unheard)].map(lookup).filter((m) => m !== deaf);
    deafTo.set(deaf.name, new Set(sources.map((s) => s.name)));
    if (sources.length)
      plan.set(
        deaf.name,
        sources.map((s) => ({ source: s.ip })),
      );
  }
  if (clients) {
    const majority = Math.floor(members.length / 2) + 1;
    const cut = (a: string, b: string): boolean => Boolean(deafTo.get(a)?.has(b) || deafTo.get(b)?.has(a));
    for (const member of members) {
      const connected = members.filter((other) => other !== member && !cut(member.name, other.name)).length + 1;
      if (connected < majority) plan.set(member.name, [...(plan.get(member.name) ?? []), { source: gateway }]);
    }
  }
  return plan;
}

/**
 * Random loss to and from `targets`: a target drops a share of everything arriving; every other
 * node drops the same share of what arrives from a target. Nothing on the host is touched.
 */
export function lossPlan(targets: readonly DockerMember[], members: readonly DockerMember[], probability: number, cluster: string): Map<string, DropRule[]> {
  if (typeof probability !== "number" || !(probability >= 0 && probability <= 1)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `loss probability must be a number from 0 to 1, received ${describeValue(probability)}`,
      hint: "e.g. 0.3 drops about 30% of packets",
      cluster,
      option: "probability",
    });
  }
  const plan = new Map<string, DropRule[]>();
  const targetNames = new Set(targets.map((t) => t.name));
  for (const member of members) {
    if (targetNames.has(member.name)) plan.set(member.name, [{ probability }]);
    else if (targets.length)
      plan.set(
        member.name,
        targets.map((t) => ({ source: t.ip, probability })),
      );
  }
  return plan;
}

/** Creates `chain` with its DROP rules and jumps to it first thing in INPUT (one iptables-restore transaction). */
export function addChainScript(chain: string, rules: readonly DropRule[]): string {
  const lines = ["*filter", `:${chain} - [0:0]`];
  for (const rule of rules) {
    const parts = ["-A", chain];
    // The node talking to itself over loopback is not network traffic.
    parts.push(...(rule.source ? ["-s", rule.source] : ["!", "-i", "lo"]));
    if (rule.probability !== undefined) parts.push("-m", "statistic", "--mode", "random", "--probability", formatProbability(rule.probability));
    parts.push("-j", "DROP"); // DROP, not REJECT: a partition is silence, not a refusal
    lines.push(parts.join(" "));
  }
  lines.push(`-I INPUT 1 -j ${chain}`, "COMMIT");
  return lines.join("\n") + "\n";
}

/** Removes exactly what {@link addChainScript} added. */
export function removeChainScript(chain: string): string {
  return ["*filter", `-D INPUT -j ${chain}`, `-F ${chain}`, `-X ${chain}`, "COMMIT"].join("\n") + "\n";
}

function formatProbability(p: number): string {
  return p.toFixed(6).replace(/0+$/, "").replace(/\.$/, ".0");
}

/** tc arguments for a token bucket of `rateKBps` (1 KB = 1000 bytes, as in Toxiproxy). netem is not needed. */
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
  // "kbit", not "kbps": tc reads kbps as kilobytes per second, a classic trap.
  return ["tbf", "rate", `${Math.max(1, Math.round(rateKBps * 8))}kbit`, "burst", String(burst), "latency", "200ms"];
}

/**
 * A grudge the engine alone can do without entering namespaces: one node cut off from all
 * others in both directions, which `docker network disconnect` does (cutting clients too).
 */
export function isolatedNode(grudge: Grudge, members: readonly DockerMember[]): string | undefined {
  const names = members.map((m) => m.name);
  const deaf = (name: string): Set<string> => new Set((grudge[name] ?? []).filter((n) => n !== name));
  for (const candidate of names) {
    const others = names.filter((n) => n !== candidate);
    const candidateDeaf = deaf(candidate);
    if (others.length === 0 || candidateDeaf.size !== others.length || !others.every((n) => candidateDeaf.has(n))) continue;
    if (
      others.every((n) => {
        const d = deaf(n);
        return d.size === 1 && d.has(candidate);
      })
    )
      return candidate;
  }
  return undefined;
}
