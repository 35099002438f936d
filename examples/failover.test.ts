/**
 * The code under test runs in the test itself and reaches each dependency through that node's
 * fault proxy, so a toxic on one node acts on exactly the links between this code and that
 * dependency: a latency spike on the primary origin sends reads to the secondary, and once the
 * toxic is gone the primary is used again. Node only.
 *
 * @cluster origins
 */
import { request } from "node:http";
import { useCluster, withFault } from "faultline";

const cluster = useCluster("origins");

/** GET with a deadline; rejects when the origin is slower. */
function get(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** The code under test: the primary first, the secondary when the primary is too slow. */
async function fetchContent(): Promise<{ from: string; failedOver: boolean }> {
  try {
    return { from: await get(cluster.node("primary").url("http"), 300), failedOver: false };
  } catch {
    return { from: await get(cluster.node("secondary").url("http"), 2000), failedOver: true };
  }
}

test("a latency spike on the primary fails over to the secondary; without it the primary is used again", async () => {
  expect(await fetchContent()).toEqual({ from: "primary", failedOver: false });
  await withFault("latency", { node: "primary", latency: "1s" }, async () => {
    expect(await fetchContent()).toEqual({ from: "secondary", failedOver: true });
  })();
  expect(await fetchContent()).toEqual({ from: "primary", failedOver: false });
});
