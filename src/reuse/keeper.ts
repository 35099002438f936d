import type { Socket } from "node:net";
import { FaultlineError } from "../common/errors";
import { toMs } from "../common/duration";
import { timers } from "../common/timers";
import type { Applied, Capability, HostControls, Undo } from "../cluster/controls";
import type { ExitStatus, NodeProcess, NodeSlot, ProvisionContext, Provisioner } from "../cluster/provisioner";
import { stopProcess } from "../cluster/stop-process";
import { Timeline } from "../cluster/timeline";
import type { ClusterSpec, Node } from "../cluster/types";
import type { RunContext } from "../reaper/run-context";
import { createProvisioner } from "../wiring/create-provisioner";
import { mountDataDirs } from "../wiring/start-cluster";
import { toWireError } from "../common/wire-error";
import { Wire, type Event, type Request } from "./wire";

export const CAPABILITIES: readonly Capability[] = ["kill", "pause", "partition", "loss", "bandwidth", "peer-toxics", "clock", "disk", "limits"];

/** What a session learns when it attaches: everything about the cluster it must know without asking. */
export interface AttachReply {
  kind: Provisioner["kind"];
  hostFilesystem: boolean;
  /** The cluster's folder in the keeper's run. */
  dir: string;
  slots: NodeSlot[];
  /** Nodes whose process is running, to adopt rather than start. */
  running: Array<{ node: string; generation: number; pid?: number }>;
  /** from -> to -> port -> address. */
  peers: Record<string, Record<string, Record<string, string>>>;
  placements: Record<string, string>;
  unsupported: Record<string, { message: string; hint: string }>;
  signals: { kill: string; pause: string };
  has: { partition: boolean; loss: boolean; bandwidth: boolean; disk: boolean; clock: boolean; limits: boolean };
  clockEnv: Record<string, Record<string, string>>;
  /** What preparing the cluster noted (its network, its hosts), once, for the first session's timeline. */
  notes: string[];
  /** How many sessions used the cluster before this one. */
  sessions: number;
}

export interface AttachRequest {
  spec: ClusterSpec;
  context: Pick<ProvisionContext, "cluster" | "ports" | "nodes" | "subnet">;
}

interface Live {
  process: NodeProcess;
  generation: number;
  paused: boolean;
  exited?: ExitStatus;
}

/** One node argument of a control, as it crosses the socket. */
interface NodeRef {
  $node: string;
}

/** The controls a session may call, by path. */
const CONTROL_PATHS = ["network.partition", "network.loss", "network.bandwidth", "disk.readonly", "disk.fill", "clock.shift", "limits.lower"] as const;

/**
 * The owner of a reusable cluster between test runs: it prepares the cluster once, launches and
 * signals its nodes for the one session (a test file) that holds the lease at a time, applies
 * the session's controls and undoes what the session left when it goes — however it goes.
 * Everything is registered in the keeper's own run, whose watchdog removes it if the keeper dies.
 */
export class Keeper {
  private provisioner?: Provisioner;
  private spec?: ClusterSpec;
  private slots: NodeSlot[] = [];
  private readonly live = new Map<string, Live>();
  private readonly unmounts: Array<() => void> = [];
  private readonly timeline = new Timeline();
  private generation = 0;
  private readonly unannounced = new Map<number, Event[]>();
  private sessions = 0;
  private holder?: Session;
  private readonly waiting: Array<() => void> = [];
  private idleTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;

  constructor(
    private readonly run: RunContext,
    private readonly dir: string,
    private readonly idleMs: number,
    private readonly onStopped: () => void,
    private readonly log: (line: string) => void,
  ) {
    this.armIdle();
  }

  /** A connection: a session once it attaches and holds the lease. */
  accept(socket: Socket): void {
    const session: Session = { undos: new Map(), nextUndo: 0, wire: undefined as unknown as Wire, attached: false };
    session.wire = new Wire(
      socket,
      (message) => void this.handle(session, message as Request),
      () => new Error("session closed"),
    );
    socket.on("close", () => void this.detach(session));
  }

  private async handle(session: Session, request: Request): Promise<void> {
    try {
      const result = await this.dispatch(session, request.op, request.args as Record<string, unknown>);
      session.wire.send({ id: request.id, result: result ?? null });
      if (request.op === "launch") this.announce((result as { generation: number }).generation);
    } catch (error) {
      session.wire.send({ id: request.id, error: toWireError(error) });
    }
  }

