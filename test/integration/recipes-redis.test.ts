import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import type { Node } from "../../src/cluster/types";
import { faults } from "../../src/faults/catalog";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";
import { which } from "../../src/common/which";
import { recipes } from "../../src/recipes";
import { redisCommand, type RespValue } from "../../src/recipes/resp-client";
import { requireOrSkip } from "../helpers/requirements";
import { eventually, listeningAddresses } from "./recipes-helpers";
import { startedCluster } from "./started-cluster";
import { provisionCluster } from "../../src/wiring/start-cluster";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { SshHosts, sshHostsProblem } from "../helpers/ssh-hosts";

jest.setTimeout(90_000);

const redisProblem = (): string | undefined => ["redis-server", "redis-sentinel"].filter((b) => !which(b)).map((b) => `${b} is not on PATH`)[0];
const describeRedis = requireOrSkip("redis-server and redis-sentinel (apt-get install redis-server redis-sentinel)", redisProblem);
const describeRedisSsh = requireOrSkip("redis-server, redis-sentinel and sshd hosts in namespaces", () => redisProblem() ?? sshHostsProblem());
const describeRedisNetns = requireOrSkip("redis-server, redis-sentinel and netns (root)", () => redisProblem() ?? netnsProblem());

/** One command to `node` on the test's own link (direct: no fault proxy in between). */
const ask = (node: Node, ...command: string[]): Promise<RespValue> => redisCommand(node.address("redis", { direct: true }), command, 2000);

/** Waits until the primary the sentinels name (and that answers as master) is not `before`. */
function newPrimary(cluster: FaultlineCluster, before: Node, ms: number): Promise<Node> {
  let seen: string | undefined;
  return eventually(
    () => `no replica promoted in place of ${before.name} (leader: ${seen ?? "none"})`,
    ms,
    async () => {
      const leader = await cluster.leader();
      seen = leader?.name;
      return leader && leader.name !== before.name ? leader : undefined;
    },
  );
}

/** What every provisioner must give: roles, own-address binds, replication, and failover after a kill. */
function behavesLikeRedis(get: () => FaultlineCluster): void {
  it("names its nodes by role, and the sentinels' primary is the leader", async () => {
    const cluster = get();
    expect(cluster.nodes.map((n) => n.name)).toEqual(["primary", "replica1", "replica2", "sentinel1", "sentinel2", "sentinel3"]);
    expect((await cluster.leader())?.name).toBe("primary");
    expect(await cluster.isHealthy()).toBe(true);
  });

  it("binds every server and sentinel on the node's own address only", () => {
    const cluster = get();
    for (const [node, addresses] of listeningAddresses(cluster)) {
      const { host } = cluster.node(node);
      expect({ node, addresses }).toEqual({ node, addresses: [`${host}:${cluster.node(node).port("redis")}`] });
    }
    if (cluster.provisioner === "process") expect(new Set(cluster.nodes.map((n) => n.host))).toEqual(new Set(["127.0.0.1"]));
    else expect(new Set(cluster.nodes.map((n) => n.host)).size).toBe(cluster.nodes.length);
  });

  it("replicates writes on the primary to the replicas", async () => {
    const cluster = get();
    const primary = await recipes.redis.client(cluster.node("primary").address("redis"));
    try {
      expect(await primary.command("SET", "k", "v")).toBe("OK");
      expect(await primary.command("WAIT", "2", "2000")).toBe(2);
    } finally {
      primary.close();
    }
    const replica = await recipes.redis.client(cluster.node("replica1").address("redis"));
    try {
      expect(await replica.command("GET", "k")).toBe("v");
      await expect(replica.command("SET", "k", "w")).rejects.toMatchObject({ code: "REDIS_ERROR", message: expect.stringMatching(/^READONLY/) });
    } finally {
      replica.close();
    }
  });

  it("promotes a replica when the primary is killed, and takes the old primary back as a replica", async () => {
    const cluster = get();
    const before = (await cluster.leader())!;
    const fault = await cluster.inject(faults.kill({ node: "leader" }));
    try {
      expect(before.state).toBe("exited");
      expect((await newPrimary(cluster, before, 20_000)).name).toMatch(/^replica/);
    } finally {
      await fault.heal();
    }
    await cluster.waitUntilHealthy("30s");
    expect(((await ask(before, "ROLE")) as RespValue[])[0]).toBe("slave");
  });
}

/**
 * Isolating the primary leaves the replicas and every sentinel on the majority side: they must
 * see the primary as down and promote a replica although the primary never stopped.
 */
function isolatesThePrimary(how: string, get: () => FaultlineCluster): void {
  it(`isolates the primary ${how}: the sentinels promote a replica, and what the cut-off primary accepted is lost when it rejoins`, async () => {
    const cluster = get();
    const before = (await cluster.leader())!;
    const fault = await cluster.inject(faults.partition({ isolate: before.name }));
    let after: Node;
    try {
      after = await newPrimary(cluster, before, 20_000);
      expect(after.name).not.toBe(before.name);
      // Cut off, not dead: the test still reaches it, and it still takes writes as a master.
      expect(before.state).toBe("running");
      expect(((await ask(before, "ROLE")) as RespValue[])[0]).toBe("master");
      expect(await ask(before, "SET", "split", "brain")).toBe("OK");
      expect(await ask(after, "GET", "split")).toBeNull();
    } finally {
      await fault.heal();
    }
    await cluster.waitUntilHealthy("30s");
    expect((await cluster.leader())?.name).toBe(after.name);
    const [role, host, port] = (await ask(before, "ROLE")) as RespValue[];
    expect([role, `${String(host)}:${String(port)}`]).toEqual(["slave", `${after.host}:${after.port("redis")}`]);
    expect(await ask(before, "GET", "split")).toBeNull();
  });
}

describeRedis("recipes.redis on provisioner process", () => {
  const get = startedCluster(recipes.redis({ replicas: 2, sentinels: 3 }), "redis");
  behavesLikeRedis(get);
});

describeRedisNetns("recipes.redis on provisioner netns", () => {
  const get = startedCluster(recipes.redis({ replicas: 2, sentinels: 3, provisioner: "netns" }), "redis-ns");
  behavesLikeRedis(get);

  isolatesThePrimary("with iptables", get);
});

describeRedisSsh("recipes.redis on provisioner ssh (six sshd hosts in namespaces)", () => {
  let run: RunContext;
  let hosts: SshHosts;
  let cluster: FaultlineCluster;
  beforeAll(async () => {
    run = beginRun();
    hosts = await SshHosts.start(run, 6);
    cluster = await provisionCluster(
      { ...recipes.redis({ replicas: 2, sentinels: 3, provisioner: "ssh" }), ssh: hosts.sshOptions() },
      { name: "redis-ssh", run },
    );
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await hosts?.stop();
    if (run) await endRun(run);
  }, 60_000);

  it("names its nodes by role, one per host, and the sentinels' primary is the leader", async () => {
    expect(cluster.nodes.map((n) => n.host)).toEqual(hosts.hosts.map((h) => h.host));
    expect((await cluster.leader())?.name).toBe("primary");
  });

  isolatesThePrimary("with iptables on its host", () => cluster);
});
