import type { Grudge } from "../../cluster/grudge";

/** A node as the docker backend places it. */
export interface DockerMember {
  name: string;
  /** Its fixed IP on the cluster network. */
  ip: string;
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
