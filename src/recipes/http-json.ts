import { request, type IncomingMessage } from "node:http";
import { timers } from "../common/timers";

/** A Node-style error: `code` is what callers (and the history classifier) branch on. */
export type CodedError = Error & { code?: string; status?: number; definite?: boolean };

export function codedError(message: string, code: string, extra: Partial<CodedError> = {}): CodedError {
  return Object.assign(new Error(message), { code }, extra);
}

export interface HttpOptions {
  /** Per-request budget; the request is destroyed with an `ETIMEDOUT` error after it. */
  timeoutMs: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/**
 * Opens a POST with a JSON body and resolves with the response head. No agent: each request
 * has its own connection, so a dead node fails the next request rather than a pooled socket
 * failing some later one, and connection errors keep Node's codes (ECONNREFUSED, ECONNRESET).
 */
export function openPost(
  url: string,
  body: unknown,
  options: Omit<HttpOptions, "timeoutMs">,
): Promise<{ response: IncomingMessage; abort: (error: Error) => void }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      agent: false,
      headers: { "content-type": "application/json", "content-length": String(payload.length), ...options.headers },
    });
    const abort = (error: Error): void => {
      req.destroy(error);
    };
    const onAbort = (): void => abort(codedError(`request to ${url} aborted`, "ABORT_ERR"));
    if (options.signal?.aborted) return reject(codedError(`request to ${url} aborted`, "ABORT_ERR"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    req.once("close", () => options.signal?.removeEventListener("abort", onAbort));
    req.once("response", (response) => resolve({ response, abort }));
    // `on`, not `once`: with an interceptor such as nock's patching http, a destroyed request
    // can emit the same error twice, and an unheard second one would crash the test file.
    req.on("error", reject);
    req.end(payload);
  });
}

/** POSTs JSON and reads the whole answer within `timeoutMs` (connect, send and read). */
export async function postJson(url: string, body: unknown, options: HttpOptions): Promise<{ status: number; json: Record<string, unknown> }> {
  const opening = openPost(url, body, options);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = timers.setTimeout(() => {
      const error = codedError(`request to ${url} timed out after ${options.timeoutMs}ms`, "ETIMEDOUT");
      // Destroy the request too, so a hung connection does not linger after we gave up.
      void opening.then(
        ({ abort }) => abort(error),
        () => undefined,
      );
      reject(error);
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([
      deadline,
      opening.then(async ({ response }) => {
        const text = await readAll(response);
        const status = response.statusCode ?? 0;
        try {
          return { status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
        } catch {
          throw codedError(`${url} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`, "EBADRESPONSE", { status });
        }
      }),
    ]);
  } finally {
    timers.clearTimeout(timer);
    opening.catch(() => undefined); // lost the race: its rejection is not news
  }
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.on("error", reject);
    response.once("aborted", () => reject(codedError("response aborted", "ECONNRESET")));
  });
}
