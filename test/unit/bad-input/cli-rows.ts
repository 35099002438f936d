import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A history file written for the CLI rows, by name. */
export function historyFiles(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-bad-cli-"));
  const files: Record<string, string | Buffer> = {
    "empty.jsonl": "",
    "blank.edn": "\n\n   \n",
    "binary.bin": Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x00, 0x89, 0x50, 0x4e, 0x47]),
    "huge-line.jsonl": `{"process":0,"type":"invoke","f":"write","value":"${"x".repeat(5_000_000)}`,
    "not-json.jsonl": '{"process":0,"type":"invoke","f":"write","value":1}\n{"process":0,"type":\n',
    "bad-type.jsonl": '{"process":0,"type":"done","f":"write","value":1}\n',
    "no-f.jsonl": '{"process":0,"type":"invoke","value":1}\n',
    "bad-process.jsonl": '{"process":true,"type":"invoke","f":"read","value":null}\n',
    "bad-time.jsonl": '{"process":0,"type":"invoke","f":"read","value":null,"time":"noon"}\n',
    "array-line.jsonl": '{"process":0,"type":"invoke","f":"read","value":null}\n[1,2,3]\n',
    "unbalanced.edn": "{:process 0, :type :invoke, :f :write, :value 1\n",
    "edn-bad-type.edn": "{:process 0, :type :maybe, :f :write, :value 1}\n",
    "deep.edn": `{:process 0, :type :invoke, :f :write, :value ${"[".repeat(100_000)}}\n`,
    "jepsen-bad.log": "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - zero\t:ok\t:write\n",
    "prose.txt": "this is not a history\nat all\n",
    "ok.jsonl": '{"process":0,"type":"invoke","f":"write","value":1}\n{"process":0,"type":"ok","f":"write","value":1}\n',
  };
  const paths: Record<string, string> = { dir };
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), content);
    paths[name] = join(dir, name);
  }
  paths["missing.jsonl"] = join(dir, "missing.jsonl");
  return paths;
}

/**
 * [label, argv (`@name` is replaced by that file's path), exit status, code, option or place, received].
 * 64: usage error; 65: unreadable history; 66: no such file.
 */
export type CliRow = [label: string, argv: string[], exit: number, code: string, option: string, received: string];

const bad = "FAULTLINE_INVALID_OPTION";
const parse = "FAULTLINE_PARSE";

export const cliRows: CliRow[] = [
  ["an unknown command", ["chekc"], 64, bad, "command", '"chekc"'],
  ["check without a file", ["check", "--model", "register"], 64, bad, "file", "received none"],
  ["check with two files", ["check", "@ok.jsonl", "@ok.jsonl", "--model", "register"], 64, bad, "file", "received 2"],
  ["check without --model", ["check", "@ok.jsonl"], 64, bad, "--model", "received none"],
  ["check --model without a value", ["check", "@ok.jsonl", "--model"], 64, bad, "--model", "needs a value"],
  ["check --model of an unknown model", ["check", "@ok.jsonl", "--model", "raft"], 64, bad, "--model", '"raft"'],
  ["check --model __proto__", ["check", "@ok.jsonl", "--model", "__proto__"], 64, bad, "--model", '"__proto__"'],
  ["check --model=", ["check", "@ok.jsonl", "--model="], 64, bad, "--model", '""'],
  ["check an unknown option", ["check", "@ok.jsonl", "--model", "register", "--fast"], 64, bad, "--fast", "--fast"],
  ["check --format yaml", ["check", "@ok.jsonl", "--model", "register", "--format", "yaml"], 64, bad, "--format", '"yaml"'],
  ["check --budget 10 seconds", ["check", "@ok.jsonl", "--model", "register", "--budget", "10 seconds"], 64, bad, "--budget", '"10 seconds"'],
  ["check --budget -1s", ["check", "@ok.jsonl", "--model", "register", "--budget=-1s"], 64, bad, "--budget", '"-1s"'],
  ["check --initial of broken EDN", ["check", "@ok.jsonl", "--model", "register", "--initial", "{:a"], 64, bad, "--initial", '"{:a"'],
  ["a missing history file", ["check", "@missing.jsonl", "--model", "register"], 66, "FAULTLINE_HISTORY", "file", "missing.jsonl"],
  ["a directory as the history", ["check", "@dir", "--model", "register"], 66, "FAULTLINE_HISTORY", "file", "EISDIR"],
  ["an empty history file", ["check", "@empty.jsonl", "--model", "register"], 65, parse, "empty.jsonl", "cannot tell the format"],
  ["a blank EDN file", ["check", "@blank.edn", "--model", "register"], 65, parse, "blank.edn", "cannot tell the format"],
  ["a binary file", ["check", "@binary.bin", "--model", "register"], 65, parse, "binary.bin", "cannot tell the format"],
  ["a 5 MB line cut short", ["check", "@huge-line.jsonl", "--model", "register"], 65, parse, "huge-line.jsonl:1", "not valid JSON"],
  ["a JSONL line cut short", ["check", "@not-json.jsonl", "--model", "register"], 65, parse, "not-json.jsonl:2", "not valid JSON"],
  ["a JSONL type that is not one", ["check", "@bad-type.jsonl", "--model", "register"], 65, parse, "bad-type.jsonl:1", '"done"'],
  ["a JSONL operation without f", ["check", "@no-f.jsonl", "--model", "register"], 65, parse, "no-f.jsonl:1", "f must be a string"],
  ["a JSONL process that is a boolean", ["check", "@bad-process.jsonl", "--model", "register"], 65, parse, "bad-process.jsonl:1", "true"],
  ["a JSONL time that is not a number", ["check", "@bad-time.jsonl", "--model", "register"], 65, parse, "bad-time.jsonl:1", '"noon"'],
  [
    "a JSONL line that is an array",
    ["check", "@array-line.jsonl", "--model", "register", "--format", "jsonl"],
    65,
    parse,
    "array-line.jsonl:2",
    "expected an object",
  ],
  ["an unbalanced EDN map", ["check", "@unbalanced.edn", "--model", "register"], 65, parse, "unbalanced.edn", "unbalanced.edn"],
  ["an EDN type that is not one", ["check", "@edn-bad-type.edn", "--model", "register"], 65, parse, "edn-bad-type.edn", "maybe"],
  ["EDN nested 100,000 deep", ["check", "@deep.edn", "--model", "register"], 65, parse, "deep.edn", "deep"],
  ["a Jepsen log with a bad process", ["check", "@jepsen-bad.log", "--model", "register", "--format", "jepsen"], 65, parse, "jepsen-bad.log", "zero"],
  ["prose read as JSONL", ["check", "@prose.txt", "--model", "register", "--format", "jsonl"], 65, parse, "prose.txt:1", "not valid JSON"],
];
