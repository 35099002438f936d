import { existsSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { FaultlineError } from "../../common/errors";
import { destroyUnlessClosed } from "../../common/sockets";
import { addKnownHost, checkHostKey, knownHostsName, readKnownHosts, type HostKeyVerdict } from "./known-hosts";
import { defaultIdentities, type ResolvedSshHost, type SshOptions } from "../../cluster/ssh-options";

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

/**
 * How a command ended, for an error message: its exit code or signal and what it printed on
 * stderr, or that its channel closed with neither (the connection dropped, or sshd ended it).
 */
export function describeExit(result: Pick<ExecResult, "code" | "signal" | "stderr">): string {
  const how = result.code !== null ? `exit ${result.code}` : result.signal ? `killed by ${result.signal}` : "its channel closed without an exit status";
  return `${how}: ${result.stderr || "no output"}`;
}

/** OpenSSH allows 10 sessions per connection (MaxSessions); leave room. */
const CHANNELS_PER_CONNECTION = 8;

interface Pooled {
  client: Client;
  /** Its TCP connection, ours to destroy: ssh2's destroy() does nothing once end() was called. */
  socket: Socket;
  channels: number;
}

/**
 * One host reached over SSH: a small pool of connections (each carrying up to eight channels),
 * opened on demand and kept alive, with the host key checked against known_hosts. Once a
 * connection drops, the host is lost: every later call fails with FAULTLINE_SSH naming it.
 */
export class SshHostConnection {
  private readonly pool: Pooled[] = [];
  private opening?: Promise<Pooled>;
  private lostReason?: string;
  private closed = false;
  private readonly lostListeners: Array<(reason: string) => void> = [];

  constructor(
    readonly host: ResolvedSshHost,
    private readonly options: SshOptions,
    private readonly cluster?: string,
  ) {}

  get lost(): string | undefined {
    return this.lostReason;
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** Connects (the first connection of the pool): fails fast on a refused key or host key. */
  async connect(): Promise<void> {
    await this.slot().then((p) => p.channels--);
  }

  /** Runs a short command; resolves with its exit code and output. */
  async exec(command: string, stdin?: string | Buffer): Promise<ExecResult> {
    const channel = await this.open(command);
    return new Promise((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let code: number | null = null;
      let signal: string | undefined;
      channel.on("data", (chunk: Buffer) => out.push(chunk));
      channel.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      channel.on("exit", (c: number | null, s?: string) => {
        code = c;
        signal = s ?? undefined;
      });
      channel.on("close", () => {
        let stderr = Buffer.concat(err).toString().trim();
        if (code === null && !signal && this.lostReason) stderr = `${stderr}${stderr ? "; " : ""}the connection was lost: ${this.lostReason}`.trim();
        resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr });
      });
      channel.end(stdin);
    });
  }

  /** Opens a channel running `command` (the caller reads and closes it). */
  async open(command: string): Promise<ClientChannel> {
    const pooled = await this.slot();
    return new Promise((resolve, reject) => {
      pooled.client.exec(command, (error, channel) => {
        if (error) {
          pooled.channels--;
          reject(this.failure(`could not run a command: ${error.message}`, "check the host's sshd (MaxSessions) and its log", error));
          return;
        }
        channel.once("close", () => pooled.channels--);
        resolve(channel);
      });
    });
  }

  /** Closes every connection. */
  close(): void {
    this.closed = true;
    for (const pooled of this.pool.splice(0)) endClient(pooled);
  }

  /** A connection with room for one more channel (counted as taken). */
  private async slot(): Promise<Pooled> {
    if (this.lostReason) throw this.failure(`the connection was lost: ${this.lostReason}`, "the host is unreachable or its sshd stopped; nodes there are gone");
    if (this.closed) throw this.failure("the run closed its connections to this host", "use the cluster before it is stopped");
    for (;;) {
      const free = this.pool.find((p) => p.channels < CHANNELS_PER_CONNECTION);
      if (free) {
        free.channels++;
        return free;
      }
      if (!this.opening) {
        this.opening = this.connectOne().finally(() => (this.opening = undefined));
      }
      const made = await this.opening;
      // Closed while it was being opened: it would be in no pool that close() ends.
      if (this.closed) {
        endClient(made);
        throw this.failure("the run closed its connections to this host", "use the cluster before it is stopped");
      }
      if (!this.pool.includes(made)) this.pool.push(made);
    }
  }

  private connectOne(): Promise<Pooled> {
    const { host } = this;
    let verdict: HostKeyVerdict | undefined;
    const knownHosts = this.options.knownHosts ?? join(homedir(), ".ssh", "known_hosts");
    const name = knownHostsName(host.host, host.port);
    const config: ConnectConfig = {
      host: host.host,
      port: host.port,
      username: host.user,
      readyTimeout: 10_000,
      keepaliveInterval: (this.options.keepAlive ?? 5) * 1000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        verdict = checkHostKey(readKnownHosts(knownHosts), name, key);
        if (verdict === "unknown" && this.options.hostKeys === "accept-new") {
          addKnownHost(knownHosts, name, key);
          verdict = "known";
        }
        return verdict === "known";
      },
      ...this.credentials(),
    };
    return new Promise((resolve, reject) => {
      const client = new Client();
      const socket = connect({ host: host.host, port: host.port });
      let ready = false;
      client.once("ready", () => {
        ready = true;
        resolve({ client, socket, channels: 0 });
      });
      client.on("error", (error: Error & { level?: string }) => {
        if (!ready) {
          reject(this.connectFailure(error, verdict, knownHosts, name));
          return;
        }
        this.markLost(error.message);
      });
      client.on("close", () => {
        if (ready && !this.closed) this.markLost("the connection closed");
      });
      client.connect({ ...config, sock: socket });
    });
  }

  private credentials(): Partial<ConnectConfig> {
    const { identity } = this.host;
    const keyFile = identity ?? defaultIdentities().find((f) => existsSync(f));
    const out: Partial<ConnectConfig> = {};
    if (keyFile) {
      try {
        out.privateKey = readFileSync(keyFile);
      } catch (error) {
        throw this.failure(
          `the identity ${keyFile} cannot be read: ${(error as Error).message}`,
          "give ssh.identity (or the host's identity) as a readable private key file",
        );
      }
    }
    if (this.options.password !== undefined) out.password = this.options.password;
    if (!keyFile && process.env.SSH_AUTH_SOCK) out.agent = process.env.SSH_AUTH_SOCK;
    return out;
  }

  private connectFailure(error: Error & { level?: string }, verdict: HostKeyVerdict | undefined, knownHosts: string, name: string): FaultlineError {
    if (verdict && verdict !== "known") {
      const why = {
        unknown: `its host key is not in ${knownHosts}`,
        changed: `its host key differs from the one ${knownHosts} lists for ${name} — refusing, as OpenSSH does`,
        revoked: `its host key is marked @revoked in ${knownHosts}`,
      }[verdict];
      return this.failure(
        `refused the host: ${why}`,
        verdict === "unknown"
          ? `add it (ssh-keyscan -p ${this.host.port} ${this.host.host} >> ${knownHosts}), or pass ssh: { hostKeys: "accept-new" }`
          : "check the host's identity before editing known_hosts",
        error,
      );
    }
    if (error.level === "client-authentication")
      return this.failure(
        `the host refused our key (user ${this.host.user}): ${error.message}`,
        "add the public key to the host's authorized_keys, or set ssh.identity / the host's identity",
        error,
      );
    return this.failure(`could not connect: ${error.message}`, "check that the host is up, that sshd listens on that port, and the address", error);
  }

  private markLost(reason: string): void {
    if (this.lostReason || this.closed) return;
    this.lostReason = reason;
    for (const pooled of this.pool.splice(0)) pooled.socket.destroy();
    for (const listener of this.lostListeners) listener(reason);
  }

  failure(message: string, hint: string, cause?: unknown): FaultlineError {
    return new FaultlineError({ code: "FAULTLINE_SSH", message: `ssh host ${this.host.label}: ${message}`, hint, cluster: this.cluster, cause });
  }
}

/** Ends a connection politely (SSH's disconnect, then a FIN), and for good if the host never answers. */
function endClient({ client, socket }: Pooled): void {
  client.end();
  destroyUnlessClosed(socket);
}
