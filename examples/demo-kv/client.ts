/**
 * A small client of the demo-kv HTTP API for tests.
 *
 *   const client = new DemoClient(["http://127.0.0.1:40123", ...], { timeoutMs: 2000 });
 *   await client.put("x", 1);            // { ok: true, index }
 *   await client.get("x");               // { value: 1, found: true }
 *   await client.cas("x", 1, 2);         // { ok: true, value: 2 } — ok: false means no match
 *
 * It finds the leader by asking every url for `/leader` (again after a 421), sends requests
 * only to a node that just confirmed it leads, and retries only while it is certain nothing
 * happened (a 421, a `definite` 503, ECONNREFUSED) — or after any error for a read, which has
 * no effect — until `deadlineMs`. Errors keep Node's codes (ECONNREFUSED, ECONNRESET,
 * ETIMEDOUT) and carry `definite: true` when the operation certainly did not take effect, which
 * faultline's default classifier records as `fail`; everything else is indeterminate (`info`).
 */
import * as http from "node:http";

export interface DemoClientOptions {
  /** Timeout of one HTTP request. Default 2000 (above the server's 1.5 s quorum wait). */
  timeoutMs?: number;
  /** Overall time for one operation, retries included. Default 2 × timeoutMs. */
  deadlineMs?: number;
  /** Pause between attempts. Default 50. */
  retryDelayMs?: number;
}

export interface CallOptions {
  /** Aborts the operation (recorded as indeterminate). */
  signal?: AbortSignal;
}

/** An error from the service or the client, with a Node-style `code`. */
export class DemoClientError extends Error {
  constructor(
    message: string,
    /** ENOTLEADER, ENOLEADER, ENOQUORUM, EWRITELOST, ESHUTDOWN, EHTTP<status>, or Node's code. */
    readonly code: string,
    /** True when the operation certainly did not take effect. */
    readonly definite: boolean,
    readonly status?: number,
    readonly url?: string,
  ) {
    super(message);
    this.name = "DemoClientError";
  }
}

type Kind = "read" | "write";
interface Reply {
  status: number;
  body: Record<string, unknown>;
  nodeId: string | undefined;
}

