import type { FaultlineCluster } from "../../cluster/faultline-cluster";
import type { ClusterNode } from "../../cluster/cluster-node";

/** A TypeError that also carries faultline's code and hint. */
export function receiverError(matcher: string, expected: string, received: unknown): TypeError {
  const kind = received === null ? "null" : Array.isArray(received) ? "an array" : typeof received;
  const hint = "pass the value returned by useCluster(...) or startCluster(...)";
  const error = new TypeError(`${matcher}() expects ${expected}, received ${kind}\n  Hint: ${hint}`);
  return markReceiverError(error, `${matcher}.received`, hint);
}

/**
 * Keeps Jest's TypeError for a wrong receiver, and makes it a coded faultline error too
 * (`isFaultlineError`, `code`, `option`, `hint`), as every user-facing error is.
 */
export function markReceiverError(error: TypeError, option: string, hint: string): TypeError {
  Object.assign(error, { code: "FAULTLINE_MATCHER_RECEIVER", option, hint });
  Object.defineProperty(error, Symbol.for("faultline.error"), { value: true });
  return error;
}

export function isCluster(value: unknown): value is FaultlineCluster {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as FaultlineCluster).checkHealth === "function" &&
    typeof (value as FaultlineCluster).timeline === "object"
  );
}

export function asCluster(matcher: string, received: unknown): FaultlineCluster {
  if (!isCluster(received)) throw receiverError(matcher, "a cluster", received);
  return received;
}

export function asNode(matcher: string, received: unknown): ClusterNode {
  const node = received as ClusterNode;
  if (typeof node !== "object" || node === null || typeof node.waitForExit !== "function" || typeof node.name !== "string") {
    throw receiverError(matcher, "a node (cluster.node(name))", received);
  }
  return node;
}
