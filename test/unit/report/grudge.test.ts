import { grudgeShape } from "../../../src/report/grudge";

describe("grudgeShape", () => {
  it("reads an isolated node as one side against the rest", () => {
    const shape = grudgeShape({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] });
    expect(shape).toMatchObject({ label: "n1 ⟂ n2,n3", groups: [["n1"], ["n2", "n3"]], isolated: ["n1"], oneWay: false });
  });

  it("puts the smaller side first and hatches it", () => {
    const shape = grudgeShape({ n1: ["n3", "n4", "n5"], n2: ["n3", "n4", "n5"], n3: ["n1", "n2"], n4: ["n1", "n2"], n5: ["n1", "n2"] });
    expect(shape.label).toBe("n1,n2 ⟂ n3,n4,n5");
    expect(shape.isolated).toEqual(["n1", "n2"]);
  });

  it("orders node names numerically", () => {
    expect(grudgeShape({ n10: ["n2", "n9"], n2: ["n10"], n9: ["n10"] }).label).toBe("n10 ⟂ n2,n9");
  });

  it("shows a one-way cut as who no longer reaches whom", () => {
    const shape = grudgeShape({ n2: ["n1"] });
    expect(shape).toMatchObject({ label: "n1 ↛ n2", oneWay: true, isolated: ["n2"] });
  });

  it("lists each node's grudge when the cut is not a clean split (majorities ring)", () => {
    const ring = { n1: ["n3", "n4"], n2: ["n4", "n5"], n3: ["n5", "n1"], n4: ["n1", "n2"], n5: ["n2", "n3"] };
    const shape = grudgeShape(ring);
    expect(shape.groups).toEqual([]);
    expect(shape.label).toBe("n1 ⟂ n3,n4; n2 ⟂ n4,n5; n3 ⟂ n1,n5; n4 ⟂ n1,n2; n5 ⟂ n2,n3");
    expect(shape.isolated).toEqual(["n1", "n2", "n3", "n4", "n5"]);
  });
});
