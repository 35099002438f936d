import { FaultlineError, describeValue } from "../../common/errors";
import { Overlaps } from "./overlaps";
import { once, runAll } from "./undo-once";
import type { SerialQueues } from "./serial-queues";

/** tc arguments for a token bucket of `rateKBps` (1 KB = 1000 bytes, as in Toxiproxy); no netem needed. */
export function tbfArgs(rateKBps: number, cluster: string): string[] {
  checkRate(rateKBps, cluster);
  const bytesPerSecond = rateKBps * 1000;
  // The bucket must hold a few full frames (or nothing passes) and ~20 ms of traffic, so the
  // limit is smooth with a coarse kernel timer.
  const burst = Math.max(4 * 1514, Math.ceil(bytesPerSecond / 50));
  // "kbit", not "kbps": tc reads kbps as kilobytes per second.
  return ["tbf", "rate", `${Math.max(1, Math.round(rateKBps * 8))}kbit`, "burst", String(burst), "latency", "200ms"];
}

function checkRate(rateKBps: number, cluster: string): void {
  if (typeof rateKBps !== "number" || !Number.isFinite(rateKBps) || rateKBps <= 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `bandwidth rate must be a positive number of KB/s, received ${describeValue(rateKBps)}`,
      hint: "e.g. { rate: 100 } limits to 100 KB/s",
      cluster,
      option: "rate",
    });
  }
}

export interface BandwidthLimitsOptions {
  cluster: string;
  queues: SerialQueues;
  /**
   * Puts `qdisc` (`handle <n>: tbf …`) as the root qdisc of the node's interface — with `tc qdisc
   * add` when `current` is undefined (none of ours there yet), else `tc qdisc replace` — or removes
   * ours (`tc qdisc del … root`) when `qdisc` is undefined. Rejects when that did not happen.
   */
  shape(node: string, qdisc: string[] | undefined, current: string[] | undefined): Promise<void>;
}

/**
 * Bandwidth limits on nodes' interfaces, the same on netns and docker. An interface has one root
 * qdisc, so two limits on one node cannot be two qdiscs; they stack instead: the node gets the
 * lower rate while both hold, and the other one back when either heals — what two bottlenecks in
 * series would give, and what two bandwidth toxics on one proxy give on provisioner "process".
 * Refusing the second (as netns once did) would fail overlapping schedules, and replacing the
 * first (as docker once did) would lift it when the second healed: both break the promise that
 * overlapping faults heal independently.
 *
 * A new rate is a new qdisc under the other of two handles, not a change in place: a changed tbf
 * keeps its queue, and a packet queued under a bigger bucket than the new one never leaves, which
 * stalls the interface (connects to the node timed out for seconds). The new qdisc drops the old
 * queue, as a reconfigured router would.
 */
export class BandwidthLimits {
  private readonly overlaps: Overlaps<number, number>;
  /** The handle of each node's tbf of ours. */
  private readonly handles = new Map<string, number>();

  constructor(private readonly options: BandwidthLimitsOptions) {
    this.overlaps = new Overlaps<number, number>({
      queues: options.queues,
      combine: (rates) => Math.min(...rates),
      enact: async (node, rate, current) => {
        const previous = this.handles.get(node);
        if (rate === undefined) {
          await options.shape(node, undefined, current === undefined ? undefined : this.qdisc(previous ?? 1, current));
          this.handles.delete(node);
          return;
        }
        const handle = current === undefined || previous !== 1 ? 1 : 2;
        await options.shape(node, this.qdisc(handle, rate), current === undefined ? undefined : this.qdisc(previous ?? 1, current));
        this.handles.set(node, handle);
      },
    });
  }

  /** Limits every node in `nodes` to `rateKBps` (at most); all or none: a failure undoes the others. */
  async limit(nodes: readonly string[], rateKBps: number): Promise<() => Promise<void>> {
    checkRate(rateKBps, this.options.cluster);
    const results = await Promise.allSettled(nodes.map((node) => this.overlaps.hold(node, rateKBps)));
    const releases = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const undo = once(() => runAll(releases));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) {
      await undo().catch(() => undefined);
      throw failure.reason;
    }
    return undo;
  }

  /** How many limits hold `node` now. */
  count(node: string): number {
    return this.overlaps.count(node);
  }

  /** The node's interface was made anew (a new container): puts the active limit on it again. */
  reapply(node: string): Promise<void> {
    this.handles.delete(node);
    return this.overlaps.reapply(node);
  }

  private qdisc(handle: number, rateKBps: number): string[] {
    return ["handle", `${handle}:`, ...tbfArgs(rateKBps, this.options.cluster)];
  }
}
