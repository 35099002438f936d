import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Operation } from "../history/operation";
import { parseJsonl } from "../history/formats/jsonl";
import type { HistoryArtifact, TestOutcome, TimelineWindow } from "./artifact-types";
import { runsDir } from "./test-artifacts";

/** Lines of each node log embedded in the page; the full tail is a link away. */
const EMBEDDED_LOG_LINES = 40;

export interface LoadedHistory {
  cluster: string;
  artifact: HistoryArtifact;
  operations: Operation[];
  /** Why the file could not be read, when it could not. */
  error?: string;
}

/** Everything the report shows of one test, read back from its artifact folder. */
export interface LoadedTest {
  outcome: TestOutcome;
  /** The folder, relative to the report dir with `/` separators (for links). */
  dir: string;
  timelines: TimelineWindow[];
  histories: LoadedHistory[];
  /** Cluster -> node -> last lines of its log. */
  logTails: Record<string, Record<string, string[]>>;
}

/**
 * Reads every test folder under `<reportDir>/runs` whose outcome was written at or after
 * `since` (Date.now ms): the current run's artifacts, even where stale folders survived.
 * Unreadable folders are skipped, never fatal: the report is a by-product of the run.
 */
export async function readRunArtifacts(reportDir: string, since = 0): Promise<LoadedTest[]> {
  const root = runsDir(reportDir);
  const loaded: LoadedTest[] = [];
  for (const fileDir of await listDirs(root)) {
    for (const testDir of await listDirs(join(root, fileDir))) {
      const test = await readTest(reportDir, join(root, fileDir, testDir), since);
      if (test) loaded.push(test);
    }
  }
  return loaded.sort((a, b) => a.outcome.writtenAt - b.outcome.writtenAt);
}

async function readTest(reportDir: string, dir: string, since: number): Promise<LoadedTest | undefined> {
  const outcome = await readJson<TestOutcome>(join(dir, "outcome.json"));
  if (!outcome || outcome.version !== 1 || outcome.writtenAt < since) return undefined;
  const timelines = (await readJson<TimelineWindow[]>(join(dir, "timeline.json"))) ?? [];
  const histories: LoadedHistory[] = [];
  const logTails: LoadedTest["logTails"] = {};
  for (const cluster of outcome.clusters) {
    for (const artifact of cluster.histories) histories.push(await readHistory(dir, cluster.name, artifact));
    const tails: Record<string, string[]> = {};
    for (const [node, file] of Object.entries(cluster.logs)) tails[node] = await tailLines(join(dir, "logs", file), EMBEDDED_LOG_LINES);
    logTails[cluster.name] = tails;
  }
  return { outcome, dir: relative(reportDir, dir).split(sep).join("/"), timelines, histories, logTails };
}

async function readHistory(dir: string, cluster: string, artifact: HistoryArtifact): Promise<LoadedHistory> {
  try {
    const text = await readFile(join(dir, artifact.file), "utf8");
    return { cluster, artifact, operations: parseJsonl(text, artifact.file) };
  } catch (error) {
    return { cluster, artifact, operations: [], error: (error as Error).message };
  }
}

async function tailLines(file: string, lines: number): Promise<string[]> {
  try {
    const text = await readFile(file, "utf8");
    const all = text.split("\n");
    if (all[all.length - 1] === "") all.pop();
    return all.slice(-lines);
  } catch {
    return [];
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}
