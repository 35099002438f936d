import { spawn } from "node:child_process";
import { timers } from "../../common/timers";

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Absolute paths of the tools the netns backend runs, resolved once at prepare. */
export interface Tools {
  ip: string;
  iptables: string;
  iptablesRestore: string;
  /** util-linux `nsenter`; undefined where it is missing (then `ip netns exec` is used). */
  nsenter?: string;
  /** `tc`, only needed for bandwidth faults. */
  tc?: string;
}

/**
 * Runs argv without a shell, feeding `stdin` when given. Resolves with the exit status; never
 * rejects for a non-zero exit (callers decide what a failure means), only for a spawn error.
 */
export function runCommand(argv: readonly string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
    // A wedged `ip` or `iptables` (e.g. waiting on the xtables lock) must not hang a heal forever.
    const timer = timers.setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 15_000);
    timer.unref?.();
    child.once("error", (error) => {
      timers.clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      timers.clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8").trim() });
    });
    if (options.stdin !== undefined) {
      child.stdin!.on("error", () => undefined); // EPIPE when the tool exits early; its status says why
      child.stdin!.end(options.stdin);
    }
  });
}

/** The argv prefix that runs a command inside a namespace's network stack. */
export function inNamespace(tools: Tools, namespace: string): string[] {
  // nsenter only switches the network namespace: a few ms cheaper per fault than
  // `ip netns exec`, which also unshares the mount namespace and remounts /sys.
  return tools.nsenter ? [tools.nsenter, `--net=/run/netns/${namespace}`] : [tools.ip, "netns", "exec", namespace];
}

/** The host-side `ip -batch` script: the bridge, then each namespace and its veth pair. */
export function hostBatch(bridge: string, bridgeCidr: string, nodes: ReadonlyArray<{ namespace: string; veth: string }>): string {
  const lines = [`link add ${bridge} type bridge`, `addr add ${bridgeCidr} dev ${bridge}`, `link set ${bridge} up`];
  for (const node of nodes) {
    lines.push(`netns add ${node.namespace}`);
    // The peer end is born inside the namespace as eth0: no temporary name to clean up.
    lines.push(`link add ${node.veth} type veth peer name eth0 netns ${node.namespace}`);
    lines.push(`link set ${node.veth} master ${bridge} up`);
  }
  return lines.join("\n") + "\n";
}

/** The `ip -n <ns> -batch` script that gives a namespace its address and route. */
export function namespaceBatch(cidr: string, gateway: string): string {
  return ["link set lo up", `addr add ${cidr} dev eth0`, "link set eth0 up", `route add default via ${gateway}`].join("\n") + "\n";
}

/** Does a failed undo mean the object is gone already? */
export function isAlreadyGone(result: CommandResult): boolean {
  return /cannot find|no such|does not exist|does a matching rule exist|not found|couldn't load target|handle of zero/i.test(result.stderr);
}
