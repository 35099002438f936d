import { request } from "node:http";
import { join } from "node:path";
import { startCluster } from "../../src/cluster/start-cluster";
import { faults } from "../../src/faults/catalog";
import { matchers } from "../../src/jest/matchers/register";
import { beginRun, endRun } from "../../src/reaper/run-context";
import { startedCluster } from "./started-cluster";

expect.extend(matchers);

const tinyNode = join(__dirname, "..", "fixtures", "servers", "tiny-node.js");
const idle = [process.execPath, "-e", "setInterval(() => {}, 1000)"];

/** One GET to a node's own port: answers only if the process is running, not stopped or paused. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: "/", agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

describe("bad input on a running cluster (issue 16)", () => {
  const started = startedCluster(
    {
      nodes: 3,
      ports: ["http"],
      stop: { timeout: "2s" },
      command: ({ node }) => [process.execPath, tinyNode, "--name", node.name, "--port", String(node.port("http"))],
      leader: async (cluster) => cluster.nodes[0],
    },
    "bad-input",
  );

  afterEach(async () => {
    // Each test leaves the cluster as it found it, even when it fails half-way.
    for (const node of started().nodes) if (node.state !== "running") await node.resume().then(() => node.start());
    for (const node of started().nodes) node.proxy("http")?.clearToxics();
  }, 30_000);

  it("refuses a latency on a port the cluster does not have, naming the cluster's ports, and adds no toxic", async () => {
    const cluster = started();
    await expect(cluster.inject(faults.latency({ latency: 100, port: "nope" }))).rejects.toMatchObject({
      code: "FAULTLINE_INVALID_OPTION",
      option: "latency.port",
      cluster: "bad-input",
      message: expect.stringMatching(/"http".*received "nope"/),
    });
    for (const node of cluster.nodes) expect(node.proxy("http")!.toxics).toEqual([]);
  });

  it("refuses a list naming one node twice (by name and by index) before signalling anyone", async () => {
    const cluster = started();
    const pids = cluster.nodes.map((n) => n.pid);
    await expect(cluster.inject(faults.kill({ node: ["n1", 0] }))).rejects.toMatchObject({ code: "FAULTLINE_INVALID_OPTION", option: "kill.node" });
    expect(cluster.nodes.map((n) => [n.state, n.pid])).toEqual(pids.map((pid) => ["running", pid]));
  });

  it("rolls back a kill that fails part-way: the node it had killed runs again, the one it could not signal is left alone", async () => {
    const cluster = started();
    const [n1, n2] = [cluster.node("n1"), cluster.node("n2")];
    await n2.stop(); // so that killing it fails, after n1 was killed
    const before = n1.pid;
    await expect(cluster.inject(faults.kill({ node: ["n1", "n2"] }))).rejects.toMatchObject({ code: "FAULTLINE_NODE_STATE", node: "n2" });
    expect(n1.state).toBe("running");
    expect(n1.pid).not.toBe(before);
    expect(await answers(n1.host, n1.port("http"))).toBe(true);
    expect(n2.state).toBe("stopped");
    expect(cluster.timeline.events.some((e) => e.type === "fault" && e.phase === "failed" && e.kind === "kill")).toBe(true);
  }, 30_000);

  it("rolls back a pause that fails part-way: the node it had paused answers again", async () => {
    const cluster = started();
    const [n1, n2] = [cluster.node("n1"), cluster.node("n2")];
    await n2.stop();
    const before = n1.pid;
    await expect(cluster.inject(faults.pause({ node: ["n1", "n2"] }))).rejects.toMatchObject({ code: "FAULTLINE_NODE_STATE", node: "n2" });
    expect(n1.state).toBe("running");
    expect(n1.pid).toBe(before);
    expect(await answers(n1.host, n1.port("http"))).toBe(true);
  }, 30_000);

  it("rolls back a toxic fault that fails part-way: no proxy keeps the toxic", async () => {
    const cluster = started();
    const [n1, n2] = [cluster.node("n1"), cluster.node("n2")];
    // A toxic of the same name on n2's proxy makes adding the fault's fail there, after n1's.
    n2.proxy("http")!.addToxic({ type: "latency", name: "clash", attributes: { latency: 1 } });
    const fault = faults.latency({ latency: 500, node: ["n1", "n2"] });
    await expect(fault.apply(cluster, { id: "clash", random: Math.random })).rejects.toMatchObject({ code: "FAULTLINE_INVALID_OPTION" });
    expect(n1.proxy("http")!.toxics).toEqual([]);
    expect(n2.proxy("http")!.toxics.map((t) => t.id)).toEqual(["clash"]);
  });

  describe("matchers never pass on an option they cannot read", () => {
    it("toExitWithin with a code that is not a number", async () => {
      await expect(expect(started().node("n1")).not.toExitWithin("10ms", { code: "0" as never })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toExitWithin.code",
      });
      await expect(expect(started().node("n1")).not.toExitWithin("10ms", { sigal: "SIGKILL" } as never)).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toExitWithin.sigal",
      });
    });

    it("toHaveLeader naming no node of the cluster", async () => {
      await expect(expect(started()).not.toHaveLeader("n9")).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toHaveLeader.expected",
        message: expect.stringContaining("n1, n2, n3"),
      });
    });

    it("toElectLeaderWithin with an unknown node or a misspelt option", async () => {
      await expect(expect(started()).toElectLeaderWithin("1s", { different: "n9" })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toElectLeaderWithin.different",
      });
      await expect(expect(started()).toElectLeaderWithin("1s", { diferent: true } as never)).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toElectLeaderWithin.diferent",
      });
    });

    it("toStayHealthyFor with a misspelt option or a zero interval", async () => {
      await expect(expect(started()).toStayHealthyFor("10ms", { intervl: 5 } as never)).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toStayHealthyFor.intervl",
      });
      await expect(expect(started()).toStayHealthyFor("10ms", { interval: 0 })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_DURATION",
        option: "toStayHealthyFor.interval",
      });
    });
  });
});

describe("a link fault on a cluster with no ports", () => {
  const started = startedCluster({ nodes: 2, command: () => idle }, "portless");

  it("refuses rather than report a fault that touches no proxy", async () => {
    await expect(started().inject(faults.latency({ latency: 100 }))).rejects.toMatchObject({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      option: "latency",
      message: expect.stringContaining("no fault proxy"),
    });
    await expect(started().inject(faults.down())).rejects.toMatchObject({ code: "FAULTLINE_FAULT_UNSUPPORTED" });
  });
});

describe("a cwd that does not exist", () => {
  it("is named as the problem, not reported as a missing node binary", async () => {
    const run = beginRun();
    try {
      await expect(startCluster({ nodes: 1, cwd: "/nonexistent/faultline-cwd", command: () => idle }, { name: "cwd", run })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "cwd",
        node: "n1",
        message: expect.stringContaining('"/nonexistent/faultline-cwd" does not exist'),
      });
    } finally {
      await endRun(run);
    }
  }, 30_000);
});
