/**
 * How the chunk service talks to a storage origin. `Origin` is the seam the layer-1 tests wrap
 * with `faulty()`; `HttpOrigin` is the real client, which nock faults reach.
 */
import * as http from "node:http";

export interface Origin {
  readonly name: string;
  /** Bytes `[start, end)` of object `key`; fewer at the end of the object. */
  read(key: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer>;
  /** Resolves when the origin answers its health check, rejects otherwise. */
  health(signal?: AbortSignal): Promise<void>;
}

/** An origin that answered, but not with what was asked (a 503, a 404, a short body). */
export class OriginError extends Error {
  readonly code = "EORIGIN";
  constructor(
    readonly origin: string,
    message: string,
    readonly status?: number,
  ) {
    super(`origin ${origin}: ${message}`);
  }
}

export class HttpOrigin implements Origin {
  constructor(
    readonly name: string,
    /** e.g. `http://127.0.0.1:40123` */
    readonly url: string,
  ) {}

  async read(key: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
    const { status, body } = await this.get(`/objects/${encodeURIComponent(key)}`, { range: `bytes=${start}-${end - 1}` }, signal);
    if (status !== 206) throw new OriginError(this.name, `GET ${key} answered ${status}`, status);
    if (body.length === 0 || body.length > end - start) throw new OriginError(this.name, `GET ${key} sent ${body.length} bytes for ${end - start}`);
    return body;
  }

  async health(signal?: AbortSignal): Promise<void> {
    const { status } = await this.get("/health", {}, signal);
    if (status !== 200) throw new OriginError(this.name, `health check answered ${status}`, status);
  }

  private get(path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      // agent: false: one connection per request, so a test's origin server can close at once
      // and a descriptor limit is met on every request rather than hidden by a pooled socket.
      const req = http.request(`${this.url}${path}`, { headers, agent: false, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  }
}
