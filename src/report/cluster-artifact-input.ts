import type { ClusterArtifactInput, HistoryArtifactInput, TimelineJSON } from "./artifact-types";

/** What the report needs of a cluster: a `FaultlineCluster` fits, and so does a hand-made one. */
export interface ReportableCluster {
  readonly name: string;
  readonly provisioner: string;
  readonly timeline: { readonly origin: number; now(): number; toJSON(): TimelineJSON };
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly logs: { readonly file: string } }>;
  readonly histories: ReadonlyArray<ReportableHistory>;
  /** Node -> where it runs (an SSH host), when the backend says. */
  readonly placements?: Record<string, string>;
}

export interface ReportableHistory {
  /** Monotonic ns at which the history began (same clock as the timeline's origin, in ms). */
  readonly origin: bigint;
  readonly operations: ReadonlyArray<{ readonly time?: number }>;
  toJSONL(): string;
}

/**
 * One cluster's part in the test that started at `testStartedAt` (monotonic ms, as
 * `monoNowMs()`): its timeline window from then to now, its node logs, and the histories that
 * recorded an operation since then (a history made in `beforeAll` shows in each test using it).
 * `checkOf` returns the checker's result for a history, when the test checked it.
 */
export function clusterArtifactInput(
  cluster: ReportableCluster,
  testStartedAt: number,
  checkOf?: (history: ReportableHistory) => unknown,
): ClusterArtifactInput {
  const from = testStartedAt - cluster.timeline.origin;
  const histories: HistoryArtifactInput[] = [];
  for (const history of cluster.histories) {
    const offsetMs = Number(history.origin) / 1e6 - cluster.timeline.origin;
    const last = history.operations.at(-1);
    if (!last || offsetMs + (last.time ?? 0) / 1e6 < from) continue;
    const input: HistoryArtifactInput = { jsonl: history.toJSONL(), offsetMs };
    const check = checkOf?.(history);
    if (check !== undefined) input.check = check;
    histories.push(input);
  }
  return {
    name: cluster.name,
    provisioner: cluster.provisioner,
    ...(cluster.placements ? { placements: cluster.placements } : {}),
    timeline: cluster.timeline.toJSON(),
    // The end event is recorded just before this runs; the window is half-open, so stop just after now.
    slice: { from, to: cluster.timeline.now() + 1e-3 },
    nodeLogs: cluster.nodes.map((node) => ({ node: node.name, file: node.logs.file })),
    histories,
  };
}
