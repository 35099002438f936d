/**
 * A storage origin: `GET /objects/<key>` with a `Range` header answers 206 with those bytes of
 * the object (see objects.ts), `GET /health` and `GET /ready` answer 200. Used in-process by the
 * layer-1 tests and as its own process (origin-main.ts) in the layer-2 cluster.
 */
import * as http from "node:http";
import { OBJECT_SIZE, objectBytes, parseRange } from "./objects";

/** What an origin has served, for tests to see which origin answered. */
export interface OriginCounters {
  reads: number;
  healthChecks: number;
}

export interface OriginServer {
  readonly server: http.Server;
  readonly counters: OriginCounters;
}

export function createOriginServer(name: string): OriginServer {
  const counters: OriginCounters = { reads: 0, healthChecks: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://origin");
    res.setHeader("x-origin", name);
    if (req.method === "GET" && (url.pathname === "/health" || url.pathname === "/ready")) {
      if (url.pathname === "/health") counters.healthChecks++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ name, ok: true }));
      return;
    }
    const key = url.pathname.startsWith("/objects/") ? decodeURIComponent(url.pathname.slice("/objects/".length)) : "";
    if (req.method !== "GET" || key === "") {
      res.writeHead(404).end();
      return;
    }
    const range = parseRange(req.headers.range, OBJECT_SIZE) ?? { start: 0, end: OBJECT_SIZE };
    if (range === "invalid") {
      res.writeHead(416, { "content-range": `bytes */${OBJECT_SIZE}` }).end();
      return;
    }
    counters.reads++;
    res.writeHead(req.headers.range ? 206 : 200, {
      "content-type": "application/octet-stream",
      "content-range": `bytes ${range.start}-${range.end - 1}/${OBJECT_SIZE}`,
    });
    res.end(objectBytes(key, range.start, range.end));
  });
  return { server, counters };
}
