import { testFaults } from "../../../src/jest/test-faults";

const body = async (): Promise<void> => undefined;

describe("testFaults refuses bad options when the file is collected", () => {
  it.each<[string, object, string]>([
    ["zero runs", { runs: 0 }, "testFaults.runs"],
    ["a negative confirm", { confirm: -1 }, "testFaults.confirm"],
    ["a bad time budget", { budget: { time: "soon" } }, "testFaults.budget.time"],
    ["a seed that is not a number", { seed: "abc" }, "testFaults.seed"],
    ["a misspelt option", { rnus: 3 }, "testFaults.rnus"],
    ["an afterHeal that is not a function", { afterHeal: "check" }, "testFaults.afterHeal"],
  ])("%s", (_label, options, option) => {
    expect(() => testFaults("x", options as never, body)).toThrow(expect.objectContaining({ option }));
  });
});
