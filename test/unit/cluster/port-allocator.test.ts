import { createServer } from "node:net";
import { allocatePort, releasePorts } from "../../../src/cluster/port-allocator";

describe("port allocation", () => {
  it("hands out distinct, bindable ports even when asked concurrently", async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => allocatePort()));
    expect(new Set(ports).size).toBe(40);
    for (const port of ports.slice(0, 5)) {
      await new Promise<void>((resolve, reject) => {
        const server = createServer().once("error", reject).listen(port, "127.0.0.1", () => server.close(() => resolve()));
      });
    }
    releasePorts("127.0.0.1", ports);
  });
});
