import { FaultlineError, describeValue } from "../../common/errors";
import type { Operation } from "../operation";
import { parseEdnHistory } from "./edn-history";
import { parseJepsenLog } from "./jepsen-log";
import { parseJsonl } from "./jsonl";

/**
 * Formats faultline reads: `jepsen` (jepsen.util log lines), `edn` (one EDN map per line, as
 * Jepsen's history.edn; `kv` is the same reader, named after Porcupine's key-value files) and
 * `jsonl` (what `History.toJSONL()` writes).
 */
export type HistoryFormat = "jepsen" | "edn" | "kv" | "jsonl";

export const HISTORY_FORMATS: readonly HistoryFormat[] = ["jepsen", "edn", "kv", "jsonl"];

/** Options of {@link parseHistory}. */
export interface ParseHistoryOptions {
  /** The format, or `"auto"` to recognise it from the first operation line. Default: `"auto"`. */
  format?: HistoryFormat | "auto";
  /** Names the input in error messages (a file path). Default: the format's name. */
  source?: string;
}

/**
 * Guesses the format from the first line that is not blank or a comment (`kv` for EDN maps
 * with a `:key`, as Porcupine writes them); undefined if none fits.
 */
export function detectFormat(text: string): HistoryFormat | undefined {
  for (const raw of text.split("\n", 200)) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#") || line.startsWith("//")) continue;
    if (line.startsWith('{"')) return "jsonl";
    // Porcupine's key-value files: EDN maps with a :key beside the :value.
    if (line.startsWith("{:")) return /[{,]\s*:key\s/.test(line) ? "kv" : "edn";
    if (line.startsWith("[{")) return "edn";
    if (line.includes("jepsen.util") || /^(\d+|:[\w.-]+)\s+:(invoke|ok|fail|info)\s/.test(line)) return "jepsen";
  }
  return undefined;
}

/** Reads a history file's text into operations, in any {@link HistoryFormat}. */
export function parseHistory(text: string, options: ParseHistoryOptions = {}): Operation[] {
  const requested = options.format ?? "auto";
  const format = requested === "auto" ? detectFormat(text) : requested;
  const source = options.source;
  switch (format) {
    case "jsonl":
      return parseJsonl(text, source);
    case "edn":
    case "kv":
      return parseEdnHistory(text, source);
    case "jepsen":
      return parseJepsenLog(text, source);
    case undefined:
      throw new FaultlineError({
        code: "FAULTLINE_PARSE",
        message: `${source ?? "history"}: cannot tell the format: no line looks like a Jepsen log line, an EDN operation map or a JSON operation`,
        hint: `name the format explicitly: ${HISTORY_FORMATS.join(", ")}`,
      });
    default:
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        option: "format",
        message: `expected one of auto, ${HISTORY_FORMATS.join(", ")}, received ${describeValue(requested)}`,
      });
  }
}
