import { FaultlineError, describeValue } from "../common/errors";
import { toMs, type Duration } from "../common/duration";
import { activeFault } from "../cluster/active-fault";
import type { Fault } from "../cluster/fault";
import { describeTargets, requireCluster, resolveTargets, unsupported, type NodeSelector } from "./targets";

export interface ClockOptions {
  node?: NodeSelector;
  /** How far to move the wall clock, e.g. "-10m" or "90s" (a number is milliseconds); default "0s". */
  offset?: string | number;
  /** Clock speed from the moment the fault is applied, e.g. 2 for twice as fast. Default 1. */
  rate?: number;
}

function offsetSeconds(offset: string | number | undefined): number {
  if (offset === undefined) return 0;
  if (typeof offset === "number") {
    if (!Number.isFinite(offset))
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `clock.offset must be a finite number of milliseconds or a duration such as "-10m", received ${offset}`,
        option: "clock.offset",
      });
    return offset / 1000;
  }
  const negative = offset.trim().startsWith("-");
  return ((negative ? -1 : 1) * toMs(offset.trim().replace(/^[-+]/, "") as Duration, { option: "clock.offset" })) / 1000;
}

/** Moves a node's wall clock (libfaketime); heal puts it back. */
export function clock(options: ClockOptions): Fault {
  // Validated here, so a typo fails when the test is declared rather than when it runs.
  const seconds = offsetSeconds(options.offset);
  const rate = options.rate ?? 1;
  if (typeof rate !== "number" || !(rate > 0) || !Number.isFinite(rate)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `clock.rate must be a positive number, received ${String(rate)}`,
      hint: "e.g. { rate: 2 } for a clock running twice as fast",
      option: "clock.rate",
    });
  }
  if (options.offset === undefined && options.rate === undefined) {
    // +0s ×1 would be reported as a clock fault while changing nothing.
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `clock needs an offset and/or a rate, received ${describeValue(options)}`,
      hint: 'e.g. { offset: "-10m" } or { rate: 2 }',
      option: "clock",
    });
  }
  const shown = `${seconds >= 0 ? "+" : ""}${seconds}s${rate !== 1 ? ` ×${rate}` : ""}`;
  return {
    kind: "clock",
    describe: () => `clock ${shown} on ${options.node ?? "random"}`,
    async apply(on, context) {
      const target = requireCluster(on, "clock");
      const control = target.controls.clock;
      if (!control) throw unsupported(target, "clock", "clock");
      const nodes = await resolveTargets(target, options.node, context.random, "clock");
      for (const node of nodes) {
        // Each target's own program: a cluster may run different binaries on different nodes.
        const blocker = await control.blocker(target.programOf(node));
        if (blocker) {
          throw new FaultlineError({
            code: "FAULTLINE_FAULT_UNSUPPORTED",
            message: `libfaketime cannot move this node's clock: ${blocker}`,
            hint: "clock faults work on dynamically linked programs that use libc's clock (C, C++, Node, Python, Java…)",
            cluster: target.name,
            node: node.name,
            option: "clock",
          });
        }
      }
      const { undo, mechanism } = await control.shift(nodes, seconds, rate);
      return activeFault({
        id: context.id,
        kind: "clock",
        description: `clock ${shown} on ${describeTargets(options.node, nodes)}`,
        targets: nodes.map((n) => n.name),
        mechanism,
        undo,
      });
    },
  };
}
