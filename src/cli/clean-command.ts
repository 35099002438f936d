import { FaultlineError } from "../common/errors";
import { sweepHost } from "../provisioners/ssh/host-survey";
import { eachHost, sshFlags } from "./ssh-hosts-flags";

/**
 * `faultline clean --hosts <file>`: on each host, removes what runs that are gone left there —
 * processes marked as theirs, their iptables chains, their folders. A run still holding its lease
 * (alive, connected) is left alone.
 */
export async function runClean(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const options = sshFlags(argv, "clean");
  if (!options)
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: "faultline clean needs --hosts <nodes file>",
      hint: "faultline clean --hosts hosts.txt [--identity KEY] [--known-hosts FILE] [--dir DIR]",
      option: "--hosts",
    });
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
