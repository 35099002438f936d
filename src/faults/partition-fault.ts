import { FaultlineError, describeValue } from "../common/errors";
import type { Node } from "../cluster/node-types";
import { activeFault } from "../cluster/active-fault";
import type { Fault, FaultTarget } from "../cluster/fault";
import * as grudges from "./grudge";
import type { Grudge } from "../cluster/grudge";
import { checkSelector, groupNodes, requireCluster, resolveTargets, targetNodes, unsupported, type NodeSelector } from "./targets";
import { FaultProxy } from "../proxy/fault-proxy";

/** Exactly one of the shapes, plus `oneWay` and `clients`. Names follow Jepsen's nemeses. */
export interface PartitionOptions {
  /** Cut one node from all others: a name, an index, "leader" or "random". */
  isolate?: NodeSelector;
  /** Two halves (the first is the smaller when the count is odd). */
  halves?: boolean;
  /** A minority cut from the majority; `"leader"` (or a node) puts that node in the minority. */
  minority?: true | NodeSelector;
  /** Two sides joined only through one bridge node (default the middle node). */
  bridge?: true | string;
  /** Every node sees a majority, no two the same one. */
  majoritiesRing?: boolean;
  /** Explicit components that cannot reach each other. */
  groups?: Array<Array<string | number>>;
  /**
   * Only the links between two sides, each a node, a group or a list of them (`["app", "db"]`):
   * everything else still talks, as when one service loses its database.
   */
  between?: [string | number | Array<string | number>, string | number | Array<string | number>];
  /** A grudge written out: node -> nodes it cannot hear. */
  grudge?: Grudge;
  /** Keep only one direction of each cut: the first side stays deaf, the other still hears it. Default false. */
  oneWay?: boolean;
  /** Also cut the test's clients (through the fault proxy) from the first side. Default false. */
  clients?: boolean;
}

const SHAPES = ["isolate", "halves", "minority", "bridge", "majoritiesRing", "groups", "between", "grudge"] as const;

interface Plan {
  grudge: Grudge;
  /** The side the test's clients are cut from with `clients: true`. */
  firstSide: string[];
  summary: string;
}

async function plan(cluster: FaultTarget, options: PartitionOptions, random: () => number): Promise<Plan> {
  const names = cluster.nodes.map((n) => n.name);
  const given = SHAPES.filter((key) => options[key] !== undefined && options[key] !== false);
  if (given.length !== 1) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `a partition needs exactly one of ${SHAPES.join(", ")}; received ${given.length ? given.join(" and ") : "none"}`,
      hint: 'e.g. withFault("partition", { isolate: "leader" }, …) or { halves: true }',
      cluster: cluster.name,
      option: "partition",
    });
  }
  const sideOf = (g: Grudge): string[] =>
    Object.keys(g)
      .filter((n) => (g[n] ?? []).length > 0)
      .slice(0, 1);
  if (options.isolate !== undefined) {
    const group = Array.isArray(options.isolate) ? undefined : groupNodes(cluster, options.isolate);
    if (group && group.length > 1) {
      const side = group.map((n) => n.name);
      const rest = names.filter((n) => !side.includes(n));
      return { grudge: grudges.groups(names, [side, rest]), firstSide: side, summary: `isolating ${options.isolate as string} [${side.join(" ")}]` };
    }
    const [target] = await resolveTargets(cluster, options.isolate, random, "partition", "isolate");
    const label = options.isolate === "leader" ? `${target!.name} (the leader)` : target!.name;
    return { grudge: grudges.isolate(names, target!.name), firstSide: [target!.name], summary: `isolating ${label}` };
  }
  if (options.halves) {
    const g = grudges.halves(names);
    const first = names.slice(0, Math.floor(names.length / 2));
    return { grudge: g, firstSide: first, summary: `halves [${first.join(" ")}] | [${names.filter((n) => !first.includes(n)).join(" ")}]` };
  }
  if (options.minority !== undefined) {
    const include = options.minority === true ? undefined : (await resolveTargets(cluster, options.minority, random, "partition", "minority"))[0]!.name;
    const g = grudges.majorityMinority(names, { include, random });
    const deaf = Object.keys(g).filter((n) => g[n]!.length > names.length / 2);
    return { grudge: g, firstSide: deaf, summary: `minority [${deaf.join(" ")}] cut from the majority` };
  }
  if (options.bridge !== undefined) {
    const g = grudges.bridge(names, options.bridge === true ? {} : { bridge: options.bridge });
    return { grudge: g, firstSide: sideOf(g), summary: `bridge through ${names.find((n) => g[n]!.length === 0) ?? "?"}` };
  }
  if (options.majoritiesRing) {
    return { grudge: grudges.majoritiesRing(names, { random }), firstSide: [], summary: "majorities ring" };
  }
  if (options.groups !== undefined) {
    if (!Array.isArray(options.groups)) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `groups must be lists of nodes, received ${describeValue(options.groups)}`,
        option: "partition.groups",
        cluster: cluster.name,
      });
    }
    const components = options.groups.map((group) => group.flatMap((one) => targetNodes(cluster, one, "partition.groups").map((n) => n.name)));
    return { grudge: grudges.groups(names, components), firstSide: components[0] ?? [], summary: components.map((c) => `[${c.join(" ")}]`).join(" | ") };
  }
  if (options.between !== undefined) {
    const side = (one: string | number | Array<string | number>): string[] =>
      (Array.isArray(one) ? one : [one]).flatMap((x) => targetNodes(cluster, x, "partition.between").map((n) => n.name));
    const [a, b] = [side(options.between[0]), side(options.between[1])];
    const overlap = a.find((n) => b.includes(n));
    if (overlap !== undefined)
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `partition.between puts ${overlap} on both sides, received ${describeValue(options.between)}`,
        hint: 'name two different nodes or groups, e.g. { between: ["app", "db"] }',
        cluster: cluster.name,
        option: "partition.between",
      });
    const grudge: Grudge = Object.fromEntries(names.map((n) => [n, a.includes(n) ? b : b.includes(n) ? a : []]));
    return { grudge, firstSide: a, summary: `[${a.join(" ")}] cut from [${b.join(" ")}]` };
  }
  const g = grudges.checkGrudge(options.grudge, names);
  return { grudge: g, firstSide: sideOf(g), summary: "custom grudge" };
}

