import { FaultlineError } from "../../common/errors";
import type { Grudge } from "../../cluster/grudge";
import type { Applied, NetworkControl } from "../../cluster/controls";
import type { Node } from "../../cluster/node-types";
import { ChainFirewall } from "../firewall/chain-firewall";
import { ChainNames } from "../firewall/chain-names";
import type { CommandResult } from "../firewall/command-result";
import { lossPlan, partitionPlan, type DropRule } from "../firewall/drop-plans";
import { SerialQueues } from "../firewall/serial-queues";
import { BandwidthLimits } from "../firewall/bandwidth-limits";
import { shellQuote } from "./remote-scripts";
import { describeExit } from "./ssh-host";
import { hostTool, type SshMember, type SshRunHost } from "./ssh-member";
import { hostGaps } from "./host-survey";

/**
 * Partitions and loss on SSH hosts: the same chains as netns and docker, in each host's INPUT
 * (the host is the node's network namespace), fed to the host's iptables-restore over SSH. Each
 * chain is listed in the run's directory on the host, in the same command that makes it, so the
 * guardian or a later sweep removes it if this process dies.
 */
export class SshNetwork implements NetworkControl {
  private readonly firewall: ChainFirewall<SshMember>;
  private readonly queues = new SerialQueues();
  private readonly limits: BandwidthLimits;
  /** The interface each host reaches its peers through, once asked. */
  private readonly devices = new Map<SshRunHost, Promise<string>>();

  constructor(
    private readonly cluster: string,
    private readonly members: readonly SshMember[],
    prefix: string,
  ) {
    this.firewall = new ChainFirewall<SshMember>({
      names: new ChainNames(prefix),
      // One transaction at a time per node, which is per host: network faults refuse shared hosts.
      queues: this.queues,
      host: {
        restore: (member, script) => this.restore(member.on, script),
        register: (member, chain) => {
          member.on.pendingChains.push(chain);
          return () => undefined;
        },
        failure: (what, member, result) => this.failure(what, member, result),
      },
    });
    this.limits = new BandwidthLimits({ cluster, queues: this.queues, shape: (node, qdisc, current) => this.shape(this.member(node), qdisc, current) });
  }

  async bandwidth(targets: readonly Node[], rateKBps: number): Promise<Applied> {
    const chosen = targets.map((t) => this.member(t.name));
    for (const member of chosen) this.checkHost(member, "bandwidth limit", "bandwidth", "tc and ip", "install iproute2 on the host and connect as root");
    return {
      mechanism: "tc tbf over ssh",
      detail: "on the host's interface towards its peers: everything the host sends is limited, its SSH sessions too",
      undo: await this.limits.limit(
        chosen.map((m) => m.name),
        rateKBps,
      ),
    };
  }

  /** Puts, replaces or removes the host's root tbf on the interface towards its peers (see BandwidthLimits), listed in the run's folder for the guardian. */
  private async shape(member: SshMember, qdisc: string[] | undefined, current: string[] | undefined): Promise<void> {
    const host = member.on;
    const dev = await this.device(member);
    const tc = shellQuote(hostTool(host, "tc")!);
    const list = shellQuote(`${host.dir}/qdiscs`);
    const command =
      qdisc === undefined
        ? `${tc} qdisc del dev ${shellQuote(dev)} root && sed -i ${shellQuote(`/^${dev}$/d`)} ${list}`
        : current === undefined
          ? `printf '%s\\n' ${shellQuote(dev)} >> ${list} && ${tc} qdisc add dev ${shellQuote(dev)} root ${qdisc.map(shellQuote).join(" ")}`
          : `${tc} qdisc replace dev ${shellQuote(dev)} root ${qdisc.map(shellQuote).join(" ")}`;
    const result = await host.connection.exec(command).catch((error: Error) => ({ code: null, stderr: error.message }));
    if (result.code !== 0) throw this.failure("bandwidth", member, result);
  }

