import { FaultlineError } from "../common/errors";
import type { Cluster } from "../cluster/types";
import { fileState } from "./file-state";
import { unknownCluster } from "./load-cluster-module";

/**
 * The file's cluster `name`, provisioned before the file's first test and torn down after its
 * last. Call it at the top of a test file; use the result inside tests and hooks.
 */
export function useCluster(name: string): Cluster {
  const state = fileState();
  if (!state) {
    throw new FaultlineError({
      code: "FAULTLINE_NO_CLUSTER",
      message: `useCluster("${name}") needs faultline's test environment, and this file runs in another one`,
      hint: 'set preset: "faultline/preset" in your Jest config (or testEnvironment: "faultline/environment")',
      cluster: name,
    });
  }
  if (!(name in state.config.clusters)) throw unknownCluster(name, state.config);
  state.wanted.add(name);
  const get = (): Cluster => {
    const cluster = state.clusters.get(name);
    if (cluster) return cluster;
    if (state.provisionError) throw state.provisionError;
    throw new FaultlineError({
      code: "FAULTLINE_NO_CLUSTER",
      message: `cluster "${name}" is not provisioned yet`,
      hint: "use the cluster inside a test or a hook: it is provisioned before the file's first test",
      cluster: name,
    });
  };
  // A stand-in that forwards to the real cluster once it exists, so `const c = useCluster(…)`
  // can sit at the top of the file.
  return new Proxy({} as Cluster, {
    get(_target, property) {
      if (typeof property === "symbol" || property === "then" || property === "asymmetricMatch" || property === "$$typeof") {
        const cluster = state.clusters.get(name);
        return cluster ? Reflect.get(cluster, property, cluster) : undefined;
      }
      const cluster = get();
      const value = Reflect.get(cluster, property, cluster) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(cluster) : value;
    },
    has(_target, property) {
      const cluster = state.clusters.get(name);
      return cluster ? property in cluster : false;
    },
    getPrototypeOf() {
      const cluster = state.clusters.get(name);
      return cluster ? Object.getPrototypeOf(cluster) : Object.prototype;
    },
  });
}
