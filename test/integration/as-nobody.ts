import { spawnSync } from "node:child_process";

export const canRunAsNobody = process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status === 0;

/** Runs a Node script as the unprivileged user "nobody" (needs root and setpriv to drop to it). */
export function asNobody(script: string, env: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
  const result = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, "-e", script], {
    cwd: "/tmp",
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: "/tmp", TMPDIR: "/tmp", ...env },
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
