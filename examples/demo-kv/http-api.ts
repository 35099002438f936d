/**
 * The HTTP API, client and peer RPC on one port:
 *   GET  /kv/:key   → { value, found }            (linearizable read on the leader)
 *   PUT  /kv/:key   { value } → { ok: true, index }
 *   POST /cas/:key  { from, to } → { ok, value }
 *   GET  /health    → 200 / 503 { id, role, term, leader }
 *   GET  /leader    → { leader, term }
 *   GET  /status    → role, term, commitIndex, lastApplied, logLength, …
 *   POST /raft/vote, /raft/append — peer RPC
 * A follower answers client requests with 421 { error: "not leader", leader }. Every answer
 * carries an `x-node-id` header so clients can map addresses to node ids.
 */
import * as http from "node:http";
import { RequestError } from "./types";
import type { RaftNode } from "./raft-node";
import type { AppendRequest, VoteRequest } from "./types";

const MAX_BODY = 32 * 1024 * 1024;

export function createApi(node: RaftNode): http.Server {
  const server = http.createServer((req, res) => {
    handle(node, req, res).catch((error: unknown) => {
      if (error instanceof RequestError) return send(res, node, error.status, { error: error.message, ...error.extra });
      node.config.log(`internal error on ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`);
      send(res, node, 500, { error: "internal error", message: String((error as Error)?.message ?? error) });
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(node: RaftNode, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (node.isStopped) throw new RequestError(503, "shutting down", { definite: true });
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  const method = req.method ?? "GET";

  if (path === "/raft/vote" && method === "POST") return send(res, node, 200, node.handleVote((await readJson(req)) as VoteRequest));
  if (path === "/raft/append" && method === "POST") return send(res, node, 200, node.handleAppend((await readJson(req)) as AppendRequest));

  if (path.startsWith("/kv/")) {
    const key = decodeKey(path.slice(4));
    if (method === "GET") return send(res, node, 200, await node.read(key));
    if (method === "PUT") {
      const body = await readJson(req);
      if (!isObject(body) || !("value" in body)) throw new RequestError(400, 'body must be { "value": ... }');
      const result = await node.propose({ op: "put", key, value: body.value });
      return send(res, node, 200, { ok: true, index: result.index });
    }
    throw new RequestError(405, "method not allowed");
  }
  if (path.startsWith("/cas/")) {
    const key = decodeKey(path.slice(5));
    if (method !== "POST") throw new RequestError(405, "method not allowed");
    const body = await readJson(req);
    if (!isObject(body) || !("from" in body) || !("to" in body)) throw new RequestError(400, 'body must be { "from": ..., "to": ... }');
    const result = await node.propose({ op: "cas", key, from: body.from, to: body.to });
    return send(res, node, 200, { ok: result.ok, value: result.value ?? null, index: result.index });
  }
  if (method !== "GET") throw new RequestError(405, "method not allowed");
  if (path === "/health") {
    const status = node.status();
    const body = { id: status.id, role: status.role, term: status.term, leader: status.leader };
    return send(res, node, status.leader !== null ? 200 : 503, body);
  }
  if (path === "/leader") {
    const status = node.status();
    return send(res, node, 200, { leader: status.leader, term: status.term });
  }
  if (path === "/status") return send(res, node, 200, node.status());
  throw new RequestError(404, "not found");
}

function decodeKey(raw: string): string {
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw new RequestError(400, "bad key encoding");
  }
  if (key === "") throw new RequestError(400, "empty key");
  return key;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new RequestError(413, "body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(text === "" ? undefined : JSON.parse(text));
      } catch {
        reject(new RequestError(400, "body is not JSON"));
      }
    });
  });
}

function send(res: http.ServerResponse, node: RaftNode, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "x-node-id": node.id });
  res.end(payload);
}
