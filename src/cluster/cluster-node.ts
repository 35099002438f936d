import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { FaultlineError, describeValue, errorReason } from "../common/errors";
import { toMs, formatMs, type Duration } from "../common/duration";
import { timers, sleep, monoNowMs, withTimeout } from "../common/timers";
import type { FaultProxy } from "../proxy/fault-proxy";
import type { NodeProcess, NodeSlot, Provisioner, ExitStatus } from "./provisioner";
import { LogBuffer } from "./log-buffer";
import { stopProcess } from "./stop-process";
import { describeProbe } from "./probes";
import type { Timeline } from "./timeline";
import type { AddressOptions, Cluster, Node, NodeState, Probe } from "./types";
import type { ResolvedNode } from "./node-specs";

export interface ClusterNodeOptions {
  slot: NodeSlot;
  /** The node's own spec (the cluster's, with its group's options on top). */
  spec: ResolvedNode["spec"];
  /** Its group, in a cluster whose nodes differ. */
  group?: string;
  cluster: () => Cluster;
  clusterName: string;
  clusterDir: string;
  provisioner: Provisioner;
  timeline: Timeline;
  ready: Probe;
  /** Client proxies per named port, created by the cluster. */
  proxies: Map<string, FaultProxy>;
}

/** One node: its process, ports, logs and lifecycle. */
export class ClusterNode implements Node {
  readonly name: string;
  readonly index: number;
  readonly group?: string;
  readonly cluster: string;
  readonly dataDir: string;
  readonly host: string;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  private current?: NodeProcess;
  private nodeState: NodeState = "idle";
  private readonly logBuffer: LogBuffer;
  readonly logs: { tail(lines: number): string[]; readonly file: string };

  constructor(private readonly options: ClusterNodeOptions) {
    const { slot } = options;
    this.name = slot.name;
    this.index = slot.index;
    this.group = options.group;
    this.cluster = options.clusterName;
    this.dataDir = slot.dataDir;
    this.host = slot.host;
    this.logBuffer = new LogBuffer(join(options.clusterDir, `${slot.name}.log`));
    const buffer = this.logBuffer;
    this.logs = { tail: (n) => buffer.tail(n), file: buffer.file };
  }

  /** What this node runs: the cluster's spec with its group's options on top. */
  get spec(): ResolvedNode["spec"] {
    return this.options.spec;
  }

  /** Where the provisioner placed this node. */
  get slot(): NodeSlot {
    return this.options.slot;
  }

  get pid(): number | undefined {
    return this.current?.pid;
  }

  get state(): NodeState {
    return this.nodeState;
  }

  port(name: string): number {
    const port = this.options.slot.ports[name];
    if (port === undefined) throw this.unknownPort(name);
    return port;
  }

  address(name: string, options: AddressOptions = {}): string {
    const port = this.port(name);
    const proxy = this.options.proxies.get(name);
    return options.direct || !proxy ? `${this.host}:${port}` : `${proxy.host}:${proxy.port}`;
  }

  url(name: string, scheme = "http", options: AddressOptions = {}): string {
    return `${scheme}://${this.address(name, options)}`;
  }

  /** The client proxy of a port (for client-link toxics). */
  proxy(name: string): FaultProxy | undefined {
    return this.options.proxies.get(name);
  }

