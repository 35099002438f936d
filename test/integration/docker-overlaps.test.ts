/**
 * Overlapping network faults on provisioner "docker", in both of its mechanisms: with root on the
 * engine's machine, iptables and tc in the containers' namespaces (the shared firewall module);
 * without (FAULTLINE_DOCKER_FAULTS=engine stands for a user without root, who reaches only the
 * engine's API), one-node isolations by network disconnect, counted per node. Traffic between
 * nodes is sent from inside the containers' namespaces, which needs root in the test itself.
 */
import Docker from "dockerode";
import { buildImageFromHost } from "../../src/provisioners/docker/image-from-host";
import { requireOrSkip } from "../helpers/requirements";
import { dockerProblem } from "./docker-helpers";
import { bandwidthOverlaps, fromNamespaces, isolationOverlaps, lossOverlaps, partitionOverlaps, serverSpec } from "./overlap-suite";
import { startedCluster } from "./started-cluster";

jest.setTimeout(60_000);

const NODE_IMAGE = "faultline/node:local";
const describeDocker = requireOrSkip("a Docker engine", dockerProblem);
const describeRoot = requireOrSkip("root (to send traffic from inside the containers with nsenter)", () =>
  process.getuid?.() === 0 ? undefined : `this process is not root (uid ${process.getuid?.()})`,
);

async function ensureNodeImage(): Promise<void> {
  const docker = new Docker();
  const present = await docker
    .getImage(NODE_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!present) await buildImageFromHost({ binaries: [process.execPath], tag: NODE_IMAGE, docker });
}

const spec = serverSpec({ provisioner: "docker", docker: { image: NODE_IMAGE } });

describeDocker("overlapping faults on provisioner docker", () => {
  beforeAll(ensureNodeImage, 120_000);

  describeRoot("with root: iptables and tc in the containers' namespaces", () => {
    const cluster = startedCluster(spec, "overlap-docker");
    const traffic = fromNamespaces(cluster);
    describe("partitions", () => partitionOverlaps({ cluster, traffic }));
    describe("losses", () => lossOverlaps({ cluster, traffic }));
    describe("bandwidth limits", () => bandwidthOverlaps({ cluster, traffic }));
  });

  describeRoot("through the engine alone (what a user without root gets): isolation by disconnect", () => {
    beforeAll(() => {
      process.env.FAULTLINE_DOCKER_FAULTS = "engine";
    });
    const cluster = startedCluster(spec, "overlap-engine");
    beforeAll(() => {
      delete process.env.FAULTLINE_DOCKER_FAULTS;
    });
    const traffic = fromNamespaces(cluster);
    isolationOverlaps({ cluster, traffic });

    it("isolated by disconnecting containers, not with iptables", () => {
      const applied = cluster().timeline.events.filter((e) => e.type === "fault" && e.phase === "apply");
      expect(applied).toHaveLength(8);
      for (const event of applied) expect(event).toMatchObject({ kind: "partition", mechanism: "docker network disconnect (cuts the node's clients too)" });
    });
  });
});
