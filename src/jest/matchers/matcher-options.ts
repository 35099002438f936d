import { FaultlineError, describeValue } from "../../common/errors";

/**
 * How one option of a matcher is checked: `expected` describes the valid form for the message,
 * `valid` decides. A matcher must never pass on an option it misread (`{ factor: "x" }` made
 * every comparison false, so nothing was reported), so a wrong option throws before checking.
 */
export interface OptionRule {
  expected: string;
  valid: (value: unknown) => boolean;
}

export const rules = {
  number: (expected: string, valid: (n: number) => boolean): OptionRule => ({
    expected,
    valid: (v) => typeof v === "number" && Number.isFinite(v) && valid(v),
  }),
  boolean: { expected: "true or false", valid: (v: unknown) => typeof v === "boolean" } satisfies OptionRule,
  names: {
    expected: "a function name or a list of them",
    valid: (v: unknown) => typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((n) => typeof n === "string")),
  } satisfies OptionRule,
  duration: { expected: 'a duration such as "500ms" or "2s"', valid: () => true } satisfies OptionRule, // toMs checks it, with its own code
  signal: { expected: 'a signal name such as "SIGTERM"', valid: (v: unknown) => typeof v === "string" && /^SIG[A-Z0-9]+$/.test(v) } satisfies OptionRule,
};

export function invalidMatcherOption(matcher: string, option: string, expected: string, value: unknown, hint: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `${matcher}(): option "${option}" must be ${expected}, received ${describeValue(value)}`,
    hint,
    option: `${matcher}.${option}`,
  });
}

/**
 * Checks a matcher's options object: an object (or undefined), no unknown key (a misspelt
 * option would silently fall back to its default), each given value in its form.
 */
export function checkMatcherOptions(matcher: string, options: unknown, known: Record<string, OptionRule>, example: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalidMatcherOption(matcher, "options", "an object", options, `e.g. ${example}`);
  }
  for (const [key, value] of Object.entries(options)) {
    const rule = known[key];
    if (!rule) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `${matcher}() has no option ${JSON.stringify(key)}; its options are ${Object.keys(known).join(", ") || "none"}`,
        hint: `check the spelling, e.g. ${example}`,
        option: `${matcher}.${key}`,
      });
    }
    if (value !== undefined && !rule.valid(value)) throw invalidMatcherOption(matcher, key, rule.expected, value, `e.g. ${example}`);
  }
}
