import type { FaultlineCluster } from "../../cluster/faultline-cluster";
import type { ClusterNode } from "../../cluster/cluster-node";
import { matcherReceiverError } from "./receiver-error";

const CLUSTER_HINT = "pass the value returned by useCluster(...) or startCluster(...)";

export function isCluster(value: unknown): value is FaultlineCluster {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as FaultlineCluster).checkHealth === "function" &&
    typeof (value as FaultlineCluster).timeline === "object"
  );
}

export function asCluster(matcher: string, received: unknown): FaultlineCluster {
  if (!isCluster(received)) throw matcherReceiverError({ matcher, what: "received", accepts: "a cluster", value: received, hint: CLUSTER_HINT });
  return received;
}

export function asNode(matcher: string, received: unknown): ClusterNode {
  const node = received as ClusterNode;
  if (typeof node !== "object" || node === null || typeof node.waitForExit !== "function" || typeof node.name !== "string") {
    throw matcherReceiverError({
      matcher,
      what: "received",
      accepts: "a node (cluster.node(name))",
      value: received,
      hint: 'pass one node of a cluster: expect(cluster.node("n1")).toExitWithin("5s")',
    });
  }
  return node;
}
