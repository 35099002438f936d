/**
 * Durable Raft state in the data dir:
 * - `meta.json`: `{ term, votedFor }`, replaced atomically (write temp, fsync, rename, fsync dir);
 * - `log.jsonl`: one entry per line, appended and fsynced; a truncation rewrites the whole file
 *   atomically the same way.
 * Mutations are buffered in memory; `flush()` makes them durable and must run before anything
 * that depends on them is sent (a vote, an AppendEntries reply, the leader counting itself).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Entry } from "./types";

export class Storage {
  term = 0;
  votedFor: string | null = null;
  /** entries[i] is log index i + 1. */
  readonly entries: Entry[] = [];
  private durable = 0;
  private rewrite = false;
  private metaDirty = false;
  private logFd: number | null = null;
  private readonly metaPath: string;
  private readonly logPath: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.metaPath = path.join(dir, "meta.json");
    this.logPath = path.join(dir, "log.jsonl");
    this.load();
  }

  get lastIndex(): number {
    return this.entries.length;
  }

  /** The last index that is on disk. */
  get durableIndex(): number {
    return this.durable;
  }

  termAt(index: number): number {
    if (index <= 0 || index > this.entries.length) return 0;
    return this.entries[index - 1]!.term;
  }

  entry(index: number): Entry {
    const entry = this.entries[index - 1];
    if (!entry) throw new Error(`no log entry ${index}`);
    return entry;
  }

  /** Entries from `from` (inclusive), at most `max`. */
  slice(from: number, max: number): Entry[] {
    return this.entries.slice(from - 1, from - 1 + max);
  }

  setTermAndVote(term: number, votedFor: string | null): void {
    if (term === this.term && votedFor === this.votedFor) return;
    this.term = term;
    this.votedFor = votedFor;
    this.metaDirty = true;
  }

  append(entries: Entry[]): void {
    for (const entry of entries) this.entries.push(entry);
  }

  /** Drops `from` and everything after it. */
  truncateFrom(from: number): void {
    if (from > this.entries.length) return;
    this.entries.length = from - 1;
    if (this.durable > this.entries.length) {
      this.durable = this.entries.length;
      this.rewrite = true;
    }
  }

  /** Makes every buffered change durable. Synchronous on purpose: callers reply right after. */
  flush(): void {
    if (this.metaDirty) {
      writeAtomic(this.metaPath, JSON.stringify({ term: this.term, votedFor: this.votedFor }));
      this.metaDirty = false;
    }
    if (this.rewrite) {
      this.closeLog();
      writeAtomic(this.logPath, this.entries.map((e) => JSON.stringify(e) + "\n").join(""));
      this.durable = this.entries.length;
      this.rewrite = false;
    }
    if (this.durable < this.entries.length) {
      const lines = this.entries
        .slice(this.durable)
        .map((e) => JSON.stringify(e) + "\n")
        .join("");
      this.logFd ??= fs.openSync(this.logPath, "a");
      fs.writeSync(this.logFd, lines);
      fs.fsyncSync(this.logFd);
      this.durable = this.entries.length;
    }
  }

  close(): void {
    try {
      this.flush();
    } finally {
      this.closeLog();
    }
  }

  private closeLog(): void {
    if (this.logFd !== null) fs.closeSync(this.logFd);
    this.logFd = null;
  }

  private load(): void {
    if (fs.existsSync(this.metaPath)) {
      const meta = JSON.parse(fs.readFileSync(this.metaPath, "utf8")) as { term?: unknown; votedFor?: unknown };
      this.term = typeof meta.term === "number" ? meta.term : 0;
      this.votedFor = typeof meta.votedFor === "string" ? meta.votedFor : null;
    }
    if (!fs.existsSync(this.logPath)) return;
    const text = fs.readFileSync(this.logPath, "utf8");
    let validBytes = 0;
    for (const line of text.split("\n")) {
      // A torn last line (power loss mid-append) ends the log; it was never acknowledged.
      if (line === "") break;
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch {
        break;
      }
      if (typeof entry?.term !== "number" || typeof entry.cmd !== "object") break;
      this.entries.push(entry);
      validBytes += Buffer.byteLength(line) + 1;
    }
    this.durable = this.entries.length;
    if (validBytes !== Buffer.byteLength(text)) this.rewrite = true;
    this.flush();
  }
}

/** Replaces `file` with `content` so a crash leaves either the old or the new version. */
function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
