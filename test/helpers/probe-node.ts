import { request } from "node:http";
import type { Node } from "../../src/cluster/node-types";

/** argv: host, port, data dir. Answers every request with JSON, errors as `{ code }`. */
export const PROBE = `
const http = require("node:http"), fs = require("node:fs"), path = require("node:path");
const [host, port, dir] = process.argv.slice(1);
const attempt = (fn) => { try { return { ok: true, ...fn() }; } catch (e) { return { ok: false, code: e.code }; } };
const routes = {
  "/time": () => ({ now: Date.now() }),
  "/bulk": (q) => ({ bulk: "x".repeat(Number(q.get("bytes"))) }),
  "/create": (q) => attempt(() => fs.writeFileSync(q.get("relative") ? q.get("name") : path.join(dir, q.get("name")), "x")),
  "/append": (q) => attempt(() => fs.appendFileSync(path.join(dir, "log"), Buffer.alloc(Number(q.get("bytes"))))),
  "/open": (q) => { const fds = []; const r = attempt(() => { while (fds.length < Number(q.get("n"))) fds.push(fs.openSync("/dev/null", "r")); }); fds.forEach((fd) => fs.closeSync(fd)); return { ...r, opened: fds.length }; },
};
http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  res.end(JSON.stringify((routes[url.pathname] ?? (() => ({ ok: false, code: "ENOENT" })))(url.searchParams)));
}).listen(Number(port), host);
process.on("SIGTERM", () => process.exit(0));
`;

export type Answer = { ok?: boolean; code?: string; now?: number; opened?: number; bulk?: string };

export function ask(node: Node, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // agent: false: a fresh connection each time, and no keep-alive socket left to hold Jest open.
    const req = request(`${node.url("http", "http", { direct: true })}${path}`, { agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve(JSON.parse(body) as Answer));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
