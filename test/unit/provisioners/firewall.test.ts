import { isFaultlineError } from "../../../src/common/errors";
import { BandwidthLimits, tbfArgs } from "../../../src/provisioners/firewall/bandwidth-limits";
import { ChainNames } from "../../../src/provisioners/firewall/chain-names";
import { lossPlan, partitionPlan } from "../../../src/provisioners/firewall/drop-plans";
import { Overlaps } from "../../../src/provisioners/firewall/overlaps";
import { addChainScript, bypassChainScript, formatProbability, removeChainScript } from "../../../src/provisioners/firewall/restore-scripts";
import { SerialQueues } from "../../../src/provisioners/firewall/serial-queues";

type M = { name: string; ip: string };
const members: M[] = [
  { name: "n1", ip: "198.19.7.2" },
  { name: "n2", ip: "198.19.7.3" },
  { name: "n3", ip: "198.19.7.4" },
];
const byName = <R>(plan: Map<M, R>): Record<string, R> => Object.fromEntries([...plan].map(([m, r]) => [m.name, r]));
const ip = (m: M): string => m.ip;

describe("partitionPlan", () => {
  it("drops, in each deaf node, packets from the nodes it cannot hear", () => {
    expect(byName(partitionPlan({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] }, members, ip, "c"))).toEqual({
      n1: [{ source: "198.19.7.3" }, { source: "198.19.7.4" }],
      n2: [{ source: "198.19.7.2" }],
      n3: [{ source: "198.19.7.2" }],
    });
  });

  it("is one-way for an asymmetric grudge and ignores a node's grudge against itself", () => {
    expect(byName(partitionPlan({ n1: ["n2", "n1"], n2: [], n3: [] }, members, ip, "c"))).toEqual({ n1: [{ source: "198.19.7.3" }] });
  });

  it("never drops the test's clients: they are cut at the fault proxy", () => {
    const rules = [...partitionPlan({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] }, members, ip, "c").values()].flat();
    expect(rules.every((rule) => members.some((m) => m.ip === rule.source))).toBe(true);
  });

  it("names an unknown node", () => {
    let error: unknown;
    try {
      partitionPlan({ n9: ["n1"] }, members, ip, "c");
    } catch (e) {
      error = e;
    }
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_UNKNOWN_NODE");
  });
});

describe("lossPlan", () => {
  it("drops a share of everything a target receives, and of what the others receive from it", () => {
    const plan = byName(lossPlan([members[0]!], members, ip, 0.25, "c"));
    expect(plan.n1).toEqual([{ probability: 0.25 }]);
    expect(plan.n2).toEqual([{ source: "198.19.7.2", probability: 0.25 }]);
  });

  it("rejects a probability outside 0..1", () => {
    expect(() => lossPlan([], members, ip, 1.5, "c")).toThrow(/from 0 to 1/);
  });
});

describe("iptables-restore scripts", () => {
  it("create one chain jumped to first in INPUT that returns loopback before any rule, and remove exactly it", () => {
    const script = addChainScript("fl-ab12cd-l3", [{ probability: 1 }, { source: "198.19.7.3" }]);
    expect(script).toBe(
      "*filter\n:fl-ab12cd-l3 - [0:0]\n-A fl-ab12cd-l3 -i lo -j RETURN\n-A fl-ab12cd-l3 -m statistic --mode random --probability 1.0 -j DROP\n-A fl-ab12cd-l3 -s 198.19.7.3 -j DROP\n-I INPUT 1 -j fl-ab12cd-l3\nCOMMIT\n",
    );
    expect(bypassChainScript("fl-ab12cd-l3")).toBe("*filter\n-I fl-ab12cd-l3 1 -j RETURN\nCOMMIT\n");
    expect(removeChainScript("fl-ab12cd-l3")).toBe("*filter\n-D INPUT -j fl-ab12cd-l3\n-F fl-ab12cd-l3\n-X fl-ab12cd-l3\nCOMMIT\n");
  });

  it("write probabilities as plain decimals", () => {
    expect([0.5, 1, 0, 1e-7, 0.1234567].map(formatProbability)).toEqual(["0.5", "1.0", "0.0", "0.0", "0.123457"]);
  });
});

describe("ChainNames", () => {
  it("counts up under the run's prefix and refuses names iptables cannot hold", () => {
    const names = new ChainNames("fl-ab12cd-01");
    expect([names.next("p"), names.next("l")]).toEqual(["fl-ab12cd-01-p1", "fl-ab12cd-01-l2"]);
    expect(() => new ChainNames("docker")).toThrow(/fl-/);
    expect(() => new ChainNames(`fl-${"x".repeat(30)}`).next("p")).toThrow(/28 characters/);
  });
});

