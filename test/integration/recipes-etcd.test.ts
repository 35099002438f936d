import { provisionCluster } from "../../src/wiring/start-cluster";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import { isFaultlineError } from "../../src/common/errors";
import { faults } from "../../src/faults/catalog";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";
import { which } from "../../src/common/which";
import { recipes } from "../../src/recipes";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { listeningAddresses } from "./recipes-helpers";
import { dockerProblem, ensureEtcdImage, ETCD_IMAGE } from "./docker-helpers";
import { SshHosts, sshHostsProblem } from "../helpers/ssh-hosts";

jest.setTimeout(90_000);

const describeEtcd = requireOrSkip("etcd (apt-get install etcd-server)", () => (which("etcd") ? undefined : "etcd is not on PATH"));
const describeEtcdNetns = requireOrSkip("etcd and netns (root)", () => (which("etcd") ? netnsProblem() : "etcd is not on PATH"));
const describeEtcdSsh = requireOrSkip("etcd and sshd hosts in namespaces", () => (which("etcd") ? sshHostsProblem() : "etcd is not on PATH"));
const describeEtcdDocker = requireOrSkip("etcd and a Docker engine", () => (which("etcd") ? dockerProblem() : "etcd is not on PATH"));

let run: RunContext;
beforeAll(() => {
  run = beginRun();
});
afterAll(async () => {
  if (run) await endRun(run);
});

