import * as http from "node:http";
import { resolveTargets } from "./targets";
import type { Node } from "../cluster/node-types";
import { toMs, type Duration } from "../common/duration";
import { FaultlineError, describeValue, isFaultlineError } from "../common/errors";
import { disableFailpoint, enableFailpoint, failpointCount, failpointTerms } from "../failpoints/failpoint-registry";
import { parseFailpointTerms } from "../failpoints/term-parser";
import type { ActiveFault, Fault, FaultContext, FaultTarget } from "../cluster/fault";

/** Options of {@link failpointFault}. */
export interface FailpointFaultOptions {
  /**
   * Whose failpoint to set: a node name or index, "leader", "random", "all", or a `Node`.
   * Default: the test process itself (for code under test running inside Jest).
   */
  node?: string | number | Node;
  /** The name the code passes to `failpoint()`, e.g. "cas.put". */
  name: string;
  /** Terms in the gofail/fail-rs grammar, e.g. "50%return(1)" or "3*off->panic". */
  term: string;
  /**
   * The node's named port serving the failpoint endpoint: start the node with
   * `FAULTLINE_FAILPOINTS_HTTP=<host>:<that port>`. Default "failpoints".
   */
  port?: string;
  /** Budget for each HTTP call to a node's endpoint. Default "5s". */
  timeout?: Duration;
}

/** An applied failpoint fault. */
export interface ActiveFailpointFault extends ActiveFault {
  /** How many times the failpoint ran an action other than `off` since this fault set it, summed over targets. */
  count(): Promise<number>;
}

/**
 * Sets a failpoint for the length of a fault: over the node's gofail-compatible endpoint
 * (`PUT /<name>`), or in the test process when no node is given. Healing puts back the terms the
 * failpoint had before (usually none: `DELETE /<name>`).
 */
export function failpointFault(options: FailpointFaultOptions): Fault {
  const { name, term } = validate(options);
  const port = options.port ?? "failpoints";
  const timeoutMs = toMs(options.timeout ?? "5s", { option: "timeout" });
  const where = describeWhere(options.node);
  return {
    kind: "failpoint",
    describe: () => `failpoint ${name}=${term} ${where}`,
    async apply(cluster: FaultTarget | undefined, context: FaultContext): Promise<ActiveFailpointFault> {
      const description = `failpoint ${name}=${term} ${where}`;
      if (options.node === undefined) return applyInProcess(name, term, context, description);
      const nodes = await resolveNodes(cluster, options.node, context.random);
      const endpoints: RemoteFailpoint[] = [];
      try {
        for (const node of nodes) endpoints.push(await RemoteFailpoint.set(node, port, name, term, timeoutMs));
      } catch (error) {
        await Promise.allSettled(endpoints.map((endpoint) => endpoint.restore()));
        throw error;
      }
      return activeFault(
        context.id,
        description,
        nodes.map((node) => node.name),
        {
          heal: async () => rethrowFirst(await Promise.allSettled(endpoints.map((endpoint) => endpoint.restore()))),
          count: async () => (await Promise.all(endpoints.map((endpoint) => endpoint.count()))).reduce((a, b) => a + b, 0),
        },
      );
    },
  };
}

function applyInProcess(name: string, term: string, context: FaultContext, description: string): ActiveFailpointFault {
  const previous = failpointTerms(name);
  enableFailpoint(name, term, { random: context.random });
  return activeFault(context.id, description, [], {
    heal: async () => {
      if (previous !== undefined) enableFailpoint(name, previous);
      else disableFailpoint(name);
    },
    count: async () => failpointCount(name) ?? 0,
  });
}

function activeFault(
  id: string,
  description: string,
  targets: string[],
  ops: { heal: () => Promise<void>; count: () => Promise<number> },
): ActiveFailpointFault {
  let healing: Promise<void> | undefined;
  let healed = false;
  const fault: ActiveFailpointFault = {
    id,
    kind: "failpoint",
    description,
    targets,
    get healed() {
      return healed;
    },
    heal: () =>
      (healing ??= ops.heal().finally(() => {
        healed = true;
      })),
    count: ops.count,
    [Symbol.asyncDispose]: () => fault.heal(),
  };
  return fault;
}

