import type { TimelineEvent } from "../cluster/timeline";
import type { Grudge } from "../cluster/grudge";
import type { CheckSummary } from "./check-summary";

/** `timeline.toJSON()`: what a cluster's timeline serialises to. */
export interface TimelineJSON {
  origin: number;
  originWall: number;
  events: readonly TimelineEvent[];
}

/** One history a cluster recorded, as the Jest glue hands it over. */
export interface HistoryArtifactInput {
  /** `history.toJSONL()`. */
  jsonl: string;
  /** The checker's result, if the test checked it (e.g. the linearizability verdict). */
  check?: unknown;
  /**
   * Where the history's time 0 sits on the timeline, in timeline ms:
   * `Number(history.origin) / 1e6 - timeline.origin`. Default: the test's start (`slice.from`).
   */
  offsetMs?: number;
}

/** One cluster's part in a test, as the Jest glue hands it over. */
export interface ClusterArtifactInput {
  name: string;
  provisioner: string;
  /** Node -> where it runs (an SSH host), when the backend says. */
  placements?: Record<string, string>;
  timeline: TimelineJSON;
  /** The test's window on that timeline, in timeline ms (`at` values): `[from, to)`. */
  slice: { from: number; to: number };
  nodeLogs: ReadonlyArray<{ node: string; file: string }>;
  histories: readonly HistoryArtifactInput[];
}

export type TestStatus = "passed" | "failed" | "skipped" | "todo";

/** Input of {@link writeTestArtifacts}. */
export interface TestArtifactsInput {
  /** Absolute report directory (`state.config.reportDir`). */
  reportDir: string;
  /** Absolute path of the test file. */
  testPath: string;
  /** Full test name, describe blocks included, as Jest's `fullName`. */
  testName: string;
  status: TestStatus;
  durationMs: number;
  clusters: readonly ClusterArtifactInput[];
}

/** A fault as the report shows it: apply and heal joined. */
export interface FaultSummary {
  id: string;
  kind: string;
  description: string;
  targets: string[];
  mechanism?: string;
  grudge?: Grudge;
  /** Timeline ms of the apply (or of the failed attempt). */
  appliedAt: number;
  /** Timeline ms of the heal; absent while still active at the window's end. */
  healedAt?: number;
  /** How long the fault was in force (heal - apply), when healed. */
  activeMs?: number;
  /** How long applying it took. */
  applyMs?: number;
  /** The fault could not be applied. */
  failed?: boolean;
  error?: string;
}

export interface RecoverySummary {
  label: string;
  ok: boolean;
  durationMs: number;
  budgetMs: number;
  faultId?: string;
  /** Timeline ms at which recovery was measured complete. */
  at: number;
}

export interface HistoryArtifact {
  /** File name inside the test's folder: `history-0.jsonl`. */
  file: string;
  offsetMs: number;
  operations: number;
  check?: CheckSummary;
  /** `check-0.json`, the checker's raw result, when it could be serialised. */
  checkFile?: string;
}

export interface ClusterOutcome {
  name: string;
  provisioner: string;
  nodes: string[];
  /** Node -> where it runs (an SSH host), when the backend says. */
  placements?: Record<string, string>;
  faults: FaultSummary[];
  recoveries: RecoverySummary[];
  histories: HistoryArtifact[];
  /** Node -> file name of its log tail inside `logs/`. */
  logs: Record<string, string>;
}

/** `outcome.json`: what a test did, small enough for the reporter to read for every test. */
export interface TestOutcome {
  version: 1;
  testPath: string;
  testName: string;
  status: TestStatus;
  durationMs: number;
  /** Date.now() when the artifacts were written; the reporter keeps only this run's. */
  writtenAt: number;
  clusters: ClusterOutcome[];
}

/** `timeline.json`: one entry per cluster. */
export interface TimelineWindow {
  cluster: string;
  origin: number;
  originWall: number;
  from: number;
  to: number;
  nodes: string[];
  /** State carried into the window: each node's last event and the faults still active. */
  carried: TimelineEvent[];
  events: TimelineEvent[];
}
