import { FaultlineError } from "../common/errors";

/**
 * The failpoint term grammar, after gofail and fail-rs:
 *
 * ```text
 * terms    := term ( "->" term )*
 * term     := modifier* action [ "(" arg ")" ]
 * modifier := <percent> "%"          e.g. 50%    the term applies with this probability
 *           | <count> "*"            e.g. 3*     the term applies this many times, then falls through
 * action   := off | return | sleep | panic | print | pause
 * ```
 *
 * Evaluating a failpoint walks the chain and runs the first term whose modifiers all allow it;
 * modifiers are checked left to right and a count is consumed only when every modifier before
 * it passed (so `50%3*return(1)` returns 1 three times, each evaluation with probability 1/2).
 * When no term applies the failpoint does nothing, as if it were `off`.
 */
export const FAILPOINT_GRAMMAR =
  'terms are [<p>%][<n>*]<action>[(<arg>)] chained with "->"; actions: off, return(<value>), sleep(<ms>|"<n>ms|s|m">), ' +
  'panic(<message>), print(<message>), pause — e.g. "return(1)", "50%return", "3*off->return(\\"boom\\")", "sleep(100)"';

/** A value a `return(v)` term hands to the code under test (JSON-like). */
export type FailpointValue = string | number | boolean | null | readonly unknown[] | { readonly [key: string]: unknown };

export type FailpointAction =
  | { readonly type: "off" }
  /** `return` with no argument returns `true`, so `!== undefined` checks still see it fire. */
  | { readonly type: "return"; readonly value: FailpointValue }
  | { readonly type: "sleep"; readonly ms: number }
  | { readonly type: "panic"; readonly message?: string }
  | { readonly type: "print"; readonly message?: string }
  | { readonly type: "pause" };

export type FailpointModifier = { readonly type: "probability"; readonly percent: number } | { readonly type: "count"; readonly times: number };

/** One parsed term of a chain. */
export interface FailpointTerm {
  readonly modifiers: readonly FailpointModifier[];
  readonly action: FailpointAction;
  /** The term as written, for messages. */
  readonly text: string;
}

const ACTIONS = new Set(["off", "return", "sleep", "panic", "print", "pause"]);
const UNSUPPORTED: Record<string, string> = {
  break: "gofail's break starts a debugger, which makes no sense inside a test run",
  yield: "JavaScript has no threads to yield to; use sleep(0)",
  delay: "use sleep(<ms>): a busy-wait would stall the event loop",
};
const SLEEP_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Parses a chain such as `50%3*return(1)->off`; throws FAULTLINE_FAILPOINT naming the bad part. */
export function parseFailpointTerms(text: string, name?: string): FailpointTerm[] {
  const parser = new TermParser(text, name);
  return parser.parseChain();
}

/**
 * Parses `name=terms;name=terms` (the FAULTLINE_FAILPOINTS / GOFAIL_FAILPOINTS format, and the
 * body of gofail's `PUT /failpoints`). Semicolons inside double quotes do not split.
 */
export function parseFailpointList(text: string, source: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const entry of splitOutsideQuotes(text, ";")) {
    if (entry.trim() === "") continue;
    const eq = entry.indexOf("=");
    const name = eq < 0 ? "" : entry.slice(0, eq).trim();
    if (name === "") {
      throw new FaultlineError({
        code: "FAULTLINE_FAILPOINT",
        message: `${source}: expected <name>=<terms>, received ${JSON.stringify(entry)}`,
        hint: 'separate failpoints with ";", e.g. FAULTLINE_FAILPOINTS="cas.put=return(1);wal.sync=sleep(100)"',
        option: source,
      });
    }
    const terms = entry.slice(eq + 1).trim();
    parseFailpointTerms(terms, name); // fail on load, not on first evaluation
    result.set(name, terms);
  }
  return result;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && quoted) i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

class TermParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly name: string | undefined,
  ) {}

  parseChain(): FailpointTerm[] {
    const terms: FailpointTerm[] = [];
    this.skipSpaces();
    if (this.pos >= this.text.length) this.fail("the term is empty");
    for (;;) {
      terms.push(this.parseTerm());
      this.skipSpaces();
      if (this.pos >= this.text.length) return terms;
      if (!this.text.startsWith("->", this.pos)) this.fail('expected "->" or the end of the term');
      this.pos += 2;
      this.skipSpaces();
      if (this.pos >= this.text.length) this.fail('expected a term after "->"');
    }
  }

  private parseTerm(): FailpointTerm {
    const start = this.pos;
    const modifiers: FailpointModifier[] = [];
    for (;;) {
      const match = /^(\d+(?:\.\d+)?)([%*])/.exec(this.text.slice(this.pos));
      if (!match) break;
      const value = Number(match[1]);
      if (match[2] === "%") {
        if (value > 100) this.fail(`a probability is 0% to 100%, received ${match[0]}`);
        modifiers.push({ type: "probability", percent: value });
      } else {
        if (!Number.isInteger(value) || value < 1) this.fail(`a count is a whole number of at least 1, received ${match[0]}`);
        modifiers.push({ type: "count", times: value });
      }
      this.pos += match[0].length;
    }
    const word = /^[A-Za-z_]+/.exec(this.text.slice(this.pos))?.[0];
    if (word === undefined) this.fail("expected an action (off, return, sleep, panic, print, pause)");
    if (UNSUPPORTED[word] !== undefined) this.fail(`"${word}" is not supported: ${UNSUPPORTED[word]}`);
    if (!ACTIONS.has(word)) this.fail(`unknown action "${word}"`);
    this.pos += word.length;
    const arg = this.parseArgument();
    const action = this.makeAction(word, arg);
    return { modifiers, action, text: this.text.slice(start, this.pos) };
  }

  /** The raw text between balanced parentheses (quotes respected), or undefined without them. */
  private parseArgument(): string | undefined {
    if (this.text[this.pos] !== "(") return undefined;
    const open = this.pos;
    let depth = 0;
    let quoted = false;
    for (let i = open; i < this.text.length; i++) {
      const ch = this.text[i];
      if (quoted) {
        if (ch === "\\") i++;
        else if (ch === '"') quoted = false;
      } else if (ch === '"') quoted = true;
      else if (ch === "(") depth++;
      else if (ch === ")" && --depth === 0) {
        this.pos = i + 1;
        return this.text.slice(open + 1, i).trim();
      }
    }
    this.pos = open;
    return this.fail(quoted ? "unterminated string" : 'missing ")"');
  }

  private makeAction(word: string, arg: string | undefined): FailpointAction {
    switch (word) {
      case "off":
      case "pause":
        if (arg) this.fail(`${word} takes no argument, received (${arg})`);
        return { type: word };
      case "return":
        return { type: "return", value: arg ? this.parseValue(arg) : true };
      case "sleep":
        return { type: "sleep", ms: this.parseSleep(arg) };
      default: {
        const type = word as "panic" | "print";
        if (!arg) return { type };
        const value = this.parseValue(arg);
        return { type, message: typeof value === "string" ? value : JSON.stringify(value) };
      }
    }
  }

  private parseValue(arg: string): FailpointValue {
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(arg)) return Number(arg);
    if (arg === "true" || arg === "false") return arg === "true";
    if (arg === "null") return null;
    if (/^["{[]/.test(arg)) {
      try {
        return JSON.parse(arg) as FailpointValue;
      } catch {
        this.fail(`cannot read ${arg} as JSON`);
      }
    }
    if (arg.length >= 2 && arg.startsWith("'") && arg.endsWith("'")) return arg.slice(1, -1);
    return arg; // fail-rs style bare words: return(hello) returns "hello"
  }

  private parseSleep(arg: string | undefined): number {
    const raw = arg === undefined ? "" : arg.replace(/^"(.*)"$/, "$1");
    const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw);
    if (!match) this.fail(`sleep needs milliseconds or a duration such as sleep(100) or sleep("2s"), received (${raw})`);
    return Number(match[1]) * SLEEP_UNITS[match[2] ?? "ms"]!;
  }

  private skipSpaces(): void {
    while (this.text[this.pos] === " " || this.text[this.pos] === "\t") this.pos++;
  }

  private fail(reason: string): never {
    const rest = this.text.slice(this.pos);
    const where = rest ? ` at ${JSON.stringify(rest)}` : " at the end";
    const subject = this.name === undefined ? "" : `failpoint "${this.name}": `;
    throw new FaultlineError({
      code: "FAULTLINE_FAILPOINT",
      message: `${subject}cannot parse term ${JSON.stringify(this.text)}${where}: ${reason}`,
      hint: FAILPOINT_GRAMMAR,
    });
  }
}
