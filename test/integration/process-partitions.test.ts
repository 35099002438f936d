import { get } from "node:http";
import { join } from "node:path";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import { faults } from "../../src/faults/catalog";
import { startedCluster } from "./started-cluster";

const tinyNode = join(__dirname, "..", "fixtures", "servers", "tiny-node.js");

/** Whether `from` reaches `to` through its link proxy within `ms`. */
function reaches(cluster: FaultlineCluster, from: string, to: string, ms = 400): Promise<boolean> {
  const address = cluster.peerAddress(cluster.node(from), cluster.node(to), "http");
  return new Promise((resolve) => {
    const req = get(`http://${address}/`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("error", () => resolve(false));
    req.setTimeout(ms, () => {
      req.destroy();
      resolve(false);
    });
  });
}

describe("partitions on provisioner process (link proxies)", () => {
  const started = startedCluster(
    {
      nodes: 3,
      ports: ["http"],
      // Asking for every peer address routes the nodes' traffic through the link proxies.
      command: ({ node, cluster }) => {
        for (const peer of cluster.nodes) cluster.peerAddress(node, peer, "http");
        return [process.execPath, tinyNode, "--name", node.name, "--port", String(node.port("http"))];
      },
    },
    "overlap",
  );

  it("heals each of two overlapping partitions without lifting the other's cut", async () => {
    const cluster = started();
    expect(await reaches(cluster, "n1", "n3")).toBe(true);
    const isolateN3 = await cluster.inject(faults.partition({ groups: [["n1", "n2"], ["n3"]] }));
    const isolateN1 = await cluster.inject(faults.partition({ groups: [["n1"], ["n2", "n3"]] }));
    try {
      expect(await reaches(cluster, "n1", "n3")).toBe(false);
      expect(await reaches(cluster, "n2", "n3")).toBe(false);
      await isolateN3.heal();
      // n1-n3 is still cut by the second partition; n2-n3 was cut only by the first.
      expect(await reaches(cluster, "n2", "n3")).toBe(true);
      expect(await reaches(cluster, "n1", "n3")).toBe(false);
      expect(await reaches(cluster, "n3", "n1")).toBe(false);
      await isolateN1.heal();
      expect(await reaches(cluster, "n1", "n3")).toBe(true);
      expect(await reaches(cluster, "n3", "n1")).toBe(true);
    } finally {
      await isolateN3.heal();
      await isolateN1.heal();
    }
  }, 60_000);
});
