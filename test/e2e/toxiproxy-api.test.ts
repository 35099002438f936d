import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { createServer, connect, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { Toxiproxy } from "toxiproxy-node-client";
import { repoRoot } from "./helpers/run-jest";

/**
 * `faultline proxy` as a Toxiproxy server: driven by Toxiproxy's own Node client and by raw
 * HTTP, against a real echo server through real sockets.
 */
const cli = join(repoRoot, "dist", "cli", "main.js");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sends `text` through `address` and resolves with the echo and how long it took. */
function roundTrip(address: string, text = "ping"): Promise<{ echo: string; ms: number }> {
  const [host, port] = address.split(":");
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) }, () => socket.write(text));
    socket.setEncoding("utf8");
    let echo = "";
    socket.on("data", (chunk: string) => {
      echo += chunk;
      if (echo.length >= text.length) {
        socket.destroy();
        resolve({ echo, ms: performance.now() - started });
      }
    });
    socket.on("error", reject);
  });
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { connection: "close" } });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as unknown) : text };
}

describe("faultline proxy speaks Toxiproxy's HTTP API", () => {
  let echo: Server;
  let upstream: string;
  let child: ChildProcess;
  let base: string;
  let toxiproxy: Toxiproxy;

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s)).listen(0, "127.0.0.1");
    await new Promise((r) => echo.once("listening", r));
    upstream = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const port = await freePort();
    child = spawn(process.execPath, [cli, "proxy", "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (c: Buffer) => c.toString().includes("Toxiproxy API on") && resolve());
      child.once("exit", (code) => reject(new Error(`faultline proxy exited ${code}`)));
    });
    base = `http://127.0.0.1:${port}`;
    toxiproxy = new Toxiproxy(base);
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    await new Promise((r) => echo.close(r));
  });

  it("creates a proxy, adds a latency toxic that slows the echo, and removes it (Toxiproxy's client)", async () => {
    expect(await toxiproxy.getVersion()).toContain("faultline");
    const proxy = await toxiproxy.createProxy({ name: "echo", listen: "127.0.0.1:0", upstream });
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await roundTrip(proxy.listen)).echo).toBe("ping");
    const toxic = await proxy.addToxic({ name: "slow", type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 300, jitter: 0 } } as never);
    expect(toxic.name).toBe("slow");
    expect((await roundTrip(proxy.listen)).ms).toBeGreaterThanOrEqual(290);
    expect((await proxy.getToxic("slow")).attributes).toEqual({ latency: 300, jitter: 0 });
    await toxic.remove();
    expect((await roundTrip(proxy.listen)).ms).toBeLessThan(290);
    expect(Object.keys(await toxiproxy.getAll())).toEqual(["echo"]);
  });

  it("answers with Toxiproxy's status codes and error bodies", async () => {
    expect(await api(base, "POST", "/proxies", { name: "echo", listen: "127.0.0.1:0", upstream })).toEqual({
      status: 409,
      body: { error: "proxy already exists", status: 409 },
    });
    expect(await api(base, "GET", "/proxies/nope")).toEqual({ status: 404, body: { error: "proxy not found", status: 404 } });
    expect(await api(base, "GET", "/proxies/echo/toxics/nope")).toEqual({ status: 404, body: { error: "toxic not found", status: 404 } });
    expect((await api(base, "POST", "/proxies/echo/toxics", { type: "teleport" })).status).toBe(400);
    expect((await api(base, "POST", "/proxies", { name: "x" })).body).toEqual({ error: "missing required field: upstream", status: 400 });
    const first = await api(base, "POST", "/proxies/echo/toxics", { type: "bandwidth", attributes: { rate: 100 } });
    expect(first).toEqual({
      status: 200,
      body: { name: "bandwidth_downstream", type: "bandwidth", stream: "downstream", toxicity: 1, attributes: { rate: 100 } },
    });
    expect((await api(base, "POST", "/proxies/echo/toxics", { type: "bandwidth", attributes: { rate: 100 } })).status).toBe(409);
    expect((await api(base, "DELETE", "/proxies/echo/toxics/bandwidth_downstream")).status).toBe(204);
    // Toxiproxy accepts a slicer whose variation is its average (its client's own tests add one).
    const slicer = { type: "slicer", attributes: { average_size: 1000, size_variation: 1000, delay: 1000 } };
    expect(await api(base, "POST", "/proxies/echo/toxics", slicer)).toMatchObject({
      status: 200,
      body: { name: "slicer_downstream", attributes: slicer.attributes },
    });
    expect((await api(base, "DELETE", "/proxies/echo/toxics/slicer_downstream")).status).toBe(204);
    expect((await api(base, "POST", "/proxies", { name: "far", listen: "0.0.0.0:0", upstream })).status).toBe(403);
  });

  it("answers no request a web page could make: another Host name (DNS rebinding) or an Origin", async () => {
    const status = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(`${base}/proxies`, { headers: { connection: "close", ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await status({})).toBe(200);
    expect(await status({ host: "attacker.example:8474" })).toBe(403);
    expect(await status({ origin: "http://attacker.example" })).toBe(403);
  });

  it("a disabled proxy refuses connections until enabled again", async () => {
    const proxy = await toxiproxy.get("echo");
    await proxy.update({ enabled: false, listen: proxy.listen, upstream });
    await expect(roundTrip(proxy.listen)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    const enabled = await proxy.update({ enabled: true, listen: proxy.listen, upstream });
    expect((await roundTrip(enabled.listen)).echo).toBe("ping");
  });

  it("populate is idempotent, and reset enables every proxy and removes every toxic", async () => {
    const wanted = [{ name: "pop", listen: "127.0.0.1:0", upstream, enabled: true }];
    const first = await toxiproxy.populate(wanted as never);
    const again = await toxiproxy.populate([{ ...wanted[0]!, listen: first.pop!.listen }] as never);
    expect(again.pop!.listen).toBe(first.pop!.listen);
    await first.pop!.addToxic({ type: "timeout", stream: "upstream", toxicity: 1, attributes: { timeout: 0 } } as never);
    await first.pop!.update({ enabled: false, listen: first.pop!.listen, upstream });
    await toxiproxy.reset();
    const after = await api(base, "GET", "/proxies/pop");
    expect(after.body).toMatchObject({ enabled: true, toxics: [] });
    expect((await roundTrip(first.pop!.listen)).echo).toBe("ping");
  });

  it("stops on SIGTERM, closing its proxies", async () => {
    const { listen } = await toxiproxy.get("echo");
    child.kill("SIGTERM");
    expect(await new Promise((r) => child.once("exit", r))).toBe(0);
    await expect(roundTrip(listen)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});

describe("faultline proxy refuses to listen beyond loopback unless told", () => {
  it("exits with a coded error and a hint", async () => {
    const run = spawn(process.execPath, [cli, "proxy", "--listen", "0.0.0.0:0"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    run.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    const code = await new Promise((r) => run.once("exit", r));
    expect(code).toBe(65);
    expect(err).toContain("FAULTLINE_INVALID_OPTION");
    expect(err).toContain("--allow-remote");
  });
});
