import { randomInt } from "node:crypto";
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import { FaultlineError } from "../common/errors";
import { portReservationDir, releasePort, reservePort } from "../reaper/port-reservations";

/** Binds `port` (0: any) on `host` and releases it; resolves with the port that was free. */
function probePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no address"))));
    });
  });
}

/** Lowest port handed out below the kernel's ephemeral range, clear of most well-known services. */
const FLOOR = 15_000;

/**
 * Where node ports come from: below the kernel's ephemeral range (Linux's
 * ip_local_port_range), when there is room. A port found free is not bound by the node until it
 * starts; a port from the ephemeral range could meanwhile become the source port of any
 * outgoing connection, or another `listen(0)`, on this busy machine — a node then fails with
 * "address already in use". Outside that range only an explicit bind can take it.
 */
function allocationRange(): [number, number] | undefined {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low - 1 - FLOOR >= 1000) return [FLOOR, low - 1];
  } catch {
    // not Linux, or no /proc: the kernel's choice it is
  }
  return undefined;
}

/** A free port: a random one from the allocation range, else one the kernel picks. */
async function freePort(host: string, range: [number, number] | undefined): Promise<number> {
  return probePort(host, range ? randomInt(range[0], range[1] + 1) : 0);
}

/**
 * Allocates a free TCP port and reserves it with an exclusive file, so parallel Jest workers
 * (and parallel runs) never hand out the same port in the window before a node binds it. Ports
 * come from below the ephemeral range (see allocationRange), so nothing else takes them either.
 */
export async function allocatePort(host = "127.0.0.1", where: { cluster?: string; node?: string } = {}): Promise<number> {
  const dir = portReservationDir();
  const range = allocationRange();
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    let port: number;
    try {
      // The last attempts fall back to the kernel's choice, should the range be crowded.
      port = await freePort(host, attempt < 40 ? range : undefined);
    } catch (error) {
      lastError = error;
      continue;
    }
    if (reservePort(dir, host, port)) return port;
    // reserved by another worker: ask again
  }
  throw new FaultlineError({
    code: "FAULTLINE_PORT_UNAVAILABLE",
    message: `could not allocate a free TCP port on ${host} after 50 attempts${lastError ? `: ${String(lastError)}` : ""}`,
    hint: `check that ${host} is a local address and that the ephemeral port range is not exhausted (ss -s)`,
    ...where,
  });
}

/** Releases ports this process reserved (when a cluster is torn down). */
export function releasePorts(host: string, ports: number[]): void {
  const dir = portReservationDir();
  for (const port of ports) releasePort(dir, host, port);
}
