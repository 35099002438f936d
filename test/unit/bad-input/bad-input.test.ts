import { toMs, MAX_DURATION_MS } from "../../../src/common/duration";
import { isFaultlineError } from "../../../src/common/errors";
import { defineCluster } from "../../../src/cluster/define-cluster";
import { probes } from "../../../src/cluster/probes";
import type { ClusterSpec } from "../../../src/cluster/types";
import { faults } from "../../../src/faults/catalog";
import { models } from "../../../src/history/models";
import { matchers } from "../../../src/jest/matchers/register";
import { withFault, withFaults } from "../../../src/jest/with-fault";

expect.extend(matchers);

/**
 * The catalogue of bad input that used to be accepted (issue 16): each row must fail with a
 * coded FaultlineError naming the option and the value received, when the value is first known
 * (definition, collection, or the matcher call), with a hint.
 */
type Row = [label: string, act: () => unknown, code: string, option: string, received: string];

const command = (): string[] => ["true"];
const body = async (): Promise<void> => undefined;
const cluster = (extra: Record<string, unknown>) => () => defineCluster({ nodes: 3, command, ...extra } as unknown as ClusterSpec);
const never = [] as never;

const rows: Row[] = [
  // Matchers: each of these passed before, whatever the attempts looked like.
  [
    'toRetryWithBackoff factor "x"',
    () => expect([0, 100, 200, 300]).toRetryWithBackoff({ factor: "x" as never }),
    "FAULTLINE_INVALID_OPTION",
    "toRetryWithBackoff.factor",
    '"x"',
  ],
  [
    'toRetryWithBackoff attempts "abc"',
    () => expect([0, 100]).toRetryWithBackoff({ attempts: "abc" as never }),
    "FAULTLINE_INVALID_OPTION",
    "toRetryWithBackoff.attempts",
    '"abc"',
  ],
  [
    "toRetryWithBackoff tolerance NaN",
    () => expect([0, 100, 100, 100]).toRetryWithBackoff({ tolerance: NaN }),
    "FAULTLINE_INVALID_OPTION",
    "toRetryWithBackoff.tolerance",
    "null",
  ],
  [
    "toRetryWithBackoff a misspelt option",
    () => expect([0, 100, 100]).toRetryWithBackoff({ factr: 3 } as never),
    "FAULTLINE_INVALID_OPTION",
    "toRetryWithBackoff.factr",
    "factr",
  ],
  [
    "toRetryWithBackoff maxDelay below minDelay",
    () => expect([0, 100]).toRetryWithBackoff({ minDelay: "2s", maxDelay: "1s" }),
    "FAULTLINE_INVALID_OPTION",
    "toRetryWithBackoff.maxDelay",
    '"1s"',
  ],
  [
    "toRetryWithBackoff under .not",
    () => expect([0, 100, 100]).not.toRetryWithBackoff({ factor: "x" as never }),
    "FAULTLINE_INVALID_OPTION",
    "toRetryWithBackoff.factor",
    '"x"',
  ],
  [
    "toLoseNoWrites a misspelt linearizable",
    () => expect([]).toLoseNoWrites({ linearisable: true } as never),
    "FAULTLINE_INVALID_OPTION",
    "toLoseNoWrites.linearisable",
    "linearisable",
  ],
  ["toLoseNoWrites add as a number", () => expect([]).toLoseNoWrites({ add: 5 } as never), "FAULTLINE_INVALID_OPTION", "toLoseNoWrites.add", "5"],
  [
    "toHaveValidCounter initial as a string",
    () => expect([]).toHaveValidCounter({ initial: "5" } as never),
    "FAULTLINE_INVALID_OPTION",
    "toHaveValidCounter.initial",
    '"5"',
  ],
  [
    'toDeliverQueueExactlyOnce drained "no"',
    () => expect([]).toDeliverQueueExactlyOnce({ drained: "no" } as never),
    "FAULTLINE_INVALID_OPTION",
    "toDeliverQueueExactlyOnce.drained",
    '"no"',
  ],
  ["toHaveUniqueIds a misspelt f", () => expect([]).toHaveUniqueIds({ fn: "generate" } as never), "FAULTLINE_INVALID_OPTION", "toHaveUniqueIds.fn", "fn"],
  [
    "toPreserveBankTotal total in the options",
    () => expect([]).toPreserveBankTotal(100, { total: 50 } as never),
    "FAULTLINE_INVALID_OPTION",
    "toPreserveBankTotal.total",
    "total",
  ],
  [
    "toBeLinearizable a misspelt budget",
    () => expect([]).toBeLinearizable(models.casRegister(), { budgt: "1s" } as never),
    "FAULTLINE_INVALID_OPTION",
    "toBeLinearizable.budgt",
    "budgt",
  ],

  // Faults that did nothing, or something else than asked.
  ["kill of an empty list", () => faults.kill({ node: [] }), "FAULTLINE_INVALID_OPTION", "kill.node", "[]"],
  ["kill of a node listed twice", () => faults.kill({ node: ["n1", "n1"] }), "FAULTLINE_INVALID_OPTION", "kill.node", '["n1","n1"]'],
  ["kill of a list holding a selector", () => faults.kill({ node: ["leader"] }), "FAULTLINE_INVALID_OPTION", "kill.node", '["leader"]'],
  ['kill twice: "yes"', () => faults.kill({ twice: "yes" as never }), "FAULTLINE_INVALID_OPTION", "kill.twice", '"yes"'],
  ["pause of an empty list", () => faults.pause({ node: [] }), "FAULTLINE_INVALID_OPTION", "pause.node", "[]"],
  ["disk of a negative index", () => faults.disk({ node: -1, mode: "readonly" }), "FAULTLINE_INVALID_OPTION", "disk.node", "-1"],
  ["partition isolating an empty list", () => faults.partition({ isolate: [] }), "FAULTLINE_INVALID_OPTION", "partition.isolate", "[]"],
  ["schedule count -1", () => faults.schedule({ faults: [faults.kill()], count: -1 }), "FAULTLINE_INVALID_OPTION", "schedule.count", "-1"],
  ['schedule seed "abc"', () => faults.schedule({ faults: [faults.kill()], seed: "abc" as never }), "FAULTLINE_INVALID_OPTION", "schedule.seed", '"abc"'],
  ["schedule interval 0", () => faults.schedule({ faults: [faults.kill()], interval: 0 }), "FAULTLINE_INVALID_DURATION", "schedule.interval", "0"],
  ['latency links "bogus"', () => faults.latency({ latency: 100, links: "bogus" as never }), "FAULTLINE_INVALID_OPTION", "latency.links", '"bogus"'],
  ["latency port as a number", () => faults.latency({ latency: 100, port: 8080 as never }), "FAULTLINE_INVALID_OPTION", "latency.port", "8080"],
  ['latency "5 s"', () => faults.latency({ latency: "5 s" }), "FAULTLINE_INVALID_OPTION", "latency.latency", '"5 s"'],
  ["latency toxicity 2", () => faults.latency({ latency: 10, toxicity: 2 }), "FAULTLINE_INVALID_OPTION", "latency.toxicity", "2"],
  ['down direction "sideways"', () => faults.down({ direction: "sideways" as never }), "FAULTLINE_INVALID_OPTION", "down.direction", '"sideways"'],
  ['timeout links "bogus"', () => faults.timeout({ timeout: 100, links: "bogus" as never }), "FAULTLINE_INVALID_OPTION", "timeout.links", '"bogus"'],
  ["slicer averageSize 0", () => faults.slicer({ averageSize: 0 }), "FAULTLINE_INVALID_OPTION", "slicer.averageSize", "0"],
  ["limit_data bytes -1", () => faults.limitData({ bytes: -1 }), "FAULTLINE_INVALID_OPTION", "limit_data.bytes", "-1"],
  ["loss probability 2", () => faults.loss({ probability: 2 }), "FAULTLINE_INVALID_OPTION", "loss.probability", "2"],
  ['loss links "peers"', () => faults.loss({ probability: 0.5, links: "peers" as never }), "FAULTLINE_INVALID_OPTION", "loss.links", '"peers"'],
  ["bandwidth rate 0", () => faults.bandwidth({ rate: 0 }), "FAULTLINE_INVALID_OPTION", "bandwidth.rate", "0"],
  ['bandwidth links "bogus"', () => faults.bandwidth({ rate: 10, links: "bogus" as never }), "FAULTLINE_INVALID_OPTION", "bandwidth.links", '"bogus"'],

  // withFault / withFaults: at collection, before any fault ran.
  ["withFaults with a misspelt fault option", () => withFaults([["kill", { nod: 1 } as never]], body), "FAULTLINE_INVALID_OPTION", "kill.nod", "nod"],
  ["withFaults with an unknown kind", () => withFaults(["kil" as never], body), "FAULTLINE_INVALID_OPTION", "kind", '"kil"'],
  ["withFaults with no faults", () => withFaults(never, body), "FAULTLINE_INVALID_OPTION", "withFaults.faults", "[]"],
  [
    "withFaults with a misspelt timing",
    () => withFaults([["kill", { node: "n1" }, { aftre: "1s" } as never]], body),
    "FAULTLINE_INVALID_OPTION",
    "withFaults.faults[0][2].aftre",
    "aftre",
  ],
  [
    'withFaults timing for "soon"',
    () => withFaults(["pause", ["kill", { node: "n1" }, { for: "soon" as never }]], body),
    "FAULTLINE_INVALID_DURATION",
    "withFaults.faults[1][2].for",
    '"soon"',
  ],
  ["withFaults timing that is a number", () => withFaults([["kill", {}, 300 as never]], body), "FAULTLINE_INVALID_OPTION", "withFaults.faults[0][2]", "300"],
  [
    'withFaults recoverWithin "5x"',
    () => withFaults(["kill"], { recoverWithin: "5x" as never }, body),
    "FAULTLINE_INVALID_DURATION",
    "withFaults.recoverWithin",
    '"5x"',
  ],
  [
    "withFaults a misspelt option",
    () => withFaults(["kill"], { recoverWithn: "5s" } as never, body),
    "FAULTLINE_INVALID_OPTION",
    "withFaults.recoverWithn",
    "recoverWithn",
  ],
  [
    'withFault recoverWithin "5x"',
    () => withFault("kill", { recoverWithin: "5x" as never }, body),
    "FAULTLINE_INVALID_DURATION",
    "withFault.recoverWithin",
    '"5x"',
  ],
  ["withFault steadyTimeout -1", () => withFault("kill", { steadyTimeout: -1 }, body), "FAULTLINE_INVALID_DURATION", "withFault.steadyTimeout", "-1"],
  ["withFault cluster 3", () => withFault("kill", { cluster: 3 as never }, body), "FAULTLINE_INVALID_OPTION", "withFault.cluster", "3"],
  [
    "withFault of a fault object with fault options",
    () => withFault(faults.kill(), { node: "n1" } as never, body),
    "FAULTLINE_INVALID_OPTION",
    "withFault.node",
    "node",
  ],

  // Durations past the timer limit fire at once.
  ["a duration past the timer limit", () => toMs(3e9, { option: "stop.timeout" }), "FAULTLINE_INVALID_DURATION", "stop.timeout", "3000000000"],
  ["an hours string past the timer limit", () => toMs("600h", { option: "x" }), "FAULTLINE_INVALID_DURATION", "x", '"600h"'],
  ["stop.timeout 3e9", cluster({ stop: { timeout: 3e9 } }), "FAULTLINE_INVALID_DURATION", "stop.timeout", "3000000000"],
  ["readyTimeout 0", cluster({ readyTimeout: 0 }), "FAULTLINE_INVALID_DURATION", "readyTimeout", "0"],
  ["readyTimeout -1", cluster({ readyTimeout: -1 }), "FAULTLINE_INVALID_DURATION", "readyTimeout", "-1"],
  ["probes.tcp timeout 0", () => probes.tcp("client", { timeout: 0 }), "FAULTLINE_INVALID_DURATION", "probes.tcp timeout", "0"],
  ["probes.tcp given a port number", () => probes.tcp(2379 as never), "FAULTLINE_INVALID_OPTION", "probes.tcp port", "2379"],
  ["probes.http given a port number", () => probes.http({ port: 80 as never }), "FAULTLINE_INVALID_OPTION", "probes.http port", "80"],

  // Subnets.
  ["subnet 0.0.0.0/0", cluster({ provisioner: "netns", network: { subnet: "0.0.0.0/0" } }), "FAULTLINE_INVALID_OPTION", "network.subnet", '"0.0.0.0/0"'],
  [
    "subnet without a prefix",
    cluster({ provisioner: "netns", network: { subnet: "198.18.0.0" } }),
    "FAULTLINE_INVALID_OPTION",
    "network.subnet",
    '"198.18.0.0"',
  ],
  [
    "subnet with host bits",
    cluster({ provisioner: "docker", docker: { image: "x" }, network: { subnet: "198.18.0.1/24" } }),
    "FAULTLINE_INVALID_OPTION",
    "network.subnet",
    '"198.18.0.1/24"',
  ],
  [
    "subnet of public addresses",
    cluster({ provisioner: "netns", network: { subnet: "8.8.8.0/24" } }),
    "FAULTLINE_INVALID_OPTION",
    "network.subnet",
    '"8.8.8.0/24"',
  ],
  [
    "subnet too small for netns",
    cluster({ provisioner: "netns", network: { subnet: "198.18.0.0/29" } }),
    "FAULTLINE_INVALID_OPTION",
    "network.subnet",
    '"198.18.0.0/29"',
  ],
  [
    "subnet with an octet past 255",
    cluster({ provisioner: "netns", network: { subnet: "300.18.0.0/16" } }),
    "FAULTLINE_INVALID_OPTION",
    "network.subnet",
    '"300.18.0.0/16"',
  ],
  ["subnet on process", cluster({ network: { subnet: "198.18.0.0/15" } }), "FAULTLINE_INVALID_OPTION", "network.subnet", '"198.18.0.0/15"'],
  [
    "a misspelt network option",
    cluster({ provisioner: "netns", network: { subnett: "198.18.0.0/15" } }),
    "FAULTLINE_INVALID_OPTION",
    "network.subnett",
    '"198.18.0.0/15"',
  ],
  ['cwd ""', cluster({ cwd: "" }), "FAULTLINE_INVALID_OPTION", "cwd", '""'],
];

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("bad input is refused when it is first known", () => {
  it.each(rows)("%s", (_label, act, code, option, received) => {
    const error = thrown(act);
    expect(isFaultlineError(error)).toBe(true);
    const e = error as { code: string; option?: string; message: string; hint?: string };
    expect({ code: e.code, option: e.option }).toEqual({ code, option });
    expect(e.message).toContain(received);
    expect(e.hint).toEqual(expect.any(String));
  });
});

