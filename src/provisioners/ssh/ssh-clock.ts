import { FaultlineError } from "../../common/errors";
import { wallNow } from "../../common/timers";
import type { Applied, ClockControl } from "../../cluster/controls";
import type { Node } from "../../cluster/node-types";
import { faketimeSpec } from "../host/faketime-clock";
import { shellQuote } from "./remote-scripts";
import { describeExit } from "./ssh-host";
import type { SshMember } from "./ssh-member";

interface NodeClock {
  /** Wall-clock ms just before the node's current process was started. */
  started?: number;
  fault?: { offset: number; rate: number; since: number };
}

/**
 * Clocks on SSH hosts, moved by the host's libfaketime as on this machine: a node of a cluster
 * with `clock: true` starts with it preloaded, reading its offset from a file in the run's folder
 * on its host, which a fault rewrites. What faultline knows of each clock lives here, in the test
 * process; the file on the host is written before each start (see `pendingFile`).
 */
export class SshClock implements ClockControl {
  private readonly clocks = new Map<string, NodeClock>();
  /** Why a program's clock cannot be moved, as each host's launch found (a Go or static binary). */
  private readonly blocked = new Map<string, string>();
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly clusterName: () => string | undefined,
    private readonly memberOf: (name: string) => SshMember,
  ) {}

  env(node: string): Record<string, string> {
    const member = this.memberOf(node);
    const library = member.on.facts.faketime;
    if (!library) {
      throw new FaultlineError({
        code: "FAULTLINE_REQUIREMENT_MISSING",
        message: `the cluster declares clock: true, and host ${member.on.connection.host.label} has no libfaketime`,
        hint: "apt-get install libfaketime on the host",
        cluster: this.clusterName(),
        node,
        option: "clock",
      });
    }
    const clock: NodeClock = { ...this.clocks.get(node), started: wallNow() };
    this.clocks.set(node, clock);
    this.pending.set(node, faketimeSpec(clock.fault, clock.started));
    return { LD_PRELOAD: library, FAKETIME_TIMESTAMP_FILE: this.file(member), FAKETIME_NO_CACHE: "1", FAKETIME_DONT_FAKE_MONOTONIC: "1" };
  }

  /** The clock file to write before the node's next start: [path, content], taken once. */
  pendingFile(node: string): [string, string] | undefined {
    const content = this.pending.get(node);
    if (content === undefined) return undefined;
    this.pending.delete(node);
    return [this.file(this.memberOf(node)), content];
  }

  /** What a launch found about the program it started under libfaketime. */
  noteBlocker(program: string, reason: string | undefined): void {
    if (reason) this.blocked.set(program, reason);
    else this.blocked.delete(program);
  }

  blocker(program: string): string | undefined {
    return this.blocked.get(program);
  }

  async shift(nodes: readonly Node[], seconds: number, rate: number): Promise<Applied> {
    const since = wallNow();
    const moved: Node[] = [];
    const write = async (node: Node, clock: NodeClock): Promise<void> => {
      const member = this.memberOf(node.name);
      const result = await member.on.connection.exec(`printf '%s' ${shellQuote(faketimeSpec(clock.fault, clock.started))} > ${shellQuote(this.file(member))}`);
      if (result.code !== 0)
        throw new FaultlineError({
          code: "FAULTLINE_FAULT_FAILED",
          message: `writing the clock file on host ${member.on.connection.host.label} failed (${describeExit(result)})`,
          hint: "check the run's folder on the host",
          cluster: this.clusterName(),
          node: node.name,
        });
    };
    const undo = async (): Promise<void> => {
      for (const node of moved) {
        const clock = { started: this.clocks.get(node.name)?.started };
        this.clocks.set(node.name, clock);
        await write(node, clock);
      }
    };
    try {
      for (const node of nodes) {
        const clock: NodeClock = { ...this.clocks.get(node.name), fault: { offset: seconds, rate, since } };
        this.clocks.set(node.name, clock);
        moved.push(node);
        await write(node, clock);
      }
    } catch (error) {
      await undo().catch(() => undefined);
      throw error;
    }
    return { undo, mechanism: "libfaketime over ssh" };
  }

  private file(member: SshMember): string {
    return `${member.on.dir}/${member.name}.faketime`;
  }
}
