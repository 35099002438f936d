import { spawn } from "node:child_process";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import { probes } from "../../src/cluster/probes";
import type { ClusterSpec } from "../../src/cluster/types";
import { faults } from "../../src/faults/catalog";
import { SERVER } from "../helpers/net-probes";

/**
 * Two overlapping faults of one kind, healed in either order, checked with real traffic between
 * nodes: the same suite for every provisioner that does the fault (process, netns, docker), so
 * they are seen to agree. Nodes run the SERVER of net-probes: TCP echo on "echo", an endless
 * stream on "source".
 */

/** A cluster of three SERVER nodes; `peers` asks for every peer address (routing process nodes through link proxies). */
export function serverSpec(extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    nodes: 3,
    ports: ["echo", "source"],
    command: ({ node, cluster }) => {
      for (const peer of cluster.nodes) cluster.peerAddress(node, peer, "echo");
      for (const peer of cluster.nodes) cluster.peerAddress(node, peer, "source");
      return [process.execPath, "-e", SERVER, node.host, String(node.port("echo")), String(node.port("source"))];
    },
    ready: probes.tcp("echo"),
    stop: { timeout: "2s" },
    ...extra,
  };
}

/** Counts what `host:port` streams for `ms` and prints bytes per second. */
const DOWNLOAD = `
const [host, port, ms] = process.argv.slice(1);
let bytes = 0, start = 0;
// A SYN-ACK can wait behind a full token bucket (a limit drops what would queue past 200 ms): a few seconds for connect.
const give = setTimeout(() => { console.log("connect timeout"); process.exit(0); }, 5000);
const s = require("net").connect(+port, host, () => { clearTimeout(give); start = Date.now(); setTimeout(() => { console.log(Math.round(bytes * 1000 / (Date.now() - start))); process.exit(0); }, +ms); });
s.on("data", (c) => { if (start) bytes += c.length; });
s.on("error", (e) => { console.log(e.code); process.exit(0); });`;

/** Runs a Node script (this Node binary) in the network namespace of the process `pid`: a node's own network, as root. */
export function inNetnsOf(pid: number, script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("nsenter", [`--net=/proc/${pid}/ns/net`, "--", process.execPath, "-e", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000); // a hang guard, far above what a probe takes
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`nsenter into pid ${pid} exited ${code}: ${err.trim()}`));
    });
  });
}

/** Dials every `host:port` given at once; prints one "ok", "timeout" or error code per target, as JSON. */
const CLIENTS = `
const [ms, ...targets] = process.argv.slice(1);
const results = targets.map((target) => new Promise((resolve) => {
  const [host, port] = target.split(":");
  const s = require("net").connect(+port, host);
  const t = setTimeout(() => { s.destroy(); resolve("timeout"); }, +ms);
  s.on("connect", () => s.write("ping"));
  s.on("data", () => { clearTimeout(t); s.destroy(); resolve("ok"); });
  s.on("error", (e) => { clearTimeout(t); resolve(e.code); });
}));
Promise.all(results).then((r) => { console.log(JSON.stringify(r)); process.exit(0); });`;

export interface NodeToNode {
  /** Whether `from` gets an echo from each of `to` (within 700 ms). */
  reaches(from: string, to: readonly string[]): Promise<boolean[]>;
  /** Bytes per second `from` reads from `to`'s "source" port over one second. */
  rate(from: string, to: string): Promise<number>;
}

/** Where a node is: its main process's host pid, its address and SERVER's ports. */
export interface NodePlace {
  pid: number;
  host: string;
  echo: number;
  source: number;
}

/** The places of a cluster's nodes in this process. */
export function placesOf(cluster: () => FaultlineCluster): (name: string) => NodePlace {
  return (name) => {
    const node = cluster().node(name);
    if (node.pid === undefined) throw new Error(`node ${name} has no host pid`);
    return { pid: node.pid, host: node.host, echo: node.port("echo"), source: node.port("source") };
  };
}

/** Traffic from inside the nodes' own network namespaces (netns, docker), entered by the node's host pid. */
export function fromNamespaces(place: (name: string) => NodePlace): NodeToNode {
  return {
    reaches: async (from, to) => {
      const targets = to.map((name) => `${place(name).host}:${place(name).echo}`);
      return (JSON.parse(await inNetnsOf(place(from).pid, CLIENTS, ["700", ...targets])) as string[]).map((r) => r === "ok");
    },
    rate: async (from, to) => Number(await inNetnsOf(place(from).pid, DOWNLOAD, [place(to).host, String(place(to).source), "1000"])),
  };
}

