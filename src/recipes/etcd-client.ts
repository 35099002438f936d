import { FaultlineError } from "../common/errors";
import { codedError, postJson, type CodedError } from "./http-json";
import { b64, num, prefixEnd, unb64 } from "./etcd-codec";
import { EtcdWatch, type WatchOptions } from "./etcd-watch";

export interface EtcdClientOptions {
  /** Per-request budget in ms. Default 2000. */
  timeoutMs?: number;
  /**
   * Ask etcd to refuse requests while the serving member has no leader (gRPC metadata
   * `hasleader`), so they fail at once with "etcdserver: no leader" instead of hanging until
   * etcd's own request timeout. Default true.
   */
  requireLeader?: boolean;
}

export interface EtcdKv {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
}

/** The member's view from `/v3/maintenance/status`: ids are etcd's decimal uint64 strings. */
export interface EtcdStatus {
  memberId: string;
  /** "0" when the member knows no leader. */
  leader: string;
  raftTerm: number;
  revision: number;
}

/** etcd's gRPC status codes for answers that certainly changed nothing. */
const INVALID_ARGUMENT = 3;
const FAILED_PRECONDITION = 9;

/**
 * A minimal etcd v3 client over etcd's JSON gateway (`/v3/kv/*`, `/v3/watch`), with no
 * dependencies. Each call makes one attempt against the current endpoint; after a failure the
 * next call goes to the next endpoint. Retrying is the caller's policy. Errors carry Node codes
 * (ECONNREFUSED, ECONNRESET, ETIMEDOUT) or `code: "ETCD_ERROR"` with etcd's message, gRPC code
 * in `grpcCode`, and `definite: true` when etcd certainly did not apply the request.
 */
export class EtcdClient {
  private current = 0;
  readonly timeoutMs: number;
  readonly requireLeader: boolean;

  constructor(
    readonly endpoints: readonly string[],
    options: EtcdClientOptions = {},
  ) {
    if (endpoints.length === 0) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        option: "endpoints",
        message: "an etcd client needs at least one endpoint URL, received none",
        hint: "e.g. recipes.etcd.client(recipes.etcd.endpoints(cluster))",
      });
    }
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.requireLeader = options.requireLeader ?? true;
  }

  /** The endpoint the next call goes to. */
  get endpoint(): string {
    return this.endpoints[this.current % this.endpoints.length]!;
  }

  /** Makes the next call go to the next endpoint. */
  rotate(): void {
    this.current = (this.current + 1) % this.endpoints.length;
  }

  /** Writes `value`; resolves with the revision etcd committed it at. */
  async put(key: string, value: string, signal?: AbortSignal): Promise<number> {
    const json = await this.call("/v3/kv/put", { key: b64(key), value: b64(value) }, signal);
    return num((json.header as Record<string, unknown> | undefined)?.revision);
  }

  /** A linearizable read of one key; undefined when absent. */
  async get(key: string, signal?: AbortSignal): Promise<EtcdKv | undefined> {
    return (await this.range(key, { signal }))[0];
  }

  /**
   * Keys from `key` (every key starting with it when `prefix`), in key order. Linearizable
   * unless `serializable`: then the member answers from its own copy, which may be stale.
   */
  async range(key: string, options: { prefix?: boolean; serializable?: boolean; signal?: AbortSignal } = {}): Promise<EtcdKv[]> {
    const body: Record<string, unknown> = { key: b64(key) };
    if (options.prefix) body.range_end = prefixEnd(key);
    if (options.serializable) body.serializable = true;
    const json = await this.call("/v3/kv/range", body, options.signal);
    return ((json.kvs as Array<Record<string, unknown>> | undefined) ?? []).map(toKv);
  }

  /**
   * Compare-and-set in one transaction: writes `next` only if the key holds `expected`
   * (`undefined`: only if the key is absent). Resolves true when it wrote, false when the
   * comparison failed (nothing changed).
   */
  async cas(key: string, expected: string | undefined, next: string, signal?: AbortSignal): Promise<boolean> {
    const compare =
      expected === undefined
        ? { key: b64(key), target: "CREATE", result: "EQUAL", create_revision: "0" }
        : { key: b64(key), target: "VALUE", result: "EQUAL", value: b64(expected) };
    const json = await this.call("/v3/kv/txn", { compare: [compare], success: [{ request_put: { key: b64(key), value: b64(next) } }] }, signal);
    return json.succeeded === true;
  }

  /** This endpoint's member id, its leader's id and term (no leader needed to answer). */
  async status(signal?: AbortSignal): Promise<EtcdStatus> {
    const json = await this.call("/v3/maintenance/status", {}, signal, false);
    const header = (json.header ?? {}) as Record<string, unknown>;
    return { memberId: String(header.member_id ?? ""), leader: String(json.leader ?? "0"), raftTerm: num(json.raftTerm), revision: num(header.revision) };
  }

  /** Streams changes of `key` (or a prefix) from the current endpoint; see {@link EtcdWatch}. */
  watch(key: string, options: Omit<WatchOptions, "url" | "key" | "requireLeader"> = {}): EtcdWatch {
    return new EtcdWatch({ ...options, url: `${this.endpoint}/v3/watch`, key, requireLeader: this.requireLeader });
  }

  private async call(path: string, body: unknown, signal: AbortSignal | undefined, requireLeader = this.requireLeader): Promise<Record<string, unknown>> {
    const url = `${this.endpoint}${path}`;
    try {
      const headers: Record<string, string> = requireLeader ? { "grpc-metadata-hasleader": "true" } : {};
      const { status, json } = await postJson(url, body, { timeoutMs: this.timeoutMs, signal, headers });
      if (status !== 200 || json.error !== undefined) throw etcdError(url, status, json);
      return json;
    } catch (error) {
      this.rotate();
      throw error;
    }
  }
}

/** The error etcd's gateway answered with, e.g. 503 `{"error":"etcdserver: no leader","code":14}`. */
function etcdError(url: string, status: number, json: Record<string, unknown>): CodedError {
  const message = String(json.message ?? json.error ?? `HTTP ${status}`);
  const grpcCode = typeof json.code === "number" ? json.code : undefined;
  // "no leader" is refused by the hasleader interceptor before anything is proposed.
  const definite = /no leader/.test(message) || grpcCode === INVALID_ARGUMENT || grpcCode === FAILED_PRECONDITION;
  return codedError(`${url}: ${message}`, "ETCD_ERROR", { status, definite, ...(grpcCode === undefined ? {} : { grpcCode }) });
}

export function toKv(kv: Record<string, unknown>): EtcdKv {
  return { key: unb64(kv.key), value: unb64(kv.value), createRevision: num(kv.create_revision), modRevision: num(kv.mod_revision), version: num(kv.version) };
}

/** A client for the given endpoint URLs (e.g. `cluster.nodes.map((n) => n.url("client"))`). */
export function etcdClient(endpoints: readonly string[], options?: EtcdClientOptions): EtcdClient {
  return new EtcdClient(endpoints, options);
}
