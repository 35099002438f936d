import { existsSync } from "node:fs";
import type Docker from "dockerode";
import { FaultlineError } from "../../common/errors";
import type { Node } from "../../cluster/types";
import type { Grudge } from "../../cluster/grudge";
import type { NetworkControl, Undo } from "../../cluster/controls";
import { installHint } from "../../common/which";
import { BandwidthLimits } from "../firewall/bandwidth-limits";
import { ChainFirewall } from "../firewall/chain-firewall";
import { ChainNames } from "../firewall/chain-names";
import { NOTHING_TO_DO, type CommandResult } from "../firewall/command-result";
import { lossPlan, partitionPlan } from "../firewall/drop-plans";
import { Overlaps } from "../firewall/overlaps";
import { SerialQueues } from "../firewall/serial-queues";
import { isolatedNode, type DockerMember } from "./isolated-node";
import { runInNetns } from "./netns-command";

/** The running container of a node, as the network control reaches it. */
export interface LiveContainer {
  id: string;
  /** Host pid of its init process; undefined on a remote engine. */
  pid?: number;
}

/** How faults reach the containers: host tools in their namespaces, or the engine's API alone. */
export type FaultAccess =
  | { mode: "nsenter"; nsenter: string; iptablesRestore: string; tc?: string }
  | { mode: "engine"; reason: "not-root" | "remote-engine" | "missing-tools" | "forced"; detail: string };

export interface DockerNetworkControlOptions {
  cluster: string;
  runId: string;
  docker: Docker;
  networkId: string;
  members: readonly DockerMember[];
  access: FaultAccess;
  /** The node's container while it runs. */
  container(node: string): LiveContainer | undefined;
}

type FaultResult = { undo: Undo; mechanism: string };

/**
 * Network faults for docker clusters, through the shared firewall module (the same chains,
 * bypass heal, overlap counting and bandwidth stacking as on netns). With root on the engine's
 * machine, iptables chains (`fl-<run>-p<k>`, `fl-<run>-l<k>`) and tc qdiscs are put in each
 * container's network namespace from the host through nsenter, one process per container.
 * Otherwise only a one-node isolation is possible, by disconnecting its container from the
 * network; overlapping isolations of one node are counted, and it is reconnected when the last
 * heals. Faults outlive node restarts: a node's new container gets the active ones before it is used.
 */
export class DockerNetworkControl {
  private readonly queues = new SerialQueues();
  private readonly firewall: ChainFirewall<DockerMember>;
  private readonly limits: BandwidthLimits;
  /** Partitions holding each node disconnected from the network (engine access only). */
  private readonly isolations: Overlaps<true, true>;

  constructor(private readonly options: DockerNetworkControlOptions) {
    this.firewall = new ChainFirewall<DockerMember>({
      names: new ChainNames(`fl-${options.runId}`),
      queues: this.queues,
      host: {
        restore: (member, script) => this.runIn(member.name, [this.requireNsenter().iptablesRestore, "--noflush"], script),
        failure: (what, member, result) => this.commandFailure(what, member.name, ["iptables-restore"], result),
      },
    });
    this.limits = new BandwidthLimits({ cluster: options.cluster, queues: this.queues, shape: (node, qdisc) => this.shape(node, qdisc) });
    this.isolations = new Overlaps<true, true>({
      queues: this.queues,
      combine: () => true,
      enact: (node, disconnected) => (disconnected ? this.disconnect(node) : this.reconnect(node)),
    });
  }

  /**
   * The control the provisioner exposes. Loss and bandwidth are always there, as on netns: without
   * the containers' namespaces they refuse rather than let the fault layer fall back to client-link
   * proxies, which would leave node-to-node traffic untouched.
   */
  asNetworkControl(): NetworkControl {
    return {
      partition: (grudge) => this.partition(grudge),
      loss: (targets, probability) => this.loss(targets, probability),
      bandwidth: (targets, rate) => this.bandwidth(targets, rate),
    };
  }