  private async dispatch(session: Session, op: string, args: Record<string, unknown>): Promise<unknown> {
    if (op === "attach") return this.attach(session, args as unknown as AttachRequest);
    if (op === "shutdown") {
      await this.lease(session);
      void this.stop("asked to stop");
      return {};
    }
    if (this.holder !== session) throw new Error(`${op} before attach`);
    if (op === "peer") {
      // The session built a command with this peer address: the link is in use from now on.
      const [from, to] = [String(args.from), String(args.to)].map((name) => this.slots.find((s) => s.name === name));
      if (from && to) this.provisioner!.peerAddress(from, to, String(args.port));
      return {};
    }
    if (op === "launch") return this.launch(args as never);
    if (op === "control") return this.control(session, String(args.path), args.args as unknown[]);
    if (op === "undo") return this.undo(session, Number(args.id));
    if (op === "blocker") return { blocker: this.provisioner!.controls.clock?.blocker(String(args.program)) ?? null };
    const live = this.live.get(String(args.node));
    if (!live || live.generation !== args.generation) return {}; // an earlier process of the node: gone already
    if (op === "signal") await live.process.signal(args.signal as NodeJS.Signals);
    else if (op === "pause") {
      await live.process.pause();
      live.paused = true;
    } else if (op === "resume") {
      await live.process.resume();
      live.paused = false;
    } else if (op === "release") await this.releaseExited(String(args.node), live);
    else throw new Error(`unknown operation ${op}`);
    return {};
  }

