/**
 * "shop": a small HTTP service of ours with a cache (Redis) in front of its source of truth
 * (etcd), as many services are built. No dependencies: it speaks RESP to Redis and etcd's JSON
 * gateway over plain sockets, so it runs in an image that holds only Node.
 *
 *   GET /items/:id   cache first; on a miss or a cache error, the store (and fill the cache)
 *   PUT /items/:id   write the store, drop the cached copy
 *   GET /health      200
 *
 * Every answer says where it came from: { id, value, source: "cache" | "store" }. The store
 * failing is a 503 with the reason; the cache failing is never an error, only slower.
 */
const http = require("node:http");
const net = require("node:net");

const PORT = Number(process.env.PORT ?? 8080);
const [CACHE_HOST, CACHE_PORT] = (process.env.CACHE ?? "cache:6379").split(":");
const STORE = process.env.STORE ?? "http://store:2379";
const CACHE_TIMEOUT_MS = Number(process.env.CACHE_TIMEOUT_MS ?? 300);
const STORE_TIMEOUT_MS = Number(process.env.STORE_TIMEOUT_MS ?? 2000);

/** One Redis command on a fresh connection: resolves with the reply (string or null). */
function redis(args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: CACHE_HOST, port: Number(CACHE_PORT) });
    let data = "";
    const done = (error, value) => {
      socket.destroy();
      clearTimeout(timer);
      error ? reject(error) : resolve(value);
    };
    const timer = setTimeout(() => done(new Error(`cache did not answer within ${CACHE_TIMEOUT_MS} ms`)), CACHE_TIMEOUT_MS);
    socket.on("error", (error) => done(error));
    socket.on("connect", () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`));
    socket.on("data", (chunk) => {
      data += chunk.toString("utf8");
      if (data.startsWith("-")) return done(new Error(data.slice(1).trim()));
      if (data.startsWith("+") || data.startsWith(":")) return data.includes("\r\n") && done(undefined, data.slice(1, data.indexOf("\r\n")));
      if (data.startsWith("$-1\r\n")) return done(undefined, null);
      const m = /^\$(\d+)\r\n/.exec(data);
      if (m && data.length >= m[0].length + Number(m[1]) + 2) done(undefined, data.slice(m[0].length, m[0].length + Number(m[1])));
    });
  });
}

/** A POST to etcd's v3 JSON gateway. */
function etcd(path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${STORE}${path}`, { method: "POST", timeout: STORE_TIMEOUT_MS, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`store answered ${res.statusCode}: ${text}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`store did not answer within ${STORE_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const b64 = (text) => Buffer.from(text).toString("base64");
const key = (id) => `items/${id}`;

async function read(id) {
  try {
    const cached = await redis(["GET", key(id)]);
    if (cached !== null) return { id, value: cached, source: "cache" };
  } catch (error) {
    console.log(`cache unavailable, reading the store: ${error.message}`);
  }
  const found = await etcd("/v3/kv/range", { key: b64(key(id)) });
  const value = found.kvs?.[0] ? Buffer.from(found.kvs[0].value, "base64").toString() : null;
  if (value !== null) redis(["SET", key(id), value, "EX", "60"]).catch(() => undefined);
  return { id, value, source: "store" };
}

async function write(id, value) {
  await etcd("/v3/kv/put", { key: b64(key(id)), value: b64(value) });
  await redis(["DEL", key(id)]).catch(() => undefined);
  return { id, value, source: "store" };
}

const server = http.createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const m = /^\/items\/([\w-]+)$/.exec(req.url ?? "");
  try {
    if (req.url === "/health") return send(200, { ok: true });
    if (m && req.method === "GET") return send(200, await read(m[1]));
    if (m && req.method === "PUT") {
      let body = "";
      for await (const chunk of req) body += chunk;
      return send(200, await write(m[1], body));
    }
    send(404, { error: "not found" });
  } catch (error) {
    send(503, { error: `store unavailable: ${error.message}` });
  }
});
server.listen(PORT, "0.0.0.0", () => console.log(`shop listening on ${PORT}`));
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // a request still waiting on a dead store would hold the exit
});
