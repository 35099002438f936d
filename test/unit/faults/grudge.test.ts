import { isFaultlineError } from "../../../src/common/errors";
import {
  bridge,
  checkGrudge,
  complete,
  groups,
  halves,
  hears,
  isSymmetric,
  isolate,
  majoritiesRing,
  majorityMinority,
  oneWay,
} from "../../../src/faults/grudge";
import type { Grudge } from "../../../src/cluster/grudge";

const cluster = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);

/** Nodes `node` hears, itself included. */
function heardBy(grudge: Grudge, nodes: readonly string[], node: string): string[] {
  return nodes.filter((other) => other === node || hears(grudge, node, other));
}

/** Components of the "can talk both ways" graph. */
function components(grudge: Grudge, nodes: readonly string[]): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const start of nodes) {
    if (seen.has(start)) continue;
    const component: string[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length > 0) {
      const node = stack.pop()!;
      component.push(node);
      for (const other of nodes) {
        if (!seen.has(other) && hears(grudge, node, other) && hears(grudge, other, node)) {
          seen.add(other);
          stack.push(other);
        }
      }
    }
    out.push(component.sort());
  }
  return out;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

function expectInvalid(fn: () => unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(isFaultlineError(error)).toBe(true);
  expect(error).toMatchObject({ code: "FAULTLINE_INVALID_OPTION" });
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

describe.each([3, 5, 7])("with %i nodes", (n) => {
  const nodes = cluster(n);

  it("isolate cuts one node off from all others, both ways", () => {
    const grudge = isolate(nodes, "n2");
    expect(grudge.n2).toEqual(nodes.filter((x) => x !== "n2"));
    for (const other of nodes.filter((x) => x !== "n2")) expect(grudge[other]).toEqual(["n2"]);
    expect(isSymmetric(grudge)).toBe(true);
    expect(components(grudge, nodes)).toEqual([nodes.filter((x) => x !== "n2"), ["n2"]].sort((a, b) => a[0]!.localeCompare(b[0]!)));
  });

  it("halves splits first half against second, the first half the smaller one", () => {
    const grudge = halves(nodes);
    const cut = Math.floor(n / 2);
    expect(components(grudge, nodes)).toEqual([nodes.slice(0, cut), nodes.slice(cut)]);
    expect(isSymmetric(grudge)).toBe(true);
    expect(Object.keys(grudge)).toEqual(nodes);
  });

  it("majorityMinority cuts off the largest strict minority, deterministic without random", () => {
    const grudge = majorityMinority(nodes);
    const size = Math.floor((n - 1) / 2);
    const parts = components(grudge, nodes).sort((a, b) => a.length - b.length);
    expect(parts.map((p) => p.length)).toEqual([size, n - size]);
    expect(parts[0]).toEqual(nodes.slice(0, size));
    expect(isSymmetric(grudge)).toBe(true);
  });

  it("majorityMinority puts `include` (the leader) in a random minority", () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const grudge = majorityMinority(nodes, { include: "n3", random: seeded(seed) });
      const minority = components(grudge, nodes).find((c) => c.includes("n3"))!;
      expect(minority.length * 2).toBeLessThan(n);
      expect(minority.length).toBe(Math.floor((n - 1) / 2));
    }
  });

  it("bridge leaves one node hearing and heard by both sides, each side plus the bridge a majority", () => {
    const grudge = bridge(nodes);
    const middle = nodes[Math.floor(n / 2)]!;
    expect(grudge[middle]).toEqual([]);
    for (const node of nodes) {
      expect(hears(grudge, node, middle)).toBe(true);
      expect(heardBy(grudge, nodes, node).length).toBeGreaterThan(n / 2);
    }
    const sides = nodes.filter((x) => x !== middle);
    const left = sides.slice(0, Math.ceil(sides.length / 2));
    const right = sides.slice(left.length);
    for (const a of left) for (const b of right) expect(hears(grudge, a, b) || hears(grudge, b, a)).toBe(false);
    expect(isSymmetric(grudge)).toBe(true);
  });

  it("majoritiesRing: every node hears a majority and no two hear the same one", () => {
    for (const random of [undefined, seeded(n)]) {
      const grudge = majoritiesRing(nodes, { random });
      const views = nodes.map((node) => heardBy(grudge, nodes, node));
      for (const view of views) expect(view.length).toBe(Math.floor(n / 2) + 1);
      expect(new Set(views.map((v) => v.join(","))).size).toBe(n);
      expect(Object.keys(grudge)).toEqual(nodes);
    }
  });

  it("groups: explicit components, unlisted nodes together as one more", () => {
    const grudge = groups(nodes, [["n1"], ["n2"]]);
    const rest = nodes.slice(2);
    expect(components(grudge, nodes)).toEqual([["n1"], ["n2"], rest]);
    expect(groups(nodes, [["n1"]])).toEqual(isolate(nodes, "n1"));
  });

  it("oneWay(grudge) keeps only the first-listed side deaf", () => {
    const grudge = oneWay(isolate(nodes, "n1"));
    for (const other of nodes.slice(1)) {
      expect(hears(grudge, "n1", other)).toBe(false);
      expect(hears(grudge, other, "n1")).toBe(true);
    }
    expect(isSymmetric(grudge)).toBe(false);
  });
});

