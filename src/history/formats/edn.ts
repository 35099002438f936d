import { FaultlineError } from "../../common/errors";

/**
 * The subset of EDN that Jepsen histories use, mapped onto plain JavaScript values:
 * nil -> null, keywords and symbols -> strings without the colon, vectors, lists and sets ->
 * arrays, maps -> objects (keys become strings), tagged literals -> their value.
 * Keywords lose their colon on purpose: `:read` and `"read"` mean the same thing to a checker.
 */
export type EdnValue = null | boolean | number | string | EdnValue[] | { [key: string]: EdnValue };

/** Characters that end a token, as a lookup table by char code (faster than a Set per char). */
const DELIMITER = new Uint8Array(128);
for (const c of ' \t\n\r,()[]{}";') DELIMITER[c.charCodeAt(0)] = 1;
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", b: "\b", f: "\f", "/": "/" };
const NUMBER = /^[+-]?(\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+)[NM]?$/;
const RATIO = /^[+-]?\d+\/\d+$/;
/**
 * How deep values may nest. Histories nest a few levels; the bound keeps a hostile or corrupt
 * file from overflowing the stack of this recursive reader with a plain RangeError.
 */
export const MAX_EDN_DEPTH = 1000;

class EdnReader {
  pos = 0;
  depth = 0;
  constructor(
    readonly text: string,
    readonly where: string,
  ) {}

  fail(message: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split("\n").length;
    const column = this.pos - before.lastIndexOf("\n");
    throw new FaultlineError({
      code: "FAULTLINE_PARSE",
      message: `${this.where}: ${message} at ${line > 1 ? `line ${line}, ` : ""}column ${column}`,
      hint: 'the value must be EDN as Jepsen writes it: nil, numbers, "strings", :keywords, [vectors], {:maps}',
    });
  }

  skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (c === " " || c === "," || c === "\t" || c === "\n" || c === "\r") this.pos++;
      else if (c === ";") {
        while (this.pos < text.length && text[this.pos] !== "\n") this.pos++;
      } else if (c === "#" && text[this.pos + 1] === "_") {
        this.pos += 2;
        this.read();
      } else return;
    }
  }

  read(): EdnValue {
    if (++this.depth > MAX_EDN_DEPTH) this.tooDeep();
    const value = this.readValue();
    this.depth--;
    return value;
  }

  tooDeep(): never {
    const line = this.text.slice(0, this.pos).split("\n").length;
    throw new FaultlineError({
      code: "FAULTLINE_PARSE",
      message: `${this.where}: values nested more than ${MAX_EDN_DEPTH} deep at ${line > 1 ? `line ${line}, ` : ""}offset ${this.pos}`,
      hint: `operation values in a history nest a few levels at most; this input is corrupt or not a history (faultline reads EDN at most ${MAX_EDN_DEPTH} levels deep)`,
    });
  }

  readValue(): EdnValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail("unexpected end of input");
    switch (c) {
      case "[":
        this.pos++;
        return this.readSeq("]");
      case "(":
        this.pos++;
        return this.readSeq(")");
      case "{":
        this.pos++;
        return this.readMap();
      case '"':
        return this.readString();
      case "#":
        return this.readDispatch();
      case "]":
      case ")":
      case "}":
        return this.fail(`unexpected "${c}"`);
      default:
        return this.readAtom();
    }
  }

  readSeq(close: string): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      if (this.pos >= this.text.length) this.fail(`missing "${close}"`);
      items.push(this.read());
    }
  }

  readMap(): { [key: string]: EdnValue } {
    const map: { [key: string]: EdnValue } = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === "}") {
        this.pos++;
        return map;
      }
      if (this.pos >= this.text.length) this.fail('missing "}"');
      const key = this.read();
      this.skipSpace();
      if (this.text[this.pos] === "}") this.fail("a map needs an even number of forms");
      map[typeof key === "string" ? key : JSON.stringify(key)] = this.read();
    }
  }

  readString(): string {
    const text = this.text;
    const close = text.indexOf('"', this.pos + 1);
    if (close >= 0) {
      // Most strings have no escapes: one slice.
      const value = text.slice(this.pos + 1, close);
      if (!value.includes("\\")) {
        this.pos = close + 1;
        return value;
      }
    }
    let out = "";
    let start = ++this.pos;
    for (;;) {
      const c = text[this.pos];
      if (c === undefined) this.fail("unterminated string");
      if (c === '"') {
        out += text.slice(start, this.pos++);
        return out;
      }
      if (c === "\\") {
        out += text.slice(start, this.pos);
        const e = text[this.pos + 1] ?? "";
        if (e === "u") {
          out += String.fromCharCode(parseInt(text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          const mapped = ESCAPES[e];
          if (mapped === undefined) this.fail(`unknown escape "\\${e}"`);
          out += mapped;
          this.pos += 2;
        }
        start = this.pos;
      } else this.pos++;
    }
  }

  readDispatch(): EdnValue {
    const next = this.text[this.pos + 1];
    if (next === "{") {
      this.pos += 2;
      return this.readSeq("}");
    }
    if (next === "#") {
      // ##Inf, ##-Inf, ##NaN
      this.pos += 2;
      const atom = this.readToken();
      if (atom === "Inf") return Infinity;
      if (atom === "-Inf") return -Infinity;
      if (atom === "NaN") return NaN;
      return this.fail(`unknown symbolic value ##${atom}`);
    }
    // A tagged literal such as #inst "…" or #jepsen.history.Op{…}: keep the value, drop the tag.
    this.pos++;
    this.readToken();
    return this.read();
  }

  readToken(): string {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    for (; pos < text.length; pos++) {
      const code = text.charCodeAt(pos);
      if (code < 128 && DELIMITER[code] === 1) break;
    }
    this.pos = pos;
    return text.slice(start, pos);
  }

  readAtom(): EdnValue {
    if (this.text[this.pos] === "\\") {
      // A character literal: \a, \newline, \space.
      this.pos++;
      const name = this.readToken();
      return name === "newline" ? "\n" : name === "space" ? " " : name === "tab" ? "\t" : name;
    }
    const token = this.readToken();
    if (token === "") this.fail(`unexpected "${this.text[this.pos]}"`);
    if (token === "nil") return null;
    if (token === "true") return true;
    if (token === "false") return false;
    if (token.startsWith(":")) return token.slice(1);
    if (NUMBER.test(token)) return Number(token.replace(/[NM]$/, ""));
    if (RATIO.test(token)) {
      const [a, b] = token.split("/");
      return Number(a) / Number(b);
    }
    return token;
  }
}

/** Reads one EDN value from `text`; throws FAULTLINE_PARSE naming `where` on malformed input. */
export function parseEdn(text: string, where = "EDN"): EdnValue {
  const reader = new EdnReader(text, where);
  const value = reader.read();
  reader.skipSpace();
  if (reader.pos < text.length) reader.fail("unexpected text after the value");
  return value;
}

/** Reads every top-level EDN value in `text` (a `history.edn` holds one map per line). */
export function parseEdnForms(text: string, where = "EDN"): EdnValue[] {
  const reader = new EdnReader(text, where);
  const forms: EdnValue[] = [];
  for (reader.skipSpace(); reader.pos < text.length; reader.skipSpace()) forms.push(reader.read());
  return forms;
}

/** Reads a single EDN value at the start of `text` and returns it with the rest of the text. */
export function readEdnPrefix(text: string, where = "EDN"): { value: EdnValue; rest: string } {
  const reader = new EdnReader(text, where);
  const value = reader.read();
  return { value, rest: text.slice(reader.pos) };
}

const KEYWORD = /^[A-Za-z*+!_?<>=-][\w*+!?<>=./-]*$/;

/** True when `name` can be written as a keyword (`:name`) and read back unchanged. */
export function isKeywordName(name: string): boolean {
  return KEYWORD.test(name) && name !== "nil" && name !== "true" && name !== "false";
}

/** Writes a JavaScript value as EDN (object keys become keywords where they can). */
export function toEdn(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "number":
      if (Number.isNaN(value)) return "##NaN";
      if (!Number.isFinite(value)) return value > 0 ? "##Inf" : "##-Inf";
      return String(value);
    case "bigint":
      return `${value}N`;
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map(toEdn).join(" ")}]`;
      if (value instanceof Set) return `#{${[...value].map(toEdn).join(" ")}}`;
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      return `{${entries.map(([k, v]) => `${isKeywordName(k) ? `:${k}` : JSON.stringify(k)} ${toEdn(v)}`).join(", ")}}`;
    }
    default:
      return JSON.stringify(String(value));
  }
}
