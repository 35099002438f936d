import { models } from "../../../src/history/models";
import { matchers } from "../../../src/jest/matchers/register";
import type { Row } from "./catalogue";

expect.extend(matchers);

const receiver = "FAULTLINE_MATCHER_RECEIVER";
/** A value as JavaScript (or `any`) hands it over: TypeScript would refuse these at compile time. */
const wrong = (value: unknown): unknown => value;
const cluster = (matcher: string): string => `${matcher}.received`;
const history = (matcher: string): string => `${matcher}.received`;

/** Matchers given something they cannot read: a FAULTLINE_MATCHER_RECEIVER error, never a pass or a crash. */
export const matcherRows: Row[] = [
  // Cluster matchers on things that are not clusters.
  ["toBeHealthy on a string", () => expect(wrong("etcd")).toBeHealthy(), receiver, cluster("toBeHealthy"), "string"],
  ["toBeHealthy on undefined", () => expect(wrong(undefined)).toBeHealthy(), receiver, cluster("toBeHealthy"), "undefined"],
  ["toRecoverWithin on null", () => expect(wrong(null)).toRecoverWithin("1s"), receiver, cluster("toRecoverWithin"), "null"],
  ["toRecoverWithin on a plain object", () => expect(wrong({ nodes: [] })).toRecoverWithin("1s"), receiver, cluster("toRecoverWithin"), "object"],
  ["toStayHealthyFor on a number", () => expect(wrong(3)).toStayHealthyFor("1s"), receiver, cluster("toStayHealthyFor"), "number"],
  ["toHaveLeader on an array", () => expect(wrong([])).toHaveLeader(), receiver, cluster("toHaveLeader"), "an array"],
  ["toElectLeaderWithin on a promise", () => expect(wrong(Promise.resolve())).toElectLeaderWithin("1s"), receiver, cluster("toElectLeaderWithin"), "object"],
  ["toExitWithin on a node name", () => expect(wrong("n1")).toExitWithin("1s"), receiver, cluster("toExitWithin"), "string"],
  ["toExitWithin on a pid", () => expect(wrong(1234)).toExitWithin("1s"), receiver, cluster("toExitWithin"), "number"],
  ["toCompleteWithin on a number", () => expect(wrong(5)).toCompleteWithin("1s"), receiver, cluster("toCompleteWithin"), "number"],
  ["toCompleteWithin on undefined", () => expect(wrong(undefined)).toCompleteWithin("1s"), receiver, cluster("toCompleteWithin"), "undefined"],
  ["toRetryWithBackoff on a string", () => expect(wrong("0,100")).toRetryWithBackoff(), receiver, cluster("toRetryWithBackoff"), "string"],
  ["toRetryWithBackoff on times with NaN", () => expect(wrong([0, NaN])).toRetryWithBackoff(), receiver, cluster("toRetryWithBackoff"), "an array"],

  // History matchers on things that are not histories.
  [
    "toBeLinearizable on a string",
    () => expect(wrong("history.edn")).toBeLinearizable(models.register()),
    receiver,
    history("toBeLinearizable"),
    "history.edn",
  ],
  ["toBeLinearizable on an array of numbers", () => expect(wrong([1, 2])).toBeLinearizable(models.register()), receiver, history("toBeLinearizable"), "[1, 2]"],
  ["toBeLinearizable without a model", () => expect(wrong([])).toBeLinearizable(undefined as never), receiver, "toBeLinearizable.expected", "undefined"],
  ["toBeLinearizable with a model name", () => expect(wrong([])).toBeLinearizable("register" as never), receiver, "toBeLinearizable.expected", "register"],
  ["toLoseNoWrites on null", () => expect(wrong(null)).toLoseNoWrites(), receiver, history("toLoseNoWrites"), "null"],
  ["toHaveValidCounter on an object", () => expect(wrong({ ops: [] })).toHaveValidCounter(), receiver, history("toHaveValidCounter"), "ops"],
  ["toHaveUniqueIds on a number", () => expect(wrong(7)).toHaveUniqueIds(), receiver, history("toHaveUniqueIds"), "7"],
  ["toDeliverQueueExactlyOnce on a string", () => expect(wrong("q")).toDeliverQueueExactlyOnce(), receiver, history("toDeliverQueueExactlyOnce"), "q"],
  ["toPreserveBankTotal on undefined", () => expect(wrong(undefined)).toPreserveBankTotal(100), receiver, history("toPreserveBankTotal"), "undefined"],
  ['toPreserveBankTotal total "100"', () => expect(wrong([])).toPreserveBankTotal("100" as never), receiver, "toPreserveBankTotal.expected", "100"],
  ["toBeConsistent on a string", () => expect(wrong("txns")).toBeConsistent("serializable"), receiver, history("toBeConsistent"), "txns"],
  ["toBeConsistent with an empty model list", () => expect(wrong([])).toBeConsistent([]), receiver, "toBeConsistent.expected", "[]"],
  ['toBeConsistent with model "acid"', () => expect(wrong([])).toBeConsistent("acid" as never), receiver, "toBeConsistent.expected", "acid"],
];
