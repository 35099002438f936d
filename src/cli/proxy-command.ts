import { parseHostPort } from "../common/local-http";
import { serveToxiproxyApi } from "../proxy/toxiproxy-api";
import { untilStopped } from "./until-stopped";

const USAGE = `usage: faultline proxy [--listen HOST:PORT] [--allow-remote]

Serves Toxiproxy's HTTP API over faultline's fault proxy, with no cluster: existing Toxiproxy
clients create proxies and toxics on it unchanged.

  --listen HOST:PORT   where the API listens (default 127.0.0.1:8474, Toxiproxy's port)
  --allow-remote       accept an API address or proxy listen addresses beyond loopback

Runs until SIGINT or SIGTERM, then closes every proxy.
exit status: 0 stopped, 64 usage error
`;

/** `faultline proxy …`; resolves with the exit status once a signal stops it. */
export async function runProxy(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  let listen = "127.0.0.1:8474";
  let allowRemote = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      out.write(USAGE);
      return 0;
    }
    if (arg === "--allow-remote") allowRemote = true;
    else if (arg === "--listen" || arg.startsWith("--listen=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (!value) return usage(out, "--listen needs HOST:PORT");
      listen = value;
    } else return usage(out, `unknown option ${JSON.stringify(arg)}`);
  }
  const address = parseHostPort(listen);
  if (!address) return usage(out, `--listen must be HOST:PORT, got ${JSON.stringify(listen)}`);
  const served = await serveToxiproxyApi(address, { allowRemote });
  out.write(`faultline proxy: Toxiproxy API on http://${served.address}\n`);
  await untilStopped();
  await served.close();
  out.write("faultline proxy: stopped\n");
  return 0;
}

function usage(out: NodeJS.WritableStream, problem: string): number {
  out.write(`faultline proxy: FAULTLINE_INVALID_OPTION: ${problem} [option "listen"]\n\n${USAGE}`);
  return 64;
}
