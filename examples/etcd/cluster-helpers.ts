import type { Cluster, Node } from "faultline";

/** Every member's client URL, starting with `first`'s: the client tries `first` before the others. */
export function endpointsFrom(cluster: Cluster, first: Node): string[] {
  const urls = cluster.nodes.map((node) => node.url("client"));
  return [...urls.slice(first.index), ...urls.slice(0, first.index)];
}

/** Puts a measurement on the cluster's timeline (the report shows it) and in the test output. */
export function note(cluster: Cluster, message: string): void {
  cluster.timeline.record({ type: "note", message });
  console.info(message);
}
