import { spawn } from "node:child_process";
import { FaultlineError } from "../common/errors";
import { installHint, which } from "./which";
import type { ExitStatus, LaunchSpec, NodeProcess } from "./provisioner";
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
 * Spawns a node as the leader of its own process group (so signals reach its children too),
 * registered with the reaper until it exits and its group is emptied.
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
  const wrapper = options.wrapper ?? [];
  const argv = [...wrapper, resolved, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: 127, signal: null }));
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error) =>
      reject(
        new FaultlineError({
          code: "FAULTLINE_BINARY_NOT_FOUND",
          message: `could not start "${resolved}": ${error.message}`,
          hint: installHint(command),
          cluster: options.cluster,
          node: options.node,
          cause: error,
        }),
      ),
    );
  });
  const pid = child.pid!;
  const unregister = options.registry.add({
    kind: "process-group",
    pgid: pid,
    start: processStartTime(pid),
    label: `${options.cluster}/${options.node} (pid ${pid})`,
  });
  child.stdout!.on("data", (chunk: Buffer) => spec.onOutput(chunk, "stdout"));
  child.stderr!.on("data", (chunk: Buffer) => spec.onOutput(chunk, "stderr"));
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    signalGroup(pid, "SIGKILL"); // stray children of a node that exited
    unregister();
  };
  void exited.then(release);
  return {
    pid,
    exited,
    async signal(signal) {
      if (!signalGroup(pid, signal)) child.kill(signal);
    },
    async pause() {
      signalGroup(pid, "SIGSTOP");
    },
    async resume() {
      signalGroup(pid, "SIGCONT");
    },
    release,
  };
}
