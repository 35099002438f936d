import * as fc from "fast-check";
import { faultFrom } from "../../../src/faults/catalog";
import { PARTITION_SHAPES, SCHEDULE_KINDS, describeSchedule, faultSchedules, scheduleCode, type ScheduleStep } from "../../../src/faults/schedule-arbitrary";
import { withFaults } from "../../../src/jest/with-fault";

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

  it("draws valid faults of every kind it knows, each node still faulted once", () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(faultSchedules({ nodes, maxFaults: 4, kinds: SCHEDULE_KINDS }), (schedule) => {
        for (const [kind, options] of schedule) {
          kinds.add(kind);
          expect(() => faultFrom(kind, options)).not.toThrow();
        }
        const targets = schedule.filter(([kind]) => kind !== "partition").map(([, o]) => o.node);
        expect(new Set(targets).size).toBe(targets.length);
      }),
      { numRuns: 300 },
    );
    expect([...kinds].sort()).toEqual([...SCHEDULE_KINDS].sort());
    expect(
      describeSchedule([
        ["loss", { node: "n1", probability: 0.5 }],
        ["clock", { node: "n2", offset: "-30s" }],
      ]),
    ).toBe("loss of 50% at n1, then clock of n2 off by -30s");
  });

  it("draws every partition shape and the minority target when asked, all of them valid faults", () => {
    const five = ["n1", "n2", "n3", "n4", "n5"];
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        faultSchedules({ nodes: five, maxFaults: 4, kinds: SCHEDULE_KINDS, partitions: PARTITION_SHAPES, minority: true, leader: true }),
        (schedule) => {
          for (const [kind, options] of schedule) {
            expect(() => faultFrom(kind, options)).not.toThrow();
            seen.add(kind === "partition" ? Object.keys(options)[0]! : options.node === "minority" ? "minority target" : "node");
          }
        },
      ),
      { numRuns: 400 },
    );
    expect([...seen].sort()).toEqual(["bridge", "halves", "isolate", "majoritiesRing", "minority", "minority target", "node"]);
    expect(
      describeSchedule([
        ["partition", { minority: "leader" }],
        ["partition", { bridge: true }],
        ["partition", { majoritiesRing: true }],
        ["pause", { node: "minority" }],
      ]),
    ).toBe(
      "partition cutting a minority with leader, then partition into two sides bridged by one node, then partition into a ring of majorities, then pause a minority",
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

  it("with a window, draws when each fault starts and how long it holds, inside the window, in 50ms steps", () => {
    let timed = 0;
    let untimed = 0;
    fc.assert(
      fc.property(faultSchedules({ nodes, maxFaults: 3, window: "1s" }), (schedule) => {
        for (const [, , timing] of schedule) {
          if (timing === undefined) {
            untimed++;
            continue;
          }
          timed++;
          expect(timing.after % 50).toBe(0);
          expect(timing.after).toBeGreaterThanOrEqual(0);
          expect(timing.after).toBeLessThan(1000);
          if (timing.for !== undefined) {
            expect(timing.for % 50).toBe(0);
            expect(timing.for).toBeGreaterThanOrEqual(50);
            expect(timing.for).toBeLessThanOrEqual(1000);
          }
        }
        // What it prints is what withFaults takes.
        const code = scheduleCode(schedule);
        expect(() => withFaults(new Function(`return ${code}`)() as never, async () => undefined)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    expect(timed).toBeGreaterThan(0);
    expect(untimed).toBeGreaterThan(0);
  });

  it("shrinks timing towards faults held for the whole body, and otherwise earlier and shorter", () => {
    // A planted bug that needs n3 killed while the body is past 500ms: the smallest schedule
    // is that kill held to the end (no timing), the simplest form that still breaks it.
    const details = fc.check(
      fc.property(
        faultSchedules({ nodes, maxFaults: 3, window: "2s" }),
        (s) => !s.some(([k, o, t]) => k === "kill" && o.node === "n3" && (t === undefined || t.for === undefined || t.after + t.for > 500)),
      ),
      { numRuns: 2000, seed: 5 },
    );
    expect(details.failed).toBe(true);
    expect(details.counterexample![0]).toEqual([["kill", { node: "n3" }]]);
    // A bug that needs the kill to start late keeps the latest start it needs and no longer.
    const late = fc.check(
      fc.property(
        faultSchedules({ nodes, maxFaults: 3, window: "2s" }),
        (s) => !s.some(([k, o, t]) => k === "kill" && o.node === "n3" && t !== undefined && t.after >= 700),
      ),
      { numRuns: 2000, seed: 5 },
    );
    expect(late.failed).toBe(true);
    expect(late.counterexample![0]).toEqual([["kill", { node: "n3" }, { after: 700 }]]);
  });

  it("prints timed steps in words and as code", () => {
    const schedule: ScheduleStep[] = [
      ["kill", { node: "n1" }, { after: 300, for: 1200 }],
      ["pause", { node: "n2" }, { after: 0 }],
      ["partition", { halves: true }],
    ];
    expect(describeSchedule(schedule)).toBe("kill n1 from 300ms for 1.20s, then pause n2 from the start to the end, then partition into halves");
    expect(scheduleCode(schedule)).toBe(
      '[\n  ["kill", { node: "n1" }, { after: "300ms", for: "1200ms" }],\n  ["pause", { node: "n2" }, { after: "0ms" }],\n  ["partition", { halves: true }],\n]',
    );
  });

  it.each<[string, object, string]>([
    ["one node", { nodes: ["n1"] }, "faultSchedules.nodes"],
    ["a window too short to hold a fault", { nodes, window: "60ms" }, "faultSchedules.window"],
    ["a partition shape it does not know", { nodes, partitions: ["ring"] }, "faultSchedules.partitions"],
    ["a kind it cannot draw", { nodes, kinds: ["disk"] }, "faultSchedules.kinds"],
    ["zero faults", { nodes, maxFaults: 0 }, "faultSchedules.maxFaults"],
  ])("refuses %s with a coded error", (_label, options, option) => {
    expect(() => faultSchedules(options as never)).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option }));
  });
});
