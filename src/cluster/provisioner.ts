import type { DockerNodeOptions, ProvisionerKind } from "./types";
import type { HostControls } from "./controls";
import type { Timeline } from "./timeline";
import type { RunContext } from "../reaper/run-context";

/** Where a node lives, decided by the provisioner before its command is built. */
export interface NodeSlot {
  name: string;
  index: number;
  /** The address the node binds. */
  host: string;
  /** Named port -> the port the node binds. */
  ports: Record<string, number>;
  dataDir: string;
}

export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
  /** What the cluster's spec (and its faults' controls) set, without this process's environment: for backends whose nodes run on other machines. */
  nodeEnv?: Record<string, string>;
  cwd: string;
  onOutput(chunk: Buffer, stream: "stdout" | "stderr"): void;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started node process (or container) as its backend controls it. */
export interface NodeProcess {
  /** The host pid of the node's main process, where there is one. */
  readonly pid?: number;
  readonly exited: Promise<ExitStatus>;
  /** Sends a signal to everything the node runs (its process group, or its container). */
  signal(signal: NodeJS.Signals): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Removes what remains once the node has exited (stray group members, a container). */
  release(): Promise<void>;
}

export interface ProvisionContext {
  cluster: string;
  /** The cluster's directory under the run directory. */
  dir: string;
  run: RunContext;
  timeline: Timeline;
  /** The nodes to place; `docker` is a node's own image options where the nodes differ. */
  nodes: Array<{ name: string; index: number; docker?: DockerNodeOptions }>;
  ports: string[];
  subnet?: string;
}

export interface Provisioner {
  readonly kind: ProvisionerKind;
  /** Whether nodes see this machine's filesystem (so a `cwd` can be checked here), rather than their own (a container's). */
  readonly hostFilesystem: boolean;
  /** Creates shared resources (bridges, networks, link proxies) and places each node. */
  prepare(context: ProvisionContext): Promise<NodeSlot[]>;
  launch(slot: NodeSlot, spec: LaunchSpec): Promise<NodeProcess>;
  /**
   * What `from` dials to reach `to`'s `port`. Asking counts as using the link (a backend may cut
   * only links the nodes use), unless `peek`.
   */
  peerAddress(from: NodeSlot, to: NodeSlot, port: string, options?: { peek?: boolean }): string;
  /** What faults can ask of this backend (after `prepare`). */
  readonly controls: HostControls;
  /** Where a node runs, when it is worth saying (the SSH host), for the report. */
  placement?(node: string): string | undefined;
  /**
   * Nodes outlive this cluster object (a reused cluster, whose keeper owns them): stopping the
   * cluster heals and lets go of them rather than stopping them.
   */
  readonly keepsNodes?: boolean;
  /** The cluster's folder when it is not this run's (a reused cluster's, in its keeper's run): stable across runs. */
  readonly clusterDir?: string;
  /** A node's process that already runs (kept from an earlier run), to take over instead of launching one. */
  adopt?(slot: NodeSlot, onOutput: LaunchSpec["onOutput"]): NodeProcess | undefined;
  /** Removes everything `prepare` made. Idempotent. */
  dispose(): Promise<void>;
}
