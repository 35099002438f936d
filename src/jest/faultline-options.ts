import { toMs } from "../common/duration";
import { FaultlineError, describeValue } from "../common/errors";
import type { FaultlineOptions } from "./file-state";

const PREFIX = "testEnvironmentOptions.faultline";
const KEYS = ["clusters", "reportDir", "provisionTimeout", "restoreTimeout", "progress"];
/** As start-cluster.ts checks it: a cluster's name becomes part of its directories and Docker names. */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function invalid(option: string, expected: string, value: unknown, hint: string): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: `${option} must be ${expected}, received ${describeValue(value)}`, hint, option });
}

/**
 * Checks `testEnvironmentOptions.faultline` before a file runs: a misspelt key (`cluster:`) or a
 * reportDir of the wrong type would otherwise be ignored, or crash in path.resolve as a TypeError.
 */
export function validateFaultlineOptions(options: unknown): asserts options is FaultlineOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalid(PREFIX, "an object", options, 'e.g. faultline: { clusters: { etcd: "./test/clusters/etcd.cluster.ts" } }');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) throw invalid(`${PREFIX}.${key}`, `left out: the options are ${KEYS.join(", ")}`, o[key], "check the option's spelling");
  }
  const clusters = o.clusters;
  const clustersHint = 'e.g. clusters: { etcd: "./test/clusters/etcd.cluster.ts" }';
  if (clusters !== undefined) {
    if (typeof clusters !== "object" || clusters === null || Array.isArray(clusters)) {
      throw invalid(`${PREFIX}.clusters`, "an object mapping cluster names to module paths", clusters, clustersHint);
    }
    for (const [name, path] of Object.entries(clusters)) {
      if (!CLUSTER_NAME.test(name) || name.includes("..")) {
        throw invalid(
          `${PREFIX}.clusters`,
          "keyed by cluster names (letters, digits, _ . -, at most 64)",
          name,
          "rename the cluster: its name becomes part of directory and Docker names",
        );
      }
      if (typeof path !== "string" || path.trim() === "") throw invalid(`${PREFIX}.clusters.${name}`, "a module path", path, clustersHint);
    }
  }
  if (o.reportDir !== undefined && (typeof o.reportDir !== "string" || o.reportDir.trim() === "")) {
    throw invalid(`${PREFIX}.reportDir`, "a directory path", o.reportDir, 'e.g. reportDir: "faultline-report" (relative to rootDir)');
  }
  for (const key of ["provisionTimeout", "restoreTimeout"]) {
    if (o[key] !== undefined) toMs(o[key], { option: `${PREFIX}.${key}`, positive: true });
  }
  if (o.progress !== undefined && typeof o.progress !== "boolean")
    throw invalid(`${PREFIX}.progress`, "true or false", o.progress, "progress: false silences the provisioning line");
}