/** One node's endpoint, remembering what the failpoint was set to before. */
class RemoteFailpoint {
  private constructor(
    private readonly node: Node,
    private readonly base: string,
    private readonly name: string,
    private readonly previous: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  static async set(node: Node, port: string, name: string, term: string, timeoutMs: number): Promise<RemoteFailpoint> {
    let base: string;
    try {
      base = node.url(port, "http", { direct: true });
    } catch (error) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `node "${node.name}" has no port named ${describeValue(port)} for its failpoint endpoint`,
        hint: 'add the port to the cluster\'s `ports` (default name "failpoints") and start the node with FAULTLINE_FAILPOINTS_HTTP=<host>:<that port>',
        node: node.name,
        option: "port",
        cause: error,
      });
    }
    const path = `${base}/${encodeURIComponent(name)}`;
    const current = await request(node, "GET", path, undefined, timeoutMs);
    const previous = current.status === 200 ? current.body.trim() : undefined;
    const put = await request(node, "PUT", path, term, timeoutMs);
    if (put.status < 200 || put.status >= 300) {
      throw new FaultlineError({
        code: "FAULTLINE_FAULT_FAILED",
        message: `node "${node.name}" refused failpoint ${name}=${term}: HTTP ${put.status} ${put.body.trim()}`,
        hint: "check the term against the grammar; the node's endpoint must be faultline's or gofail's",
        node: node.name,
      });
    }
    return new RemoteFailpoint(node, path, name, previous, timeoutMs);
  }

  async restore(): Promise<void> {
    try {
      const method = this.previous === undefined ? "DELETE" : "PUT";
      const result = await request(this.node, method, this.base, this.previous, this.timeoutMs);
      // 404: already off (the node restarted, or someone else disabled it).
      if (result.status >= 300 && result.status !== 404) {
        throw new FaultlineError({
          code: "FAULTLINE_FAULT_FAILED",
          message: `node "${this.node.name}" did not turn failpoint ${this.name} off: HTTP ${result.status} ${result.body.trim()}`,
          node: this.node.name,
        });
      }
    } catch (error) {
      // A node that is down holds no failpoints: its next start reads only its environment.
      if ((error as { cause?: NodeJS.ErrnoException }).cause?.code === "ECONNREFUSED") return;
      throw error;
    }
  }

  async count(): Promise<number> {
    const result = await request(this.node, "GET", `${this.base}/count`, undefined, this.timeoutMs);
    return result.status === 200 ? Number(result.body.trim()) || 0 : 0;
  }
}

function request(node: Node, method: string, url: string, body: string | undefined, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void =>
      reject(
        new FaultlineError({
          code: "FAULTLINE_FAULT_FAILED",
          message: `failpoint endpoint of node "${node.name}" at ${url}: ${method} failed within ${timeoutMs}ms: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
          hint: "start the node with FAULTLINE_FAILPOINTS_HTTP=<host>:<its failpoints port> in `env`, and import faultline/failpoints in its code",
          node: node.name,
          cause: error,
        }),
      );
    // agent: false so no idle keep-alive socket outlives the call and holds Jest open.
    const req = http.request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", fail);
    req.end(body);
  });
}

async function resolveNodes(cluster: FaultTarget | undefined, node: string | number | Node, random: () => number): Promise<Node[]> {
  if (typeof node === "object") return [node];
  if (cluster === undefined) {
    throw new FaultlineError({
      code: "FAULTLINE_NO_CLUSTER",
      message: `failpoint fault names node ${describeValue(node)} but was applied without a cluster`,
      hint: "inject it with cluster.inject(...), pass a Node object, or omit `node` to set the failpoint in the test process",
      option: "node",
    });
  }
  return resolveTargets(cluster, node, random, "failpoint");
}

function validate(options: FailpointFaultOptions): { name: string; term: string } {
  const { name, term } = options;
  if (typeof name !== "string" || name === "" || /[\s=;]/.test(name)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `failpoint name must be a non-empty string without spaces, "=" or ";", received ${describeValue(name)}`,
      hint: 'use the name the code passes to failpoint(), e.g. faults.failpoint({ name: "cas.put", term: "return(1)" })',
      option: "name",
    });
  }
  if (typeof term !== "string") {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `failpoint term must be a string such as "return(1)", received ${describeValue(term)}`,
      hint: 'e.g. "50%return(1)", "3*off->panic(boom)", "sleep(100)"',
      option: "term",
    });
  }
  try {
    parseFailpointTerms(term, name);
  } catch (error) {
    if (!isFaultlineError(error)) throw error;
    throw new FaultlineError({
      code: error.code,
      message: error.message.split("\n")[0]!.replace(/^FAULTLINE_\w+: /, ""),
      hint: error.hint,
      option: "term",
    });
  }
  return { name, term: term.trim() };
}

function describeWhere(node: FailpointFaultOptions["node"]): string {
  if (node === undefined) return "in the test process";
  if (typeof node === "object") return `on ${node.name}`;
  if (node === "all") return "on every node";
  if (typeof node === "number") return `on node #${node}`;
  return node === "leader" || node === "random" ? `on the ${node} node` : `on ${node}`;
}

function rethrowFirst(results: PromiseSettledResult<void>[]): void {
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
}
