import * as fs from "node:fs";
import * as path from "node:path";
import { checkLinearizable, models, parseHistory } from "../../../src/history";

// The shared folder sits beside the repository, as ../shared.
const root = path.resolve(__dirname, "../../../../shared/histories");
const available = fs.existsSync(root);

describe("reference histories (Porcupine's test data)", () => {
  if (!available) {
    if (process.env.FAULTLINE_REQUIRE === "all") {
      it("finds the reference histories", () => {
        throw new Error(`reference histories missing at ${root} (required by FAULTLINE_REQUIRE=all)`);
      });
    } else {
      it.skip(`skipped: reference histories not found at ${root}`, () => undefined);
    }
    return;
  }

  const etcdDir = path.join(root, "jepsen-etcd");
  const expected = fs
    .readFileSync(path.join(etcdDir, "EXPECTED"), "utf8")
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/) as [string, string]);

  it("lists a verdict for each of the 60 etcd logs", () => {
    expect(expected).toHaveLength(60);
  });

  it.each(expected)("checks %s as %s", (file, verdict) => {
    const ops = parseHistory(fs.readFileSync(path.join(etcdDir, file), "utf8"), { source: file });
    const result = checkLinearizable(ops, models.casRegister(), { budget: "30s" });
    expect(result.verdict).toBe(verdict === "linearizable" ? "ok" : "illegal");
    if (result.verdict === "illegal") {
      const { blocked, prefix } = result.explanation!;
      // The explanation must point at a real operation that returned (it had to be placed).
      expect(blocked.status).toBe("ok");
      expect(ops[blocked.invokeIndex]!.type).toBe("invoke");
      expect(prefix.length).toBeLessThan(result.explanation!.partitionSize);
    }
  });

  const kvFiles = fs.readdirSync(path.join(root, "kv")).filter((f) => /-(ok|bad)\.txt$/.test(f));

  it("has kv histories to check", () => {
    expect(kvFiles.length).toBeGreaterThanOrEqual(4);
  });

  it.each(kvFiles)("checks kv/%s with per-key partitioning", (file) => {
    const ops = parseHistory(fs.readFileSync(path.join(root, "kv", file), "utf8"), { source: file });
    // Porcupine's key-value store reads a missing key as "".
    const result = checkLinearizable(ops, models.kv({ initial: "" }), { budget: "30s" });
    expect(result.verdict).toBe(file.endsWith("-ok.txt") ? "ok" : "illegal");
    if (file.startsWith("c10")) expect(result.partitions).toBe(10);
  });
});
