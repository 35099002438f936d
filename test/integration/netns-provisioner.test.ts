import { existsSync } from "node:fs";
import { join } from "node:path";
import { Timeline } from "../../src/cluster/timeline";
import type { Node } from "../../src/cluster/types";
import { isFaultlineError } from "../../src/common/errors";
import type { Grudge } from "../../src/cluster/grudge";
import { capabilities, netnsAvailability, NetnsProvisioner } from "../../src/provisioners/netns-provisioner";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";
import type { NodeProcess, NodeSlot } from "../../src/cluster/provisioner";
import { cleanupRun } from "../../src/reaper/cleanup";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { CLIENT, downloadRate, hostProbe, kernelState, runIn, SERVER, udpEchoes, UDP_SEND } from "../helpers/net-probes";
import { requireOrSkip } from "../helpers/requirements";

jest.setTimeout(60_000);

const describeNetns = requireOrSkip("netns (Linux, root, ip, iptables)", netnsProblem);
const describeStatistic = requireOrSkip("the kernel's xt_statistic (iptables -m statistic)", () =>
  capabilities().statistic ? undefined : "this kernel has no xt_statistic module",
);
const describeTbf = requireOrSkip("the kernel's sch_tbf qdisc", () => (capabilities().tbf ? undefined : "this kernel has no sch_tbf module"));

function expectNothingOf(run: RunContext): void {
  const state = kernelState();
  const mark = `fl-${run.id}`;
  expect(state.netns).not.toContain(mark);
  expect(state.links).not.toContain(mark);
  expect(state.rules).not.toContain(mark);
}

interface Started {
  provisioner: NetnsProvisioner;
  slots: NodeSlot[];
  nodes: Node[];
  processes: NodeProcess[];
  output: Map<string, string>;
  namespace(name: string): string;
}

