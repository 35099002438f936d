import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { FaultlineError } from "../common/errors";
import { installHint, which } from "../common/which";
import type { ExitStatus, LaunchSpec, NodeProcess } from "../cluster/provisioner";
import type { Registry } from "../reaper/registry";
import { processStartTime } from "../reaper/process-identity";

export interface SpawnGroupOptions {
  cluster: string;
  node: string;
  registry: Registry;
  /** Prefix to run the node inside something (e.g. `ip netns exec fl-ab12-n1`). */
  wrapper?: string[];
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * The gate every node passes before its program runs. It is started in place of the node (same
 * pid, own process group) with a socket to us on fd 3 and an empty environment, and waits there.
 * We register its pid and start time with the reaper, then send the node's environment and shut
 * our side; only a complete message lets it exec the node (`exec` keeps the pid, the group and
 * the start time the reaper holds). If we die before sending it — a SIGKILL in the very tick the
 * nodes were forked — the kernel closes our end, the gate reads a short message and exits 125
 * having run nothing. So there is no instant at which a node's program runs unregistered: the
 * watchdog either knows the group, or the program never starts.
 *
 * The environment travels over the socket, not through perl's own: perl would read PERL5OPT (and
 * its library paths) from it, and the node's environment is the user's. Arguments are only
 * handed to exec (`exec { $ARGV[0] } @ARGV` never uses a shell). fd 3 is marked close-on-exec,
 * so a successful exec reads as EOF here and the node never inherits it; a failed one writes
 * errno back. perl-base is Essential on Debian and present on every mainstream Linux and macOS;
 * where it is missing, spawnGroup registers synchronously right after the fork instead (see
 * below), which leaves a window of microseconds rather than none.
 */
const GATE = `
open(my $g, "+<&=", 3) or exit 125;
my $in = "";
1 while sysread($g, $in, 65536, length $in);
my ($len, $env) = split /\\n/, $in, 2;
unless (defined $env && $len =~ /^[0-9]+$/ && length($env) == $len) { syswrite($g, "gate: the environment did not arrive whole"); exit 125; }
%ENV = ();
for (split /\\0/, $env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v if defined $v; }
unless (fcntl($g, 2, 1)) { syswrite($g, "gate: fcntl: $!"); exit 126; }
exec { $ARGV[0] } @ARGV;
syswrite($g, ($! + 0) . " $!");
exit 127;
`;

let perlPath: string | null | undefined;

/** The gate's interpreter; `FAULTLINE_SPAWN_GATE=0` turns the gate off (for measurements). */
function gateInterpreter(): string | undefined {
  if (process.env.FAULTLINE_SPAWN_GATE === "0") return undefined;
  if (perlPath === undefined) perlPath = which("perl", `${process.env.PATH ?? ""}:/usr/bin:/bin`) ?? null;
  return perlPath ?? undefined;
}

/** The environment as the gate reads it: `<byte length>\n` then `KEY=value` entries separated by NUL. */
export function gateMessage(env: Record<string, string>): Buffer {
  const body = Buffer.from(
    Object.entries(env)
      .filter(([key, value]) => key && !key.includes("=") && !key.includes("\0") && typeof value === "string" && !value.includes("\0"))
      .map(([key, value]) => `${key}=${value}`)
      .join("\0"),
  );
  return Buffer.concat([Buffer.from(`${body.length}\n`), body]);
}

/**
 * Spawns a node as the leader of its own process group (so signals reach its children too),
 * registered with the reaper before its program can run, until it exits and its group is emptied.
 */
