import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tarStream, type TarEntry } from "./docker/tar-writer";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { ClientChannel } from "ssh2";
import { FaultlineError } from "../common/errors";
import type { ClusterSpec } from "../cluster/types";
import type { Capability, HostControls } from "../cluster/controls";
import type { ExitStatus, LaunchSpec, NodeProcess, NodeSlot, ProvisionContext, Provisioner } from "../cluster/provisioner";
import { unsupportedFrom } from "./capabilities";
import { directPeerAddress, portNumbers } from "./port-numbers";
import { guardianScript, launchScript, releaseScript, shellQuote, signalScript } from "./ssh/remote-scripts";
import { hostGaps, probeFacts, sweepHost } from "./ssh/host-survey";
import { SshHostConnection } from "./ssh/ssh-host";
import { hostTool, type SshMember, type SshRunHost } from "./ssh/ssh-member";
import { SshNetwork } from "./ssh/ssh-network";
import { resolveSshOptions, type ResolvedSshHost, type SshOptions } from "../cluster/ssh-options";
import { sshLimits } from "./ssh/ssh-limits";
import { sshDisk } from "./ssh/ssh-disk";
import { SshClock } from "./ssh/ssh-clock";

/** Ports of the k-th node on one host: the netns numbering, shifted by 100 per node. */
const PORTS_PER_NODE = 100;

interface Prepared {
  context: ProvisionContext;
  hosts: SshRunHost[];
  members: SshMember[];
  slots: NodeSlot[];
  mark: string;
  network: SshNetwork;
}

/**
 * Nodes on real machines reached over SSH (OpenSSH on the hosts, nothing of ours installed there):
 * each node runs in its own SSH session, which sshd makes its own process group, with its output
 * streamed back to the run's log. Per cluster and host, a directory of the run holds its pids and
 * chains, and a guardian session holding the run's lease removes them when the run's connection
 * ends for any reason. Network faults are the same iptables chains as netns, in each host's INPUT.
 */
export class SshProvisioner implements Provisioner {
  readonly kind = "ssh" as const;
  readonly hostFilesystem = false;
  private prepared?: Prepared;
  readonly controls: HostControls;
  private readonly clock?: SshClock;

  constructor(private readonly spec?: ClusterSpec) {
    this.clock = spec?.clock
      ? new SshClock(
          () => this.prepared?.context.cluster,
          (name) => this.memberOf(name),
        )
      : undefined;
    this.controls = {
      clock: this.clock,
      network: {
        partition: (grudge) => this.requirePrepared().network.partition(grudge),
        loss: (targets, probability) => this.requirePrepared().network.loss(targets, probability),
        bandwidth: (targets, rateKBps) => this.requirePrepared().network.bandwidth(targets, rateKBps),
      },
      disk: {
        readonly: (node) => sshDisk(this.requirePrepared().context.cluster, (name) => this.memberOf(name), !!spec?.disk?.size).readonly(node),
        fill: (node) => sshDisk(this.requirePrepared().context.cluster, (name) => this.memberOf(name), !!spec?.disk?.size).fill(node),
      },
      limits: { lower: (nodes, limits) => sshLimits(this.requirePrepared().context.cluster, (name) => this.memberOf(name)).lower(nodes, limits) },
      signals: { kill: "signal over ssh", pause: "SIGSTOP/SIGCONT over ssh" },
      unsupported: (capability: Capability) =>
        capability === "clock" && !spec?.clock
          ? {
              message: "clock faults need the cluster to preload libfaketime, and this cluster does not declare clock: true",
              hint: "add clock: true to its defineCluster spec (needs libfaketime on the hosts)",
            }
          : unsupportedFrom("ssh", capability),
    };
  }