  async partition(grudge: Grudge): Promise<FaultResult> {
    const { access, members, cluster } = this.options;
    const plan = partitionPlan(grudge, members, (m) => m.ip, cluster);
    if (access.mode === "nsenter") return { mechanism: "iptables (nsenter)", undo: await this.firewall.apply("p", plan, "partition") };
    const isolated = isolatedNode(grudge, members);
    if (!isolated) {
      throw new FaultlineError({
        code: access.reason === "not-root" ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_UNSUPPORTED",
        message: `a partition other than isolating one node needs iptables inside the containers, and ${access.detail}`,
        hint: "run the tests as root on the Docker host (nsenter needs CAP_SYS_ADMIN, iptables CAP_NET_ADMIN), or partition by isolating a single node",
        cluster,
      });
    }
    const release = await this.isolations.hold(isolated, true);
    return { mechanism: "docker network disconnect (cuts the node's clients too)", undo: release };
  }

  async loss(targets: readonly Node[], probability: number): Promise<FaultResult> {
    this.requireNamespaces("loss", "iptables");
    const plan = lossPlan(this.membersOf(targets), this.options.members, (m) => m.ip, probability, this.options.cluster);
    return { mechanism: "iptables statistic (nsenter)", undo: await this.firewall.apply("l", plan, "loss") };
  }

  async bandwidth(targets: readonly Node[], rateKBps: number): Promise<FaultResult> {
    const access = this.requireNamespaces("bandwidth", "tc");
    if (!access.tc) {
      throw new FaultlineError({
        code: "FAULTLINE_REQUIREMENT_MISSING",
        message: 'a bandwidth fault on provisioner "docker" needs "tc" on the host',
        hint: installHint("tc"),
        cluster: this.options.cluster,
      });
    }
    const nodes = this.membersOf(targets).map((m) => m.name);
    return { mechanism: "tc tbf (nsenter)", undo: await this.limits.limit(nodes, rateKBps) };
  }

  /** How many partitions hold `node` disconnected from the network now (engine access). */
  isolationCount(node: string): number {
    return this.isolations.count(node);
  }

  /** Resolves when every background chain removal has finished. */
  idle(): Promise<void> {
    return this.firewall.idle();
  }

  /** Called once a node's new container runs: redoes the faults still active for it. */
  async attached(node: string): Promise<void> {
    if (!this.options.container(node)) return;
    await this.isolations.reapply(node);
    if (this.options.access.mode !== "nsenter") return;
    await this.firewall.reapply(node);
    await this.limits.reapply(node);
  }

  /** Puts, changes or removes the container's root tbf (see BandwidthLimits). */
  private async shape(node: string, qdisc: string[] | undefined): Promise<void> {
    const tc = this.requireNsenter().tc!;
    // Docker names a container's only network interface eth0; "replace" both adds (also over the
    // engine's default qdisc) and swaps in a new limit (see BandwidthLimits).
    const argv = qdisc ? [tc, "qdisc", "replace", "dev", "eth0", "root", ...qdisc] : [tc, "qdisc", "del", "dev", "eth0", "root"];
    const result = await this.runIn(node, argv);
    if (result.code !== 0) throw this.commandFailure(qdisc ? "bandwidth" : "heal bandwidth", node, argv, result);
  }

  private async disconnect(node: string): Promise<void> {
    const target = this.options.container(node);
    if (!target) return; // its next container is disconnected when it starts (attached)
    await this.network()
      .disconnect({ Container: target.id, Force: true })
      .catch((error) => this.engineFailure(error, node, "disconnect"));
  }

  private async reconnect(node: string): Promise<void> {
    const target = this.options.container(node);
    if (!target) return; // a new container starts connected
    const ip = this.options.members.find((m) => m.name === node)!.ip;
    await this.network()
      .connect({ Container: target.id, EndpointConfig: { IPAMConfig: { IPv4Address: ip } } })
      .catch((error) => this.engineFailure(error, node, "reconnect"));
  }

