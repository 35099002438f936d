import { request } from "node:http";
import { withFault, type Cluster } from "faultline";

interface Answer {
  status: number;
  body: { id?: string; value?: string | null; source?: string; error?: string };
  ms: number;
}

/** One request to the shop, through its fault proxy, on a connection of its own. */
function shop(cluster: Cluster, method: "GET" | "PUT", path: string, body?: string): Promise<Answer> {
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

/**
 * The shop stack's tests, for any cluster that runs it (from the compose file on docker, or as
 * a per-node spec on netns): the plan's faults on the links between the service and what it
 * depends on.
 */
export function stackTests(cluster: Cluster): void {
  test("reads come from the cache once filled", async () => {
    expect((await shop(cluster, "PUT", "/items/a", "apple")).status).toBe(200);
    expect((await shop(cluster, "GET", "/items/a")).body).toMatchObject({ value: "apple", source: "store" });
    expect((await shop(cluster, "GET", "/items/a")).body).toMatchObject({ value: "apple", source: "cache" });
  });

  test(
    "a cache that stops answering slows reads down but fails none: they fall back to the store",
    withFault("pause", { node: "cache" }, async () => {
      await shop(cluster, "PUT", "/items/b", "banana");
      const answer = await shop(cluster, "GET", "/items/b");
      expect(answer).toMatchObject({ status: 200, body: { value: "banana", source: "store" } });
      expect(answer.ms).toBeGreaterThanOrEqual(250); // the cache's 300 ms timeout was waited out
    }),
  );

  test(
    "a cut between the service and its cache falls back to the source of truth",
    withFault("partition", { between: ["shop", "cache"] }, async () => {
      await shop(cluster, "PUT", "/items/c", "cherry");
      expect((await shop(cluster, "GET", "/items/c")).body).toMatchObject({ value: "cherry", source: "store" });
      expect((await shop(cluster, "GET", "/items/c")).body).toMatchObject({ source: "store" }); // nothing could be cached
    }),
  );

  test("with the store down the service answers a clean 503, and recovers when it returns", async () => {
    await withFault("kill", { node: "store" }, async () => {
      const answer = await shop(cluster, "GET", "/items/nothing-cached");
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatch(/^store unavailable: /);
    })();
    await expect(cluster).toRecoverWithin("30s");
    expect((await shop(cluster, "PUT", "/items/d", "date")).status).toBe(200);
    expect((await shop(cluster, "GET", "/items/d")).body).toMatchObject({ value: "date" });
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
}
