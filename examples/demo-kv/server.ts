/**
 * Entry point of a demo-kv node:
 *   node server.js --id n1 --port 40123 [--host 127.0.0.1] \
 *     --peers n2=127.0.0.1:40555,n3=127.0.0.1:40556 --data-dir /path \
 *     [--election-timeout 300] [--heartbeat 75] [--rpc-timeout 200] [--request-timeout 1500]
 *     [--bug bootstrap-alone]   (a bug planted on purpose, for the shrinking example)
 * `--peers` are the addresses this node dials for each peer (they may be proxies). Lifecycle
 * events are logged one per line to stdout as `[n1] ...`.
 */
import { USAGE, parseArgs, type ServerOptions } from "./args";
import { createApi } from "./http-api";
import { RaftNode } from "./raft-node";

function main(): void {
  let options: ServerOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`demo-kv: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const prefix = `[${options.id}]`;
  const log = (message: string): void => {
    process.stdout.write(`${prefix} ${message}\n`);
  };

  const node = new RaftNode({
    id: options.id,
    peers: options.peers,
    dataDir: options.dataDir,
    electionTimeoutMs: options.electionTimeoutMs,
    heartbeatMs: options.heartbeatMs,
    rpcTimeoutMs: options.rpcTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    bootstrapAlone: options.bug === "bootstrap-alone",
    log,
  });
  const status = node.status();
  log(`starting: term ${status.term}, ${status.logLength} log entries, peers ${options.peers.map((p) => `${p.id}=${p.host}:${p.port}`).join(",") || "(none)"}`);

  const server = createApi(node);
  server.on("error", (error: NodeJS.ErrnoException) => {
    log(`cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`);
    node.stop();
    process.exit(1);
  });
  server.listen(options.port, options.host, () => {
    log(`listening on ${options.host}:${options.port}`);
    node.start();
  });

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`shutting down on ${signal}`);
    // Exit within a second even if a connection refuses to close.
    setTimeout(() => {
      log("stopped (forced)");
      process.exit(0);
    }, 800).unref();
    try {
      node.stop(); // stops timers, fails pending requests, flushes and closes the log
    } catch (error) {
      log(`error while stopping: ${(error as Error).message}`);
    }
    server.close(() => {
      log("stopped");
      process.exit(0);
    });
    server.closeIdleConnections();
    // Let the 503 answers to pending requests go out, then cut whatever is left.
    setImmediate(() => server.closeAllConnections());
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("uncaughtException", (error) => {
    log(`crashed: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}

main();
