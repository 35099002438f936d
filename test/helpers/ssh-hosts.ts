import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { utils } from "ssh2";
import { provisionCluster } from "../../src/wiring/start-cluster";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import type { RunContext } from "../../src/reaper/run-context";
import type { SshHost } from "../../src/cluster/ssh-options";
import { which } from "../../src/common/which";
import { knownHostsName } from "../../src/provisioners/ssh/known-hosts";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";

/** Why SSH hosts cannot be made here (netns plus Debian's openssh-server), or undefined. */
export function sshHostsProblem(): string | undefined {
  if (!which("sshd", "/usr/sbin:/usr/bin:/sbin:/bin")) return "sshd is not installed (apt-get install openssh-server)";
  return netnsProblem();
}

export interface SshHostsOptions {
  /** Hosts (by index) whose SSH sessions get a PATH without /usr/sbin and /sbin: no iptables there. */
  withoutIptables?: number[];
  /**
   * Hosts (by index) that do not share this machine's run files: a tmpfs of their own over the
   * runs root and their run-files folder, as a separate machine would have.
   */
  privateFiles?: number[];
}

/**
 * "Hosts" for the ssh provisioner on this one machine: a cluster of sshd nodes, each in its own
 * network namespace on its own address, with host keys and a client key made for the run and a
 * known_hosts listing exactly those hosts. The hosts share this machine's filesystem, so each
 * gets its own `dir` for run files, as separate machines would have.
 */
export class SshHosts {
  readonly hosts: SshHost[];
  /** Each host's network namespace. */
  private readonly namespaces: string[];
  private constructor(
    readonly cluster: FaultlineCluster,
    readonly files: string,
    readonly identity: string,
    readonly knownHosts: string,
  ) {
    this.hosts = cluster.nodes.map((n) => ({ host: n.host, port: n.port("22"), user: "root", dir: `/tmp/faultline-ssh/${n.host}` }));
    this.namespaces = cluster.nodes.map((n) => execFileSync("ip", ["netns", "identify", String(n.pid)], { encoding: "utf8" }).trim());
  }

  static async start(run: RunContext, count: number, options: SshHostsOptions = {}): Promise<SshHosts> {
    const files = mkdtempSync(join(tmpdir(), "fl-sshd-"));
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // sshd's privilege separation dir
    const client = utils.generateKeyPairSync("ed25519");
    const identity = join(files, "id_ed25519");
    writeFileSync(identity, client.private, { mode: 0o600 });
    writeFileSync(join(files, "authorized_keys"), `${client.public}\n`, { mode: 0o600 });
    const hostKeys = new Map<string, string>();
    const cluster = await provisionCluster(
      {
        nodes: count,
        provisioner: "netns",
        ports: ["22"],
        command: ({ node }) => {
          if (!hostKeys.has(node.name)) {
            // Once per host: a host that restarts keeps its key. Made by OpenSSH's own ssh-keygen:
            // now and then sshd refused a key ssh2 generated ("error in libcrypto").
            const key = join(files, `${node.name}_host`);
            execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key]);
            hostKeys.set(node.name, readFileSync(`${key}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" "));
          }
          const config = join(files, `${node.name}.conf`);
          writeFileSync(
            config,
            [
              `ListenAddress ${node.host}:${node.port("22")}`,
              `HostKey ${join(files, `${node.name}_host`)}`,
              "PidFile none",
              `AuthorizedKeysFile ${join(files, "authorized_keys")}`,
              "PermitRootLogin prohibit-password",
              "PasswordAuthentication no",
              "KbdInteractiveAuthentication no",
              "UsePAM no",
              "StrictModes no",
              "LogLevel ERROR",
              // A HOME of their own: this machine's root login files (pyenv's, here) are not the hosts'.
              `SetEnv HOME=${files}${options.withoutIptables?.includes(node.index) ? " PATH=/usr/bin:/bin" : ""}`,
            ].join("\n") + "\n",
          );
          const sshd = ["/usr/sbin/sshd", "-D", "-e", "-f", config];
          if (!options.privateFiles?.includes(node.index)) return sshd;
          // `ip netns exec` gave the host a mount namespace of its own: mounts here stay here.
          const own = [dirname(run.dir), `/tmp/faultline-ssh/${node.host}`];
          return [
            "/bin/sh",
            "-c",
            `for d in ${own.join(" ")}; do mkdir -p "$d" && mount -t tmpfs -o mode=0755 tmpfs "$d" || exit 1; done; exec "$@"`,
            "sh",
            ...sshd,
          ];
        },
      },
      { name: "sshd-hosts", run },
    );
    const knownHosts = join(files, "known_hosts");
    writeFileSync(knownHosts, cluster.nodes.map((n) => `${knownHostsName(n.host, n.port("22"))} ${hostKeys.get(n.name)}`).join("\n") + "\n");
    return new SshHosts(cluster, files, identity, knownHosts);
  }

  /** The `ssh` options of a cluster on these hosts: each host keeps its run files in a folder of its own. */
  sshOptions(): { hosts: SshHost[]; identity: string; knownHosts: string } {
    return { hosts: this.hosts, identity: this.identity, knownHosts: this.knownHosts };
  }

  /** A Jepsen-style nodes file of these hosts (each then keeps run files in the default folder). */
  nodesFile(): string {
    const file = join(this.files, "nodes");
    writeFileSync(file, this.hosts.map((h) => `${h.user}@${h.host}:${h.port}`).join("\n") + "\n");
    return file;
  }

  /** Processes running in host `index`'s namespace (sshd, its sessions, and what they started). */
  pids(index: number): number[] {
    const ns = this.namespace(index);
    return execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  }

  /** Runs a command as host `index`'s sshd sees the machine: its network and its mounts. */
  onHost(index: number, argv: string[]): { code: number | null; stdout: string; stderr: string } {
    const result = spawnSync("nsenter", [`--target=${this.cluster.nodes[index]!.pid}`, "--mount", "--net", "--", ...argv], { encoding: "utf8" });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Runs a command in host `index`'s namespace (as the host's own shell would). */
  inHost(index: number, argv: string[]): { code: number | null; stdout: string; stderr: string } {
    const result = spawnSync("ip", ["netns", "exec", this.namespace(index), ...argv], { encoding: "utf8" });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** The host crashes: everything in its namespace is killed at once. */
  crash(index: number): void {
    for (const pid of this.pids(index)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  }

  /** Starts a crashed host's sshd again. */
  async restart(index: number): Promise<void> {
    await this.cluster.nodes[index]!.start();
  }

  async stop(): Promise<void> {
    // Sessions are their own process groups: the sshd nodes' stop would not reach them.
    for (const node of this.cluster.nodes) this.crash(node.index);
    await this.cluster.stop();
    rmSync(this.files, { recursive: true, force: true });
  }

  private namespace(index: number): string {
    return this.namespaces[index]!;
  }
}
