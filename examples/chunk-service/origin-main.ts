/**
 * Entry point of a storage-origin process: `node origin-main.js --name origin-a --port 40124 [--host 127.0.0.1]`.
 * SIGTERM or SIGINT: close and exit 0.
 */
import { createOriginServer } from "./origin-server";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const name = args.get("name") ?? "origin";
const host = args.get("host") ?? "127.0.0.1";
const port = Number(args.get("port"));
const log = (message: string): void => {
  process.stdout.write(`[${name}] ${message}\n`);
};

const { server } = createOriginServer(name);
server.on("error", (error: NodeJS.ErrnoException) => {
  log(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`);
  process.exit(1);
});
server.listen(port, host, () => log(`listening on ${host}:${port}`));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