  /** The interface the host's route to a peer (or, alone, to the test's machine) goes through. */
  private device(member: SshMember): Promise<string> {
    let found = this.devices.get(member.on);
    if (!found) {
      const peer = this.members.find((m) => m.on !== member.on)?.host ?? member.on.facts.client ?? "1.1.1.1";
      found = member.on.connection.exec(`${shellQuote(hostTool(member.on, "ip")!)} -o route get ${shellQuote(peer)}`).then((result) => {
        const dev = / dev (\S+)/.exec(result.stdout)?.[1];
        if (result.code !== 0 || !dev) throw this.failure("bandwidth (finding the interface towards its peers)", member, result);
        return dev;
      });
      this.devices.set(member.on, found);
      found.catch(() => this.devices.delete(member.on));
    }
    return found;
  }

  async partition(grudge: Grudge): Promise<Applied> {
    const plan = partitionPlan(grudge, this.members, (m) => m.host, this.cluster);
    this.checkPlan(plan, "partition");
    return { mechanism: "iptables over ssh", undo: await this.firewall.apply("p", plan, "partition") };
  }

  async loss(targets: readonly Node[], probability: number): Promise<Applied> {
    const chosen = targets.map((t) => this.member(t.name));
    const plan = lossPlan(chosen, this.members, (m) => m.host, probability, this.cluster);
    this.checkPlan(plan, "loss");
    return { mechanism: "iptables statistic over ssh", undo: await this.firewall.apply("l", plan, "loss") };
  }

  idle(): Promise<void> {
    return this.firewall.idle();
  }

  private checkPlan(plan: ReadonlyMap<SshMember, readonly DropRule[]>, fault: "partition" | "loss"): void {
    for (const member of plan.keys())
      this.checkHost(member, fault, fault, "iptables", "install iptables on the host (apt-get install iptables) and connect as root");
  }

  /**
   * A host's INPUT and interface are every node's there: a rule or a limit for one would act on
   * its neighbours too. And the host must have the tools, as its probe found when the cluster
   * started.
   */
  private checkHost(member: SshMember, fault: string, capability: "partition" | "loss" | "bandwidth", tools: string, hint: string): void {
    const shared = this.members.find((m) => m !== member && m.on === member.on);
    if (shared) throw this.sharedHost(fault, member, shared);
    const gap = hostGaps(member.on.facts)[capability];
    if (gap)
      throw new FaultlineError({
        code: "FAULTLINE_FAULT_UNSUPPORTED",
        message: `a ${fault} needs ${tools} as root on host ${member.on.connection.host.label}, and its probe found ${gap}`,
        hint,
        cluster: this.cluster,
        node: member.name,
      });
  }

  private sharedHost(fault: string, member: SshMember, shared: SshMember): FaultlineError {
    return new FaultlineError({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message: `a ${fault} on provisioner "ssh" is made on each host, and ${member.name} shares host ${member.on.connection.host.label} with ${shared.name}`,
      hint: "give each node its own host for network faults (list as many hosts as nodes)",
      cluster: this.cluster,
      node: member.name,
    });
  }

  private member(name: string): SshMember {
    const member = this.members.find((m) => m.name === name);
    if (!member)
      throw new FaultlineError({
        code: "FAULTLINE_UNKNOWN_NODE",
        message: `no node named "${name}"; nodes are ${this.members.map((m) => m.name).join(", ")}`,
        hint: "target the cluster's own nodes",
        cluster: this.cluster,
      });
    return member;
  }

  private async restore(host: SshRunHost, script: string): Promise<CommandResult> {
    const chains = host.pendingChains.splice(0);
    const list = chains.length ? `printf '%s\\n' ${chains.map(shellQuote).join(" ")} >> ${shellQuote(`${host.dir}/chains`)} || exit 125; ` : "";
    try {
      const result = await host.connection.exec(`${list}exec ${shellQuote(hostTool(host, "iptables-restore")!)} -w --noflush`, script);
      return { code: result.code, stderr: result.stderr };
    } catch (error) {
      return { code: null, stderr: (error as Error).message };
    }
  }

  private failure(fault: string, member: SshMember, result: CommandResult): FaultlineError {
    const denied = /permission denied|not permitted/i.test(result.stderr);
    return new FaultlineError({
      code: denied ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_FAILED",
      message: `${fault} on host ${member.on.connection.host.label} failed (${describeExit(result)})`,
      hint: denied ? "iptables needs root (or CAP_NET_ADMIN) on the host: connect as root" : "check iptables on the host; the fault was rolled back",
      cluster: this.cluster,
      node: member.name,
    });
  }
}
