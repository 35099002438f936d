import { spawn } from "node:child_process";
import { timers } from "../../common/timers";

export interface CommandResult {
  code: number | null;
  stderr: string;
}

const COMMAND_TIMEOUT_MS = 15_000;

/**
 * Runs `argv` (a host binary: iptables-restore, tc) inside a container's network namespace with
 * `nsenter --net=/proc/<pid>/ns/net`: only the network namespace is entered, so the host's
 * binaries and libraries are used and the image needs none of them. No shell; `stdin` is fed
 * through a pipe.
 */
export function runInNetns(nsenter: string, pid: number, argv: readonly string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(nsenter, [`--net=/proc/${pid}/ns/net`, "--", ...argv], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    const timer = timers.setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
    child.once("error", (error) => {
      timers.clearTimeout(timer);
      resolve({ code: null, stderr: error.message });
    });
    child.once("close", (code) => {
      timers.clearTimeout(timer);
      resolve({ code, stderr: stderr.trim() });
    });
    child.stdin.on("error", () => undefined); // the command may exit before reading it all
    child.stdin.end(stdin ?? "");
  });
}
