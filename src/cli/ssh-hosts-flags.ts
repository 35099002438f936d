import { FaultlineError } from "../common/errors";
import { SshHostConnection } from "../provisioners/ssh/ssh-host";
import { resolveSshOptions, type ResolvedSshHost, type SshOptions } from "../cluster/ssh-options";

const FLAGS: Record<string, keyof SshOptions> = {
  "--hosts": "hosts",
  "--identity": "identity",
  "--known-hosts": "knownHosts",
  "--dir": "dir",
  "--user": "user",
};

/** `--hosts FILE [--identity F] [--known-hosts F] [--dir D] [--user U] [--accept-new]`, or undefined without --hosts. */
export function sshFlags(argv: readonly string[], command: string): SshOptions | undefined {
  const options: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--accept-new") {
      options.hostKeys = "accept-new";
      continue;
    }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const key = FLAGS[flag];
    const value = inline ?? argv[++i];
    if (!key || value === undefined)
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: key ? `${flag} needs a value` : `faultline ${command} does not take ${JSON.stringify(arg)}`,
        hint: `faultline ${command} --hosts <nodes file> [--identity KEY] [--known-hosts FILE] [--dir DIR] [--user U] [--accept-new]`,
        option: flag,
      });
    options[key] = value;
  }
  return options.hosts === undefined ? undefined : (options as SshOptions);
}

/** Connects to each host in turn and hands it to `visit`; a host that fails is reported, not fatal. */
export async function eachHost(
  options: SshOptions,
  visit: (connection: SshHostConnection, host: ResolvedSshHost) => Promise<void>,
  onError: (host: ResolvedSshHost, error: Error) => void,
): Promise<number> {
  const { hosts } = resolveSshOptions(options);
  let failed = 0;
  for (const host of hosts) {
    const connection = new SshHostConnection(host, options);
    try {
      await connection.connect();
      await visit(connection, host);
    } catch (error) {
      failed++;
      onError(host, error as Error);
    } finally {
      connection.close();
    }
  }
  return failed;
}