  /** Starts the process and waits until its ready probe passes. No-op when running. */
  async start(): Promise<void> {
    if (this.nodeState === "running" || this.nodeState === "starting" || this.nodeState === "paused") return;
    const { spec, provisioner } = this.options;
    this.nodeState = "starting";
    this.exitCode = null;
    this.exitSignal = null;
    const adopted = provisioner.adopt?.(this.options.slot, (chunk) => this.logBuffer.write(chunk));
    if (adopted)
      return this.took(adopted, `took over pid ${adopted.pid ?? "?"}, kept running since an earlier run`, "adopted from the reused cluster's keeper");
    const context = { node: this as Node, cluster: this.options.cluster() };
    const argv = spec.command(context);
    if (!Array.isArray(argv) || argv.some((a) => typeof a !== "string")) {
      this.nodeState = "exited";
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `command must return an array of strings, returned ${JSON.stringify(argv)}`,
        hint: 'return the program and its arguments, e.g. ["etcd", "--name", node.name]; no shell strings',
        cluster: this.cluster,
        node: this.name,
        option: "command",
      });
    }
    const cwd = spec.cwd ?? this.dataDir;
    this.checkCwd(cwd);
    const userEnv: unknown = typeof spec.env === "function" ? spec.env(context) : (spec.env ?? {});
    // A string returned here would be spread as {"0": "A", "1": "=", …} into the node's environment.
    if (
      typeof userEnv !== "object" ||
      userEnv === null ||
      Array.isArray(userEnv) ||
      Object.values(userEnv).some((v) => typeof v === "object" || typeof v === "function")
    ) {
      this.nodeState = "exited";
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `env must be (or return) an object of strings, received ${describeValue(userEnv)}`,
        hint: "e.g. env: ({ node }) => ({ NODE_NAME: node.name })",
        cluster: this.cluster,
        node: this.name,
        option: "env",
      });
    }
    const nodeEnv = { ...(userEnv as Record<string, string>), ...(provisioner.controls.clock?.env(this.name) ?? {}) };
    const env = { ...stringEnv(process.env), ...nodeEnv };
    let launched: NodeProcess;
    try {
      launched = await provisioner.launch(this.options.slot, {
        argv,
        env,
        nodeEnv,
        cwd,
        onOutput: (chunk) => this.logBuffer.write(chunk),
      });
    } catch (error) {
      this.nodeState = "exited";
      throw error;
    }
    await this.took(launched, `started ${argv.join(" ")} (pid ${launched.pid ?? "?"})`);
  }

  /** The node's process is `launched` (or adopted): follow its exit, wait until it is ready. */
  private async took(launched: NodeProcess, mark: string, message?: string): Promise<void> {
    this.current = launched;
    this.logBuffer.mark(mark);
    this.options.timeline.record({ type: "node", node: this.name, event: "spawned", pid: launched.pid, message });
    void launched.exited.then((status) => this.onExit(launched, status));
    this.nodeState = "running";
    await this.waitReady(launched);
  }

  /**
   * A missing working directory makes spawn fail with ENOENT, which reads as if the program
   * itself were missing. In a container the cwd is the container's (only the data dir is shared).
   */
  private checkCwd(cwd: string): void {
    if (!this.options.provisioner.hostFilesystem || cwd === this.dataDir) return;
    let problem: string | undefined;
    try {
      if (!statSync(resolve(cwd)).isDirectory()) problem = "is not a directory";
    } catch (error) {
      problem = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be read (${(error as Error).message})`;
    }
    if (problem === undefined) return;
    this.nodeState = "exited";
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `cwd ${JSON.stringify(cwd)} ${problem}${cwd !== resolve(cwd) ? ` (resolved against ${process.cwd()})` : ""}, so the node cannot start there`,
      hint: "create the directory first, give an absolute path, or leave cwd out to run in the node's data dir",
      cluster: this.cluster,
      node: this.name,
      option: "cwd",
    });
  }

  private onExit(process: NodeProcess, status: ExitStatus): void {
    if (this.current !== process) return;
    this.exitCode = status.code;
    this.exitSignal = status.signal;
    const wasStopping = this.nodeState === "stopping";
    this.nodeState = wasStopping ? "stopped" : "exited";
    this.options.timeline.record({ type: "node", node: this.name, event: wasStopping ? "stopped" : "exited", code: status.code, signal: status.signal });
    void process.release();
  }

  private async waitReady(launched: NodeProcess): Promise<void> {
    const { spec, timeline, ready } = this.options;
    const timeout = toMs(spec.readyTimeout ?? "30s", { option: "readyTimeout", cluster: this.cluster, node: this.name, positive: true });
    const started = monoNowMs();
    let exited: ExitStatus | undefined;
    void launched.exited.then((status) => (exited = status));
    let lastError: unknown;
    let delay = 50;
    while (monoNowMs() - started < timeout) {
      if (exited || this.current !== launched) {
        await sleep(20); // let the last output arrive
        throw this.exitedWhileStarting(exited ?? { code: this.exitCode, signal: this.exitSignal });
      }
      try {
        // Bounded by what is left of readyTimeout: a probe that hangs must not outlast it.
        const left = Math.max(1, started + timeout - monoNowMs());
        await withTimeout(Promise.resolve(ready(this, this.options.cluster())), left, () => new Error(`probe did not answer within ${formatMs(left)}`));
        timeline.record({ type: "node", node: this.name, event: "ready", message: `in ${formatMs(monoNowMs() - started)}` });
        return;
      } catch (error) {
        lastError = error;
      }
      await sleep(delay);
      delay = Math.min(delay * 1.5, 250);
    }
    const message = lastError === undefined ? "(no answer yet: the budget ran out before the probe finished once)" : errorReason(lastError);
    timeline.record({ type: "probe", probe: "ready", node: this.name, ok: false, error: message, durationMs: monoNowMs() - started });
    throw new FaultlineError({
      code: "FAULTLINE_READY_TIMEOUT",
      message: `node did not become ready within ${formatMs(timeout)}: probe ${describeProbe(ready)} last failed with: ${message}`,
      hint: "check the node's log below; raise readyTimeout if it is just slow, or fix the `ready` probe",
      cluster: this.cluster,
      node: this.name,
      details: this.logSection(20),
    });
  }

  private exitedWhileStarting(status: ExitStatus): FaultlineError {
    const lines = this.logBuffer.sinceStart().slice(-20);
    const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
    const portProblem = lines.some((l) => /address already in use|EADDRINUSE|bind: permission denied/i.test(l));
    return new FaultlineError({
      code: portProblem ? "FAULTLINE_PORT_UNAVAILABLE" : "FAULTLINE_NODE_EXITED",
      message: `node ${how} while starting${portProblem ? " because a port could not be bound" : ""}`,
      hint: portProblem
        ? "use node.port(name) for every port the command binds, so faultline allocates free ones"
        : "the node's last log lines below say why; check the command and its flags",
      cluster: this.cluster,
      node: this.name,
      details: `  Last ${lines.length} log lines (${this.logBuffer.file}):\n${lines.map((l) => `    ${l}`).join("\n")}`,
    });
  }

  /** Graceful stop (the spec's stop signal), SIGKILL after the stop timeout. */
  async stop(): Promise<void> {
    const current = this.current;
    if (!current || this.nodeState === "stopped" || this.nodeState === "exited" || this.nodeState === "idle") return;
    const signal = this.options.spec.stop?.signal ?? "SIGTERM";
    const timeout = toMs(this.options.spec.stop?.timeout ?? "10s", { option: "stop.timeout", cluster: this.cluster, node: this.name });
    const paused = this.nodeState === "paused";
    this.nodeState = "stopping";
    this.options.timeline.record({ type: "node", node: this.name, event: "stopping", message: signal });
    await stopProcess(current, signal, timeout, paused, () =>
      this.options.timeline.record({ type: "note", node: this.name, message: `did not stop within ${formatMs(timeout)} of ${signal}; sending SIGKILL` }),
    );
    await current.release();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Sends a signal (default SIGKILL). Waits for the exit only for SIGKILL. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const current = this.requireRunning("kill");
    this.options.timeline.record({ type: "node", node: this.name, event: "signalled", message: signal });
    await current.signal(signal);
    if (signal === "SIGKILL") await current.exited;
  }

  async pause(): Promise<void> {
    const current = this.requireRunning("pause");
    if (this.nodeState === "paused") return;
    await current.pause();
    this.nodeState = "paused";
    this.options.timeline.record({ type: "node", node: this.name, event: "paused" });
  }

  async resume(): Promise<void> {
    if (this.nodeState !== "paused" || !this.current) return;
    await this.current.resume();
    this.nodeState = "running";
    this.options.timeline.record({ type: "node", node: this.name, event: "resumed" });
  }

  async waitForLog(pattern: RegExp, timeout: Duration = "30s"): Promise<string> {
    const ms = toMs(timeout, { option: "waitForLog timeout", cluster: this.cluster, node: this.name });
    const existing = this.logBuffer.sinceStart().find((line) => pattern.test(line));
    if (existing !== undefined) return existing;
    return new Promise((resolve, reject) => {
      const unsubscribe = this.logBuffer.onLine((line) => {
        if (!pattern.test(line)) return;
        unsubscribe();
        timers.clearTimeout(timer);
        resolve(line);
      });
      const timer = timers.setTimeout(() => {
        unsubscribe();
        reject(
          new FaultlineError({
            code: "FAULTLINE_READY_TIMEOUT",
            message: `no log line matched ${pattern} within ${formatMs(ms)}`,
            hint: "check the pattern against the log lines below",
            cluster: this.cluster,
            node: this.name,
            details: this.logSection(10),
          }),
        );
      }, ms);
      // A wait the test no longer awaits (it timed out) must not keep the worker alive for `ms`.
      timer.unref();
    });
  }

  async waitForExit(timeout: Duration = "30s"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const current = this.current;
    if (!current) return { code: this.exitCode, signal: this.exitSignal };
    const ms = toMs(timeout, { option: "waitForExit timeout", cluster: this.cluster, node: this.name });
    const status = await Promise.race([current.exited, sleep(ms).then(() => undefined)]);
    if (!status) {
      throw new FaultlineError({
        code: "FAULTLINE_STOP_TIMEOUT",
        message: `node did not exit within ${formatMs(ms)}`,
        hint: "it may ignore the signal you sent; see its log below",
        cluster: this.cluster,
        node: this.name,
        details: this.logSection(10),
      });
    }
    return status;
  }

  /** "  Last N log lines (file):" followed by the lines, for error messages. */
  logSection(count: number): string {
    const lines = this.logBuffer.tail(count);
    return `  ${this.name} (${this.nodeState}${this.pid ? `, pid ${this.pid}` : ""}) last ${lines.length} log lines (${this.logBuffer.file}):\n${lines.map((l) => `    ${l}`).join("\n")}`;
  }

  /** Runs the ready probe once (direct to the node); resolves to its error, if any. */
  async probeReady(): Promise<Error | undefined> {
    try {
      await this.options.ready(this, this.options.cluster());
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  async closeLogs(): Promise<void> {
    await this.logBuffer.close();
  }

  private requireRunning(action: string): NodeProcess {
    if (!this.current || (this.nodeState !== "running" && this.nodeState !== "paused" && this.nodeState !== "starting")) {
      throw new FaultlineError({
        code: "FAULTLINE_NODE_STATE",
        message: `cannot ${action} a node that is ${this.nodeState}`,
        hint: "start it first with node.start()",
        cluster: this.cluster,
        node: this.name,
      });
    }
    return this.current;
  }

  private unknownPort(name: string): FaultlineError {
    return new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `no port named "${name}"; this cluster declares ${JSON.stringify(Object.keys(this.options.slot.ports))}`,
      hint: `add "${name}" to the cluster's ports list`,
      cluster: this.cluster,
      node: this.name,
      option: "ports",
    });
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
