/**
 * Entry point of a chunk-service process:
 *
 *   node server.js --port 40123 --data-dir /path --origin a=http://127.0.0.1:40124 \
 *     [--origin b=http://…] [--host 127.0.0.1] [--timeout 1000] [--chunk-size 65536] [--drain-timeout 10000]
 *
 * Start-up verifies and repairs the cache before the port opens. SIGTERM or SIGINT: stop
 * accepting, finish the requests in flight, exit 0 (1 if they outlast --drain-timeout). A second
 * signal: exit at once with 128 + the signal's number (143, 130). Failpoints come from
 * `faultline/failpoints` (FAULTLINE_FAILPOINTS, FAULTLINE_FAILPOINTS_HTTP).
 */
import { constants } from "node:os";
import { ChunkCache } from "./chunk-cache";
import { ChunkService } from "./chunk-service";
import { createApi } from "./http-api";
import { HttpOrigin } from "./origin-client";

interface Options {
  host: string;
  port: number;
  dataDir: string;
  origins: HttpOrigin[];
  timeoutMs: number;
  chunkSize: number;
  drainTimeoutMs: number;
}

function parseArgs(argv: string[]): Options {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    if (!flag.startsWith("--") || argv[i + 1] === undefined) throw new Error(`expected --flag value pairs, got ${JSON.stringify(flag)}`);
    values.set(flag.slice(2), [...(values.get(flag.slice(2)) ?? []), argv[i + 1]!]);
  }
  const one = (name: string, fallback?: string): string => {
    const value = values.get(name)?.at(-1) ?? fallback;
    if (value === undefined) throw new Error(`--${name} is required`);
    return value;
  };
  const origins = (values.get("origin") ?? []).map((spec) => {
    const at = spec.indexOf("=");
    if (at < 1) throw new Error(`--origin must be name=url, got ${JSON.stringify(spec)}`);
    return new HttpOrigin(spec.slice(0, at), spec.slice(at + 1));
  });
  if (origins.length === 0) throw new Error("give at least one --origin name=url");
  return {
    host: one("host", "127.0.0.1"),
    port: Number(one("port")),
    dataDir: one("data-dir"),
    origins,
    timeoutMs: Number(one("timeout", "1000")),
    chunkSize: Number(one("chunk-size", String(64 * 1024))),
    drainTimeoutMs: Number(one("drain-timeout", "10000")),
  };
}

const log = (message: string): void => {
  process.stdout.write(`[chunk-service] ${message}\n`);
};

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`chunk-service: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const cache = await ChunkCache.open(options.dataDir);
  const { verified, dropped, orphans } = cache.report;
  log(`cache verified: ${verified} chunks kept, ${dropped.length} dropped, ${orphans.length} orphans removed`);
  for (const { chunk, reason } of dropped) log(`cache dropped ${chunk}: ${reason}`);
  for (const chunk of orphans) log(`cache removed orphan ${chunk} (data written, never indexed)`);

  const service = new ChunkService({ origins: options.origins, cache, timeoutMs: options.timeoutMs, chunkSize: options.chunkSize });
  const server = createApi(service);
  let inFlight = 0;
  let stopping = false;
  server.on("request", (_req, res) => {
    inFlight++;
    if (stopping) res.setHeader("connection", "close");
    res.on("close", () => {
      inFlight--;
      if (stopping && inFlight === 0) server.closeAllConnections(); // idle keep-alive sockets
    });
  });
  server.on("error", (error: NodeJS.ErrnoException) => {
    log(`cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`second ${signal}: exiting now with ${inFlight} requests in flight`);
      process.exit(128 + constants.signals[signal]);
    }
    stopping = true;
    log(`${signal}: finishing ${inFlight} requests in flight`);
    server.close(() => {
      log("stopped");
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      log(`${inFlight} requests still in flight after ${options.drainTimeoutMs}ms; exiting`);
      process.exit(1);
    }, options.drainTimeoutMs).unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  server.listen(options.port, options.host, () =>
    log(`listening on ${options.host}:${options.port} with origins ${options.origins.map((o) => `${o.name}=${o.url}`).join(", ")}`),
  );
}

main().catch((error: unknown) => {
  // Only start-up can get here (the cache could not be opened): requests answer their own errors.
  log(`failed to start: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