/** Polls `find` until it returns a value, within `ms`. */
async function eventually<T>(find: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`nothing within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What every provisioner must give: a leader etcd itself names, health, and a new leader after a kill. */
/** Isolating the leader really cuts it off: the majority elects another, and the partition heals. */
function isolatesTheLeader(how: string, get: () => FaultlineCluster): void {
  it(`isolates the leader ${how}: the majority elects another, and it heals`, async () => {
    const cluster = get();
    const before = (await cluster.leader())!;
    const fault = await cluster.inject(faults.partition({ isolate: "leader" }));
    try {
      const after = await eventually(async () => {
        const now = await cluster.leader();
        return now && now.name !== before.name ? now : undefined;
      }, 10_000);
      expect(after.name).not.toBe(before.name);
    } finally {
      await fault.heal();
    }
    await cluster.waitUntilHealthy("20s");
  });
}

function behavesLikeEtcd(get: () => FaultlineCluster): void {
  it("names the leader etcd reports, and is healthy", async () => {
    const cluster = get();
    const leader = await cluster.leader();
    expect(cluster.nodes.map((n) => n.name)).toContain(leader?.name);
    expect(await cluster.isHealthy()).toBe(true);
    // etcd's own view agrees: the member's status names itself as leader.
    const status = await recipes.etcd.client([leader!.url("client")]).status();
    expect(status.leader).toBe(status.memberId);
  });

  it("serves writes, reads and compare-and-set through the fault proxies", async () => {
    const kv = recipes.etcd.client(recipes.etcd.endpoints(get()));
    const revision = await kv.put("recipe/k", "v1");
    expect(revision).toBeGreaterThan(0);
    expect((await kv.get("recipe/k"))?.value).toBe("v1");
    expect(await kv.cas("recipe/k", "wrong", "v2")).toBe(false);
    expect(await kv.cas("recipe/k", "v1", "v2")).toBe(true);
    expect(await kv.cas("recipe/new", undefined, "x")).toBe(true);
    expect((await kv.range("recipe/", { prefix: true })).map((e) => `${e.key}=${e.value}`)).toEqual(["recipe/k=v2", "recipe/new=x"]);
  });

  it("elects a different leader after the leader is killed, and recovers when it restarts", async () => {
    const cluster = get();
    const before = (await cluster.leader())!;
    const fault = await cluster.inject(faults.kill({ node: "leader" }));
    try {
      expect(before.state).toBe("exited");
      const after = await eventually(async () => {
        const now = await cluster.leader();
        return now && now.name !== before.name ? now : undefined;
      }, 10_000);
      expect(after.name).not.toBe(before.name);
      expect(await cluster.isHealthy()).toBe(false); // a member is down
    } finally {
      await fault.heal();
    }
    await cluster.restoreSteadyState("30s");
    expect(await cluster.isHealthy()).toBe(true);
  });
}

it("fails to provision without etcd on PATH with FAULTLINE_BINARY_NOT_FOUND and the install hint", async () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    const error = await provisionCluster(recipes.etcd({ nodes: 1 }), { name: "etcd-missing", run }).then(
      async (cluster) => {
        await cluster.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "FAULTLINE_BINARY_NOT_FOUND", hint: expect.stringContaining("apt-get install etcd-server") });
  } finally {
    process.env.PATH = path;
  }
});

describeEtcd("recipes.etcd on provisioner process", () => {
  let cluster: FaultlineCluster;
  beforeAll(async () => {
    cluster = await provisionCluster(recipes.etcd({ nodes: 3 }), { name: "etcd-proc", run });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  behavesLikeEtcd(() => cluster);

  it("binds its client and peer ports on 127.0.0.1 only", () => {
    for (const [node, addresses] of listeningAddresses(cluster)) {
      expect({ node, addresses: [...addresses].sort() }).toEqual({
        node,
        addresses: [`127.0.0.1:${cluster.node(node).port("client")}`, `127.0.0.1:${cluster.node(node).port("peer")}`].sort(),
      });
    }
  });

  it("refuses a partition with FAULTLINE_FAULT_UNSUPPORTED and a hint naming netns", async () => {
    const error = await cluster.inject(faults.partition({ isolate: "leader" })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isFaultlineError(error)).toBe(true);
    expect(error).toMatchObject({ code: "FAULTLINE_FAULT_UNSUPPORTED" });
    expect((error as { hint: string }).hint).toMatch(/netns/);
    expect(cluster.activeFaults).toHaveLength(0);
  });
});

describeEtcdNetns("recipes.etcd on provisioner netns", () => {
  let cluster: FaultlineCluster;
  beforeAll(async () => {
    cluster = await provisionCluster(recipes.etcd({ nodes: 3, provisioner: "netns" }), { name: "etcd-ns", run });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  behavesLikeEtcd(() => cluster);

  isolatesTheLeader("with iptables", () => cluster);
});

describeEtcdDocker("recipes.etcd on provisioner docker", () => {
  let cluster: FaultlineCluster;
  beforeAll(async () => {
    await ensureEtcdImage();
    cluster = await provisionCluster(recipes.etcd({ nodes: 3, provisioner: "docker", image: ETCD_IMAGE }), { name: "etcd-dk", run });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  behavesLikeEtcd(() => cluster);

  isolatesTheLeader("inside the containers", () => cluster);
});

describeEtcdSsh("recipes.etcd on provisioner ssh (five sshd hosts in namespaces)", () => {
  let hosts: SshHosts;
  let cluster: FaultlineCluster;
  beforeAll(async () => {
    hosts = await SshHosts.start(run, 5);
    // The recipe as it is; the hosts come from a nodes file, as a user's would.
    process.env.FAULTLINE_SSH_HOSTS = hosts.nodesFile();
    cluster = await provisionCluster(
      { ...recipes.etcd({ nodes: 5, provisioner: "ssh" }), ssh: { identity: hosts.identity, knownHosts: hosts.knownHosts } },
      { name: "etcd-ssh", run },
    );
  });
  afterAll(async () => {
    delete process.env.FAULTLINE_SSH_HOSTS;
    await cluster?.stop();
    await hosts?.stop();
  });

  behavesLikeEtcd(() => cluster);

  isolatesTheLeader("with iptables on its host", () => cluster);

  it("shows each node's host in the timeline", () => {
    const text = cluster.timeline.format(undefined, 500);
    for (const [i, node] of cluster.nodes.entries()) expect(text).toContain(`${node.name} on root@${hosts.hosts[i]!.host}`);
  });
});
