import type Docker from "dockerode";
import type { Node } from "../../../src/cluster/types";
import { isFaultlineError } from "../../../src/common/errors";
import { DockerNetworkControl } from "../../../src/provisioners/docker/docker-network-control";
import { addChainScript, isolatedNode, removeChainScript } from "../../../src/provisioners/docker/fault-rules";
import { lossPlan as sharedLossPlan, partitionPlan as sharedPartitionPlan, tbfArgs } from "../../../src/provisioners/drop-plans";

type DockerMember = { name: string; ip: string };
const byName = <R>(plan: Map<DockerMember, R>): Map<string, R> => new Map([...plan].map(([m, r]) => [m.name, r]));
// The plans as the docker backend uses them: keyed by node name, addressed by container IP.
const partitionPlan = (grudge: Record<string, string[]>, members: DockerMember[], clients: boolean, gateway: string, cluster: string) =>
  byName(sharedPartitionPlan(grudge, members, (m) => m.ip, clients, gateway, cluster));
const lossPlan = (targets: DockerMember[], members: DockerMember[], probability: number, cluster: string) =>
  byName(sharedLossPlan(targets, members, (m) => m.ip, probability, cluster));

const members = [
  { name: "n1", ip: "198.19.7.2" },
  { name: "n2", ip: "198.19.7.3" },
  { name: "n3", ip: "198.19.7.4" },
];
const GATEWAY = "198.19.7.1";

describe("partitionPlan", () => {
  it("drops, in each deaf node, packets from the nodes it cannot hear", () => {
    const plan = partitionPlan({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] }, members, false, GATEWAY, "c");
    expect(Object.fromEntries(plan)).toEqual({
      n1: [{ source: "198.19.7.3" }, { source: "198.19.7.4" }],
      n2: [{ source: "198.19.7.2" }],
      n3: [{ source: "198.19.7.2" }],
    });
  });

  it("is one-way for an asymmetric grudge and ignores a node's grudge against itself", () => {
    expect(Object.fromEntries(partitionPlan({ n1: ["n2", "n1"], n2: [], n3: [] }, members, false, GATEWAY, "c"))).toEqual({ n1: [{ source: "198.19.7.3" }] });
  });

  it("with clients, also cuts the host from the nodes cut off from a majority only", () => {
    const plan = partitionPlan({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] }, members, true, GATEWAY, "c");
    expect(plan.get("n1")).toContainEqual({ source: GATEWAY });
    expect(plan.get("n2")).not.toContainEqual({ source: GATEWAY });
  });

  it("names an unknown node", () => {
    let error: unknown;
    try {
      partitionPlan({ n9: ["n1"] }, members, false, GATEWAY, "c");
    } catch (e) {
      error = e;
    }
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_UNKNOWN_NODE");
  });
});

describe("lossPlan", () => {
  it("drops a share of everything a target receives, and of what the others receive from it", () => {
    const plan = lossPlan([members[0]!], members, 0.25, "c");
    expect(plan.get("n1")).toEqual([{ probability: 0.25 }]);
    expect(plan.get("n2")).toEqual([{ source: "198.19.7.2", probability: 0.25 }]);
  });

  it("rejects a probability outside 0..1", () => {
    expect(() => lossPlan([], members, 1.5, "c")).toThrow(/from 0 to 1/);
  });
});

describe("iptables-restore scripts", () => {
  it("create one chain jumped to first in INPUT, leaving loopback alone, and remove exactly it", () => {
    const script = addChainScript("fl-ab12cd-l3", [{ probability: 1 }, { source: "198.19.7.3" }]);
    expect(script).toBe(
      "*filter\n:fl-ab12cd-l3 - [0:0]\n-A fl-ab12cd-l3 ! -i lo -m statistic --mode random --probability 1.0 -j DROP\n-A fl-ab12cd-l3 -s 198.19.7.3 -j DROP\n-I INPUT 1 -j fl-ab12cd-l3\nCOMMIT\n",
    );
    expect(removeChainScript("fl-ab12cd-l3")).toBe("*filter\n-D INPUT -j fl-ab12cd-l3\n-F fl-ab12cd-l3\n-X fl-ab12cd-l3\nCOMMIT\n");
  });
});

describe("tbfArgs", () => {
  it("converts KB/s to kbit (tc's kbps means kilobytes) with a bucket of at least a few frames", () => {
    expect(tbfArgs(100, "c")).toEqual(["tbf", "rate", "800kbit", "burst", "6056", "latency", "200ms"]);
    expect(tbfArgs(10_000, "c")[4]).toBe("200000");
  });

  it("rejects a rate that is not positive", () => {
    expect(() => tbfArgs(0, "c")).toThrow(/positive number of KB\/s/);
  });
});

describe("isolatedNode", () => {
  it("recognises a one-node isolation, which the engine alone can do", () => {
    expect(isolatedNode({ n1: [], n2: ["n3"], n3: ["n1", "n2"] }, members)).toBeUndefined();
    expect(isolatedNode({ n1: ["n3"], n2: ["n3"], n3: ["n1", "n2"] }, members)).toBe("n3");
    expect(isolatedNode({ n3: ["n1", "n2"] }, members)).toBeUndefined(); // one-way
  });
});

describe("DockerNetworkControl without the containers' namespaces", () => {
  const control = (reason: "not-root" | "remote-engine", detail: string) =>
    new DockerNetworkControl({
      cluster: "c",
      runId: "ab12cd",
      docker: {} as Docker, // never reached: the refusal comes first
      networkId: "net",
      gateway: GATEWAY,
      members,
      access: { mode: "engine", reason, detail },
      container: () => ({ id: "x" }),
    }).asNetworkControl();
  const nodes = [{ name: "n1" }, { name: "n2" }] as Node[];

  it('refuses loss and bandwidth with FAULTLINE_PERMISSION naming root, CAP_NET_ADMIN and links: "clients", rather than leave the fault layer a client-only fallback', async () => {
    const network = control("not-root", "this process is not root (uid 1000)");
    for (const [fault, attempt] of [
      ["loss", () => network.loss!(nodes, 0.5)],
      ["bandwidth", () => network.bandwidth!(nodes, 100)],
    ] as const) {
      const error: unknown = await attempt().catch((e: unknown) => e);
      expect(isFaultlineError(error) && { code: error.code, option: error.option }).toEqual({ code: "FAULTLINE_PERMISSION", option: `${fault}.links` });
      expect((error as Error).message).toMatch(
        new RegExp(`a ${fault} fault acts on traffic between nodes too, .* and this process is not root \\(uid 1000\\)`),
      );
      expect((error as { hint: string }).hint).toMatch(/as root on the Docker host .*CAP_NET_ADMIN.*links: "clients"/);
    }
  });

  it("refuses with FAULTLINE_FAULT_UNSUPPORTED on a remote engine, where root here would not help", async () => {
    const error: unknown = await control("remote-engine", "the engine at DOCKER_HOST=tcp://far:2375 runs on another machine").loss!(nodes, 0.5).catch(
      (e: unknown) => e,
    );
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
  });
});
