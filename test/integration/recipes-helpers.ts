import { spawnSync } from "node:child_process";
import type { Cluster } from "../../src/cluster/types";

/**
 * The local addresses every node process of a `process` cluster listens on, from `ss`
 * (sockets of processes in other namespaces are not visible here).
 */
export function listeningAddresses(cluster: Cluster): Map<string, string[]> {
  const out = spawnSync("ss", ["-H", "-ltnp"], { encoding: "utf8" }).stdout ?? "";
  const result = new Map<string, string[]>();
  for (const node of cluster.nodes) {
    const lines = out.split("\n").filter((line) => line.includes(`pid=${node.pid},`));
    result.set(node.name, lines.map((line) => line.trim().split(/\s+/)[3]!));
  }
  return result;
}
