/**
 * Gates an integration suite on a requirement (root, a binary, Docker, …). `check` returns a
 * one-line reason when the requirement is missing, undefined when it is met.
 *
 * - met: returns `describe`;
 * - missing: returns `describe.skip`, the reason in the suite's title;
 * - missing with `FAULTLINE_REQUIRE=all` (CI): returns a suite whose one test fails with the reason.
 *
 * ```ts
 * const describeNetns = requireOrSkip("netns", netnsProblem);
 * describeNetns("NetnsProvisioner", () => { … });
 * ```
 */
export type SuiteFunction = (title: string, body: () => void) => void;

export function requireOrSkip(name: string, check: () => string | undefined): SuiteFunction {
  let reason: string | undefined;
  try {
    reason = check();
  } catch (error) {
    reason = `checking for ${name} threw: ${(error as Error).message.split("\n")[0]}`;
  }
  if (reason === undefined) return describe;
  if (process.env.FAULTLINE_REQUIRE === "all") {
    const missing = reason;
    return (title) =>
      describe(title, () => {
        test(`requires ${name}`, () => {
          throw new Error(`${name} is required (FAULTLINE_REQUIRE=all) but missing: ${missing}`);
        });
      });
  }
  const skipped = reason;
  return (title, body) => describe.skip(`${title} (skipped: ${name} unavailable: ${skipped})`, body);
}
