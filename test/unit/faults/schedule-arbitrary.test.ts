import * as fc from "fast-check";
import { faultFrom } from "../../../src/faults/catalog";
import { describeSchedule, faultSchedules, scheduleCode, type ScheduleStep } from "../../../src/faults/schedule-arbitrary";

const nodes = ["n1", "n2", "n3"];

describe("faultSchedules", () => {
  it("draws schedules every fault of which is valid, within the bounds, each node faulted once", () => {
    fc.assert(
      fc.property(faultSchedules({ nodes, maxFaults: 3, leader: true }), (schedule) => {
        expect(schedule.length).toBeGreaterThanOrEqual(1);
        expect(schedule.length).toBeLessThanOrEqual(3);
        for (const [kind, options] of schedule) expect(() => faultFrom(kind, options)).not.toThrow();
        const targets = schedule.filter(([kind]) => kind !== "partition").map(([, o]) => o.node);
        expect(new Set(targets).size).toBe(targets.length);
      }),
      { numRuns: 300 },
    );
  });

  it("shrinks a failure to the faults that cause it: fewer faults, the kinds and targets that matter", () => {
    // A planted two-fault bug: n2 paused while n3 is killed.
    const broken = (s: readonly ScheduleStep[]): boolean =>
      s.some(([k, o]) => k === "kill" && o.node === "n3") && s.some(([k, o]) => k === "pause" && o.node === "n2");
    const details = fc.check(
      fc.property(faultSchedules({ nodes, maxFaults: 3 }), (s) => !broken(s)),
      { numRuns: 2000, seed: 11 },
    );
    expect(details.failed).toBe(true);
    const smallest = details.counterexample![0];
    expect(smallest).toHaveLength(2);
    expect(broken(smallest)).toBe(true);
    expect(describeSchedule(smallest)).toMatch(/^(kill n3, then pause n2|pause n2, then kill n3)$/);
  });

  it("prints a schedule in words and as withFaults code", () => {
    const schedule: ScheduleStep[] = [
      ["restart", { node: "leader" }],
      ["partition", { isolate: "n1" }],
      ["partition", { halves: true }],
    ];
    expect(describeSchedule(schedule)).toBe("restart leader, then partition isolating n1, then partition into halves");
    expect(scheduleCode(schedule)).toBe('[\n  ["restart", { node: "leader" }],\n  ["partition", { isolate: "n1" }],\n  ["partition", { halves: true }],\n]');
  });

  it.each<[string, object, string]>([
    ["one node", { nodes: ["n1"] }, "faultSchedules.nodes"],
    ["a kind it cannot draw", { nodes, kinds: ["clock"] }, "faultSchedules.kinds"],
    ["zero faults", { nodes, maxFaults: 0 }, "faultSchedules.maxFaults"],
  ])("refuses %s with a coded error", (_label, options, option) => {
    expect(() => faultSchedules(options as never)).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option }));
  });
});
