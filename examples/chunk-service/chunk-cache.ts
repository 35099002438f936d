/**
 * The on-disk chunk cache, in a data dir:
 *
 *   <dataDir>/chunks/<key>@<n>   chunk n of object <key> (URI-encoded key)
 *   <dataDir>/index.json         { "<key>@<n>": { size, sha256 } } — only indexed chunks exist
 *
 * A chunk's data is written first, then the index (through a temporary file and a rename, so
 * the index is always whole). A crash between the two leaves a data file without an index
 * entry; a bit flip or a lost write leaves an entry whose data does not match. `open()` finds
 * both and repairs the cache before the service serves anything from it.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { failpoint } from "faultline/failpoints";

export interface IndexEntry {
  size: number;
  sha256: string;
}

/** What `open()` found and repaired. */
export interface RepairReport {
  /** Indexed chunks whose data matched. */
  verified: number;
  /** Indexed chunks dropped because their data was missing or did not match. */
  dropped: Array<{ chunk: string; reason: string }>;
  /** Data files nobody indexed (a write cut short), removed. */
  orphans: string[];
}

/** An error with a Node-style code, so the HTTP layer can map it like any system error. */
export class CacheError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

export class ChunkCache {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly index: Map<string, IndexEntry>,
    readonly report: RepairReport,
  ) {}

  /** Chunk id of chunk `n` of `key`, which is also its file name. */
  static chunkId(key: string, n: number): string {
    return `${encodeURIComponent(key)}@${n}`;
  }

  /** Opens the cache in `dir`, verifying every indexed chunk and removing what cannot be trusted. */
  static async open(dir: string): Promise<ChunkCache> {
    await fs.mkdir(join(dir, "chunks"), { recursive: true });
    const report: RepairReport = { verified: 0, dropped: [], orphans: [] };
    const stored = await readIndex(join(dir, "index.json"), report);
    const index = new Map<string, IndexEntry>();
    for (const [chunk, entry] of Object.entries(stored)) {
      const data = await fs.readFile(join(dir, "chunks", chunk)).catch(() => undefined);
      const reason =
        data === undefined
          ? "data file missing"
          : data.length !== entry.size
            ? `size ${data.length}, indexed ${entry.size}`
            : sha256(data) !== entry.sha256
              ? "checksum mismatch"
              : undefined;
      if (reason === undefined) {
        index.set(chunk, entry);
        report.verified++;
      } else {
        report.dropped.push({ chunk, reason });
        await fs.rm(join(dir, "chunks", chunk), { force: true });
      }
    }
    for (const file of await fs.readdir(join(dir, "chunks"))) {
      if (index.has(file)) continue;
      report.orphans.push(file);
      await fs.rm(join(dir, "chunks", file), { force: true });
    }
    const cache = new ChunkCache(dir, index, report);
    if (report.dropped.length > 0) await cache.saveIndex();
    return cache;
  }

  get size(): number {
    return this.index.size;
  }

  has(chunk: string): boolean {
    return this.index.has(chunk);
  }

  /** The chunk's bytes, or undefined when it is not cached (or no longer matches its checksum). */
  async get(chunk: string): Promise<Buffer | undefined> {
    const entry = this.index.get(chunk);
    if (!entry) return undefined;
    const data = await fs.readFile(join(this.dir, "chunks", chunk));
    if (sha256(data) === entry.sha256) return data;
    this.index.delete(chunk);
    await this.saveIndex();
    return undefined;
  }

  /** Stores a chunk: data first, then the index. Rejects with the system error (ENOSPC, EMFILE, …). */
  async put(chunk: string, data: Buffer): Promise<void> {
    const file = join(this.dir, "chunks", chunk);
    await fs.writeFile(file, data).catch(async (error: unknown) => {
      await fs.rm(file, { force: true }).catch(() => undefined); // a partial file is no use to anyone
      throw error;
    });
    // Between the data and the index: where a crash leaves an orphan for the next open() to find.
    const injected = await failpoint("cache.index");
    if (injected !== undefined) throw new CacheError("EFAILPOINT", `failpoint cache.index: ${String(injected)} (chunk ${chunk} written, not indexed)`);
    this.index.set(chunk, { size: data.length, sha256: sha256(data) });
    try {
      await this.saveIndex();
    } catch (error) {
      this.index.delete(chunk);
      await fs.rm(file, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Writes the whole index through a temporary file and a rename; one save at a time. */
  private saveIndex(): Promise<void> {
    const save = async (): Promise<void> => {
      const path = join(this.dir, "index.json");
      const body = JSON.stringify(Object.fromEntries(this.index));
      try {
        await fs.writeFile(`${path}.tmp`, body);
        await fs.rename(`${path}.tmp`, path);
      } catch (error) {
        await fs.rm(`${path}.tmp`, { force: true }).catch(() => undefined);
        throw error;
      }
    };
    const next = this.saving.then(save, save);
    this.saving = next.catch(() => undefined);
    return next;
  }
}

async function readIndex(path: string, report: RepairReport): Promise<Record<string, IndexEntry>> {
  let text: string;
  try {
    text = await fs.readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  try {
    return JSON.parse(text) as Record<string, IndexEntry>;
  } catch {
    // A damaged index trusts nothing: every data file becomes an orphan and is fetched again.
    report.dropped.push({ chunk: "index.json", reason: "index unreadable" });
    return {};
  }
}
