import type { Grudge } from "../../faults/grudge";
import type { DropRule } from "../drop-plans";

/** A node as the docker backend places it. */
export interface DockerMember {
  name: string;
  /** Its fixed IP on the cluster network. */
  ip: string;
}

export type { DropRule } from "../drop-plans";

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
