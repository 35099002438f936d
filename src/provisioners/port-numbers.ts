import { FaultlineError } from "../common/errors";
import { isNumberedPort } from "../cluster/node-specs";
import type { NodeSlot } from "../cluster/provisioner";

/** Where ports are numbered from on backends that give each node its own address. */
export const FIRST_PORT = 10_000;

/** A port named by its number ("6379") binds that number. */
export function fixedPort(name: string): number | undefined {
  return isNumberedPort(name) ? Number(name) : undefined;
}

/**
 * The port each name binds on a backend where every node has its own address (netns, docker):
 * a port named by its number binds that number (what a compose file's service expects), the
 * others count up from {@link FIRST_PORT}, past any number already taken.
 */
export function portNumbers(names: readonly string[]): Record<string, number> {
  const taken = new Set(names.map(fixedPort).filter((p): p is number => p !== undefined));
  const out: Record<string, number> = {};
  let next = FIRST_PORT;
  for (const name of names) {
    const fixed = fixedPort(name);
    if (fixed !== undefined) {
      out[name] = fixed;
      continue;
    }
    while (taken.has(next)) next++;
    out[name] = next++;
  }
  return out;
}

/**
 * `to`'s own address and port, for backends whose nodes dial each other directly (netns, ssh).
 * Callers may pass slots rebuilt from public nodes (without ports): the answer comes from `slots`.
 */
export function directPeerAddress(
  slots: readonly NodeSlot[],
  from: NodeSlot,
  to: NodeSlot,
  port: string,
  context: { cluster: string; ports: readonly string[] },
): string {
  const target = slots.find((s) => s.name === to.name) ?? to;
  const number = target.ports[port];
  if (number === undefined) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `no port named "${port}"; the cluster declares ports ${JSON.stringify(context.ports)}`,
      hint: "name the port in the cluster's `ports` list",
      cluster: context.cluster,
      node: from.name,
      option: "ports",
    });
  }
  return `${target.host}:${number}`;
}