describe("majoritiesRing shapes", () => {
  it("is symmetric for 5 nodes: each hears its two ring neighbours", () => {
    const grudge = majoritiesRing(cluster(5));
    expect(isSymmetric(grudge)).toBe(true);
    expect(grudge.n1!.sort()).toEqual(["n3", "n4"]);
  });

  it("is a one-way ring for 3 nodes: each hears the node before it only", () => {
    expect(majoritiesRing(cluster(3))).toEqual({ n1: ["n2"], n2: ["n3"], n3: ["n1"] });
  });

  it("has one-way links for 7 nodes (a majority of 4 cannot be centred)", () => {
    expect(isSymmetric(majoritiesRing(cluster(7)))).toBe(false);
  });
});

describe("complete and oneWay(nodes, cut)", () => {
  it("complete makes every node deaf to every other component", () => {
    expect(complete([["a", "b"], ["c"]])).toEqual({ a: ["c"], b: ["c"], c: ["a", "b"] });
  });

  it("oneWay(nodes, { from, to }) drops traffic from `from` to `to` only", () => {
    const grudge = oneWay(cluster(3), { from: "n1", to: ["n2", "n3"] });
    expect(grudge).toEqual({ n1: [], n2: ["n1"], n3: ["n1"] });
    expect(hears(grudge, "n1", "n2")).toBe(true);
    expect(hears(grudge, "n2", "n1")).toBe(false);
  });
});

describe("validation", () => {
  const nodes = cluster(5);

  it("names the known nodes when a name is unknown", () => {
    expectInvalid(() => isolate(nodes, "n9"), '"n9"', "n1, n2, n3, n4, n5");
    expectInvalid(() => groups(nodes, [["n1", "x"]]), '"x"', "n1, n2");
    expectInvalid(() => oneWay(nodes, { from: "n1", to: "zz" }), '"zz"');
    expectInvalid(() => majorityMinority(nodes, { include: "leader" }), '"leader"');
  });

  it("rejects splits that are not what they claim", () => {
    expectInvalid(() => majorityMinority(nodes, { minority: ["n1", "n2", "n3"] }), "fewer than half");
    expectInvalid(() => majorityMinority(nodes, { minority: ["n1"], include: "n2" }), '"n2" must be in the minority');
    expectInvalid(() => groups(nodes, [nodes]), "nothing would be cut");
    expectInvalid(() => groups(nodes, [["n1"], ["n1", "n2"]]), "listed twice");
    expectInvalid(() => oneWay(nodes, { from: "n1", to: ["n1"] }), "both from and to");
    expectInvalid(() => majoritiesRing(["a", "b"]), "at least 3");
    expectInvalid(() => halves(["a", "a"]), "listed twice");
  });

  it("checkGrudge accepts a hand-written grudge and rejects nonsense", () => {
    expect(checkGrudge({ n1: ["n2"] }, nodes)).toEqual({ n1: ["n2"] });
    expectInvalid(() => checkGrudge({ n1: "n2" }, nodes), "list of node names");
    expectInvalid(() => checkGrudge({ n1: ["n1"] }, nodes), "against itself");
    expectInvalid(() => checkGrudge({ n1: ["n7"] }, nodes), '"n7"');
  });
});
