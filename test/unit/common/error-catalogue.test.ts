import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CATALOGUE, FaultlineError, errorCatalogueMarkdown, isFaultlineError } from "../../../src/common/errors";

describe("the error catalogue", () => {
  it("gives an error without a hint of its own its code's default hint", () => {
    const error = new FaultlineError({ code: "FAULTLINE_PROVISION_FAILED", message: "boom" });
    expect(error.hint).toBe(ERROR_CATALOGUE.FAULTLINE_PROVISION_FAILED.hint);
    expect(error.message).toContain(`Hint: ${ERROR_CATALOGUE.FAULTLINE_PROVISION_FAILED.hint}`);
    expect(new FaultlineError({ code: "FAULTLINE_PROXY", message: "x", hint: "own" }).hint).toBe("own");
  });

  it("is README's error table, word for word", () => {
    const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");
    expect(/<!-- errors:start[^>]*-->\n([\s\S]*?)\n<!-- errors:end -->/.exec(readme)?.[1]).toBe(errorCatalogueMarkdown());
  });

  it("recognises faultline's errors by brand, not by a .code that Node's errors have too", () => {
    const nodeError = Object.assign(new Error("ENOENT"), { code: "FAULTLINE_INVALID_OPTION" });
    expect(isFaultlineError(nodeError)).toBe(false);
    expect(isFaultlineError(new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: "m" }))).toBe(true);
  });

  it("lists every code once, each with a meaning and a hint", () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^FAULTLINE_[A-Z_]+$/);
      expect(entry.meaning.length).toBeGreaterThan(10);
      expect(entry.hint.length).toBeGreaterThan(10);
    }
  });
});
