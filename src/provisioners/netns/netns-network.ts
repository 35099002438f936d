import { FaultlineError } from "../../common/errors";
import type { Grudge } from "../../cluster/grudge";
import type { Node } from "../../cluster/types";
import type { NetworkControl, Undo } from "../../cluster/controls";
import { installHint } from "../../common/which";
import { BandwidthLimits } from "../firewall/bandwidth-limits";
import { ChainFirewall } from "../firewall/chain-firewall";
import { ChainNames } from "../firewall/chain-names";
import type { CommandResult } from "../firewall/command-result";
import { lossPlan, partitionPlan } from "../firewall/drop-plans";
import { removeChainCommands } from "../firewall/restore-scripts";
import { SerialQueues } from "../firewall/serial-queues";
import { inNamespace, runCommand, type Tools } from "./ip-commands";
import type { NetnsMember } from "./netns-member";
import type { NetnsNames } from "./names";
import type { UndoEntry, UndoStack } from "./undo-stack";

export interface NetnsNetworkOptions {
  cluster: string;
  tools: Tools;
  names: NetnsNames;
  members: readonly NetnsMember[];
  undo: UndoStack;
}

type FaultResult = { undo: Undo; mechanism: string };

/**
 * Network faults inside the cluster's namespaces, through the shared firewall module: iptables
 * chains for partitions and loss, a tc token bucket for bandwidth. Every kernel object is
 * registered with the reaper before it is made. Work on one namespace is serialised (one iptables
 * or tc transaction at a time there); namespaces are worked on in parallel.
 */
export class NetnsNetwork implements NetworkControl {
  private readonly queues = new SerialQueues();
  private readonly firewall: ChainFirewall<NetnsMember>;
  private readonly limits: BandwidthLimits;
  /** The reaper's removal of each namespace's tbf, while one of ours is there. */
  private readonly shaped = new Map<string, UndoEntry>();

  constructor(private readonly options: NetnsNetworkOptions) {
    const { tools, undo, names } = options;
    this.firewall = new ChainFirewall<NetnsMember>({
      names: new ChainNames(names.prefix),
      queues: this.queues,
      host: {
        restore: (member, script) => runCommand([...inNamespace(tools, member.namespace), tools.iptablesRestore, "-w", "--noflush"], { stdin: script }),
        register: (member, chain) => {
          const prefix = inNamespace(tools, member.namespace);
          const entries = removeChainCommands(tools.iptables, chain).map((argv) => undo.push([...prefix, ...argv], `chain ${chain} in ${member.namespace}`));
          return () => {
            for (const entry of entries) undo.forget(entry);
          };
        },
        failure: (what, member, result) => this.failure(what, member, result, what !== "heal" && /statistic/i.test(result.stderr)),
      },
    });
    this.limits = new BandwidthLimits({ cluster: options.cluster, queues: this.queues, shape: (node, qdisc, current) => this.shape(node, qdisc, current) });
  }

  async partition(grudge: Grudge): Promise<FaultResult> {
    const plan = partitionPlan(grudge, this.options.members, (m) => m.host, this.options.cluster);
    return { mechanism: "iptables", undo: await this.firewall.apply("p", plan, "partition") };
  }

  async loss(targets: readonly Node[], probability: number): Promise<FaultResult> {
    const plan = lossPlan(this.members(targets), this.options.members, (m) => m.host, probability, this.options.cluster);
    return { mechanism: "iptables statistic", undo: await this.firewall.apply("l", plan, "loss") };
  }

  async bandwidth(targets: readonly Node[], rateKBps: number): Promise<FaultResult> {
    if (!this.options.tools.tc) {
      throw new FaultlineError({
        code: "FAULTLINE_REQUIREMENT_MISSING",
        message: 'a bandwidth fault on provisioner "netns" needs "tc"',
        hint: installHint("tc"),
        cluster: this.options.cluster,
      });
    }
    const members = this.members(targets);
    return {
      mechanism: "tc tbf",
      undo: await this.limits.limit(
        members.map((m) => m.name),
        rateKBps,
      ),
    };
  }

  /** Resolves when every background chain removal has finished. */
  idle(): Promise<void> {
    return this.firewall.idle();
  }

  /** Puts, changes or removes the node's root tbf (see BandwidthLimits). */
  private async shape(node: string, qdisc: string[] | undefined, current: string[] | undefined): Promise<void> {
    const { undo } = this.options;
    const tc = this.options.tools.tc!;
    const member = this.options.members.find((m) => m.name === node)!;
    const ns = member.namespace;
    if (qdisc === undefined) {
      const entry = this.shaped.get(ns);
      if (entry) await undo.run(entry);
      this.shaped.delete(ns);
      return;
    }
    let entry: UndoEntry | undefined;
    if (current === undefined) {
      entry = undo.push([tc, "-n", ns, "qdisc", "del", "dev", "eth0", "root"], `tbf on ${ns}`);
      this.shaped.set(ns, entry);
    }
    const result = await runCommand([tc, "-n", ns, "qdisc", current === undefined ? "add" : "replace", "dev", "eth0", "root", ...qdisc]);
    if (result.code !== 0) {
      if (entry) {
        undo.forget(entry);
        this.shaped.delete(ns);
      }
      throw this.failure("bandwidth", member, result, /unknown|not supported/i.test(result.stderr));
    }
  }

  private members(targets: readonly Node[]): NetnsMember[] {
    return targets.map((target) => {
      const member = this.options.members.find((m) => m.name === target.name);
      if (!member) {
        throw new FaultlineError({
          code: "FAULTLINE_UNKNOWN_NODE",
          message: `no node named "${target.name}" in this cluster; nodes are ${this.options.members.map((m) => m.name).join(", ")}`,
          hint: "target the cluster's own nodes",
          cluster: this.options.cluster,
        });
      }
      return member;
    });
  }

  private failure(fault: string, member: NetnsMember, result: CommandResult, unsupported: boolean): FaultlineError {
    return new FaultlineError({
      code: unsupported ? "FAULTLINE_FAULT_UNSUPPORTED" : "FAULTLINE_FAULT_FAILED",
      message: `${fault} in namespace ${member.namespace} failed (exit ${result.code}): ${result.stderr || "no output"}`,
      hint: unsupported
        ? "this kernel lacks the module the fault needs (see `faultline doctor`); client-side faults through the fault proxy work everywhere"
        : "check `iptables -V` and the kernel log; the fault was rolled back",
      cluster: this.options.cluster,
      node: member.name,
    });
  }
}
