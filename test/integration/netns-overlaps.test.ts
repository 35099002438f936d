/**
 * Overlapping network faults on provisioner "netns" (iptables chains and tc in the nodes'
 * namespaces, through the shared firewall module), checked with traffic between the nodes.
 * netns needs root whatever the fault, so there is no unprivileged variant (netns-unprivileged
 * checks the refusal).
 */
import { capabilities } from "../../src/provisioners/netns-provisioner";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";
import { CLIENT } from "../helpers/net-probes";
import { requireOrSkip } from "../helpers/requirements";
import { bandwidthOverlaps, fromNamespaces, injector, placesOf, inNetnsOf, lossOverlaps, partitionOverlaps, serverSpec } from "./overlap-suite";
import { startedCluster } from "./started-cluster";
import { faults } from "../../src/faults/catalog";

jest.setTimeout(60_000);

const describeNetns = requireOrSkip("netns (Linux, root, ip, iptables)", netnsProblem);
const describeStatistic = requireOrSkip("the kernel's xt_statistic (iptables -m statistic)", () =>
  capabilities().statistic ? undefined : "this kernel has no xt_statistic module",
);
const describeTbf = requireOrSkip("the kernel's sch_tbf qdisc", () => (capabilities().tbf ? undefined : "this kernel has no sch_tbf module"));

describeNetns("overlapping faults on provisioner netns", () => {
  const cluster = startedCluster(serverSpec({ provisioner: "netns" }), "overlap-netns");
  const traffic = fromNamespaces(placesOf(cluster));
  const inject = injector(cluster);

  describe("partitions", () => partitionOverlaps({ inject, traffic }));

  describeStatistic("losses", () => {
    lossOverlaps({ inject, traffic });

    it("never drops a node's traffic to itself (loopback), even when it loses every packet", async () => {
      const n1 = cluster().node("n1");
      const fault = await cluster().inject(faults.loss({ node: "n1", probability: 1 }));
      try {
        // To its own address: the kernel routes that through lo, like 127.0.0.1.
        expect(await inNetnsOf(n1.pid!, CLIENT, [n1.host, String(n1.port("echo")), "700"])).toBe("ok");
        expect(await traffic.reaches("n2", ["n1"])).toEqual([false]);
      } finally {
        await fault.heal();
      }
    });
  });

  describeTbf("bandwidth limits", () => bandwidthOverlaps({ inject, traffic }));
});
