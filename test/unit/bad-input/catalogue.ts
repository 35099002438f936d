import { isFaultlineError } from "../../../src/common/errors";

/**
 * One wrong input: what it is, how to make it, and the coded error it must give. `option` is the
 * error's `option` field; for FAULTLINE_PARSE (a file, not an option) it is the place the message
 * must name (`file:line` and field). `received` is text the message must quote.
 */
export type Row = [label: string, act: () => unknown, code: string, option: string, received: string];

/** Real timers, captured before any test can fake them: the hang guard must still fire. */
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;

/** What `act` threw or rejected with; `undefined` if it was accepted; "hang" past `guardMs`. */
export async function outcome(act: () => unknown, guardMs = 10_000): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const hang = new Promise<"hang">((resolve) => (timer = realSetTimeout(() => resolve("hang"), guardMs)));
    const result = await Promise.race([Promise.resolve().then(act), hang]);
    return result === "hang" ? "hang" : undefined;
  } catch (error) {
    return error;
  } finally {
    realClearTimeout(timer);
  }
}

/** Asserts that `error` is the coded error a row asks for. */
export function expectCoded(error: unknown, code: string, option: string | undefined, received: string): void {
  expect(error).not.toBe("hang");
  expect(error).toBeDefined(); // undefined: the input was accepted
  // A plain Error (or a crash such as a TypeError) is reported with its message.
  if (!isFaultlineError(error)) throw new Error(`not a FaultlineError: ${String(error)}`);
  if (code === "FAULTLINE_PARSE") {
    expect(error.code).toBe(code);
    expect(error.message).toContain(option!);
  } else {
    expect({ code: error.code, option: error.option }).toEqual({ code, option });
  }
  expect(error.message).toContain(received);
  expect(error.hint).toEqual(expect.any(String));
  expect(error.hint!.length).toBeGreaterThan(5);
}
