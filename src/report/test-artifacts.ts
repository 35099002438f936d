import { mkdir, open, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { wallNow } from "../common/timers";
import type { ClusterArtifactInput, ClusterOutcome, HistoryArtifact, TestArtifactsInput, TestOutcome, TimelineWindow } from "./artifact-types";
import { summarizeCheck } from "./check-summary";
import { fileSlug, slugify, testSlug } from "./slug";
import { summarizeFaults, summarizeRecoveries, timelineWindow } from "./timeline-window";

/** Node logs are copied from their end, up to this many bytes: enough to read, cheap to copy. */
export const LOG_TAIL_BYTES = 256 * 1024;
/** A checker result larger than this is summarised only. */
const MAX_CHECK_BYTES = 1024 * 1024;

/** Where the artifacts of every test of a run go: `<reportDir>/runs`. */
export function runsDir(reportDir: string): string {
  return join(reportDir, "runs");
}

// Tests of one file run one after another in one worker, so a counter per (file, name) makes
// duplicate names and retries distinct without any coordination.
const occurrences = new Map<string, number>();

/**
 * Writes one test's artifacts under `<reportDir>/runs/<file-slug>/<test-slug>/`:
 * `outcome.json` (status, faults with durations, recoveries), `timeline.json` (the test's
 * window of each cluster's timeline), `history-N.jsonl` (+ `check-N.json`), and the tail of
 * every node's log under `logs/`. Runs after every test, so it only slices and copies.
 * @returns the folder and what was written to `outcome.json`.
 */
export async function writeTestArtifacts(input: TestArtifactsInput): Promise<{ dir: string; outcome: TestOutcome }> {
  const key = `${input.testPath}\0${input.testName}`;
  const occurrence = (occurrences.get(key) ?? 0) + 1;
  occurrences.set(key, occurrence);
  const dir = join(runsDir(input.reportDir), fileSlug(input.testPath), testSlug(input.testName, occurrence));
  // A folder left by an earlier run (without the reporter to clear it) must not mix into this one.
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "logs"), { recursive: true });

  const windows: TimelineWindow[] = [];
  const clusters: ClusterOutcome[] = [];
  const writes: Array<Promise<unknown>> = [];
  let historyNumber = 0;
  for (const cluster of input.clusters) {
    const window = timelineWindow(
      cluster.name,
      cluster.timeline,
      cluster.slice,
      cluster.nodeLogs.map((l) => l.node),
    );
    windows.push(window);
    const histories = cluster.histories.map((history) => writeHistory(dir, historyNumber++, history, cluster.slice.from, writes));
    const logs: Record<string, string> = {};
    for (const log of cluster.nodeLogs) {
      const name = `${slugify(cluster.name)}-${slugify(log.node)}.log`;
      logs[log.node] = name;
      writes.push(copyTail(log.file, join(dir, "logs", name), LOG_TAIL_BYTES));
    }
    clusters.push(clusterOutcome(cluster, window, histories, logs));
  }
  const outcome: TestOutcome = {
    version: 1,
    testPath: input.testPath,
    testName: input.testName,
    status: input.status,
    durationMs: input.durationMs,
    writtenAt: wallNow(),
    clusters,
  };
  writes.push(writeFile(join(dir, "timeline.json"), JSON.stringify(windows)));
  await Promise.all(writes);
  // Last, so the reporter never reads an outcome whose other files are still being written.
  await writeFile(join(dir, "outcome.json"), JSON.stringify(outcome, null, 1));
  return { dir, outcome };
}

function clusterOutcome(cluster: ClusterArtifactInput, window: TimelineWindow, histories: HistoryArtifact[], logs: Record<string, string>): ClusterOutcome {
  return {
    name: cluster.name,
    provisioner: cluster.provisioner,
    nodes: window.nodes,
    ...(cluster.placements ? { placements: cluster.placements } : {}),
    faults: summarizeFaults(window),
    recoveries: summarizeRecoveries(window.events),
    histories,
    logs,
  };
}

function writeHistory(
  dir: string,
  n: number,
  history: ClusterArtifactInput["histories"][number],
  from: number,
  writes: Array<Promise<unknown>>,
): HistoryArtifact {
  const artifact: HistoryArtifact = { file: `history-${n}.jsonl`, offsetMs: history.offsetMs ?? from, operations: countLines(history.jsonl) };
  writes.push(writeFile(join(dir, artifact.file), history.jsonl));
  if (history.check !== undefined) {
    const check = summarizeCheck(history.check);
    if (check) artifact.check = check;
    const raw = safeStringify(history.check);
    if (raw !== undefined && raw.length <= MAX_CHECK_BYTES) {
      artifact.checkFile = `check-${n}.json`;
      writes.push(writeFile(join(dir, artifact.checkFile), raw));
    }
  }
  return artifact;
}

function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
  return text.length > 0 && !text.endsWith("\n") ? count + 1 : count;
}

/** JSON of a checker result, without cycles or bigints; undefined if it cannot be had. */
function safeStringify(value: unknown): string | undefined {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Set) return [...(v as Set<unknown>)];
      if (v instanceof Map) return Object.fromEntries(v as Map<unknown, unknown>);
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[circular]";
        seen.add(v);
      }
      return v;
    });
  } catch {
    return undefined;
  }
}

/**
 * Copies the last `bytes` of `source` (from a line start) to `target`. A node that never
 * started has no log: the copy says so instead of failing the test's artifacts.
 */
export async function copyTail(source: string, target: string, bytes: number): Promise<void> {
  let text: string;
  try {
    const handle = await open(source, "r");
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString("utf8");
      if (start > 0) {
        const firstLine = text.indexOf("\n");
        text = `… ${start + firstLine + 1} earlier bytes in ${source}\n${text.slice(firstLine + 1)}`;
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    text = `(no log: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} reading ${source})\n`;
  }
  await writeFile(target, text);
}
