import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { allocatePort, releasePorts } from "../../../src/cluster/port-allocator";
import { requireOrSkip } from "../../helpers/requirements";

describe("port allocation", () => {
  it("hands out distinct, bindable ports even when asked concurrently", async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => allocatePort()));
    expect(new Set(ports).size).toBe(40);
    for (const port of ports.slice(0, 5)) {
      await new Promise<void>((resolve, reject) => {
        const server = createServer()
          .once("error", reject)
          .listen(port, "127.0.0.1", () => server.close(() => resolve()));
      });
    }
    releasePorts("127.0.0.1", ports);
  });

  const rangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
  // A port from the ephemeral range can become the source port of any outgoing connection before
  // the node binds it; one below it cannot.
  requireOrSkip("Linux's ip_local_port_range", () => (existsSync(rangeFile) ? undefined : `${rangeFile} is missing (not Linux)`))(
    "below the ephemeral range",
    () =>
      it("hands out ports below the kernel's ephemeral range, which connect() and listen(0) never pick", async () => {
        const [low] = readFileSync(rangeFile, "utf8").trim().split(/\s+/).map(Number);
        const ports = await Promise.all(Array.from({ length: 20 }, () => allocatePort()));
        try {
          for (const port of ports) expect(port).toBeLessThan(low!);
          expect(Math.min(...ports)).toBeGreaterThanOrEqual(15_000);
        } finally {
          releasePorts("127.0.0.1", ports);
        }
      }),
  );
});
