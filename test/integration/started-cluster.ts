import { provisionCluster } from "../../src/wiring/start-cluster";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import type { ClusterSpec } from "../../src/cluster/types";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";

/**
 * Starts a cluster in a run of its own before the enclosing suite's tests, and stops it (and
 * ends the run) after them. Returns a getter, for the tests to call once the cluster is up.
 */
export function startedCluster(spec: ClusterSpec, name: string, hookTimeoutMs = 60_000): () => FaultlineCluster {
  let run: RunContext | undefined;
  let cluster: FaultlineCluster | undefined;
  beforeAll(async () => {
    run = beginRun();
    cluster = await provisionCluster(spec, { name, run });
  }, hookTimeoutMs);
  afterAll(async () => {
    try {
      await cluster?.stop();
    } finally {
      if (run) await endRun(run);
    }
  }, hookTimeoutMs);
  return () => {
    if (!cluster) throw new Error(`cluster "${name}" did not start (see beforeAll)`);
    return cluster;
  };
}
