import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { linkFaultline, repoRoot, type JestRun } from "./run-jest";

const jestBin = join(repoRoot, "node_modules", "jest", "bin", "jest.js");

/** What Jest prints when something outlives a run: each is a leak faultline must not cause. */
export const LEAK_WARNINGS = [
  /did not exit one second after the test run has completed/,
  /has failed to exit gracefully and has been force exited/,
  /Jest has detected the following \d+ open handles?/,
  /open handles? potentially keeping Jest from exiting/,
];

/** Quotes one word for the shell `script -c` hands its command to (our own fixed words only). */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r/g, "");
}

/**
 * `jest --watchAll` in a pseudo-terminal (util-linux `script`), as a person at a terminal runs
 * it: keys go to its stdin, its screen is read back. Results of each run come from Jest's own
 * `--outputFile`, which watch mode rewrites at the end of every run.
 */
export class WatchedJest {
  private readonly child: ChildProcess;
  private screen = "";
  readonly exited: Promise<number | null>;

  constructor(
    projectDir: string,
    private readonly resultsFile: string,
    args: string[] = [],
    env: NodeJS.ProcessEnv = {},
  ) {
    linkFaultline(projectDir);
    const command = [process.execPath, jestBin, "--watchAll", "--json", `--outputFile=${resultsFile}`, ...args].map(quote).join(" ");
    this.child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
      cwd: projectDir,
      env: { ...process.env, FAULTLINE_RUN_DIR: "", FORCE_COLOR: "0", CI: "", COLUMNS: "160", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (chunk: Buffer) => (this.screen += stripAnsi(chunk.toString("utf8"))));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.screen += stripAnsi(chunk.toString("utf8"))));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Everything the terminal showed so far. */
  get output(): string {
    return this.screen;
  }

  /** How many runs have ended (Jest prints its watch usage after each). */
  get completedRuns(): number {
    return this.screen.split(/Watch Usage/).length - 1;
  }

  /** Waits until `count` runs have ended, and returns the last run's results. */
  async waitForRun(count: number, guardMs = 120_000): Promise<JestRun["results"]> {
    await this.until(() => this.completedRuns >= count, guardMs, `run ${count} to end`);
    return JSON.parse(readFileSync(this.resultsFile, "utf8")) as JestRun["results"];
  }

  /** Polls `condition` every 100 ms; throws (with the screen's tail) after the hang guard. */
  async until(condition: () => boolean, guardMs: number, what: string): Promise<void> {
    const started = Date.now();
    while (!condition()) {
      if (Date.now() - started > guardMs) throw new Error(`gave up waiting for ${what}; the terminal showed:\n${this.screen.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Presses one key ("\r" is Enter). */
  press(key: string): void {
    this.child.stdin!.write(key);
  }

  /** Types text key by key: Jest's prompt takes each chunk of stdin as one keypress. */
  async type(text: string): Promise<void> {
    for (const key of text) {
      this.press(key);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Presses q and waits for Jest to leave. */
  async quit(guardMs = 60_000): Promise<number | null> {
    this.press("q");
    return this.waitForExit(guardMs);
  }

  async waitForExit(guardMs: number): Promise<number | null> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    await this.until(() => exited, guardMs, "jest to exit");
    return this.exited;
  }

  /** Ends the terminal whatever state it is in (test cleanup). */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

/** The lines the watch fixture's tests append to $WATCH_LOG. */
export interface WatchLogLine {
  name: string;
  runDir: string;
  watchdogPid: number;
  worker: number;
  runner: number;
  nodes: number;
  pids: number[];
}

export function readWatchLog(file: string): WatchLogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as WatchLogLine);
}

/** Whether a process is still running (an orphan's zombie, waiting for init, is not). */
export function processRunning(pid: number): boolean {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1] !== "Z";
  } catch {
    return false;
  }
}
