import { readFile } from "node:fs/promises";
import { FaultlineError, isFaultlineError } from "../common/errors";
import { formatMs, toMs, type Duration } from "../common/duration";
import { HISTORY_FORMATS, detectFormat, parseHistory, type HistoryFormat } from "../history/formats/parse-history";
import { parseEdn, toEdn } from "../history/formats/edn";
import { checkLinearizable, DEFAULT_BUDGET, type LinearizabilityResult } from "../history/linearizability/check-linearizable";
import { casRegister } from "../history/models/cas-register";
import { counter } from "../history/models/counter";
import { fifoQueue } from "../history/models/fifo-queue";
import { kv } from "../history/models/kv";
import { mutex } from "../history/models/mutex";
import { register } from "../history/models/register";
import { set } from "../history/models/set";
import { unorderedQueue } from "../history/models/unordered-queue";
import type { Model } from "../history/models/model";

/** Models by their command-line name; `initial` comes from `--initial`. */
const MODELS: Record<string, (initial: unknown) => Model<unknown>> = {
  register: (initial) => register({ initial }),
  "cas-register": (initial) => casRegister({ initial }),
  kv: (initial) => kv({ initial }),
  set: () => set(),
  counter: (initial) => counter({ initial: initial === undefined ? undefined : Number(initial) }),
  "fifo-queue": () => fifoQueue(),
  "unordered-queue": () => unorderedQueue(),
  mutex: () => mutex(),
};

const USAGE = `usage: faultline check <file> --model <model> [--format <format>] [--budget <duration>] [--initial <edn>] [--json]

Checks a history for linearizability.

  --model     ${Object.keys(MODELS).join(" | ")}
  --format    auto (default) | ${HISTORY_FORMATS.join(" | ")}
              jepsen: jepsen.util log lines; edn/kv: one EDN map per line; jsonl: History.toJSONL()
  --budget    time the search may take, e.g. 10s (default ${String(DEFAULT_BUDGET)}); then the verdict is unknown
  --initial   the model's initial value as EDN (default nil; "" for Porcupine's kv format,
              whose store reads a missing key as "")
  --json      print the result as JSON

exit status: 0 linearizable, 1 not linearizable, 2 unknown (budget spent),
             64 usage error, 65 unreadable history, 66 file not found
`;

interface CheckArgs {
  file: string;
  model: string;
  format: HistoryFormat | "auto";
  budget: Duration;
  initial: unknown;
  json: boolean;
}

/** A malformed command line: coded like every faultline error, printed with the usage. */
class UsageError extends FaultlineError {
  constructor(option: string, message: string, hint = "see the usage below") {
    super({ code: "FAULTLINE_INVALID_OPTION", option, message, hint });
  }
}

