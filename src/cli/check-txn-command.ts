import { readFile } from "node:fs/promises";
import { FaultlineError, isFaultlineError } from "../common/errors";
import { parseJsonl } from "../history/formats/jsonl";
import type { Operation } from "../history/operation";
import { checkTransactions, TXN_WORKLOADS, type TxnCheckResult, type TxnWorkload } from "../history/txn/check-txn";
import { CONSISTENCY_MODELS, canonicalModel } from "../history/txn/consistency-models";
import { parseTxnEdn } from "../history/txn/txn-edn";

const USAGE = `usage: faultline check --txn <workload> <file> [--model <model>] [--format auto|edn|jsonl] [--wfr-keys] [--budget <visits>] [--json]

Checks a history of transactions for the anomalies a consistency model forbids (after Jepsen's Elle).

  --txn       ${TXN_WORKLOADS.join(" | ")} | auto (detect from the micro-operations)
  --model     the model the history must satisfy (default strict-serializable); repeat or separate
              with commas for several: ${CONSISTENCY_MODELS.join(", ")}
  --format    auto (default) | edn (Elle's history.edn) | jsonl (History.toJSONL())
  --wfr-keys  rw-register: assume writes follow reads within a transaction
  --budget    edge visits the cycle search may spend per anomaly class and component (default 5000000)
  --json      print the result as JSON

exit status: 0 consistent, 1 anomalies the model forbids, 2 unknown (search budget spent),
             64 usage error, 65 unreadable history, 66 file not found
`;

interface TxnArgs {
  file: string;
  workload: TxnWorkload | "auto";
  models: string[];
  format: "auto" | "edn" | "jsonl";
  wfrKeys: boolean;
  budget: number | undefined;
  json: boolean;
}

/** A malformed command line: coded like every faultline error, printed with the usage. */
class UsageError extends FaultlineError {
  constructor(option: string, message: string, hint = "see the usage below") {
    super({ code: "FAULTLINE_INVALID_OPTION", option, message, hint });
  }
}

function parseArgs(argv: readonly string[]): TxnArgs | "help" {
  const args: TxnArgs = { file: "", workload: "auto", models: [], format: "auto", wfrKeys: false, budget: undefined, json: false };
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--json" || arg === "--wfr-keys") {
      if (arg === "--json") args.json = true;
      else args.wfrKeys = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      files.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!["txn", "model", "format", "budget"].includes(name))
      throw new UsageError(`--${name}`, `unknown option --${name}`, "the options are --txn, --model, --format, --wfr-keys, --budget and --json");
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name}`, `--${name} needs a value`, `write --${name} <value> or --${name}=<value>`);
    switch (name) {
      case "txn":
        if (value !== "auto" && !TXN_WORKLOADS.includes(value as TxnWorkload))
          throw new UsageError(
            "--txn",
            `unknown workload "${value}"; expected ${TXN_WORKLOADS.join(", ")} or auto`,
            "list-append for appends to lists, rw-register for writes of registers",
          );
        args.workload = value as TxnWorkload | "auto";
        break;
      case "model":
        for (const model of value.split(",").filter(Boolean)) {
          try {
            args.models.push(canonicalModel(model, "--model"));
          } catch {
            throw new UsageError(
              "--model",
              `unknown model "${model}"; expected one of ${CONSISTENCY_MODELS.join(", ")}`,
              "Adya's names work too: PL-2, PL-2.99, PL-3, PL-SI, PL-SS",
            );
          }
        }
        break;
      case "format":
        if (value !== "auto" && value !== "edn" && value !== "jsonl")
          throw new UsageError("--format", `unknown format "${value}"; expected auto, edn or jsonl`, "leave it out to recognise the format from the file");
        args.format = value;
        break;
      case "budget":
        if (!/^\d+$/.test(value) || Number(value) <= 0)
          throw new UsageError("--budget", `--budget expects a positive number of edge visits, received "${value}"`, "e.g. --budget 50000000");
        args.budget = Number(value);
        break;
    }
  }
  if (files.length !== 1)
    throw new UsageError(
      "file",
      files.length ? `expected one history file, received ${files.length}` : "missing the history file",
      "name one history file: faultline check --txn list-append history.edn",
    );
  return { ...args, file: files[0]! };
}

function parse(text: string, format: TxnArgs["format"], source: string): Operation[] {
  const start = text.trimStart();
  const jsonl = format === "jsonl" || (format === "auto" && start.startsWith('{"'));
  return jsonl ? parseJsonl(text, source) : parseTxnEdn(text, source);
}

const EXIT = { true: 0, false: 1, unknown: 2 } as const;

/**
 * `faultline check --txn list-append history.edn --model serializable`: reads a transactional
 * history, checks it, prints the verdict with each forbidden anomaly explained. `argv` are the
 * arguments after `check`. Resolves to the exit status.
 */
export async function runCheckTxn(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  let args: TxnArgs | "help";
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out.write(`faultline check --txn: ${error.message}\n\n${USAGE}`);
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
    out.write(`faultline check --txn: ${coded.message}\n`);
    return 66;
  }
  let result: TxnCheckResult;
  try {
    result = checkTransactions(parse(text, args.format, args.file), {
      model: args.models.length ? (args.models as never) : undefined,
      ...(args.workload !== "auto" ? { workload: args.workload } : {}),
      wfrKeys: args.wfrKeys,
      ...(args.budget !== undefined ? { cycleSearchBudget: args.budget } : {}),
    });
  } catch (error) {
    if (!isFaultlineError(error)) throw error;
    out.write(`faultline check --txn: ${error.message}\n`);
    return 65;
  }
  if (args.json) {
    const { message, ...data } = result;
    out.write(`${JSON.stringify({ file: args.file, ...data, message }, null, 2)}\n`);
  } else {
    out.write(`${args.file}: ${result.message}\n`);
  }
  return EXIT[String(result.valid) as keyof typeof EXIT];
}
