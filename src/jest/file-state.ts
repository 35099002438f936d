import type { FaultlineCluster } from "../cluster/faultline-cluster";
import type { InProcessScope } from "./in-process-scope";

/** `testEnvironmentOptions.faultline` as a user writes it. */
export interface FaultlineOptions {
  /** Cluster name -> module (relative to rootDir) whose default export is a defineCluster(). */
  clusters?: Record<string, string>;
  /** Where the report goes. Default "faultline-report" (relative to rootDir). */
  reportDir?: string;
  /** Budget for provisioning a file's clusters. Default "120s". */
  provisionTimeout?: string | number;
  /** Budget for restoring steady state after each test. Default "60s". */
  restoreTimeout?: string | number;
  /** Print which nodes are up while provisioning takes more than a moment. Default true. */
  progress?: boolean;
}

/** What the environment resolved for one test file. */
export interface FileConfig {
  clusters: Record<string, string>;
  requested: string[];
  testPath: string;
  rootDir: string;
  reportDir: string;
  provisionTimeoutMs: number;
  restoreTimeoutMs: number;
  progress: boolean;
  /** Jest watches files (--watch, --watchAll): reusable clusters are kept between runs. */
  watching: boolean;
  /** Jest's test timeout for this run, when the user left it at Jest's 5 s default. */
  jestDefaultTimeout: boolean;
}

export interface TestRecord {
  name: string;
  startedAt: number;
  status?: "passed" | "failed";
  /** Clusters touched by a faulted test, for the concurrency guard. */
  faulted: Set<string>;
}

/** Shared between the environment (outside the sandbox) and the test's modules (inside it). */
export interface FileState {
  config: FileConfig;
  clusters: Map<string, FaultlineCluster>;
  /** Clusters asked for by docblock or useCluster(), provisioned in the file's first beforeAll. */
  wanted: Set<string>;
  /** Error from provisioning, rethrown by every test that uses the cluster. */
  provisionError?: unknown;
  current?: TestRecord;
  /** Cluster name -> the test currently running a fault on it. */
  faultOwners: Map<string, string>;
  /** In-process faults of a file without a cluster: their timeline, healed after each test as a safety net. */
  inProcess?: InProcessScope;
  /** The clusters as a failing faulted test left them, captured before its faults were healed. */
  failureSnapshot?: string;
  /** Set by the setup file; the environment calls it from teardown() so clusters never outlive the file. */
  teardown?: () => Promise<void>;
  /** Called by the environment when a test ends; returns text to append to its failure. */
  describeFailure?: () => string;
  /** Called by the environment when a test ends. */
  onTestDone?: (name: string, status: "passed" | "failed", errors: unknown[]) => void | Promise<void>;
}

const KEY = "__faultline";

export function fileState(): FileState | undefined {
  return (globalThis as Record<string, unknown>)[KEY] as FileState | undefined;
}

export function setFileState(target: object, state: FileState): void {
  (target as Record<string, unknown>)[KEY] = state;
}