/** Node error codes that mean the request never reached a server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

export class DemoClient {
  private readonly urls: string[];
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly retryDelayMs: number;
  /** The url that last answered as leader; cleared on any failure. */
  private leaderUrl: string | undefined;

  constructor(urls: string[], options: DemoClientOptions = {}) {
    if (urls.length === 0) throw new Error("DemoClient needs at least one url");
    this.urls = urls.map((u) => u.replace(/\/+$/, ""));
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.deadlineMs = options.deadlineMs ?? 2 * this.timeoutMs;
    this.retryDelayMs = options.retryDelayMs ?? 50;
  }

  async get(key: string, options: CallOptions = {}): Promise<{ value: unknown; found: boolean }> {
    const body = await this.call("read", "GET", `/kv/${encodeURIComponent(key)}`, undefined, options);
    return { value: body.value ?? null, found: body.found === true };
  }

  async put(key: string, value: unknown, options: CallOptions = {}): Promise<{ ok: true; index: number }> {
    const body = await this.call("write", "PUT", `/kv/${encodeURIComponent(key)}`, { value }, options);
    return { ok: true, index: Number(body.index) };
  }

  /** Compare-and-set; a missing key holds null. `ok: false` (no match) is an answer, not an error. */
  async cas(key: string, from: unknown, to: unknown, options: CallOptions = {}): Promise<{ ok: boolean; value: unknown }> {
    const body = await this.call("write", "POST", `/cas/${encodeURIComponent(key)}`, { from, to }, options);
    return { ok: body.ok === true, value: body.value ?? null };
  }

  private async call(kind: Kind, method: string, path: string, payload: unknown, options: CallOptions): Promise<Record<string, unknown>> {
    const deadline = Date.now() + this.deadlineMs;
    let lastError: Error | undefined;
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      if (attempt > 0) await sleep(Math.min(this.retryDelayMs, Math.max(0, deadline - Date.now())), options.signal);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw lastError ?? new DemoClientError(`${method} ${path}: no answer within ${this.deadlineMs}ms`, "ETIMEDOUT", kind === "read");
      // Requests go to the node that last served us, or else to one that just confirmed it
      // leads: a dead node (or its proxy resetting the connection) costs a harmless lookup.
      const url = this.leaderUrl ?? (await this.locateLeader(Math.min(this.timeoutMs, remaining), options.signal));
      if (url === undefined) {
        lastError = new DemoClientError(`${method} ${path}: no node knows a leader`, "ENOLEADER", true);
        continue;
      }
      try {
        const reply = await request(url, method, path, payload, Math.min(this.timeoutMs, Math.max(1, deadline - Date.now())), options.signal);
        if (reply.status === 200) {
          this.leaderUrl = url;
          return reply.body;
        }
        this.leaderUrl = undefined;
        const error = errorOf(reply, kind, method, url + path);
        if (!error.definite || !["ENOTLEADER", "ENOQUORUM", "ESHUTDOWN"].includes(error.code)) throw error;
        lastError = error;
        // A 421 names the leader, but that node may have just died: the next attempt asks
        // everyone and goes to the node that confirms it leads (the hinted one, if alive).
      } catch (error) {
        this.leaderUrl = undefined;
        if (error instanceof DemoClientError || (error as Error).name === "AbortError") throw error;
        const code = (error as NodeJS.ErrnoException).code ?? "";
        if (NOT_SENT.has(code)) Object.assign(error as object, { definite: true });
        else if (kind === "write") throw error; // the write may have happened
        lastError = error as Error;
      }
    }
  }

  /**
   * Asks every url for `/leader` at once. Returns the url of a node that itself answered as
   * leader, in a term no answer contradicts — so requests never go to a node that did not just
   * answer (a dead one, or a proxy in front of one). Resolves once a majority of urls answered
   * (a blackholed node does not hold us up) or all did; undefined if there is no such leader.
   */
  private locateLeader(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    return new Promise((resolve) => {
      let answered = 0;
      let settled = 0;
      let best: { url: string; term: number } | undefined;
      let newestTerm = -1;
      const onSettled = (): void => {
        settled++;
        const sure = best !== undefined && best.term >= newestTerm;
        if (settled === this.urls.length || (sure && answered > this.urls.length / 2)) resolve(sure ? best!.url : undefined);
      };
      for (const url of this.urls) {
        request(url, "GET", "/leader", undefined, Math.min(timeoutMs, 1000), signal).then(
          (reply) => {
            const { leader, term } = reply.body;
            if (reply.status === 200 && typeof term === "number") {
              answered++;
              if (leader !== null) newestTerm = Math.max(newestTerm, term);
              if (leader === reply.nodeId && (!best || term > best.term)) best = { url, term };
            }
            onSettled();
          },
          () => onSettled(),
        );
      }
    });
  }
}

function errorOf(reply: Reply, kind: Kind, method: string, target: string): DemoClientError {
  const message = typeof reply.body.error === "string" ? reply.body.error : `HTTP ${reply.status}`;
  const text = `${method} ${target}: ${message}`;
  if (reply.status === 421) return new DemoClientError(text, "ENOTLEADER", true, 421, target);
  if (reply.status === 503) {
    // Reads never change anything; a write's 503 says whether it may still commit.
    const definite = kind === "read" || reply.body.definite === true;
    const code = message === "write lost" ? "EWRITELOST" : message === "shutting down" ? "ESHUTDOWN" : "ENOQUORUM";
    return new DemoClientError(text, code, definite, 503, target);
  }
  return new DemoClientError(text, `EHTTP${reply.status}`, reply.status >= 400 && reply.status < 500, reply.status, target);
}

/** One HTTP exchange on a fresh connection (no keep-alive, so ECONNREFUSED means "not sent"). */
function request(url: string, method: string, path: string, payload: unknown, timeoutMs: number, signal?: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
    const headers: http.OutgoingHttpHeaders = data ? { "content-type": "application/json", "content-length": data.length } : {};
    const req = http.request(url + path, { method, agent: false, headers, signal });
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`${method} ${url}${path} timed out after ${timeoutMs}ms`), { code: "ETIMEDOUT" });
      req.destroy(error);
    }, timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      res.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8");
        let body: Record<string, unknown> = {};
        try {
          const parsed: unknown = text ? JSON.parse(text) : {};
          if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
        } catch {
          body = { error: text.slice(0, 200) };
        }
        const nodeId = res.headers["x-node-id"];
        resolve({ status: res.statusCode ?? 0, body, nodeId: typeof nodeId === "string" ? nodeId : undefined });
      });
    });
    req.end(data);
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