  async prepare(context: ProvisionContext): Promise<NodeSlot[]> {
    if (this.prepared)
      throw new FaultlineError({ code: "FAULTLINE_NODE_STATE", message: "the ssh provisioner was prepared twice", hint: "use one provisioner per cluster" });
    const { hosts: listed, options } = resolveSshOptions(this.spec?.ssh as SshOptions | undefined, context.cluster);
    const token = randomBytes(3).toString("hex");
    const mark = `${context.run.id}-${token}`;
    const used = listed.slice(0, Math.min(listed.length, context.nodes.length));
    const hosts: SshRunHost[] = [];
    // Node i goes to host i mod hosts.
    const nodeNamesOn = (h: number): string[] => context.nodes.filter((_, i) => i % used.length === h).map((n) => n.name);
    const prepared: Prepared = {
      context,
      hosts,
      members: [],
      slots: [],
      mark,
      network: undefined as unknown as SshNetwork,
    };
    this.prepared = prepared;
    try {
      const opened = await Promise.allSettled(used.map((host, h) => this.openHost(host, options, mark, h, context, nodeNamesOn(h))));
      for (const result of opened) if (result.status === "fulfilled") hosts.push(result.value);
      const failed = opened.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
      const perHost = new Map<SshRunHost, number>();
      prepared.members = context.nodes.map((node, i) => {
        const on = hosts[i % hosts.length]!;
        return { name: node.name, index: node.index, host: on.address, on };
      });
      prepared.slots = prepared.members.map((member) => {
        const k = perHost.get(member.on) ?? 0;
        perHost.set(member.on, k + 1);
        const ports = Object.fromEntries(Object.entries(portNumbers(context.ports)).map(([name, port]) => [name, port + k * PORTS_PER_NODE]));
        // The same path on the host as here: what the cluster's command writes into it before
        // the node starts is uploaded there (see launch), and paths in its argv mean the same file.
        const dataDir = join(context.dir, member.name);
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        return { name: member.name, index: member.index, host: member.host, ports, dataDir };
      });
      prepared.network = new SshNetwork(context.cluster, prepared.members, `fl-${mark}`.slice(0, 16));
      context.timeline.record({
        type: "note",
        message: `ssh: ${prepared.members.map((m) => `${m.name} on ${this.placement(m.name)!}`).join(", ")}; run files in ${hosts.map((h) => h.dir).join(", ")}`,
      });
      return prepared.slots;
    } catch (error) {
      await this.dispose().catch(() => undefined);
      throw error;
    }
  }

