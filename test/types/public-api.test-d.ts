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
