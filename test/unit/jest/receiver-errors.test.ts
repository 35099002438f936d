import { FaultlineError, isFaultlineError } from "../../../src/common/errors";
import { matchers } from "../../../src/jest/matchers/register";

expect.extend(matchers);

/** What `act` threw, or a failure when it threw nothing. */
async function thrown(act: () => unknown): Promise<FaultlineError> {
  try {
    await act();
  } catch (error) {
    if (!isFaultlineError(error)) throw new Error(`not a FaultlineError: ${String(error)}`);
    return error;
  }
  throw new Error("expected the matcher to throw");
}

const plain = (text: string): string => text.replace(/\u001b\[\d+m/g, "");
const wrong = (value: unknown): never => value as never;

// One helper builds every receiver error: cluster matchers and history matchers alike give a
// branded FaultlineError whose message says what was expected and what was received.
describe("a matcher on a value of the wrong kind", () => {
  it("a cluster matcher says it wants a cluster, what it got, and what to pass", async () => {
    const error = await thrown(() => expect(wrong("etcd")).toBeHealthy());
    expect(error).toBeInstanceOf(FaultlineError);
    expect(error).not.toBeInstanceOf(TypeError);
    expect({ code: error.code, option: error.option }).toEqual({ code: "FAULTLINE_MATCHER_RECEIVER", option: "toBeHealthy.received" });
    expect(error.message).toContain('toBeHealthy() expects a cluster as its received value, received string "etcd"');
    expect(error.message).toContain("Hint: pass the value returned by useCluster(...) or startCluster(...)");
  });

  it("a node matcher and a promise matcher each give their own hint", async () => {
    const node = await thrown(() => expect(wrong(1234)).toExitWithin("1s"));
    expect(node.message).toContain("toExitWithin() expects a node (cluster.node(name)) as its received value, received number 1234");
    expect(node.hint).toContain('cluster.node("n1")');
    const promise = await thrown(() => expect(wrong(undefined)).toCompleteWithin("1s"));
    expect(promise.message).toContain("toCompleteWithin() expects a promise or a function returning one as its received value, received undefined");
    expect(promise.hint).toContain("toCompleteWithin");
  });

  it("a history matcher keeps Jest's format: matcher hint, the value with its type, and the hint", async () => {
    const error = await thrown(() => expect(wrong({ ops: [] })).toHaveValidCounter());
    expect({ code: error.code, option: error.option }).toEqual({ code: "FAULTLINE_MATCHER_RECEIVER", option: "toHaveValidCounter.received" });
    const message = plain(error.message);
    expect(message).toContain("expect(received).toHaveValidCounter(expected)");
    expect(message).toContain("received value must be a History or an array of operations");
    expect(message).toContain("Received has type:  object");
    expect(message).toContain('Received has value: {"ops": []}');
    expect(message).toContain("Hint: pass cluster.history(), createHistory(), or the result of parseHistory()");
  });

  it("a wrong matcher argument is the expected value, with the matcher's own hint", async () => {
    const error = await thrown(() => expect([]).toBeConsistent(wrong([])));
    expect(error.option).toBe("toBeConsistent.expected");
    const message = plain(error.message);
    expect(message).toContain('expected value must be a consistency model such as "serializable", or a list of them');
    expect(message).toContain("Expected has value: []");
    expect(error.hint).toContain("serializable");
    const unknown = await thrown(() => expect([]).toBeConsistent(wrong(42)));
    expect(plain(unknown.message)).toContain("Expected has type:  number");
  });
});
