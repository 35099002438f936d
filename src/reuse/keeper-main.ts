/**
 * A reusable cluster's keeper: `node keeper-main.js <keeper dir> <idle ms> <cluster name>`, started detached by
 * the first session that wanted the cluster. It owns the cluster between runs, serves sessions on
 * the folder's socket, and stops the cluster after <idle ms> without one, on SIGTERM or SIGINT,
 * or when asked (a changed spec, `faultline clean`). Its run's watchdog removes everything if it
 * is killed.
 */
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { beginRun, endRun } from "../reaper/run-context";
import { Keeper } from "./keeper";
import { removeKeeperDir, socketPath } from "./keeper-dir";

const [dir, idleArg, cluster] = process.argv.slice(2);
if (!dir || !Number(idleArg) || !cluster || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(cluster) || cluster.includes("..")) {
  process.stderr.write("usage: keeper-main.js <keeper dir> <idle ms> <cluster name>\n");
  process.exit(64);
}

const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} keeper ${process.pid}: ${line}\n`);
const run = beginRun();
// Named after the cluster: backends name what they make after this folder (a container fl-<run>-<name>-n1).
const clusterDir = join(run.dir, cluster);
mkdirSync(clusterDir, { mode: 0o700 });
const server = createServer((socket) => keeper.accept(socket));
let finished = false;
const keeper = new Keeper(
  run,
  clusterDir,
  Number(idleArg),
  () => {
    if (finished) return;
    finished = true;
    server.close();
    void endRun(run).then(
      (report) => {
        if (report.failed.length) log(`could not remove: ${report.failed.map((f) => f.label).join(", ")}`);
        removeKeeperDir(dir, process.pid);
        log("stopped; nothing left running");
        process.exit(report.failed.length ? 1 : 0);
      },
      (error: unknown) => {
        log(`ending the run failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  },
  log,
);
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void keeper.stop(`${signal}`));
server.on("error", (error) => {
  log(`cannot serve ${socketPath(dir)}: ${error.message}`);
  void keeper.stop("no socket");
});
server.listen(socketPath(dir), () => log(`serving ${socketPath(dir)} (run ${run.id}, idle timeout ${Math.round(Number(idleArg) / 1000)} s)`));
