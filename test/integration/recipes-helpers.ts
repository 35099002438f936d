import { spawnSync } from "node:child_process";
import type { Cluster } from "../../src/cluster/types";

/**
 * The local addresses every node process listens on, from `ss`: on `process` the host's
 * sockets, on `netns` each node's own namespace (entered through its pid, since sockets of
 * processes in other namespaces are not visible from the host).
 */
export function listeningAddresses(cluster: Cluster): Map<string, string[]> {
  if (cluster.provisioner === "docker") throw new Error("listeningAddresses reads process and netns clusters only");
  const hostSockets = cluster.provisioner === "process" ? listening([]) : "";
  const result = new Map<string, string[]>();
  for (const node of cluster.nodes) {
    const out = cluster.provisioner === "process" ? hostSockets : listening(["nsenter", `--net=/proc/${node.pid}/ns/net`, "--"]);
    const lines = out.split("\n").filter((line) => line.includes(`pid=${node.pid},`));
    result.set(
      node.name,
      lines.map((line) => line.trim().split(/\s+/)[3]!),
    );
  }
  return result;
}

function listening(prefix: string[]): string {
  const [command, ...args] = [...prefix, "ss", "-H", "-ltnp"];
  return spawnSync(command!, args, { encoding: "utf8" }).stdout ?? "";
}

/**
 * Polls `find` every 200 ms until it returns a value (a throw counts as none yet); after `ms`
 * throws, saying `what` did not happen (a function is asked then, so it can tell what was seen).
 */
export async function eventually<T>(what: string | (() => string), ms: number, find: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${typeof what === "string" ? what : what()}: not within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
