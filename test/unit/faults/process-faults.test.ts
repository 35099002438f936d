import { join } from "node:path";
import { faults } from "../../../src/faults/catalog";
import { startedCluster } from "../../integration/started-cluster";

const tinyNode = join(__dirname, "..", "..", "fixtures", "servers", "tiny-node.js");

describe("healing a signal fault", () => {
  const started = startedCluster(
    {
      nodes: ["draining", "stubborn"],
      ports: ["http"],
      stop: { timeout: "1s" },
      command: ({ node }) => {
        const mode = node.name === "draining" ? ["--term-delay", "400"] : ["--mode", "ignore-term"];
        return [process.execPath, tinyNode, "--name", node.name, "--port", String(node.port("http")), ...mode];
      },
    },
    "signals",
  );

  it("waits for a node still shutting down on SIGTERM to exit, then starts it again", async () => {
    const cluster = started();
    const node = cluster.node("draining");
    const before = node.pid;
    const fault = await cluster.inject(faults.terminate({ node: "draining" }));
    expect(node.state).toBe("running"); // still draining when the heal comes
    await fault.heal();
    expect(node.state).toBe("running");
    expect(node.pid).not.toBe(before);
    // The old process is gone for good: no late exit takes the node down after the heal.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(node.state).toBe("running");
    await cluster.waitUntilHealthy("10s");
  }, 30_000);

  it("leaves a node that ignores SIGTERM running once the stop timeout has passed", async () => {
    const cluster = started();
    const node = cluster.node("stubborn");
    const before = node.pid;
    const fault = await cluster.inject(faults.terminate({ node: "stubborn" }));
    await fault.heal();
    expect(node.state).toBe("running");
    expect(node.pid).toBe(before);
    expect(node.logs.tail(1)).toEqual(["[stubborn] ignoring SIGTERM"]);
  }, 30_000);
});
