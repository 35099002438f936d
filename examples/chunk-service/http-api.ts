/**
 * The chunk service over HTTP:
 *
 *   GET /objects/<key>  Range: bytes=a-b   206 with the bytes; x-cache: hit|miss|partial,
 *                                          x-origins: who served the misses
 *   GET /health                            200 when every origin answers, 503 otherwise (JSON report)
 *   GET /ready                             200 once the cache is verified and the port is open
 *   GET /time                              { now, iso }: the wall clock as this process sees it
 *   GET /cache                             { chunks, repair, stats }: what start-up repaired, counters
 *
 * Every failure is an answer with the cause's code, `{ error, code }`: ENOSPC -> 507,
 * EMFILE/ENFILE -> 503, ETIMEDOUT -> 504, EORIGIN -> 502, anything else -> 500.
 */
import * as http from "node:http";
import type { ChunkService } from "./chunk-service";
import { parseRange } from "./objects";

/** The longest range one request may ask for. */
const MAX_RANGE = 8 * 1024 * 1024;

const STATUS_BY_CODE: Record<string, number> = { ENOSPC: 507, EDQUOT: 507, EMFILE: 503, ENFILE: 503, ETIMEDOUT: 504, EORIGIN: 502 };

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: http.ServerResponse, error: unknown): void {
  const { message, code } = error as Error & { code?: string };
  if (res.headersSent) {
    res.destroy(); // too late for a status: cut the answer so the client cannot take it as whole
    return;
  }
  send(res, STATUS_BY_CODE[code ?? ""] ?? 500, { error: message, code: code ?? "EUNKNOWN" });
}

async function route(service: ChunkService, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://chunk-service");
  if (req.method !== "GET") return send(res, 405, { error: "only GET", code: "EMETHOD" });
  switch (url.pathname) {
    case "/ready":
      return send(res, 200, { ok: true });
    case "/health": {
      const report = await service.health();
      return send(res, report.ok ? 200 : 503, report);
    }
    case "/time":
      return send(res, 200, { now: Date.now(), iso: new Date().toISOString() });
    case "/cache":
      return send(res, 200, { chunks: service.cache.size, repair: service.cache.report, stats: service.stats });
  }
  if (!url.pathname.startsWith("/objects/") || url.pathname.length === "/objects/".length)
    return send(res, 404, { error: `no route ${url.pathname}`, code: "ENOENT" });
  const key = decodeURIComponent(url.pathname.slice("/objects/".length));
  const range = parseRange(req.headers.range, Number.MAX_SAFE_INTEGER);
  if (range === undefined || range === "invalid" || range.end - range.start > MAX_RANGE) {
    return send(res, 416, { error: `send one Range of at most ${MAX_RANGE} bytes, e.g. "bytes=0-65535"`, code: "ERANGE" });
  }
  const result = await service.read(key, range.start, range.end);
  res.writeHead(206, {
    "content-type": "application/octet-stream",
    "content-range": `bytes ${range.start}-${range.start + result.data.length - 1}/*`,
    "x-cache": result.cache,
    "x-origins": result.origins.join(","),
  });
  res.end(result.data);
}

export function createApi(service: ChunkService): http.Server {
  return http.createServer((req, res) => {
    route(service, req, res).catch((error: unknown) => sendError(res, error));
  });
}