/** Network fault kinds the suites apply, with their options as plain data (so a child process can apply them too). */
export type FaultKind = "partition" | "loss" | "bandwidth";
export type Inject = (kind: FaultKind, options: Record<string, unknown>) => Promise<{ heal(): Promise<void> }>;

/** Applies faults to a cluster of this process. */
export function injector(cluster: () => FaultlineCluster): Inject {
  return (kind, options) => cluster().inject(faults[kind](options as never));
}

export interface OverlapSuiteOptions {
  inject: Inject;
  traffic: NodeToNode;
}

const ORDERS = [
  ["first", [0, 1]],
  ["second", [1, 0]],
] as const;

function linkChecks(traffic: NodeToNode) {
  // One prober per source node, dialling all its targets at once.
  const links = async (pairs: Array<[string, string]>): Promise<string[]> => {
    const sources = [...new Set(pairs.map(([from]) => from))];
    const answers = await Promise.all(
      sources.map((from) =>
        traffic.reaches(
          from,
          pairs.filter(([a]) => a === from).map(([, to]) => to),
        ),
      ),
    );
    const up = new Map(
      sources.flatMap((from, i) => pairs.filter(([a]) => a === from).map(([, to], j): [string, boolean] => [`${from}->${to}`, answers[i]![j]!])),
    );
    return pairs.map(([a, b]) => `${a}->${b} ${up.get(`${a}->${b}`) ? "up" : "cut"}`);
  };
  const all: Array<[string, string]> = [
    ["n1", "n2"],
    ["n2", "n1"],
    ["n1", "n3"],
    ["n3", "n1"],
    ["n2", "n3"],
    ["n3", "n2"],
  ];
  const expected = (cut: Array<[string, string]>): string[] =>
    all.map(([a, b]) => `${a}->${b} ${cut.some(([x, y]) => (x === a && y === b) || (x === b && y === a)) ? "cut" : "up"}`);
  /**
   * Asserts the links reach `want`, probing again for up to 10 s: on a loaded machine a link can
   * miss one 700 ms probe. A wrong state (a heal that lifted another fault's cut) persists, and fails.
   */
  const expectLinks = async (pairs: Array<[string, string]>, want: string[]): Promise<void> => {
    const deadline = Date.now() + 10_000;
    let seen = await links(pairs);
    while (JSON.stringify(seen) !== JSON.stringify(want) && Date.now() < deadline) seen = await links(pairs);
    expect(seen).toEqual(want);
  };
  return { expectLinks, all, expected };
}

/** Two partitions that share a link (call inside a describe whose cluster is started). */
export function partitionOverlaps(options: OverlapSuiteOptions): void {
  const { expectLinks, all, expected } = linkChecks(options.traffic);
  it.each(ORDERS)("heals two overlapping partitions independently, the %s applied healed first", async (_, order) => {
    const { inject } = options;
    await expectLinks(all, expected([]));
    // Both cut n1-n3; only the first cuts n2-n3, only the second n1-n2.
    const applied = [await inject("partition", { groups: [["n1", "n2"], ["n3"]] }), await inject("partition", { groups: [["n1"], ["n2", "n3"]] })];
    try {
      await expectLinks(
        all,
        expected([
          ["n1", "n2"],
          ["n1", "n3"],
          ["n2", "n3"],
        ]),
      );
      await applied[order[0]]!.heal();
      await expectLinks(
        all,
        expected(
          order[0] === 0
            ? [
                ["n1", "n2"],
                ["n1", "n3"],
              ]
            : [
                ["n1", "n3"],
                ["n2", "n3"],
              ],
        ),
      );
      await applied[order[1]]!.heal();
      await expectLinks(all, expected([]));
    } finally {
      for (const fault of applied) await fault.heal();
    }
  });
}

/**
 * Without the nodes' firewalls (docker through the engine alone) a partition can only isolate one
 * node: two isolations of one node, and of two nodes (which share a link).
 */
