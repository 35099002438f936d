import { createServer } from "node:net";
import { openSync, writeSync, closeSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { FaultlineError } from "../common/errors";
import { runsRoot } from "../reaper/run-dir";
import { isSameProcessAlive } from "../reaper/process-identity";

/** Asks the kernel for a free port on `host`. */
function kernelPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no address"))));
    });
  });
}

function reservationDir(): string {
  const dir = join(runsRoot(), "ports");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Allocates a free TCP port and reserves it with an exclusive file, so parallel Jest workers
 * (and parallel runs) never hand out the same port in the window before a node binds it.
 */
export async function allocatePort(host = "127.0.0.1", where: { cluster?: string; node?: string } = {}): Promise<number> {
  const dir = reservationDir();
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    let port: number;
    try {
      port = await kernelPort(host);
    } catch (error) {
      lastError = error;
      continue;
    }
    try {
      // The reservation names its owner so stale ones can be removed by sweepPortReservations.
      const fd = openSync(join(dir, `${host}-${port}`), "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return port;
    } catch {
      continue; // reserved by another worker: ask again
    }
  }
  throw new FaultlineError({
    code: "FAULTLINE_PORT_UNAVAILABLE",
    message: `could not allocate a free TCP port on ${host} after 50 attempts${lastError ? `: ${String(lastError)}` : ""}`,
    hint: `check that ${host} is a local address and that the ephemeral port range is not exhausted (ss -s)`,
    ...where,
  });
}

/** Releases reservations whose owning process is gone. */
export function sweepPortReservations(): void {
  const dir = reservationDir();
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    try {
      const pid = Number(readFileSync(file, "utf8"));
      if (!pid || !isSameProcessAlive(pid)) unlinkSync(file);
    } catch {
      // raced with another sweeper
    }
  }
}

/** Releases ports this process reserved (when a cluster is torn down). */
export function releasePorts(host: string, ports: number[]): void {
  const dir = reservationDir();
  for (const port of ports) {
    try {
      unlinkSync(join(dir, `${host}-${port}`));
    } catch {
      // already released
    }
  }
}
