import { sweepHost } from "../provisioners/ssh/host-survey";
import { sweepDeadRuns } from "../reaper/sweep";
import { stopKeeper } from "../reuse/connect-keeper";
import { listKeepers } from "../reuse/keeper-dir";
import type { SshOptions } from "../cluster/ssh-options";
import { eachHost, sshFlags } from "./ssh-hosts-flags";

/**
 * `faultline clean`: stops the keepers of reusable clusters (each stops its cluster and removes
 * what it made) and removes what dead runs left on this machine. `faultline clean --hosts <file>`:
 * on each SSH host instead, removes what dead runs left there — processes marked as theirs, their
 * iptables chains, their folders. A run still holding its lease (alive, connected) is left alone.
 */
export async function runClean(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const options = sshFlags(argv, "clean");
  if (options) return cleanHosts(options, out);
  let failed = false;
  for (const { dir, info } of listKeepers()) {
    const what = info ? `reused cluster ${info.cluster} of ${info.rootDir} (keeper pid ${info.pid})` : dir;
    const stopped = await stopKeeper(dir);
    failed ||= !stopped;
    out.write(stopped ? `stopped ${what}\n` : `${what} did not stop within 60 s; see ${dir}/keeper.log\n`);
  }
  const swept = await sweepDeadRuns();
  if (swept.length) out.write(`removed what dead runs left: ${swept.join(", ")}\n`);
  return failed ? 1 : 0;
}

async function cleanHosts(options: SshOptions, out: NodeJS.WritableStream): Promise<number> {
  const failed = await eachHost(
    options,
    async (connection, host) => {
      const lines = await sweepHost(connection, host.dir);
      out.write(`${host.label}: ${lines.length ? `\n${lines.map((l) => `  ${l}`).join("\n")}` : "nothing left by dead runs"}\n`);
    },
    (host, error) => out.write(`${host.label}: ${error.message.split("\n")[0]}\n`),
  );
  return failed ? 1 : 0;
}
