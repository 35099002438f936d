import { takeAll, undoAllOnce } from "../../../src/common/take-all";

describe("takeAll", () => {
  it("undoes the steps already taken, latest first, when one throws, and throws its error on", () => {
    const log: string[] = [];
    const take = (name: string) => {
      if (name === "c") throw new Error("c refused");
      log.push(`take ${name}`);
      return () => log.push(`undo ${name}`);
    };
    expect(() => takeAll(["a", "b", "c", "d"], take)).toThrow("c refused");
    expect(log).toEqual(["take a", "take b", "undo b", "undo a"]);
  });

  it("returns each step's undo when all are taken, and undoAllOnce runs them the first time only", () => {
    const log: string[] = [];
    const undo = undoAllOnce(takeAll(["a", "b"], (name) => () => log.push(`undo ${name}`)));
    expect(log).toEqual([]);
    undo();
    undo();
    expect(log).toEqual(["undo a", "undo b"]);
  });
});
