/**
 * iptables-restore scripts for fault chains inside a node's network namespace (a netns node's, a
 * container's). Each fault owns one chain per node, jumped to from the top of INPUT, so undoing it
 * touches exactly what it added. A script is fed to one `iptables-restore --noflush`: one process
 * and one kernel transaction, instead of one `iptables` process per rule.
 */

import type { DropRule } from "./drop-plans";

/**
 * Creates `chain` with its DROP rules and jumps to it first thing in INPUT. The chain starts by
 * returning loopback traffic: a node talking to itself (over 127.0.0.1, or its own address, which
 * the kernel also routes through lo) is not network traffic, and no fault may drop it.
 */
export function addChainScript(chain: string, rules: readonly DropRule[]): string {
  const lines = ["*filter", `:${chain} - [0:0]`, `-A ${chain} -i lo -j RETURN`];
  for (const rule of rules) {
    const parts = ["-A", chain];
    if (rule.source) parts.push("-s", rule.source);
    if (rule.probability !== undefined) parts.push("-m", "statistic", "--mode", "random", "--probability", formatProbability(rule.probability));
    // DROP, not REJECT: a partition is silence, not a refusal.
    parts.push("-j", "DROP");
    lines.push(parts.join(" "));
  }
  lines.push(`-I INPUT 1 -j ${chain}`, "COMMIT");
  return lines.join("\n") + "\n";
}

/**
 * Makes `chain` a no-op by putting RETURN in front of its rules. This is how a fault heals:
 * on nf_tables, any transaction that deletes a rule or chain waits for an RCU grace period
 * (10–35 ms measured on a 2-CPU VM), while an addition takes none. Removing the chain follows
 * in the background ({@link removeChainScript}).
 */
export function bypassChainScript(chain: string): string {
  return ["*filter", `-I ${chain} 1 -j RETURN`, "COMMIT"].join("\n") + "\n";
}

/** Removes the jump and the chain: exactly what {@link addChainScript} added. */
export function removeChainScript(chain: string): string {
  return ["*filter", `-D INPUT -j ${chain}`, `-F ${chain}`, `-X ${chain}`, "COMMIT"].join("\n") + "\n";
}

/**
 * The same removal as separate `iptables` argv (after a namespace prefix), for the reaper,
 * whose undo entries are single commands. Listed in creation order: the reaper runs them
 * newest first (delete the jump, flush, delete the chain).
 */
export function removeChainCommands(iptables: string, chain: string): string[][] {
  return [
    [iptables, "-w", "-X", chain],
    [iptables, "-w", "-F", chain],
    [iptables, "-w", "-D", "INPUT", "-j", chain],
  ];
}

/** statistic takes a decimal: no exponent notation for tiny values, at most 6 places. */
export function formatProbability(p: number): string {
  const text = Number(p.toFixed(6)).toString();
  return text.includes(".") ? text : `${text}.0`;
}
