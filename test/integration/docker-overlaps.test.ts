/**
 * Overlapping network faults on provisioner "docker", in both of its mechanisms: with root on the
 * engine's machine, iptables and tc in the containers' namespaces (the shared firewall module);
 * without (a child process as uid 65534 in the docker group: the engine's API alone), one-node
 * isolations by network disconnect, counted per node. Traffic between nodes is sent from inside
 * the containers' namespaces, which needs root in the test itself.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Docker from "dockerode";
import { buildImageFromHost } from "../../src/provisioners/docker/image-from-host";
import { requireOrSkip } from "../helpers/requirements";
import { SERVER } from "../helpers/net-probes";
import { canRunAsNobody } from "./as-nobody";
import { dockerProblem, repoRoot, transpileSrc } from "./docker-helpers";
import {
  bandwidthOverlaps,
  fromNamespaces,
  injector,
  placesOf,
  type Inject,
  type NodePlace,
  isolationOverlaps,
  lossOverlaps,
  partitionOverlaps,
  serverSpec,
} from "./overlap-suite";
import { startedCluster } from "./started-cluster";

jest.setTimeout(60_000);

const NODE_IMAGE = "faultline/node:local";
const describeDocker = requireOrSkip("a Docker engine", dockerProblem);
const describeRoot = requireOrSkip("root (to send traffic from inside the containers with nsenter)", () =>
  process.getuid?.() === 0 ? undefined : `this process is not root (uid ${process.getuid?.()})`,
);

/** The docker group's id, which gives its members the engine's socket without root. */
function dockerGroup(): number | undefined {
  const line = spawnSync("getent", ["group", "docker"], { encoding: "utf8" }).stdout ?? "";
  const gid = Number(line.split(":")[2]);
  return line && Number.isInteger(gid) ? gid : undefined;
}
const describeNobody = requireOrSkip("root, setpriv and a docker group (to run as uid 65534 with the engine's socket)", () =>
  !canRunAsNobody ? "needs root and util-linux's setpriv" : dockerGroup() === undefined ? "no docker group on this machine" : undefined,
);

/**
 * Starts a docker cluster of SERVER nodes as uid 65534 (in the docker group, so it has the
 * engine's socket but no root), then applies and heals faults as told on stdin, one JSON command a
 * line, answering one JSON line each.
 */
const CHILD = `
const [lib, image, server, name] = process.argv.slice(1);
const { provisionCluster } = require(lib + "/wiring/start-cluster.js");
const { faults } = require(lib + "/faults/catalog.js");
const { probes } = require(lib + "/cluster/probes.js");
const { beginRun, endRun } = require(lib + "/reaper/run-context.js");
const say = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
(async () => {
  const run = beginRun();
  const cluster = await provisionCluster({
    nodes: 3, provisioner: "docker", ports: ["echo", "source"], docker: { image }, ready: probes.tcp("echo"), stop: { timeout: "2s" },
    command: ({ node }) => [process.execPath, "-e", server, node.host, String(node.port("echo")), String(node.port("source"))],
  }, { name, run });
  const places = Object.fromEntries(cluster.nodes.map((n) => [n.name, { pid: n.pid, host: n.host, echo: n.port("echo"), source: n.port("source") }]));
  say({ uid: process.getuid(), places });
  const active = new Map();
  for await (const line of require("node:readline").createInterface({ input: process.stdin })) {
    const command = JSON.parse(line);
    try {
      if (command.op === "inject") {
        const fault = await cluster.inject(faults[command.kind](command.options));
        active.set(fault.id, fault);
        const applied = cluster.timeline.events.filter((e) => e.type === "fault" && e.phase === "apply").pop();
        say({ id: fault.id, mechanism: applied.mechanism });
      } else if (command.op === "heal") {
        await active.get(command.id).heal();
        say({ ok: true });
      } else {
        await cluster.stop();
        await endRun(run);
        say({ ok: true });
        process.exit(0);
      }
    } catch (error) {
      say({ error: error.code + ": " + error.message });
    }
  }
})().catch((error) => { say({ error: String((error && error.stack) || error) }); process.exit(1); });
`;