  private network(): Docker.Network {
    return this.options.docker.getNetwork(this.options.networkId);
  }

  /** Runs a host binary in the node's current container's network namespace; nothing to do when none runs. */
  private async runIn(node: string, argv: string[], stdin?: string): Promise<CommandResult> {
    const access = this.requireNsenter();
    const target = this.options.container(node);
    if (!target) return NOTHING_TO_DO; // its next container gets the active faults when it starts
    if (target.pid === undefined)
      throw new FaultlineError({
        code: "FAULTLINE_PERMISSION",
        message: `no host pid for ${node}'s container: its engine runs on another machine`,
        hint: "faults inside containers need the engine on this machine (root on it)",
      });
    const result = await runInNetns(access.nsenter, target.pid, argv, stdin);
    // A container that died a moment ago has no namespace left to change; its next container
    // gets the active faults when it starts.
    if (result.code !== 0 && !existsSync(`/proc/${target.pid}/ns/net`)) return NOTHING_TO_DO;
    return result;
  }

  private requireNsenter(): Extract<FaultAccess, { mode: "nsenter" }> {
    const { access, cluster } = this.options;
    if (access.mode === "nsenter") return access;
    throw new FaultlineError({
      code: access.reason === "not-root" ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_UNSUPPORTED",
      message: `this fault needs the containers' network namespaces, and ${access.detail}`,
      hint: "run the tests as root on the Docker host",
      cluster,
    });
  }

  /** Loss and bandwidth act on every packet of a node, its peers' included: only from inside its namespace. */
  private requireNamespaces(fault: "loss" | "bandwidth", tool: string): Extract<FaultAccess, { mode: "nsenter" }> {
    const { access, cluster } = this.options;
    if (access.mode === "nsenter") return access;
    const fix = {
      "not-root": `run the tests as root on the Docker host (nsenter needs CAP_SYS_ADMIN to enter the containers' namespaces, ${tool} CAP_NET_ADMIN)`,
      "remote-engine": "run the tests as root on the Docker host",
      "missing-tools": "install it",
      forced: "unset FAULTLINE_DOCKER_FAULTS",
    }[access.reason];
    throw new FaultlineError({
      code: access.reason === "not-root" ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_UNSUPPORTED",
      message: `a ${fault} fault acts on traffic between nodes too, which needs ${tool} inside each container's network namespace, and ${access.detail}`,
      hint: `${fix}; or pass links: "clients" to act only on the test's links to the nodes, through the fault proxy`,
      cluster,
      option: `${fault}.links`,
    });
  }

  private membersOf(targets: readonly Node[]): DockerMember[] {
    return targets.map((target) => {
      const member = this.options.members.find((m) => m.name === target.name);
      if (!member)
        throw new FaultlineError({
          code: "FAULTLINE_UNKNOWN_NODE",
          message: `node "${target.name}" is not in this cluster`,
          hint: "pass the cluster's own nodes",
          cluster: this.options.cluster,
        });
      return member;
    });
  }

  private commandFailure(fault: string, node: string, argv: string[], result: CommandResult): FaultlineError {
    const missingModule = /statistic|No chain|Couldn't load|unknown|not supported/i.test(result.stderr);
    return new FaultlineError({
      code: "FAULTLINE_FAULT_FAILED",
      message: `${fault}: ${argv.map((a) => a.split("/").pop()).join(" ")} in the container's namespace exited ${result.code}: ${result.stderr || "(no output)"}`,
      hint: missingModule ? "the kernel may lack the module this fault needs (xt_statistic, sch_tbf)" : "run the command by hand with nsenter to see why",
      cluster: this.options.cluster,
      node,
    });
  }

  private engineFailure(error: unknown, node: string, what: string): never {
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_FAILED",
      message: `docker network ${what} failed: ${(error as Error).message}`,
      hint: "see the engine's message",
      cluster: this.options.cluster,
      node,
      cause: error,
    });
  }
}