  /** Connects, probes, sweeps what dead runs left, and starts the run's guardian there. */
  private async openHost(host: ResolvedSshHost, options: SshOptions, mark: string, h: number, context: ProvisionContext, nodes: string[]): Promise<SshRunHost> {
    // Numbered per host, so hosts that share a filesystem (an NFS home, or this project's
    // namespace hosts) never share a run folder or its lease.
    const dir = `${host.dir}/${mark}-${h}`;
    const connection = new SshHostConnection(host, options, context.cluster);
    try {
      await connection.connect();
      const facts = await probeFacts(connection);
      const gaps = hostGaps(facts);
      if (gaps.tracking) {
        throw new FaultlineError({
          code: "FAULTLINE_REQUIREMENT_MISSING",
          message: `host ${host.label} is ${gaps.tracking} on the PATH of an SSH session, which faultline needs there to track and remove what a run starts`,
          hint: "install them on the host",
          cluster: context.cluster,
        });
      }
      const swept = await sweepHost(connection, host.dir);
      if (swept.length) context.timeline.record({ type: "note", message: `ssh ${host.label}: removed what dead runs left: ${swept.join("; ")}` });
      const guardian = await this.startGuardian(
        connection,
        dir,
        mark,
        nodes.map((n) => join(context.dir, n)),
        this.spec?.disk?.size,
      );
      const address = host.address ?? (isIP(host.host) ? host.host : (await lookup(host.host, { family: 4 })).address);
      const sharedFilesystem = readMark(dir) === mark;
      return { connection, dir, address, facts, guardian, pendingChains: [], sharedFilesystem, uploaded: new Map() };
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  private async startGuardian(
    connection: SshHostConnection,
    dir: string,
    mark: string,
    dataDirs: string[],
    tmpfsSize: string | undefined,
  ): Promise<ClientChannel> {
    const channel = await connection.open(`exec sh -c ${shellQuote(guardianScript(dir, mark, dataDirs, tmpfsSize))}`);
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (out.includes("ready\n")) {
          channel.off("data", onData);
          resolve();
        }
      };
      channel.on("data", onData);
      channel.once("exit", (code: number | null) => reject(this.guardianFailure(connection, dir, code)));
      channel.once("close", () => reject(connection.failure("the guardian session closed before it started", "check the host's sshd log")));
    });
    return channel;
  }

  /** Sends the host what changed in the node's data dir here since the last upload (a config the cluster's command wrote). */
  private async upload(member: SshMember, dataDir: string): Promise<void> {
    const { connection, uploaded } = member.on;
    const entries: TarEntry[] = [];
    const walk = (dir: string, relative: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const rel = relative ? `${relative}/${entry.name}` : entry.name;
        const stat = lstatSync(path);
        if (entry.isDirectory()) {
          entries.push({ type: "dir", path: rel, mode: stat.mode & 0o7777 });
          walk(path, rel);
        } else if (entry.isFile()) {
          const version = `${stat.size}:${stat.mtimeMs}`;
          if (uploaded.get(path) === version) continue;
          uploaded.set(path, version);
          entries.push({ type: "file", path: rel, mode: stat.mode & 0o7777, size: stat.size, source: path });
        }
      }
    };
    walk(dataDir, "");
    if (!entries.some((e) => e.type === "file")) return;
    if (!hostTool(member.on, "tar"))
      throw new FaultlineError({
        code: "FAULTLINE_REQUIREMENT_MISSING",
        message: `the cluster's command wrote files into ${member.name}'s data dir, and host ${connection.host.label} has no tar to receive them`,
        hint: "install tar on the host",
        cluster: this.requirePrepared().context.cluster,
        node: member.name,
      });
    const chunks: Buffer[] = [];
    for await (const chunk of tarStream(entries)) chunks.push(chunk as Buffer);
    const result = await connection.exec(`tar -x -f - -C ${shellQuote(dataDir)}`, Buffer.concat(chunks));
    if (result.code !== 0)
      throw connection.failure(`could not upload ${member.name}'s data dir files: ${result.stderr}`, "check the host's free space and tar");
  }

  private guardianFailure(connection: SshHostConnection, dir: string, code: number | null): FaultlineError {
    if (code === 95)
      return new FaultlineError({
        code: "FAULTLINE_PERMISSION",
        message: `disk: { size } mounts a tmpfs on each data dir, and host ${connection.host.label} refused the mount`,
        hint: "connect as root, or drop the disk option (full-disk faults then report unsupported)",
        cluster: this.requirePrepared().context.cluster,
        option: "disk.size",
      });
    const what =
      code === 92 ? "another run holds that folder's lease" : code === 94 ? "the nodes' data dirs could not be made" : "the run's folder could not be made";
    return connection.failure(
      `could not start the run's guardian in ${dir} (exit ${code}): ${what}`,
      "check that the user can write under ssh.dir, and that flock works there",
    );
  }

  async launch(slot: NodeSlot, spec: LaunchSpec): Promise<NodeProcess> {
    const { context, mark } = this.requirePrepared();
    const member = this.memberOf(slot.name);
    const { connection, dir } = member.on;
    if (!spec.argv[0]) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: "command returned an empty argv",
        hint: 'return the program and its arguments, e.g. ["etcd", "--name", node.name]',
        cluster: context.cluster,
        node: slot.name,
        option: "command",
      });
    }
    if (!member.on.sharedFilesystem) await this.upload(member, slot.dataDir);
    const clockFile = this.clock?.pendingFile(slot.name);
    const channel = await connection.open(launchScript({ dir, mark, cwd: spec.cwd, argv: spec.argv, env: spec.nodeEnv ?? {}, clockFile }));
    let blocker: string | undefined;
    let start = "";
    let status: ExitStatus | undefined;
    const exited = new Promise<ExitStatus>((resolve) => {
      // The node's exit, as sshd reports it — not the channel's close, which waits for every
      // holder of the session's pipes (a child the node forked, as Redis does to sync a replica).
      channel.on("exit", (code: number | null, signal?: string) => {
        status = { code: signal ? null : code, signal: signal ? ((signal.startsWith("SIG") ? signal : `SIG${signal}`) as NodeJS.Signals) : null };
        resolve(status);
      });
      channel.on("close", () => {
        if (!status)
          spec.onOutput(
            Buffer.from(
              `[faultline] the SSH session of ${slot.name} on ${connection.host.label} ended without an exit status (${connection.lost ?? "closed"})\n`,
            ),
            "stderr",
          );
        resolve(status ?? { code: null, signal: null });
      });
    });
    channel.stderr.on("data", (chunk: Buffer) => spec.onOutput(chunk, "stderr"));
    // The first line of ours says how the start went; anything before it is the host's login
    // files talking (a .bashrc that prints), kept in the log.
    const pid = await new Promise<number>((resolve, reject) => {
      let head = "";
      let known = false;
      const onData = (chunk: Buffer): void => {
        if (known) {
          spec.onOutput(chunk, "stdout");
          return;
        }
        head += chunk.toString("latin1");
        for (;;) {
          const end = head.indexOf("\n");
          if (end < 0) return;
          const line = head.slice(0, end);
          head = head.slice(end + 1);
          const found = /^faultline-pid (\d+) (\d+)$/.exec(line);
          if (found) {
            known = true;
            if (clockFile) this.clock?.noteBlocker(spec.argv[0]!, blocker);
            if (head) spec.onOutput(Buffer.from(head, "latin1"), "stdout");
            start = found[2]!;
            resolve(Number(found[1]));
            return;
          }
          if (/^faultline-(missing|nocwd|gone)$/.test(line)) {
            known = true;
            reject(this.launchFailure(line, slot.name, spec, member));
            return;
          }
          const blocked = /^faultline-clock-blocked (.*)$/.exec(line);
          if (blocked) blocker = blocked[1];
          else spec.onOutput(Buffer.from(`${line}\n`, "latin1"), "stdout");
        }
      };
      channel.on("data", onData);
      void exited.then(() => reject(this.launchFailure("", slot.name, spec, member)));
    });
    const run = async (script: string): Promise<void> => {
      if (connection.lost || status) return; // gone with its session
      await connection.exec(script);
    };
    return {
      pid,
      exited,
      signal: (signal) => run(signalScript(pid, start, signal, mark)),
      pause: () => run(signalScript(pid, start, "SIGSTOP", mark)),
      resume: () => run(signalScript(pid, start, "SIGCONT", mark)),
      release: async () => {
        if (!connection.lost) await connection.exec(releaseScript(pid, mark)).catch(() => undefined);
      },
    };
  }

  private launchFailure(line: string, node: string, spec: LaunchSpec, member: SshMember): FaultlineError {
    const { cluster } = this.requirePrepared().context;
    const host = member.on.connection.host.label;
    if (line === "faultline-missing")
      return new FaultlineError({
        code: "FAULTLINE_BINARY_NOT_FOUND",
        message: `command "${spec.argv[0]}" was not found on PATH on host ${host}`,
        hint: "install it on the host (nothing is copied there), or give its absolute path",
        cluster,
        node,
        option: "command",
      });
    if (line === "faultline-nocwd")
      return new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `cwd ${JSON.stringify(spec.cwd)} does not exist on host ${host}`,
        hint: "cwd is a directory on the node's host; leave it out to run in the node's data dir",
        cluster,
        node,
        option: "cwd",
      });
    return member.on.connection.failure(
      `could not start ${node} (${line || "no answer"})`,
      "the run's directory on the host is gone, or the session failed: see the host's sshd log",
    );
  }

  peerAddress(from: NodeSlot, to: NodeSlot, port: string): string {
    const { context, slots } = this.requirePrepared();
    return directPeerAddress(slots, from, to, port, context);
  }

  placement(node: string): string | undefined {
    const member = this.prepared?.members.find((m) => m.name === node);
    return member && `${member.on.connection.host.label} (${member.host})`;
  }

  async idle(): Promise<void> {
    await this.prepared?.network?.idle();
  }

  /** Ends each host's guardian session (which removes the run's processes, chains and files there) and waits for it. */
  async dispose(): Promise<void> {
    const prepared = this.prepared;
    if (!prepared) return;
    await prepared.network?.idle().catch(() => undefined);
    const problems: string[] = [];
    await Promise.all(
      prepared.hosts.map(async (host) => {
        if (!host.connection.lost) {
          const done = new Promise<void>((resolve) => host.guardian.once("close", () => resolve()));
          host.guardian.end();
          const finished = await Promise.race([done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000).unref())]);
          if (!finished) problems.push(`${host.connection.host.label}: the guardian did not finish removing ${host.dir} within 15 s`);
        }
        host.connection.close();
      }),
    );
    prepared.hosts.length = 0;
    if (problems.length) {
      throw new FaultlineError({
        code: "FAULTLINE_TEARDOWN",
        message: `removing the run's files on SSH hosts did not finish: ${problems.join("; ")}`,
        hint: "the next run on those hosts sweeps them, or run `faultline clean --hosts <file>`",
        cluster: prepared.context.cluster,
      });
    }
  }

  private memberOf(name: string): SshMember {
    const prepared = this.requirePrepared();
    const member = prepared.members.find((m) => m.name === name);
    if (!member)
      throw new FaultlineError({
        code: "FAULTLINE_UNKNOWN_NODE",
        message: `no node named "${name}" was prepared`,
        hint: "use the cluster's own nodes",
        cluster: prepared.context.cluster,
      });
    return member;
  }

  private requirePrepared(): Prepared {
    if (!this.prepared)
      throw new FaultlineError({
        code: "FAULTLINE_NODE_STATE",
        message: "the ssh provisioner was used before prepare()",
        hint: "start the cluster with startCluster()",
      });
    return this.prepared;
  }
}

/** The mark in a run folder's `mark` file as this machine sees that path, if it sees one. */
function readMark(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, "mark"), "utf8").trim();
  } catch {
    return undefined;
  }
}