  /** Waits for the lease: one session at a time acts on the cluster. */
  private async lease(session: Session): Promise<void> {
    while (this.holder && this.holder !== session) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (session.wire.closed) {
      // Gone while it waited: the lease goes on to the next in line.
      if (!this.holder) this.handOn();
      throw new Error("session closed while waiting");
    }
    this.holder = session;
    if (this.idleTimer) timers.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private async attach(session: Session, request: AttachRequest): Promise<AttachReply> {
    await this.lease(session);
    if (this.stopping) throw new FaultlineError({ code: "FAULTLINE_RUN_ENDED", message: "the reused cluster's keeper is stopping", hint: "start a new run" });
    const notes: string[] = [];
    if (!this.provisioner) {
      this.spec = request.spec;
      const provisioner = createProvisioner(request.spec);
      const since = this.timeline.events.length;
      try {
        this.slots = await provisioner.prepare({ ...request.context, dir: this.dir, run: this.run, timeline: this.timeline });
        mountDataDirs(request.spec, provisioner, this.slots, this.run, request.context.cluster, this.unmounts);
      } catch (error) {
        // Half made is not kept: the next session prepares from nothing.
        for (const unmount of this.unmounts.splice(0).reverse()) unmount();
        await provisioner.dispose().catch(() => undefined);
        this.slots = [];
        throw error;
      }
      this.provisioner = provisioner;
      for (const event of this.timeline.events.slice(since)) if (event.type === "note") notes.push(event.message);
    }
    session.attached = true;
    const provisioner = this.provisioner;
    const controls = provisioner.controls;
    for (const [node, live] of this.live) if (live.exited) await this.releaseExited(node, live);
    const peers: AttachReply["peers"] = {};
    for (const from of this.slots) {
      peers[from.name] = {};
      for (const to of this.slots)
        peers[from.name]![to.name] = Object.fromEntries(request.context.ports.map((port) => [port, provisioner.peerAddress(from, to, port, { peek: true })]));
    }
    const sessions = this.sessions++;
    this.log(`session ${sessions + 1} attached`);
    return {
      kind: provisioner.kind,
      hostFilesystem: provisioner.hostFilesystem,
      dir: this.dir,
      slots: this.slots,
      running: [...this.live].map(([node, live]) => ({ node, generation: live.generation, pid: live.process.pid })),
      peers,
      placements: Object.fromEntries(
        this.slots.flatMap((slot) => (provisioner.placement?.(slot.name) ? [[slot.name, provisioner.placement(slot.name)!]] : [])),
      ),
      unsupported: Object.fromEntries(CAPABILITIES.map((capability) => [capability, controls.unsupported(capability)])),
      signals: controls.signals,
      has: {
        partition: !!controls.network.partition,
        loss: !!controls.network.loss,
        bandwidth: !!controls.network.bandwidth,
        disk: !!controls.disk,
        clock: !!controls.clock,
        limits: !!controls.limits,
      },
      clockEnv: Object.fromEntries(this.slots.map((slot) => [slot.name, controls.clock?.env(slot.name) ?? {}])),
      notes,
      sessions,
    };
  }

  private async launch(args: {
    node: string;
    argv: string[];
    env: Record<string, string>;
    nodeEnv: Record<string, string>;
    cwd: string;
  }): Promise<{ generation: number; pid?: number }> {
    const slot = this.slots.find((s) => s.name === args.node);
    if (!slot) throw new Error(`no node ${args.node}`);
    const generation = ++this.generation;
    // Held until the session has the launch's answer: it knows the generation only then.
    this.unannounced.set(generation, []);
    let process: NodeProcess;
    try {
      process = await this.provisioner!.launch(slot, {
        argv: args.argv,
        env: args.env,
        nodeEnv: args.nodeEnv,
        cwd: args.cwd,
        // Output goes to whichever session holds the cluster now (a node outlives the session that started it).
        onOutput: (chunk, stream) => this.emit(generation, { event: "output", node: args.node, generation, stream, data: chunk.toString("base64") }),
      });
    } catch (error) {
      this.unannounced.delete(generation);
      throw error;
    }
    const live: Live = { process, generation, paused: false };
    this.live.set(args.node, live);
    void process.exited.then((status) => {
      live.exited = status;
      this.emit(generation, { event: "exit", node: args.node, generation, code: status.code, signal: status.signal });
    });
    this.log(`${args.node} started (pid ${process.pid ?? "?"}) by session ${this.sessions}`);
    return { generation, pid: process.pid };
  }

  private emit(generation: number, event: Event): void {
    const held = this.unannounced.get(generation);
    if (held) held.push(event);
    else this.holder?.wire.send(event);
  }

  private announce(generation: number): void {
    const held = this.unannounced.get(generation) ?? [];
    this.unannounced.delete(generation);
    for (const event of held) this.holder?.wire.send(event);
  }

  private async releaseExited(node: string, live: Live): Promise<void> {
    if (!live.exited) return;
    if (this.live.get(node) === live) this.live.delete(node);
    await live.process.release();
  }

  private async control(session: Session, path: string, args: unknown[]): Promise<{ undo: number; mechanism: string; detail?: string }> {
    if (!(CONTROL_PATHS as readonly string[]).includes(path)) throw new Error(`unknown control ${path}`);
    const [group, name] = path.split(".") as [keyof HostControls, string];
    const owner = this.provisioner!.controls[group] as unknown as Record<string, (...a: unknown[]) => Promise<Applied>> | undefined;
    const fn = owner?.[name];
    if (!owner || typeof fn !== "function") throw new Error(`this cluster has no ${path} control`);
    const applied = await fn.apply(
      owner,
      args.map((arg) => this.decode(arg)),
    );
    const id = ++session.nextUndo;
    session.undos.set(id, applied.undo);
    return { undo: id, mechanism: applied.mechanism, detail: applied.detail };
  }

  private async undo(session: Session, id: number): Promise<object> {
    const undo = session.undos.get(id);
    session.undos.delete(id);
    await undo?.();
    return {};
  }

  /** A node reference as the keeper's controls want it: what they read of a node. */
  private decode(arg: unknown): unknown {
    if (Array.isArray(arg)) return arg.map((a) => this.decode(a));
    if (typeof arg !== "object" || arg === null || typeof (arg as NodeRef).$node !== "string") return arg;
    const slot = this.slots.find((s) => s.name === (arg as NodeRef).$node);
    if (!slot) throw new Error(`no node ${(arg as NodeRef).$node}`);
    const live = this.live.get(slot.name);
    const node: Partial<Node> = {
      name: slot.name,
      index: slot.index,
      host: slot.host,
      dataDir: slot.dataDir,
      pid: live && !live.exited ? live.process.pid : undefined,
      port: (port: string) => slot.ports[port]!,
    };
    return node;
  }

  /** The session went (its file ended, or its worker died): undo what it left, resume what it paused. */
  private async detach(session: Session): Promise<void> {
    if (this.holder !== session) return;
    if (session.undos.size) this.log(`undoing ${session.undos.size} control(s) the session left in force`);
    for (const [id, undo] of [...session.undos].reverse()) {
      session.undos.delete(id);
      await undo().catch((error: unknown) => this.log(`undoing a control the session left: ${(error as Error).message}`));
    }
    for (const [node, live] of this.live) {
      if (!live.paused || live.exited) continue;
      await live.process.resume().catch(() => undefined);
      live.paused = false;
      this.log(`${node} resumed: the session that paused it ended`);
    }
    if (session.attached) this.log(`session ${this.sessions} detached`);
    this.handOn();
  }

  /** The lease is free: to the next session waiting, or the idle timer starts. */
  private handOn(): void {
    this.holder = undefined;
    const next = this.waiting.shift();
    if (next) next();
    else this.armIdle();
  }

  private armIdle(): void {
    if (this.idleTimer) timers.clearTimeout(this.idleTimer);
    this.idleTimer = timers.setTimeout(() => void this.stop(`idle for ${Math.round(this.idleMs / 1000)} s`), this.idleMs);
  }

  /** Stops every node (graceful signal, then SIGKILL), removes what prepare made, and ends. */
  stop(why: string): Promise<void> {
    const spec = this.spec;
    this.stopping ??= (async () => {
      this.log(`stopping: ${why}`);
      if (this.idleTimer) timers.clearTimeout(this.idleTimer);
      const signal = spec?.stop?.signal ?? "SIGTERM";
      const timeout = toMs(spec?.stop?.timeout ?? "10s");
      await Promise.allSettled(
        [...this.live.values()].map(async (live) => {
          // A process that cannot be signalled gracefully gets SIGKILL straight away.
          if (!live.exited) await stopProcess(live.process, signal, timeout, live.paused).catch(() => live.process.signal("SIGKILL").catch(() => undefined));
          await live.process.release().catch(() => undefined);
        }),
      );
      this.live.clear();
      for (const unmount of this.unmounts.splice(0).reverse()) unmount();
      await this.provisioner?.dispose().catch((error: unknown) => this.log(`dispose: ${(error as Error).message}`));
      this.onStopped();
    })();
    return this.stopping;
  }
}

interface Session {
  wire: Wire;
  attached: boolean;
  undos: Map<number, Undo>;
  nextUndo: number;
}
