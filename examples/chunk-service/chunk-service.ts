/**
 * The chunk service's logic, without HTTP: byte ranges of objects, served chunk by chunk from
 * the cache or fetched from the first origin that answers in time. The layer-1 tests run it
 * inside Jest; server.ts puts it behind HTTP for the layer-2 cluster.
 */
import { ChunkCache } from "./chunk-cache";
import type { Origin } from "./origin-client";

export interface ChunkServiceOptions {
  /** In order of preference: the first is the primary, the others are failovers. */
  origins: Origin[];
  cache: ChunkCache;
  /** Default 64 KiB. */
  chunkSize?: number;
  /** Budget of one origin read, and of one whole health check. Default 1000 ms. */
  timeoutMs?: number;
}

export interface ReadResult {
  data: Buffer;
  /** "hit" when every chunk came from the cache, "miss" when none did. */
  cache: "hit" | "miss" | "partial";
  /** The origins that served the chunks the cache did not have, in chunk order. */
  origins: string[];
}

export interface HealthReport {
  ok: boolean;
  tookMs: number;
  origins: Array<{ name: string; ok: boolean; error?: string }>;
}

/** Counters per origin: how often it served, failed, and why it last failed. */
export interface OriginStats {
  served: number;
  failed: number;
  lastError?: string;
}

/** Every origin failed a chunk; `code` is the most telling cause (EMFILE over a 503). */
export class AllOriginsFailed extends Error {
  readonly code: string;
  constructor(
    readonly chunk: string,
    readonly causes: Array<{ origin: string; error: Error & { code?: string } }>,
  ) {
    super(`no origin could serve ${chunk}: ${causes.map((c) => `${c.origin}: ${c.error.message}`).join("; ")}`);
    // A local resource problem is ours to report, not the origins' fault.
    const local = causes.find((c) => c.error.code === "EMFILE" || c.error.code === "ENFILE");
    this.code = local?.error.code ?? causes[0]?.error.code ?? "EORIGIN";
  }
}

function timeoutError(what: string, ms: number): Error & { code: string } {
  return Object.assign(new Error(`${what} did not answer within ${ms}ms`), { code: "ETIMEDOUT" });
}

/** Settles with `promise`, or rejects when `signal` aborts — whether or not `promise` ever does. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

export class ChunkService {
  readonly chunkSize: number;
  readonly timeoutMs: number;
  readonly stats = { hits: 0, misses: 0, failovers: 0, origins: {} as Record<string, OriginStats> };

  constructor(private readonly options: ChunkServiceOptions) {
    this.chunkSize = options.chunkSize ?? 64 * 1024;
    this.timeoutMs = options.timeoutMs ?? 1000;
    for (const origin of options.origins) this.stats.origins[origin.name] = { served: 0, failed: 0 };
  }

  get cache(): ChunkCache {
    return this.options.cache;
  }

  /** Bytes `[start, end)` of `key`. Rejects with the cause's code (ENOSPC, EMFILE, ETIMEDOUT, EORIGIN…). */
  async read(key: string, start: number, end: number): Promise<ReadResult> {
    const first = Math.floor(start / this.chunkSize);
    const last = Math.floor((end - 1) / this.chunkSize);
    const parts: Buffer[] = [];
    const served: string[] = [];
    for (let n = first; n <= last; n++) {
      const { data, origin } = await this.chunk(key, n);
      if (origin !== undefined) served.push(origin);
      parts.push(data);
      if (data.length < this.chunkSize) break; // the end of the object
    }
    const whole = Buffer.concat(parts);
    const offset = start - first * this.chunkSize;
    return {
      data: whole.subarray(offset, Math.min(whole.length, offset + (end - start))),
      cache: served.length === 0 ? "hit" : served.length === parts.length ? "miss" : "partial",
      origins: served,
    };
  }

  private async chunk(key: string, n: number): Promise<{ data: Buffer; origin?: string }> {
    const id = ChunkCache.chunkId(key, n);
    const cached = await this.cache.get(id);
    if (cached) {
      this.stats.hits++;
      return { data: cached };
    }
    this.stats.misses++;
    const fetched = await this.fetch(id, key, n * this.chunkSize, (n + 1) * this.chunkSize);
    // Write-through: a chunk that cannot be stored fails the read, so a full disk shows up in
    // answers instead of silently turning every read into an origin read.
    await this.cache.put(id, fetched.data);
    return fetched;
  }

  /** Tries each origin in turn, each within the timeout. */
  private async fetch(id: string, key: string, start: number, end: number): Promise<{ data: Buffer; origin: string }> {
    const causes: AllOriginsFailed["causes"] = [];
    for (const origin of this.options.origins) {
      const signal = AbortSignal.timeout(this.timeoutMs);
      const stats = this.stats.origins[origin.name]!;
      try {
        const data = await raceAbort(origin.read(key, start, end, signal), signal, () => timeoutError(`origin ${origin.name}`, this.timeoutMs));
        stats.served++;
        if (causes.length > 0) this.stats.failovers++;
        return { data, origin: origin.name };
      } catch (error) {
        const failure = error as Error & { code?: string };
        stats.failed++;
        stats.lastError = failure.code ?? failure.message;
        causes.push({ origin: origin.name, error: failure });
      }
    }
    throw new AllOriginsFailed(id, causes);
  }

  /**
   * Checks every origin at once under one shared deadline: a hanging origin costs one timeout,
   * however many origins there are, and cannot delay the report on the others.
   */
  async health(): Promise<HealthReport> {
    const started = performance.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    const origins = await Promise.all(
      this.options.origins.map((origin) =>
        raceAbort(origin.health(signal), signal, () => timeoutError(`origin ${origin.name}`, this.timeoutMs)).then(
          () => ({ name: origin.name, ok: true }),
          (error: Error & { code?: string }) => ({ name: origin.name, ok: false, error: error.code ?? error.message }),
        ),
      ),
    );
    return { ok: origins.every((o) => o.ok), tookMs: Math.round(performance.now() - started), origins };
  }
}
