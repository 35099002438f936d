import { completeTxn, markDefinite, type Txn } from "faultline";

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const unb64 = (text: unknown): string => (typeof text === "string" ? Buffer.from(text, "base64").toString("utf8") : "");

interface Read {
  list: number[];
  /** The key's mod revision when read; "0" when absent (an absent key compares equal to 0). */
  modRevision: string;
}

/**
 * Elle's list-append workload on etcd: each key holds a JSON list of numbers. A transaction
 * reads every key it touches (linearizable ranges), works out its reads and new lists, then
 * commits with one etcd `txn` whose compare requires every touched key's mod revision to be
 * unchanged; the puts run only if it holds. So a committed transaction took effect atomically
 * at its commit, and a read-only one saw a state that was still current then.
 *
 * Outcomes, so the history stays truthful: anything that goes wrong before the commit request
 * leaves etcd unchanged (`fail`, via markDefinite), as does a failed compare or an etcd
 * refusal with no leader; an error or timeout of the commit itself may have applied (`info`).
 */
export class ListAppendStore {
  private next = 0;

  constructor(
    private readonly endpoints: readonly string[],
    private readonly timeoutMs = 1000,
    /** False leaves out the compare: a read-modify-write that can overwrite a concurrent append (a bug, for the demonstration). */
    private readonly compare = true,
  ) {}

  /** Runs `txn` (reads null) against etcd; resolves to it with the reads filled in. */
  async run(txn: Txn, signal: AbortSignal): Promise<Txn> {
    const keys = [...new Set(txn.map(([, key]) => String(key)))];
    const before = new Map<string, Read>();
    try {
      for (const key of keys) before.set(key, await this.read(key, signal));
    } catch (error) {
      throw markDefinite(error instanceof Error ? error : new Error(String(error)));
    }
    const lists = new Map([...before].map(([key, read]) => [key, [...read.list]]));
    const reads: number[][] = [];
    for (const [f, key, value] of txn) {
      const list = lists.get(String(key))!;
      if (f === "append") list.push(value as number);
      else reads.push([...list]);
    }
    const written = keys.filter((key) => txn.some(([f, k]) => f === "append" && String(k) === key));
    const body = {
      compare: this.compare ? keys.map((key) => ({ key: b64(key), target: "MOD", result: "EQUAL", mod_revision: before.get(key)!.modRevision })) : [],
      success: written.map((key) => ({ request_put: { key: b64(key), value: b64(JSON.stringify(lists.get(key))) } })),
    };
    const answer = await this.post("/v3/kv/txn", body, signal);
    if (answer.succeeded !== true) throw markDefinite(new Error(`compare failed: one of ${keys.join(", ")} changed since it was read`));
    return completeTxn(txn, reads);
  }

  private async read(key: string, signal: AbortSignal): Promise<Read> {
    const answer = await this.post("/v3/kv/range", { key: b64(key) }, signal);
    const kv = (answer.kvs as Record<string, unknown>[] | undefined)?.[0];
    if (!kv) return { list: [], modRevision: "0" };
    return { list: JSON.parse(unb64(kv.value)) as number[], modRevision: String(kv.mod_revision) };
  }

  private async post(path: string, body: unknown, signal: AbortSignal): Promise<Record<string, unknown>> {
    const endpoint = this.endpoints[this.next % this.endpoints.length]!;
    try {
      const response = await fetch(`${endpoint}${path}`, {
        method: "POST",
        // Without a leader, etcd refuses at once instead of waiting out its own timeout.
        headers: { "content-type": "application/json", "grpc-metadata-hasleader": "true" },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status !== 200 || json.error !== undefined) {
        const message = String(json.message ?? json.error ?? `HTTP ${response.status}`);
        const error = new Error(`${endpoint}${path}: ${message}`);
        // Refused for want of a leader: nothing was proposed.
        throw /no leader/.test(message) ? markDefinite(error) : error;
      }
      return json;
    } catch (error) {
      this.next++;
      // fetch reports a refused connection as its cause: the request never left, nothing happened.
      if ((error as { cause?: { code?: unknown } }).cause?.code === "ECONNREFUSED") throw markDefinite(error as Error);
      throw error;
    }
  }
}
