import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

// The type tests (test/types/*.test-d.ts) assert what compiles and, with @ts-expect-error, what
// must not: an unused @ts-expect-error is itself an error, so a matcher that starts accepting a
// wrong receiver fails here.
describe("type tests", () => {
  it("compile exactly as test/types says", () => {
    const result = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.types.json")], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
    expect(result.status).toBe(0);
  }, 150_000);
});
