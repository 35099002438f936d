import { connect } from "node:net";
import type { FaultlineCluster } from "../../../src/cluster/faultline-cluster";
import { bandwidthOverlaps, injector, lossOverlaps, partitionOverlaps, serverSpec, type NodeToNode } from "../../integration/overlap-suite";
import { startedCluster } from "../../integration/started-cluster";

jest.setTimeout(60_000);

/**
 * Traffic between process nodes goes through the link proxy `from` dials to reach `to`
 * (cluster.peerAddress): the tests send it from this process, through the same proxies.
 */
function throughLinks(cluster: () => FaultlineCluster): NodeToNode {
  const link = (from: string, to: string, port: string): { host: string; port: number } => {
    const address = cluster().peerAddress(cluster().node(from), cluster().node(to), port);
    const colon = address.lastIndexOf(":");
    return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
  };
  const echo = (target: { host: string; port: number }): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = connect(target.port, target.host);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), 700);
      socket.on("connect", () => socket.write("ping"));
      socket.on("data", () => done(true));
      socket.on("error", () => done(false));
    });
  return {
    reaches: (from, to) => Promise.all(to.map((name) => echo(link(from, name, "echo")))),
    rate: (from, to) =>
      new Promise((resolve, reject) => {
        const target = link(from, to, "source");
        let bytes = 0;
        let start = 0;
        const socket = connect(target.port, target.host, () => {
          start = Date.now();
          setTimeout(() => {
            socket.destroy();
            resolve((bytes * 1000) / (Date.now() - start));
          }, 1000);
        });
        socket.on("data", (chunk: Buffer) => {
          if (start) bytes += chunk.length;
        });
        socket.on("error", reject);
      }),
  };
}

describe("overlapping faults on provisioner process (link proxies)", () => {
  // Asking for every peer address (serverSpec does) routes the nodes' traffic through the link proxies.
  const cluster = startedCluster(serverSpec(), "overlap");
  const options = { inject: injector(cluster), traffic: throughLinks(cluster) };

  describe("partitions", () => partitionOverlaps(options));
  describe("losses (connection level)", () => lossOverlaps(options));
  describe("bandwidth limits (proxy toxics)", () => bandwidthOverlaps(options));
});
