import { isFaultlineError } from "../../../src/common/errors";
import { parseFailpointList, parseFailpointTerms, type FailpointTerm } from "../../../src/failpoints/term-parser";

const shape = (terms: FailpointTerm[]): unknown => terms.map(({ modifiers, action }) => ({ modifiers, action }));

describe("parseFailpointTerms", () => {
  it.each<[string, unknown]>([
    ["off", [{ modifiers: [], action: { type: "off" } }]],
    ["return", [{ modifiers: [], action: { type: "return", value: true } }]],
    ["return()", [{ modifiers: [], action: { type: "return", value: true } }]],
    ["return(1)", [{ modifiers: [], action: { type: "return", value: 1 } }]],
    ["return(-2.5)", [{ modifiers: [], action: { type: "return", value: -2.5 } }]],
    ['return("hello")', [{ modifiers: [], action: { type: "return", value: "hello" } }]],
    ['return("a)b->c")', [{ modifiers: [], action: { type: "return", value: "a)b->c" } }]],
    ["return(hello)", [{ modifiers: [], action: { type: "return", value: "hello" } }]],
    ["return('x y')", [{ modifiers: [], action: { type: "return", value: "x y" } }]],
    ["return(true)", [{ modifiers: [], action: { type: "return", value: true } }]],
    ["return(false)", [{ modifiers: [], action: { type: "return", value: false } }]],
    ["return(null)", [{ modifiers: [], action: { type: "return", value: null } }]],
    ['return({"status":503})', [{ modifiers: [], action: { type: "return", value: { status: 503 } } }]],
    ["sleep(100)", [{ modifiers: [], action: { type: "sleep", ms: 100 } }]],
    ['sleep("2s")', [{ modifiers: [], action: { type: "sleep", ms: 2000 } }]],
    ["sleep(250ms)", [{ modifiers: [], action: { type: "sleep", ms: 250 } }]],
    ["sleep(1m)", [{ modifiers: [], action: { type: "sleep", ms: 60_000 } }]],
    ["panic", [{ modifiers: [], action: { type: "panic" } }]],
    ["panic(disk on fire)", [{ modifiers: [], action: { type: "panic", message: "disk on fire" } }]],
    ['print("here")', [{ modifiers: [], action: { type: "print", message: "here" } }]],
    ["pause", [{ modifiers: [], action: { type: "pause" } }]],
    ["50%return", [{ modifiers: [{ type: "probability", percent: 50 }], action: { type: "return", value: true } }]],
    ["0.5%off", [{ modifiers: [{ type: "probability", percent: 0.5 }], action: { type: "off" } }]],
    ["3*return(1)", [{ modifiers: [{ type: "count", times: 3 }], action: { type: "return", value: 1 } }]],
    [
      "50%3*return(1)",
      [
        {
          modifiers: [
            { type: "probability", percent: 50 },
            { type: "count", times: 3 },
          ],
          action: { type: "return", value: 1 },
        },
      ],
    ],
    [
      "3*off->return",
      [
        { modifiers: [{ type: "count", times: 3 }], action: { type: "off" } },
        { modifiers: [], action: { type: "return", value: true } },
      ],
    ],
    [
      "  1*sleep(5) -> 2*panic ->  off ",
      [
        { modifiers: [{ type: "count", times: 1 }], action: { type: "sleep", ms: 5 } },
        { modifiers: [{ type: "count", times: 2 }], action: { type: "panic" } },
        { modifiers: [], action: { type: "off" } },
      ],
    ],
  ])("parses %s", (text, expected) => {
    expect(shape(parseFailpointTerms(text))).toEqual(expected);
  });

  it("keeps each term's text for messages", () => {
    expect(parseFailpointTerms("50%3*return(1)->off").map((t) => t.text)).toEqual(["50%3*return(1)", "off"]);
  });

  it.each<[string, RegExp]>([
    ["", /the term is empty/],
    ["retrun(1)", /at "retrun\(1\)": unknown action "retrun"/],
    ["return(1", /missing "\)"/],
    ['return("abc)', /unterminated string/],
    ["return(1)x", /at "x": expected "->" or the end of the term/],
    ["return(1)->", /expected a term after "->"/],
    ["150%return", /a probability is 0% to 100%, received 150%/],
    ["0*return", /a count is a whole number of at least 1, received 0\*/],
    ["1.5*return", /a count is a whole number/],
    ["50%", /at the end: expected an action/],
    ["sleep", /sleep needs milliseconds/],
    ["sleep(soon)", /sleep needs milliseconds .* received \(soon\)/],
    ["off(1)", /off takes no argument/],
    ["pause(3)", /pause takes no argument/],
    ["break", /"break" is not supported/],
    ["delay(10)", /"delay" is not supported: use sleep/],
    ['return({"a":)', /cannot read \{"a":\} as JSON|cannot read .* as JSON/],
  ])("rejects %j with a message naming the bad part", (text, message) => {
    let caught: unknown;
    try {
      parseFailpointTerms(text, "cas.put");
    } catch (error) {
      caught = error;
    }
    expect(isFaultlineError(caught)).toBe(true);
    const error = caught as { code: string; message: string; hint?: string };
    expect(error.code).toBe("FAULTLINE_FAILPOINT");
    expect(error.message).toContain('failpoint "cas.put"');
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/actions: off, return/);
  });
});

describe("parseFailpointList", () => {
  it("reads name=terms pairs separated by semicolons, ignoring empty entries", () => {
    expect([...parseFailpointList('a=return(1);b/c=50%sleep(10);;d=return("x;y")', "ENV")]).toEqual([
      ["a", "return(1)"],
      ["b/c", "50%sleep(10)"],
      ["d", 'return("x;y")'],
    ]);
  });

  it("names the variable and the entry when one is malformed", () => {
    expect(() => parseFailpointList("a=return(1);oops", "FAULTLINE_FAILPOINTS")).toThrow(/FAULTLINE_FAILPOINTS: expected <name>=<terms>, received "oops"/);
    expect(() => parseFailpointList("a=retrun", "FAULTLINE_FAILPOINTS")).toThrow(/failpoint "a": .*unknown action "retrun"/);
  });
});
