#!/usr/bin/env node
/**
 * The `faultline` command: `check` a history offline, `image from-host`, `doctor`, `proxy`, `up`, `fault`, `heal`.
 */
const USAGE = `usage: faultline <command> [options]

commands:
  check <file> --model cas-register|kv|…   check a history for linearizability (exit 0 ok, 1 illegal, 2 unknown)
  check --txn list-append <file> --model serializable
                                           check transactions for isolation anomalies (Elle's checks)
  image from-host --binary PATH --tag T    build a Docker image from host binaries (no registry needed)
  doctor [--hosts FILE]                    which provisioners and faults work on this machine (and on SSH hosts)
  clean [--hosts FILE]                     stop kept (reused) clusters and remove what dead runs left here
                                           (with --hosts: what dead runs left on SSH hosts)
  proxy [--listen 127.0.0.1:8474]          a Toxiproxy-compatible proxy server (its HTTP API, faultline's toxics)
  up <cluster module> [--control H:P]      start a cluster and serve its control API until Ctrl-C
  fault <kind> --options JSON              apply a fault to the cluster of a running \`up\` (prints its id)
  heal <id>                                heal a fault applied with \`fault\`
`;

import { isFaultlineError } from "../common/errors";

type Command = (argv: string[], out: NodeJS.WritableStream) => Promise<number>;

const COMMANDS: Record<string, () => Command> = {
  check: () => (argv, out) =>
    argv.some((a) => a === "--txn" || a.startsWith("--txn="))
      ? (require("./check-txn-command") as typeof import("./check-txn-command")).runCheckTxn(argv, out)
      : (require("./check-command") as typeof import("./check-command")).runCheck(argv, out),
  image: () => (require("./image-command") as typeof import("./image-command")).runImage,
  doctor: () => (require("./doctor-command") as typeof import("./doctor-command")).runDoctor,
  clean: () => (require("./clean-command") as typeof import("./clean-command")).runClean,
  proxy: () => (require("./proxy-command") as typeof import("./proxy-command")).runProxy,
  up: () => (require("./up-command") as typeof import("./up-command")).runUp,
  fault: () => (require("./fault-command") as typeof import("./fault-command")).runFault,
  heal: () => (require("./fault-command") as typeof import("./fault-command")).runHeal,
};

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    out.write(USAGE);
    return name ? 0 : 64;
  }
  // Own keys only: `faultline constructor` must not reach Object's.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    out.write(
      `faultline: FAULTLINE_INVALID_OPTION: unknown command ${JSON.stringify(name)} [option "command"]\n  Hint: the commands are ${Object.keys(COMMANDS).join(", ")}\n\n${USAGE}`,
    );
    return 64;
  }
  return command()(rest, out);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = isFaultlineError(error) ? 65 : 70;
    },
  );
}