function parseArgs(argv: readonly string[]): CheckArgs | "help" {
  const args: Partial<CheckArgs> & { initial?: unknown } = { format: "auto", budget: DEFAULT_BUDGET, json: false };
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--json") {
      args.json = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      files.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!["model", "format", "budget", "initial"].includes(name))
      throw new UsageError(`--${name}`, `unknown option --${name}`, "the options are --model, --format, --budget, --initial and --json");
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name}`, `--${name} needs a value`, `write --${name} <value> or --${name}=<value>`);
    switch (name) {
      case "model":
        // Own keys only: "__proto__" or "toString" are not models.
        if (!Object.hasOwn(MODELS, value)) {
          throw new FaultlineError({
            code: "FAULTLINE_INVALID_OPTION",
            option: "--model",
            message: `unknown model "${value}"; expected one of ${Object.keys(MODELS).join(", ")}`,
            hint: `pick one of the built-in models: ${Object.keys(MODELS).join(", ")}`,
          });
        }
        args.model = value;
        break;
      case "format":
        if (value !== "auto" && !HISTORY_FORMATS.includes(value as HistoryFormat))
          throw new UsageError(
            "--format",
            `unknown format "${value}"; expected auto, ${HISTORY_FORMATS.join(", ")}`,
            "leave it out to recognise the format from the file",
          );
        args.format = value as HistoryFormat | "auto";
        break;
      case "budget":
        try {
          toMs(value, { option: "--budget" });
        } catch {
          throw new UsageError("--budget", `--budget expects a duration such as 10s or 500ms, received "${value}"`, "write the number and unit together: 10s");
        }
        args.budget = /^\d+(\.\d+)?$/.test(value) ? Number(value) : (value as Duration);
        break;
      case "initial":
        try {
          args.initial = parseEdn(value, "--initial");
        } catch {
          throw new UsageError(
            "--initial",
            `--initial expects an EDN value such as nil, 0 or '""', received ${JSON.stringify(value)}`,
            "quote it for your shell: --initial '\"\"'",
          );
        }
        break;
    }
  }
  if (files.length !== 1)
    throw new UsageError(
      "file",
      files.length ? `expected one history file, received ${files.length}: ${files.join(" ")}` : "missing the history file, received none",
      "faultline check <file> --model <model>",
    );
  if (!args.model)
    throw new UsageError("--model", "missing --model, received none", `e.g. --model cas-register; the models are ${Object.keys(MODELS).join(", ")}`);
  return { ...args, file: files[0]! } as CheckArgs;
}

const EXIT = { ok: 0, illegal: 1, unknown: 2 } as const;

/** Models whose `--initial` means something. */
const WITH_INITIAL = new Set(["register", "cas-register", "kv", "counter"]);

/**
 * The initial value to check with: `--initial` when given; `""` for the kv model on Porcupine's
 * key-value format, whose store reads a missing key as `""` (nil there would make every
 * history that reads an unwritten key look non-linearizable); else the model's default.
 */
function initialValue(args: CheckArgs, format: HistoryFormat | undefined): { value: unknown; shown: boolean; why?: string } {
  const shown = WITH_INITIAL.has(args.model);
  if (args.initial !== undefined) return { value: args.initial, shown, why: "--initial" };
  if (args.model === "kv" && format === "kv") return { value: "", shown, why: `Porcupine's kv format reads a missing key as ""; --initial overrides` };
  return { value: args.model === "counter" ? 0 : null, shown };
}

/**
 * `faultline check <file> --model <name>`: reads a history, checks it, prints the verdict and
 * its explanation. `argv` are the arguments after `check`. Resolves to the exit status.
 */
export async function runCheck(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  let args: CheckArgs | "help";
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (isFaultlineError(error) && error.code === "FAULTLINE_INVALID_OPTION") {
      out.write(`faultline check: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ""}\n${USAGE}`);
      return 64;
    }
    if (!(error instanceof UsageError)) throw error;
    out.write(`faultline check: ${error.message}\n\n${USAGE}`);
    return 64;
  }
  if (args === "help") {
    out.write(USAGE);
    return 0;
  }
  let text: string;
  try {
    text = await readFile(args.file, "utf8");
  } catch (error) {
    const cause = error as NodeJS.ErrnoException;
    const coded = new FaultlineError({
      code: "FAULTLINE_HISTORY",
      option: "file",
      message: `cannot read ${JSON.stringify(args.file)}: ${cause.message}`,
      hint: cause.code === "EISDIR" ? "name the history file, not its folder" : "check the path: it is relative to the current directory",
    });
    out.write(`faultline check: ${coded.message}\n`);
    return 66;
  }
  let result: LinearizabilityResult;
  let count: number;
  const format = args.format === "auto" ? detectFormat(text) : args.format;
  const initial = initialValue(args, format);
  try {
    const ops = parseHistory(text, { format: args.format, source: args.file });
    count = ops.length;
    result = checkLinearizable(ops, MODELS[args.model]!(initial.value), { budget: args.budget });
  } catch (error) {
    if (!isFaultlineError(error)) throw error;
    out.write(`faultline check: ${error.message}\n`);
    return 65;
  }
  if (args.json) {
    const { message, ...data } = result;
    out.write(`${JSON.stringify({ file: args.file, format, ...(initial.shown ? { initial: initial.value ?? null } : {}), ...data, message }, null, 2)}\n`);
  } else {
    const initialText = initial.shown ? `, initial ${toEdn(initial.value)}${initial.why ? ` (${initial.why})` : ""}` : "";
    out.write(`${args.file}: ${count} operations, model ${args.model}${initialText}, budget ${formatMs(toMs(args.budget))}\n${result.message}\n`);
  }
  return EXIT[result.verdict];
}