describe("what stays accepted", () => {
  it("takes durations up to the timer limit", () => {
    expect(toMs(MAX_DURATION_MS)).toBe(2 ** 31 - 1);
    expect(toMs("596h")).toBe(596 * 3_600_000);
  });

  it("takes subnets inside the private and benchmark ranges", () => {
    expect(() => cluster({ provisioner: "netns", network: { subnet: "198.18.0.0/15" } })()).not.toThrow();
    expect(() => cluster({ provisioner: "netns", network: { subnet: "10.0.0.0/8" } })()).not.toThrow();
    expect(() => cluster({ provisioner: "netns", network: { subnet: "192.168.7.0/24" } })()).not.toThrow();
    expect(() => cluster({ provisioner: "docker", docker: { image: "x" }, network: { subnet: "198.19.240.0/22" } })()).not.toThrow();
    expect(() => cluster({ provisioner: "docker", docker: { image: "x" }, network: { subnet: "172.20.0.8/29" } })()).not.toThrow();
  });

  it("keeps the matchers' valid options", () => {
    expect([0, 500, 1500, 3500]).toRetryWithBackoff({ attempts: 4, factor: 2, minDelay: "500ms", maxDelay: "30s", tolerance: 0.2 });
    expect([]).toLoseNoWrites({ add: ["add"], read: "read", linearizable: true });
    expect(() => faults.kill({ node: ["n1", 1] })).not.toThrow(); // both names and indexes; resolved against the cluster at apply
    expect(() => faults.schedule({ faults: [faults.kill()], count: 1, seed: 0 })).not.toThrow();
    expect(() => withFaults([["kill", { node: "n1" }], faults.pause()], { recoverWithin: "5s" }, body)).not.toThrow();
  });
});
