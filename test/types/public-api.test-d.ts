/**
 * Type tests of the public entry: what a consumer imports from "faultline" and how it is typed.
 * Lines marked @ts-expect-error must fail to compile; the rest must compile.
 */
import { buildImageFromHost, checkLinearizable, createHistory, FaultProxy, models, parseHistory, type Cluster, type Operation } from "../../src/index";

declare const cluster: Cluster;

export async function proxies(): Promise<void> {
  const proxy: FaultProxy | undefined = cluster.node("n1").proxy("http");
  expect(proxy?.connectionAttempts ?? []).toRetryWithBackoff({ factor: 2 });
  await new FaultProxy({ name: "api", upstream: { host: "127.0.0.1", port: 8080 } }).start();
}

export function histories(): void {
  const history = cluster.history({ classify: () => "info" });
  const ops: readonly Operation[] = history.operations;
  const verdict: "ok" | "illegal" | "unknown" = checkLinearizable(ops, models.casRegister()).verdict;
  void verdict;
  void parseHistory("", { source: "x" });
  // @ts-expect-error a history's options are an object
  createHistory("fast");
}

export async function images(): Promise<void> {
  const built = await buildImageFromHost({ tag: "me/etcd:local", binaries: ["/usr/bin/etcd"] });
  void built;
  // @ts-expect-error binaries is a list
  await buildImageFromHost({ tag: "me/etcd:local", binaries: "/usr/bin/etcd" });
}

import { withFault, withFaults, faults } from "../../src/index";
export function faultOptions(): void {
  withFault("kill", { node: "leader", recoverWithin: "20s" }, async () => undefined);
  withFault("latency", { latency: "100ms", links: "peers" }, async () => undefined);
  withFault(faults.pause({ node: "n1" }), { cluster: "etcd" }, async () => undefined);
  withFaults([["partition", { isolate: "leader" }], "kill", faults.pause({ node: 1 })], async () => undefined);
  // @ts-expect-error a typo in an option name: it would otherwise fault a random node
  withFault("kill", { nod: "leader" }, async () => undefined);
  // @ts-expect-error options of one kind are not another's
  withFault("partition", { latency: "100ms" }, async () => undefined);
  // @ts-expect-error an unknown fault kind
  withFault("explode", async () => undefined);
}
