/**
 * What the docker provisioner does when a node's binary is not in its image, a full disk on a
 * container's own tmpfs, and loss/bandwidth without access to the containers' namespaces.
 * The nodes are a tiny Node program in faultline/node:local (this Node, copied by path).
 */
import { existsSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import Docker from "dockerode";
import { probes } from "../../src/cluster/probes";
import { provisionCluster } from "../../src/wiring/start-cluster";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import { Timeline } from "../../src/cluster/timeline";
import type { ClusterSpec, Node } from "../../src/cluster/types";
import { isFaultlineError, type FaultlineError } from "../../src/common/errors";
import { disk } from "../../src/faults/disk-fault";
import { bandwidth, loss } from "../../src/faults/network-faults";
import { DockerProvisioner } from "../../src/provisioners/docker-provisioner";
import { buildImageFromHost } from "../../src/provisioners/docker/image-from-host";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { dockerProblem, ensureEtcdImage, ETCD_IMAGE, labelled } from "./docker-helpers";

jest.setTimeout(60_000);

const describeDocker = requireOrSkip("a Docker engine", dockerProblem);
const describeRoot = requireOrSkip("root (for a tmpfs ballast inside the container)", () =>
  process.getuid?.() === 0 ? undefined : `this process is not root (uid ${process.getuid?.()})`,
);
const NODE_IMAGE = "faultline/node:local";

/** argv: host, port, data dir. `/append` adds bytes to a file in the data dir and answers `{ ok }` or `{ ok: false, code }`. */
const PROBE = `
const http = require("node:http"), fs = require("node:fs"), path = require("node:path");
const [host, port, dir] = process.argv.slice(1);
const attempt = (fn) => { try { fn(); return { ok: true }; } catch (e) { return { ok: false, code: e.code }; } };
http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const answer = url.pathname === "/append" ? attempt(() => fs.appendFileSync(path.join(dir, "log"), Buffer.alloc(Number(url.searchParams.get("bytes"))))) : { ok: true };
  res.end(JSON.stringify(answer));
}).listen(Number(port), host);
process.on("SIGTERM", () => process.exit(0));
`;

function probeSpec(extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    nodes: 1,
    provisioner: "docker",
    ports: ["http"],
    command: ({ node }) => [process.execPath, "-e", PROBE, node.host, String(node.port("http")), node.dataDir],
    ready: probes.http({ port: "http", path: "/ping" }),
    stop: { timeout: "2s" },
    docker: { image: NODE_IMAGE },
    ...extra,
  };
}