/** Records what an Overlaps asks its backend to do: the kernel's side is tested in the integration suites. */
function recorder(): { log: string[]; overlaps: Overlaps<number, number>; fail: Set<number> } {
  const log: string[] = [];
  const fail = new Set<number>();
  const overlaps = new Overlaps<number, number>({
    queues: new SerialQueues(),
    combine: (values) => Math.min(...values),
    enact: async (key, next, current) => {
      if (next !== undefined && fail.has(next)) throw new Error(`cannot set ${next}`);
      log.push(`${key}: ${current ?? "-"} -> ${next ?? "-"}`);
    },
  });
  return { log, overlaps, fail };
}

describe("Overlaps", () => {
  it.each([
    ["first", [0, 1]],
    ["second", [1, 0]],
  ])("changes the shared state only when the holds call for it, healing the %s first", async (_, order) => {
    const { log, overlaps } = recorder();
    const releases = [await overlaps.hold("n1", 400), await overlaps.hold("n1", 100)];
    expect(overlaps.count("n1")).toBe(2);
    await releases[order[0]!]!();
    await releases[order[0]!]!(); // twice is safe
    expect(overlaps.count("n1")).toBe(1);
    await releases[order[1]!]!();
    expect(overlaps.count("n1")).toBe(0);
    const middle = order[0] === 0 ? [] : ["n1: 100 -> 400"];
    expect(log).toEqual(["n1: - -> 400", "n1: 400 -> 100", ...middle, `n1: ${order[0] === 0 ? 100 : 400} -> -`]);
  });

  it("drops a hold whose change failed, leaving the others in force", async () => {
    const { log, overlaps, fail } = recorder();
    const release = await overlaps.hold("n1", 400);
    fail.add(100);
    await expect(overlaps.hold("n1", 100)).rejects.toThrow("cannot set 100");
    expect(overlaps.count("n1")).toBe(1);
    await release();
    expect(log).toEqual(["n1: - -> 400", "n1: 400 -> -"]);
  });

  it("enacts the holds again on a key made anew, and nothing on one without holds", async () => {
    const { log, overlaps } = recorder();
    await overlaps.hold("n1", 7);
    await overlaps.reapply("n1");
    await overlaps.reapply("n2");
    expect(log).toEqual(["n1: - -> 7", "n1: - -> 7"]);
  });
});

describe("BandwidthLimits", () => {
  it("limits each node to the lowest active rate, all nodes or none", async () => {
    const shaped: Array<[string, string | undefined]> = [];
    const limits = new BandwidthLimits({
      cluster: "c",
      queues: new SerialQueues(),
      shape: async (node, qdisc) => {
        if (node === "bad") throw new Error("no such device");
        shaped.push([node, qdisc && `${qdisc[1]} ${qdisc[qdisc.indexOf("rate") + 1]}`]);
      },
    });
    const slow = await limits.limit(["n1", "n2"], 100);
    const fast = await limits.limit(["n1"], 400);
    expect(shaped).toEqual([
      ["n1", "1: 800kbit"],
      ["n2", "1: 800kbit"],
    ]);
    await slow();
    // A new rate is a new qdisc under the other handle (a changed one would keep its old queue).
    expect(shaped.slice(2)).toEqual([
      ["n1", "2: 3200kbit"],
      ["n2", undefined],
    ]);
    await expect(limits.limit(["n3", "bad"], 50)).rejects.toThrow("no such device");
    expect([limits.count("n3"), limits.count("bad")]).toEqual([0, 0]);
    await fast();
    expect(shaped.slice(-3)).toEqual([
      ["n3", "1: 400kbit"],
      ["n3", undefined],
      ["n1", undefined],
    ]);
  });

  it("converts KB/s to kbit (tc's kbps means kilobytes) with a bucket of at least a few frames, and rejects a rate that is not positive", async () => {
    expect(tbfArgs(100, "c")).toEqual(["tbf", "rate", "800kbit", "burst", "6056", "latency", "200ms"]);
    expect(tbfArgs(10_000, "c")[4]).toBe("200000");
    expect(() => tbfArgs(0, "c")).toThrow(/positive number of KB\/s/);
    const limits = new BandwidthLimits({ cluster: "c", queues: new SerialQueues(), shape: async () => undefined });
    await expect(limits.limit(["n1"], -1)).rejects.toMatchObject({ code: "FAULTLINE_INVALID_OPTION" });
  });
});
