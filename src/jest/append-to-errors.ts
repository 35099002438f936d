/**
 * Adds text to the end of a failed test's errors as Jest will print them. circus keeps each
 * error either as an Error or as an [error, asyncError] pair; Jest prints `stack`, whose first
 * lines are the message, so the text goes after the message in both.
 */
export function appendToErrors(errors: unknown[], text: string): void {
  for (const entry of errors) {
    const error = Array.isArray(entry) ? (entry[0] ?? entry[1]) : entry;
    // Not `instanceof`: errors thrown in the test file come from the sandbox's realm.
    if (typeof error !== "object" || error === null || typeof (error as Error).message !== "string") continue;
    const e = error as Error;
    if (e.message.includes(text)) continue;
    const oldMessage = e.message;
    e.message = `${oldMessage}\n\n${text}`;
    if (typeof e.stack === "string") {
      const at = e.stack.indexOf(oldMessage);
      e.stack = at >= 0 ? e.stack.slice(0, at) + e.message + e.stack.slice(at + oldMessage.length) : `${e.stack}\n\n${text}`;
    }
    if (Array.isArray(entry) && typeof entry[1] === "object" && entry[1] !== null && entry[1] !== error) {
      // circus prints the async error's stack with the original error's message when the original has no stack
      entry[1].message = e.message;
    }
    return; // once per test is enough
  }
}