/** The probe's answer, or "timeout" when none comes within `timeoutMs`. */
function ask(node: Node, path: string, options: { direct?: boolean; timeoutMs?: number } = {}): Promise<{ ok: boolean; code?: string } | "timeout"> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${node.url("http", "http", { direct: options.direct ?? true })}${path}`,
      { agent: false, timeout: options.timeoutMs ?? 5000 },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve(JSON.parse(body) as { ok: boolean; code?: string }));
      },
    );
    req.on("timeout", () => {
      req.destroy();
      resolve("timeout");
    });
    req.on("error", reject);
    req.end();
  });
}

async function rejection(promise: Promise<unknown>): Promise<FaultlineError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isFaultlineError(error)) throw new Error(`expected a FaultlineError, got ${String(error)}`);
  return error;
}

async function ensureNodeImage(docker: Docker): Promise<void> {
  const present = await docker
    .getImage(NODE_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!present) await buildImageFromHost({ binaries: [process.execPath], tag: NODE_IMAGE, docker });
}

describeDocker("docker faults and failures", () => {
  const docker = new Docker();
  let run: RunContext;

  beforeAll(async () => {
    run = beginRun();
    await Promise.all([ensureEtcdImage(docker), ensureNodeImage(docker)]);
  });

  afterAll(async () => {
    if (run) await endRun(run);
  });

  describe("a command whose binary the image lacks", () => {
    let provisioner: DockerProvisioner;
    let slot: Awaited<ReturnType<DockerProvisioner["prepare"]>>[number];

    beforeAll(async () => {
      provisioner = new DockerProvisioner({ nodes: ["n1"], provisioner: "docker", command: () => [], docker: { image: ETCD_IMAGE } });
      [slot] = await provisioner.prepare({
        cluster: "lacking",
        dir: join(run.dir, "lacking"),
        run,
        timeline: new Timeline(),
        ports: ["client"],
        nodes: [{ name: "n1", index: 0 }],
      });
    });
    afterAll(() => provisioner?.dispose());

    const launch = (argv: string[]): Promise<unknown> => provisioner.launch(slot, { argv, env: {}, cwd: slot.dataDir, onOutput: () => undefined });

    it("fails with FAULTLINE_BINARY_NOT_FOUND naming the program, the image, the cluster and node, and how to build an image with it", async () => {
      const error = await rejection(launch(["redis-server", "--port", "10000"]));
      expect(error.code).toBe("FAULTLINE_BINARY_NOT_FOUND");
      expect(error.message).toMatch(/image faultline\/etcd:local has no "redis-server" on its PATH/);
      expect(error.message).toContain("executable file not found in $PATH"); // the engine's own words
      expect({ cluster: error.cluster, node: error.node, option: error.option }).toEqual({ cluster: "lacking", node: "n1", option: "command" });
      expect(error.hint).toMatch(/^build an image that has it: faultline image from-host --binary \/\S*\/redis-server --tag faultline\/etcd:local/);
      expect((await labelled(docker, run.id)).containers).toEqual([]); // the container that could not start is gone
    });

    it("says the same for an absolute path, from the engine's 'no such file or directory'", async () => {
      const error = await rejection(launch(["/opt/absent/bin/server"]));
      expect(error.code).toBe("FAULTLINE_BINARY_NOT_FOUND");
      expect(error.message).toMatch(/image faultline\/etcd:local has no "\/opt\/absent\/bin\/server" at \/opt\/absent\/bin\/server/);
      expect(error.message).toContain("no such file or directory");
      expect(error.hint).toContain("faultline image from-host --binary /opt/absent/bin/server --tag faultline/etcd:local");
    });
  });

  describeRoot("disk full on a data dir that is the container's own tmpfs (root)", () => {
    let cluster: FaultlineCluster;
    let node: Node;
    beforeAll(async () => {
      cluster = await provisionCluster(probeSpec({ docker: { image: NODE_IMAGE, tmpfs: { "{dataDir}": "size=8m" } } }), { name: "tmpfs", run });
      node = cluster.node("n1");
    });
    afterAll(() => cluster?.stop());

    it("makes writes in the container fail with ENOSPC; heal frees the space", async () => {
      expect(await ask(node, "/append?bytes=65536")).toEqual({ ok: true });
      const fault = await cluster.inject(disk({ node: "n1", mode: "full" }));
      expect(await ask(node, "/append?bytes=65536")).toEqual({ ok: false, code: "ENOSPC" });
      expect(await ask(node, "/append?bytes=1")).toEqual({ ok: false, code: "ENOSPC" }); // not a byte left
      // Filled inside the container: the host directory below its tmpfs got nothing.
      expect(readdirSync(node.dataDir)).toEqual([]);
      expect(fault.description).toMatch(/restart of the node gives it a new, empty one/);
      const applied = cluster.timeline.events.find((e) => e.type === "fault" && e.phase === "apply");
      expect(applied).toMatchObject({ kind: "disk", mechanism: "tmpfs ballast (container)" });
      await fault.heal();
      expect(await ask(node, "/append?bytes=65536")).toEqual({ ok: true });
    });
  });

  describe("without access to the containers' namespaces", () => {
    let cluster: FaultlineCluster;
    let node: Node;
    beforeAll(async () => {
      process.env.FAULTLINE_DOCKER_FAULTS = "engine"; // what a non-root user or a remote engine gets
      try {
        cluster = await provisionCluster(probeSpec(), { name: "engine-only", run });
      } finally {
        delete process.env.FAULTLINE_DOCKER_FAULTS;
      }
      node = cluster.node("n1");
    });
    afterAll(() => cluster?.stop());

    it("refuses loss and bandwidth between nodes instead of faking them on client links", async () => {
      for (const fault of [loss({ probability: 0.5 }), bandwidth({ rate: 100 })]) {
        const error = await rejection(cluster.inject(fault));
        expect(error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
        expect(error.message).toMatch(
          /between nodes too, which needs (iptables|tc) inside each container's network namespace, and FAULTLINE_DOCKER_FAULTS=engine/,
        );
        expect(error.hint).toMatch(/unset FAULTLINE_DOCKER_FAULTS; or pass links: "clients"/);
      }
      expect(cluster.activeFaults).toHaveLength(0);
      expect(await ask(node, "/ping", { direct: false })).toEqual({ ok: true }); // nothing was applied to the proxy either
    });

    it('with links: "clients", black-holes the test\'s connections through the proxy, and says so', async () => {
      const fault = await cluster.inject(loss({ probability: 1, links: "clients" }));
      try {
        expect(await ask(node, "/ping", { direct: false, timeoutMs: 700 })).toBe("timeout");
        expect(await ask(node, "/ping")).toEqual({ ok: true }); // the node's own traffic is untouched
        expect(fault.description).toMatch(/\(clients\)$/);
        const applied = cluster.timeline.events.filter((e) => e.type === "fault" && e.phase === "apply").pop();
        expect(applied).toMatchObject({ kind: "loss", mechanism: "fault proxy (connection level)" });
      } finally {
        await fault.heal();
      }
      expect(await ask(node, "/ping", { direct: false })).toEqual({ ok: true });
    });

    it("refuses a full disk without a tmpfs, naming docker.tmpfs and disk.size", async () => {
      const error = await rejection(cluster.inject(disk({ node: "n1", mode: "full" })));
      expect(error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
      expect(error.option).toBe("docker.tmpfs");
      expect(error.hint).toMatch(/docker: \{ tmpfs: \{ "\{dataDir\}": "size=64m" \} \}.*disk: \{ size: "64m" \}/);
      expect(existsSync(join(node.dataDir, ".faultline-ballast"))).toBe(false);
    });
  });
});
