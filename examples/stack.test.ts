/**
 * A stack from a docker-compose file: our service ("shop") with a cache in front of its source of
 * truth, each in its own container. The faults are the plan's: a slow dependency, a dependency
 * that is down, a cut between the service and its cache. Needs Docker and root (faults between
 * containers enter their network namespaces); without them the file is skipped with the
 * reason, unless FAULTLINE_REQUIRE=all.
 *
 * @cluster shop
 */
import { existsSync } from "node:fs";
import { request } from "node:http";
import { useCluster, withFault } from "faultline";

const unavailable =
  !existsSync("/var/run/docker.sock") && !process.env.DOCKER_HOST
    ? "no Docker engine"
    : process.getuid?.() !== 0
      ? "faults between containers need root"
      : undefined;
const describeStack = unavailable && process.env.FAULTLINE_REQUIRE !== "all" ? describe.skip : describe;

const cluster = useCluster("shop");

interface Answer {
  status: number;
  body: { id?: string; value?: string | null; source?: string; error?: string };
  ms: number;
}

/** One request to the shop, through its fault proxy, on a connection of its own. */
function shop(method: "GET" | "PUT", path: string, body?: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.node("shop").url("8080")}${path}`, { method, agent: false, timeout: 10_000 }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer["body"], ms: performance.now() - started }));
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

describeStack(`a compose stack under faults${unavailable ? ` (${unavailable})` : ""}`, () => {
  test("reads come from the cache once filled", async () => {
    expect((await shop("PUT", "/items/a", "apple")).status).toBe(200);
    expect((await shop("GET", "/items/a")).body).toMatchObject({ value: "apple", source: "store" });
    expect((await shop("GET", "/items/a")).body).toMatchObject({ value: "apple", source: "cache" });
  });

  test(
    "a cache that stops answering slows reads down but fails none: they fall back to the store",
    withFault("pause", { node: "cache" }, async () => {
      await shop("PUT", "/items/b", "banana");
      const answer = await shop("GET", "/items/b");
      expect(answer).toMatchObject({ status: 200, body: { value: "banana", source: "store" } });
      expect(answer.ms).toBeGreaterThanOrEqual(250); // the cache's 300 ms timeout was waited out
    }),
  );

  test(
    "a cut between the service and its cache falls back to the source of truth",
    withFault("partition", { between: ["shop", "cache"] }, async () => {
      await shop("PUT", "/items/c", "cherry");
      expect((await shop("GET", "/items/c")).body).toMatchObject({ value: "cherry", source: "store" });
      expect((await shop("GET", "/items/c")).body).toMatchObject({ source: "store" }); // nothing could be cached
    }),
  );

  test("with the store down the service answers a clean 503, and recovers when it returns", async () => {
    await withFault("kill", { node: "store" }, async () => {
      const answer = await shop("GET", "/items/nothing-cached");
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatch(/^store unavailable: /);
    })();
    await expect(cluster).toRecoverWithin("30s");
    expect((await shop("PUT", "/items/d", "date")).status).toBe(200);
    expect((await shop("GET", "/items/d")).body).toMatchObject({ value: "date" });
  });

  test(
    "the test's own client meets latency on the store's link (through the store's fault proxy)",
    withFault("latency", { node: "store", latency: 400 }, async () => {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = request(`${cluster.node("store").url("2379")}/health`, { agent: false }, (res) => {
          res.resume();
          res.on("end", resolve);
        });
        req.on("error", reject);
        req.end();
      });
      expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    }),
  );
});