export async function spawnGroup(spec: LaunchSpec, options: SpawnGroupOptions): Promise<NodeProcess> {
  const [command, ...args] = spec.argv;
  if (!command) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: "command returned an empty argv",
      hint: 'return the program and its arguments, e.g. ["etcd", "--name", node.name]',
      cluster: options.cluster,
      node: options.node,
      option: "command",
    });
  }
  const resolved = which(command, spec.env.PATH ?? process.env.PATH);
  if (!resolved) {
    throw new FaultlineError({
      code: "FAULTLINE_BINARY_NOT_FOUND",
      message: `command "${command}" was not found on PATH`,
      hint: installHint(command),
      cluster: options.cluster,
      node: options.node,
      option: "command",
    });
  }
  const argv = [...(options.wrapper ?? []), resolved, ...args];
  const notStarted = (error: Error): FaultlineError =>
    new FaultlineError({
      code: "FAULTLINE_BINARY_NOT_FOUND",
      message: `could not start "${resolved}": ${error.message}`,
      hint: installHint(command),
      cluster: options.cluster,
      node: options.node,
      cause: error,
    });
  const perl = gateInterpreter();
  const child = perl
    ? spawn(perl, ["-e", GATE, "--", ...argv], { cwd: spec.cwd, env: {}, detached: true, stdio: ["ignore", "pipe", "pipe", "pipe"] })
    : spawn(argv[0]!, argv.slice(1), { cwd: spec.cwd, env: spec.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  // Read from the start: a program that exits at once has its unread output discarded on exit.
  child.stdout?.on("data", (chunk: Buffer) => spec.onOutput(chunk, "stdout"));
  child.stderr?.on("data", (chunk: Buffer) => spec.onOutput(chunk, "stderr"));
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: 127, signal: null }));
  });
  // The fork has happened by now (libuv forks and execs synchronously; only the "spawn" event
  // waits for the next tick), so the pid is known: register before anything else runs. A pid is
  // missing only when the spawn itself failed, which "error" reports below.
  const pid = child.pid;
  let unregister: (() => void) | undefined;
  if (pid !== undefined) {
    try {
      unregister = options.registry.add({
        kind: "process-group",
        pgid: pid,
        start: processStartTime(pid),
        label: `${options.cluster}/${options.node} (pid ${pid})`,
      });
    } catch (error) {
      // Never let it run unregistered: the gate exits when its socket closes without a message.
      (child.stdio[3] as Socket | null)?.destroy();
      signalGroup(pid, "SIGKILL");
      throw error;
    }
  }
  try {
    await (perl && pid !== undefined ? openGate(child, spec.env) : started(child));
  } catch (error) {
    if (pid !== undefined) signalGroup(pid, "SIGKILL");
    unregister?.();
    throw notStarted(error as Error);
  }
  const group = pid!;
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    signalGroup(group, "SIGKILL"); // stray children of a node that exited
    unregister!();
  };
  void exited.then(release);
  return {
    pid: group,
    exited,
    async signal(signal) {
      if (!signalGroup(group, signal)) child.kill(signal);
    },
    async pause() {
      signalGroup(group, "SIGSTOP");
    },
    async resume() {
      signalGroup(group, "SIGCONT");
    },
    release,
  };
}

/** Resolves once the process runs (no gate): the "spawn" event, or the spawn error. */
function started(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
}

/**
 * Lets the gated process exec the node: sends its environment, then waits for the gate's side
 * of the socket to close (the exec succeeded) or for the errno of a failed exec.
 */
function openGate(child: ChildProcess, env: Record<string, string>): Promise<void> {
  const socket = child.stdio[3] as Socket | null;
  return new Promise<void>((resolve, reject) => {
    if (!socket) return reject(new Error("the spawn gate has no socket"));
    let reply = "";
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    child.once("error", (error) => settle(error));
    socket.on("data", (chunk: Buffer) => (reply += chunk.toString("utf8")));
    socket.on("error", () => undefined); // the gate exiting early ends the socket: "close" says what happened
    socket.once("close", () => {
      if (!reply) return settle();
      // "<errno> <text>" from a failed exec, or "gate: …" when the gate itself failed.
      const [, errno, text] = /^(\d+) (.*)$/s.exec(reply) ?? [];
      const error = new Error(text ?? reply) as NodeJS.ErrnoException;
      if (errno) error.errno = Number(errno);
      settle(error);
    });
    socket.end(gateMessage(env));
  });
}
