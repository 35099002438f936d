import { existsSync } from "node:fs";
import { FaultlineError, isFaultlineError } from "../common/errors";
import type { ClusterSpec } from "../cluster/types";
import type { FileConfig } from "./file-state";

/** The configured cluster names, for "did you mean" lists. */
function known(config: FileConfig): string {
  const names = Object.keys(config.clusters);
  return names.length ? names.map((n) => `"${n}"`).join(", ") : "none";
}

export function unknownCluster(name: string, config: FileConfig): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_UNKNOWN_CLUSTER",
    message: `no cluster named "${name}" is configured (known: ${known(config)})`,
    hint: `add it to testEnvironmentOptions.faultline.clusters in your Jest config, e.g. clusters: { ${name}: "./test/clusters/${name}.cluster.ts" }`,
    cluster: name,
    option: "testEnvironmentOptions.faultline.clusters",
  });
}

/**
 * Loads a cluster module through the test file's own `require`, so Jest's transform (ts-jest,
 * babel) applies to a TypeScript cluster module exactly as it does to the test.
 */
export function loadClusterModule(name: string, config: FileConfig, load: (path: string) => unknown): ClusterSpec {
  const path = config.clusters[name];
  if (path === undefined) throw unknownCluster(name, config);
  if (!existsSync(path) && !["", ".js", ".ts", ".cjs", ".mjs", ".mts", ".cts"].some((ext) => existsSync(path + ext))) {
    throw new FaultlineError({
      code: "FAULTLINE_CLUSTER_MODULE",
      message: `the module of cluster "${name}" does not exist: ${path}`,
      hint: "paths in testEnvironmentOptions.faultline.clusters are relative to the Jest rootDir",
      cluster: name,
      option: `testEnvironmentOptions.faultline.clusters.${name}`,
    });
  }
  let exported: unknown;
  try {
    exported = load(path);
  } catch (error) {
    if (isFaultlineError(error)) throw error;
    throw new FaultlineError({
      code: "FAULTLINE_CLUSTER_MODULE",
      message: `the module of cluster "${name}" failed to load: ${(error as Error).message}`,
      hint: "a TypeScript cluster module needs a transform for .ts files in your Jest config (e.g. ts-jest)",
      cluster: name,
      option: `testEnvironmentOptions.faultline.clusters.${name}`,
      cause: error,
    });
  }
  const spec = (exported as { default?: unknown } | undefined)?.default ?? exported;
  // A spec has a command, or one per node (`nodes: { db: {…} }`); defineCluster checked the rest.
  const looksLikeSpec = (s: ClusterSpec): boolean => typeof s.command === "function" || (typeof s.nodes === "object" && s.nodes !== null);
  if (!spec || typeof spec !== "object" || !looksLikeSpec(spec as ClusterSpec)) {
    throw new FaultlineError({
      code: "FAULTLINE_CLUSTER_MODULE",
      message: `the module of cluster "${name}" (${path}) has no default export made by defineCluster()`,
      hint: "end the module with: export default defineCluster({ nodes: 3, command: ({ node }) => [...] })",
      cluster: name,
      option: `testEnvironmentOptions.faultline.clusters.${name}`,
    });
  }
  return spec as ClusterSpec;
}
