import { join } from "node:path";
import { FaultlineError, errorReason, isFaultlineError } from "../../../src/common/errors";
import { probes } from "../../../src/cluster/probes";
import { matchers } from "../../../src/jest/matchers/register";
import { startedCluster } from "../../integration/started-cluster";

expect.extend(matchers);

const tinyNode = join(__dirname, "..", "..", "fixtures", "servers", "tiny-node.js");

async function probeError(act: () => Promise<unknown>): Promise<FaultlineError> {
  try {
    await act();
  } catch (error) {
    if (!isFaultlineError(error)) throw new Error(`not a FaultlineError: ${String(error)}`);
    return error;
  }
  throw new Error("expected the probe to fail");
}

// A probe's failure is a coded error naming the cluster and node, and reads as a clause when a
// health or readiness message quotes it.
describe("probes that fail", () => {
  let unhealthy = false;
  const cluster = startedCluster(
    {
      nodes: 1,
      ports: ["http", "spare"], // nothing listens on "spare"
      command: ({ node }) => [process.execPath, tinyNode, "--name", node.name, "--port", String(node.port("http"))],
      ready: probes.tcp("http"),
      healthy: async (c) => {
        if (unhealthy) await probes.http({ port: "http", path: "/health", status: 503 })(c.nodes[0]!, c);
        return true;
      },
    },
    "probe-failures",
  );

  it("an HTTP answer of the wrong status is FAULTLINE_PROBE_FAILED on that node", async () => {
    const c = cluster();
    const error = await probeError(() => probes.http({ port: "http", path: "/x", status: 204 })(c.nodes[0]!, c));
    expect({ code: error.code, cluster: error.cluster, node: error.node }).toEqual({ code: "FAULTLINE_PROBE_FAILED", cluster: "probe-failures", node: "n1" });
    expect(error.reason).toMatch(/^GET \/x answered 200: \{"name":"n1".*\[cluster "probe-failures", node "n1"\]$/);
  });

  it("a refused connection is FAULTLINE_PROBE_FAILED naming the port, with Node's error as cause", async () => {
    const c = cluster();
    const error = await probeError(() => probes.tcp("spare")(c.nodes[0]!, c));
    expect(error.code).toBe("FAULTLINE_PROBE_FAILED");
    expect(error.reason).toContain('no TCP connection on port "spare": connect ECONNREFUSED');
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  it("a log line not printed yet is FAULTLINE_PROBE_FAILED", async () => {
    const c = cluster();
    const error = await probeError(() => probes.log(/never printed/)(c.nodes[0]!, c));
    expect(error.reason).toBe('no log line matches /never printed/ yet [cluster "probe-failures", node "n1"]');
  });

  it("toBeHealthy quotes the probe's reason, not its code and hint a second time", async () => {
    let message = "";
    unhealthy = true;
    try {
      await expect(cluster()).toBeHealthy();
    } catch (error) {
      message = (error as Error).message;
    } finally {
      unhealthy = false;
    }
    expect(message).toContain('its healthy probe failed:\n  GET /health answered 200: {"name":"n1"');
    expect(message).not.toContain("failed:\n  FAULTLINE_PROBE_FAILED");
  });
});

describe("errorReason", () => {
  it("is a faultline error's reason and any other error's message", () => {
    expect(errorReason(new Error("plain"))).toBe("plain");
    expect(errorReason("text")).toBe("text");
    expect(errorReason({ message: "from another realm" })).toBe("from another realm");
    const coded = new FaultlineError({ code: "FAULTLINE_PROBE_FAILED", message: "GET / answered 503", node: "n2" });
    expect(errorReason(coded)).toBe('GET / answered 503 [node "n2"]');
    expect(coded.message).toBe(`FAULTLINE_PROBE_FAILED: GET / answered 503 [node "n2"]\n  Hint: ${coded.hint}`);
  });
});