async function startCluster(run: RunContext, cluster: string): Promise<Started> {
  const provisioner = new NetnsProvisioner({ nodes: 3, provisioner: "netns", command: () => [] });
  const slots = await provisioner.prepare({
    cluster,
    dir: join(run.dir, cluster),
    run,
    timeline: new Timeline(),
    ports: ["echo", "source"],
    nodes: ["n1", "n2", "n3"].map((name, index) => ({ name, index })),
  });
  const output = new Map(slots.map((s) => [s.name, ""]));
  const processes = await Promise.all(
    slots.map(async (slot) => {
      const node = await provisioner.launch(slot, {
        argv: [process.execPath, "-e", SERVER, slot.host, String(slot.ports.echo), String(slot.ports.source)],
        env: process.env as Record<string, string>,
        cwd: slot.dataDir,
        onOutput: (chunk) => output.set(slot.name, output.get(slot.name)! + chunk.toString()),
      });
      const deadline = Date.now() + 10_000;
      while (!output.get(slot.name)!.includes("listening")) {
        if (Date.now() > deadline) throw new Error(`${slot.name} never listened: ${output.get(slot.name)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return node;
    }),
  );
  const nodes = slots.map((s) => ({ name: s.name, index: s.index, host: s.host }) as Node);
  const namespace = (name: string): string =>
    kernelState()
      .netns.split("\n")
      .map((l) => l.split(" ")[0]!)
      .find((ns) => ns.startsWith(`fl-${run.id}-`) && ns.endsWith(`-${name}`))!;
  return { provisioner, slots, nodes, processes, output, namespace };
}

async function stopNodes(started: Started): Promise<void> {
  await Promise.all(
    started.processes.map(async (p) => {
      await p.signal("SIGKILL");
      await p.exited;
      await p.release();
    }),
  );
}

describeNetns("NetnsProvisioner", () => {
  let run: RunContext;
  let c: Started;
  const slot = (name: string): NodeSlot => c.slots.find((s) => s.name === name)!;
  const probe = (from: string, to: string): Promise<string> => runIn(c.namespace(from), CLIENT, [slot(to).host, String(slot(to).ports.echo), "700"]);

  beforeAll(async () => {
    run = beginRun();
    c = await startCluster(run, "nn");
  });

  afterAll(async () => {
    if (c) await stopNodes(c);
    await c?.provisioner.dispose();
    if (run) await endRun(run);
  });

  it("reports itself available, with what the kernel offers", () => {
    const availability = netnsAvailability();
    expect(availability).toEqual({ ok: true, ...capabilities() });
    for (const key of ["netem", "tbf", "htb", "statistic"] as const) expect(typeof availability[key]).toBe("boolean");
  });

  it("gives each node its own address in a /24 of 198.18.0.0/15, fixed ports and a data dir", () => {
    const hosts = c.slots.map((s) => s.host);
    expect(new Set(hosts).size).toBe(3);
    for (const [i, host] of hosts.entries()) expect(host).toMatch(new RegExp(`^198\\.1[89]\\.\\d+\\.${10 + i}$`));
    expect(c.slots[0]!.ports).toEqual({ echo: 10000, source: 10001 });
    for (const s of c.slots) expect(existsSync(s.dataDir)).toBe(true);
    expect(c.provisioner.peerAddress(slot("n1"), { ...slot("n2"), ports: {} }, "echo")).toBe(`${slot("n2").host}:10000`);
  });

  it("lets nodes reach each other, and the test reach every node, by IP", async () => {
    const results = await Promise.all([probe("n1", "n2"), probe("n2", "n3"), probe("n3", "n1"), ...c.slots.map((s) => hostProbe(s))]);
    expect(results).toEqual(["ok", "ok", "ok", "ok", "ok", "ok"]);
  });

  it("isolates n1 with DROP (connects time out) while n2 and n3 still talk, and heals", async () => {
    const grudge: Grudge = { n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] };
    const { undo, mechanism } = await c.provisioner.controls.network.partition!(grudge, c.nodes);
    expect(mechanism).toBe("iptables");
    try {
      const [n2n1, n1n2, n2n3, n3n2, host] = await Promise.all([
        probe("n2", "n1"),
        probe("n1", "n2"),
        probe("n2", "n3"),
        probe("n3", "n2"),
        hostProbe(slot("n1")),
      ]);
      expect({ n2n1, n1n2, n2n3, n3n2, host }).toEqual({ n2n1: "timeout", n1n2: "timeout", n2n3: "ok", n3n2: "ok", host: "ok" });
    } finally {
      await undo();
    }
    expect(await Promise.all([probe("n2", "n1"), probe("n1", "n3")])).toEqual(["ok", "ok"]);
    await undo(); // twice is safe
  });

  it("drops only one direction for a one-way grudge", async () => {
    const { undo } = await c.provisioner.controls.network.partition!({ n1: ["n2"] }, c.nodes);
    try {
      await runIn(c.namespace("n2"), UDP_SEND, [slot("n1").host, "10000", "from-n2-to-n1"]);
      await runIn(c.namespace("n1"), UDP_SEND, [slot("n2").host, "10000", "from-n1-to-n2"]);
      await new Promise((r) => setTimeout(r, 300));
      expect(c.output.get("n2")).toContain(`udp ${slot("n1").host} from-n1-to-n2`);
      expect(c.output.get("n1")).not.toContain("from-n2-to-n1");
      expect(await probe("n3", "n1")).toBe("ok");
    } finally {
      await undo();
    }
  });

  it("rejects a grudge naming an unknown node, leaving nothing applied", async () => {
    await expect(c.provisioner.controls.network.partition!({ n1: ["n9"] }, c.nodes)).rejects.toMatchObject({ code: "FAULTLINE_UNKNOWN_NODE" });
    expect(await probe("n2", "n1")).toBe("ok");
  });

  describeStatistic("with xt_statistic", () => {
    it("drops every packet with loss 1 (but the node's own loopback traffic), some with loss 0.5, none after heal", async () => {
      const all = await c.provisioner.controls.network.loss!([c.nodes[0]!], 1);
      expect(all.mechanism).toBe("iptables statistic");
      try {
        expect(await Promise.all([hostProbe(slot("n1")), probe("n2", "n1"), probe("n1", "n3"), probe("n2", "n3")])).toEqual([
          "timeout",
          "timeout",
          "timeout",
          "ok",
        ]);
        expect(await probe("n1", "n1")).toBe("ok"); // to its own address, through lo
        expect(await udpEchoes(slot("n1"), 20)).toBe(0);
      } finally {
        await all.undo();
      }
      const half = await c.provisioner.controls.network.loss!([c.nodes[0]!], 0.5);
      try {
        const echoed = await udpEchoes(slot("n1"), 200);
        expect(echoed).toBeGreaterThan(40);
        expect(echoed).toBeLessThan(160);
      } finally {
        await half.undo();
      }
      expect(await udpEchoes(slot("n1"), 50)).toBe(50);
    });
  });

  describeTbf("with sch_tbf", () => {
    it("limits what leaves a node with bandwidth (tc tbf), and heals", async () => {
      const before = await downloadRate(slot("n2"));
      const { undo, mechanism } = await c.provisioner.controls.network.bandwidth!([c.nodes[1]!], 100);
      expect(mechanism).toBe("tc tbf");
      let limited: number;
      try {
        limited = await downloadRate(slot("n2"));
      } finally {
        await undo();
      }
      const after = await downloadRate(slot("n2"));
      expect(limited).toBeLessThan(250_000); // 100 KB/s plus the bucket's burst
      expect(limited).toBeGreaterThan(20_000);
      expect(before).toBeGreaterThan(2_000_000);
      expect(after).toBeGreaterThan(2_000_000);
    });
  });

  it("gives clusters prepared at the same time different subnets and bridges", async () => {
    const pair = [new NetnsProvisioner({ nodes: 1, command: () => [] }), new NetnsProvisioner({ nodes: 1, command: () => [] })];
    try {
      const slots = await Promise.all(
        pair.map((p, i) =>
          p.prepare({ cluster: `twin${i}`, dir: join(run.dir, `twin${i}`), run, timeline: new Timeline(), ports: [], nodes: [{ name: "n1", index: 0 }] }),
        ),
      );
      const subnet = (host: string): string => host.split(".").slice(0, 3).join(".");
      expect(new Set([subnet(slots[0]![0]!.host), subnet(slots[1]![0]!.host), subnet(c.slots[0]!.host)]).size).toBe(3);
      expect(await hostProbe({ ...slots[0]![0]!, ports: { echo: 1 } })).toBe("ECONNREFUSED"); // reachable, nothing listening
    } finally {
      await Promise.all(pair.map((p) => p.dispose()));
    }
  });

  it("rejects a bad subnet with an option error", async () => {
    const other = new NetnsProvisioner({ nodes: 1, command: () => [] });
    const context = {
      cluster: "bad",
      dir: join(run.dir, "bad"),
      run,
      timeline: new Timeline(),
      ports: [],
      nodes: [{ name: "n1", index: 0 }],
      subnet: "198.18.0.0",
    };
    await expect(other.prepare(context)).rejects.toMatchObject({ code: "FAULTLINE_INVALID_OPTION", option: "network.subnet" });
    await other.dispose();
  });

  it("removes every namespace, veth, bridge and rule on dispose, and dispose is idempotent", async () => {
    const { undo } = await c.provisioner.controls.network.partition!({ n1: ["n2"] }, c.nodes); // left active on purpose
    void undo;
    await stopNodes(c);
    await c.provisioner.dispose();
    await c.provisioner.dispose();
    expectNothingOf(run);
  });
});

describeNetns("NetnsProvisioner and the reaper", () => {
  it("leaves nothing behind when the watchdog cleans up a run Jest never tore down", async () => {
    const run = beginRun();
    try {
      const c = await startCluster(run, "reaped");
      await c.provisioner.controls.network.partition!({ n1: ["n2", "n3"] }, c.nodes);
      await c.provisioner.controls.network.bandwidth!([c.nodes[2]!], 50);
      expect(kernelState().netns).toContain(`fl-${run.id}`);
      const report = await cleanupRun(run.dir); // what the watchdog does when Jest dies
      expect(report.failed).toEqual([]);
      expectNothingOf(run);
      const exits = await Promise.all(c.processes.map((p) => p.exited));
      expect(exits.map((e) => e.signal)).toEqual(["SIGKILL", "SIGKILL", "SIGKILL"]);
      await expect(c.provisioner.dispose()).resolves.toBeUndefined(); // finds it all gone
    } catch (error) {
      if (isFaultlineError(error)) throw new Error(error.message);
      throw error;
    } finally {
      await endRun(run);
    }
  });
});