export function isolationOverlaps(options: OverlapSuiteOptions): void {
  const { expectLinks, all, expected } = linkChecks(options.traffic);
  it.each(ORDERS)("heals two isolations of the same node independently, the %s applied healed first", async (_, order) => {
    const { inject } = options;
    const applied = [await inject("partition", { isolate: "n1" }), await inject("partition", { groups: [["n1"], ["n2", "n3"]] })];
    try {
      await expectLinks(
        all,
        expected([
          ["n1", "n2"],
          ["n1", "n3"],
        ]),
      );
      await applied[order[0]]!.heal();
      await expectLinks(
        all,
        expected([
          ["n1", "n2"],
          ["n1", "n3"],
        ]),
      );
      await applied[order[1]]!.heal();
      await expectLinks(all, expected([]));
    } finally {
      for (const fault of applied) await fault.heal();
    }
  });

  it.each(ORDERS)("heals isolations of two nodes independently, the %s applied healed first", async (_, order) => {
    const { inject } = options;
    const applied = [await inject("partition", { isolate: "n1" }), await inject("partition", { isolate: "n3" })];
    try {
      await expectLinks(
        all,
        expected([
          ["n1", "n2"],
          ["n1", "n3"],
          ["n2", "n3"],
        ]),
      );
      await applied[order[0]]!.heal();
      await expectLinks(
        all,
        expected(
          order[0] === 0
            ? [
                ["n1", "n3"],
                ["n2", "n3"],
              ]
            : [
                ["n1", "n2"],
                ["n1", "n3"],
              ],
        ),
      );
      await applied[order[1]]!.heal();
      await expectLinks(all, expected([]));
    } finally {
      for (const fault of applied) await fault.heal();
    }
  });
}

/** Two losses on one node. */
export function lossOverlaps(options: OverlapSuiteOptions): void {
  const { expectLinks } = linkChecks(options.traffic);
  it.each(ORDERS)("heals two overlapping losses independently, the %s applied healed first", async (_, order) => {
    const { inject } = options;
    // Two faults dropping everything into n1: n1 stays cut until both heal; n2-n3 is never touched.
    const into: Array<[string, string]> = [
      ["n2", "n1"],
      ["n3", "n1"],
      ["n2", "n3"],
    ];
    const applied = [await inject("loss", { node: "n1", probability: 1 }), await inject("loss", { node: "n1", probability: 1 })];
    try {
      await expectLinks(into, ["n2->n1 cut", "n3->n1 cut", "n2->n3 up"]);
      await applied[order[0]]!.heal();
      await expectLinks(into, ["n2->n1 cut", "n3->n1 cut", "n2->n3 up"]);
      await applied[order[1]]!.heal();
      await expectLinks(into, ["n2->n1 up", "n3->n1 up", "n2->n3 up"]);
    } finally {
      for (const fault of applied) await fault.heal();
    }
  });
}

/** Two bandwidth limits on one node. */
export function bandwidthOverlaps(options: OverlapSuiteOptions): void {
  const { traffic } = options;
  it.each(ORDERS)(
    "stacks two bandwidth limits on one node (the lower holds while both do) and heals them independently, the %s applied healed first",
    async (_, order) => {
      const { inject } = options;
      const band = (rate: number): string => (rate < 200_000 ? "~100 KB/s" : rate < 900_000 ? "~400 KB/s" : rate > 2_000_000 ? "unlimited" : `${rate} B/s`);
      // 100 KB/s measures up to ~130 KB/s (the bucket's burst), 400 KB/s ~300-450 KB/s (TCP backs off
      // at the bucket's drops), no limit tens of MB/s. Up to three one-second measurements: on a
      // loaded machine one can fall outside its band.
      const expectBand = async (want: string): Promise<void> => {
        const rates: number[] = [];
        while (rates.length < 3 && (rates.length === 0 || band(rates.at(-1)!) !== want)) rates.push(Math.round(await traffic.rate("n1", "n2")));
        expect(`${band(rates.at(-1)!)} (measured ${rates.join(", ")} B/s)`).toBe(`${want} (measured ${rates.join(", ")} B/s)`);
      };
      const applied = [await inject("bandwidth", { node: "n2", rate: 400 })];
      try {
        await expectBand("~400 KB/s");
        applied.push(await inject("bandwidth", { node: "n2", rate: 100 }));
        await expectBand("~100 KB/s");
        await applied[order[0]]!.heal();
        await expectBand(order[0] === 0 ? "~100 KB/s" : "~400 KB/s");
        await applied[order[1]]!.heal();
        await expectBand("unlimited");
      } finally {
        for (const fault of applied) await fault.heal();
      }
    },
  );
}