/** The child's side of the conversation. */
interface Reply {
  error?: string;
  uid?: number;
  places?: Record<string, NodePlace>;
  id?: string;
  mechanism?: string;
}

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
    const traffic = fromNamespaces(placesOf(cluster));
    const inject = injector(cluster);
    describe("partitions", () => partitionOverlaps({ inject, traffic }));
    describe("losses", () => lossOverlaps({ inject, traffic }));
    describe("bandwidth limits", () => bandwidthOverlaps({ inject, traffic }));
  });

  describeNobody("as uid 65534 in the docker group (no root: the engine's API alone), isolation by disconnect", () => {
    let lib: string;
    let child: ChildProcessWithoutNullStreams | undefined;
    let replies: AsyncIterator<string>;
    let places: Record<string, NodePlace> = {};
    const mechanisms: string[] = [];
    let output = "";

    const ask = async (command: object): Promise<Reply> => {
      child!.stdin.write(`${JSON.stringify(command)}\n`);
      const next = await replies.next();
      if (next.done) throw new Error(`the child (uid 65534) exited: ${output}`);
      return JSON.parse(next.value) as Reply;
    };

    beforeAll(async () => {
      lib = transpileSrc(
        ["wiring/start-cluster.ts", "faults/catalog.ts", "cluster/probes.ts", "reaper/run-context.ts", "reaper/watchdog-main.ts", "proxy/proxy-thread-main.ts"],
        join(repoRoot, ".tmp", `docker-overlaps-${process.pid}`),
      );
      child = spawn(
        "setpriv",
        ["--reuid=65534", "--regid=65534", `--groups=${dockerGroup()}`, "--", process.execPath, "-e", CHILD, lib, NODE_IMAGE, SERVER, "overlap-nobody"],
        { cwd: "/tmp", env: { PATH: process.env.PATH, HOME: "/tmp", TMPDIR: "/tmp" } },
      );
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const first = await replies.next();
      const started = (first.done ? { error: output } : JSON.parse(first.value)) as Reply;
      if (!started.places) throw new Error(`the cluster did not start as uid 65534: ${started.error}`);
      expect(started.uid).toBe(65534);
      places = started.places;
    }, 120_000);

    afterAll(async () => {
      if (child && child.exitCode === null) {
        await ask({ op: "stop" }).catch(() => undefined);
        await new Promise((resolve) => (child!.exitCode === null ? child!.once("exit", resolve) : resolve(undefined)));
      }
      if (lib) rmSync(lib, { recursive: true, force: true });
    }, 60_000);

    const inject: Inject = async (kind, options) => {
      const reply = await ask({ op: "inject", kind, options });
      if (reply.error || !reply.id) throw new Error(`${kind} as uid 65534 failed: ${reply.error}`);
      mechanisms.push(reply.mechanism!);
      return {
        heal: async () => {
          const healed = await ask({ op: "heal", id: reply.id });
          if (healed.error) throw new Error(`healing ${kind} as uid 65534 failed: ${healed.error}`);
        },
      };
    };
    isolationOverlaps({ inject, traffic: fromNamespaces((name) => places[name]!) });

    it("isolated by disconnecting containers, and refuses a partition it cannot do, loss and bandwidth with FAULTLINE_PERMISSION", async () => {
      const isolation = await inject("partition", { isolate: "n2" });
      await isolation.heal();
      expect(mechanisms.length).toBeGreaterThan(0);
      expect(new Set(mechanisms)).toEqual(new Set(["docker network disconnect (cuts the node's clients too)"]));
      for (const [kind, options] of [
        ["partition", { grudge: { n1: ["n2"] } }], // one-way: more than a disconnect can do
        ["loss", { node: "n1", probability: 0.5 }],
        ["bandwidth", { node: "n1", rate: 100 }],
      ] as const) {
        expect((await ask({ op: "inject", kind, options })).error).toMatch(/^FAULTLINE_PERMISSION: .*this process is not root \(uid 65534\)/);
      }
    });
  });
});