function cutClients(cluster: FaultTarget, nodes: readonly Node[]): () => void {
  const proxies = cluster.clientProxies(nodes);
  return FaultProxy.holdTogether(proxies.map((proxy) => [proxy, { upstream: true, downstream: true }]));
}

function invalidShape(option: string, expected: string, value: unknown, hint: string): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: `${option} must be ${expected}, received ${describeValue(value)}`, hint, option });
}

/**
 * The shape's form, when the fault is defined: `oneWay: "yes"` would have cut one way and
 * `{}` would fail only once the test ran. Names are checked against the cluster at apply.
 */
function checkShape(options: PartitionOptions): void {
  const given = SHAPES.filter((key) => options[key] !== undefined && options[key] !== false);
  if (given.length !== 1) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `a partition needs exactly one of ${SHAPES.join(", ")}; received ${given.length ? given.join(" and ") : "none"}`,
      hint: 'e.g. withFault("partition", { isolate: "leader" }, …) or { halves: true }',
      option: "partition",
    });
  }
  for (const key of ["halves", "majoritiesRing", "oneWay", "clients"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean")
      throw invalidShape(`partition.${key}`, "true or false", options[key], `e.g. { ${key}: true }`);
  }
  if (options.bridge !== undefined && options.bridge !== true && (typeof options.bridge !== "string" || options.bridge === "")) {
    throw invalidShape(
      "partition.bridge",
      "true or the name of the bridge node",
      options.bridge,
      '{ bridge: true } picks the middle node; { bridge: "n2" } names it',
    );
  }
  const groupsHint = 'e.g. { groups: [["n1"], ["n2", "n3"]] }: lists of node names or indexes, each node in one';
  /** A node as a partition shape names it: its name (or a group's), or its index. */
  const one = (v: unknown): boolean => (typeof v === "string" && v !== "") || (typeof v === "number" && Number.isInteger(v) && v >= 0);
  if (options.groups !== undefined) {
    const groups = options.groups as unknown;
    if (!Array.isArray(groups) || groups.length === 0 || groups.some((g) => !Array.isArray(g) || g.length === 0 || !g.every(one))) {
      throw invalidShape("partition.groups", "non-empty lists of nodes (unlisted nodes form one more group)", groups, groupsHint);
    }
    const all = (groups as unknown[][]).flat();
    if (new Set(all).size !== all.length) throw invalidShape("partition.groups", "lists naming each node once", groups, groupsHint);
  }
  if (options.between !== undefined) {
    const between = options.between as unknown;
    const side = (v: unknown): boolean => one(v) || (Array.isArray(v) && v.length > 0 && v.every(one));
    if (!Array.isArray(between) || between.length !== 2 || !between.every(side))
      throw invalidShape(
        "partition.between",
        "two sides, each a node, a group or a list of them",
        between,
        'e.g. { between: ["app", "db"] } or { between: [["app1", "app2"], "db"] }',
      );
  }
  if (options.grudge !== undefined) {
    const grudge = options.grudge as unknown;
    if (
      typeof grudge !== "object" ||
      grudge === null ||
      Array.isArray(grudge) ||
      Object.values(grudge).some((v) => !Array.isArray(v) || !v.every((n) => typeof n === "string"))
    ) {
      throw invalidShape("partition.grudge", "an object of node name -> names of the nodes it cannot hear", grudge, 'e.g. { grudge: { n1: ["n2", "n3"] } }');
    }
  }
}

/** A network partition between the cluster's nodes, by the provisioner's own means. */
export function partition(options: PartitionOptions): Fault {
  checkShape(options ?? {});
  checkSelector("partition", options.isolate, "isolate");
  if (typeof options.minority !== "boolean") checkSelector("partition", options.minority, "minority");
  return {
    kind: "partition",
    describe: () =>
      `partition ${SHAPES.filter((k) => options[k] !== undefined)
        .map((k) => `${k}: ${describeValue(options[k])}`)
        .join(", ")}`,
    async apply(on, context) {
      const c = requireCluster(on, "partition");
      const planned = await plan(c, options, context.random);
      const grudge = options.oneWay ? grudges.oneWay(planned.grudge) : planned.grudge;
      const partition = c.controls.network.partition;
      if (!partition) throw unsupported(c, "partition", "partition");
      // The backends roll back their own partial work; cutting the clients comes after, and a
      // failure there must not leave the nodes' partition in place with no fault to heal it.
      const { undo, mechanism } = await partition(grudge, c.nodes);
      let restoreClients: () => void;
      try {
        restoreClients = options.clients
          ? cutClients(
              c,
              planned.firstSide.map((n) => c.node(n)),
            )
          : () => undefined;
      } catch (error) {
        await undo();
        throw error;
      }
      const targets = Object.keys(grudge).filter((n) => grudge[n]!.length > 0);
      return activeFault({
        id: context.id,
        kind: "partition",
        description: `${options.oneWay ? "one-way " : ""}${planned.summary}${options.clients ? " (clients cut too)" : ""}`,
        targets,
        mechanism,
        grudge,
        undo: async () => {
          restoreClients();
          await undo();
        },
      });
    },
  };
}
