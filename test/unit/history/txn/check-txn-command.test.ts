import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../../../../src/cli/main";
import { toJsonl } from "../../../../src/history";
import { concurrent, join, serial } from "./support";

const FIXTURES = path.join(__dirname, "../../../fixtures/elle");
let dir: string;

async function run(...argv: string[]): Promise<{ code: number; output: string }> {
  const out = new PassThrough();
  let output = "";
  out.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await main(argv, out);
  return { code, output };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-check-txn-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("faultline check --txn", () => {
  it("exits 1 and explains the G-single in a read-skew history", async () => {
    const file = path.join(FIXTURES, "read-skew.edn");
    const { code, output } = await run("check", "--txn", "list-append", file, "--model", "serializable");
    expect(code).toBe(1);
    expect(output).toContain(`${file}: 4 transactions (8 micro-operations, list-append): not serializable. Found G-single ×1.`);
    expect(output).toContain("However, T2 < T1, because");
  });

  it("exits 0 when the model allows what happened", async () => {
    const { code, output } = await run("check", "--txn=list-append", path.join(FIXTURES, "write-skew.edn"), "--model=snapshot-isolation");
    expect(code).toBe(0);
    // Only the anomalies the model forbids are searched for, so the write skew goes unmentioned.
    expect(output).toMatch(/: 3 transactions \(8 micro-operations, list-append\): consistent with snapshot-isolation\.\n$/);
  });

  it("detects rw-register, reads JSONL, and prints JSON on request", async () => {
    const file = path.join(dir, "h.jsonl");
    fs.writeFileSync(file, toJsonl(serial([["w", "x", 1]], [["r", "x", null]])));
    const { code, output } = await run("check", "--txn", "auto", file, "--model", "PL-SS", "--json");
    expect(code).toBe(1);
    const result = JSON.parse(output) as { workload: string; anomalyTypes: string[]; models: string[] };
    expect(result.workload).toBe("rw-register");
    expect(result.models).toEqual(["strict-serializable"]);
    expect(result.anomalyTypes).toEqual(["G-single-realtime"]);
  });

  it("exits 2 when the cycle search budget runs out", async () => {
    // A G-nonadjacent cycle of four transactions takes more than three edge visits to close.
    const file = path.join(dir, "nonadjacent.jsonl");
    const history = join(
      concurrent(
        [["append", "x", 1]],
        [
          ["r", "x", [1]],
          ["r", "y", []],
        ],
        [["append", "y", 1]],
        [
          ["r", "y", [1]],
          ["r", "x", []],
        ],
      ),
      serial([
        ["r", "x", [1]],
        ["r", "y", [1]],
      ]),
    );
    fs.writeFileSync(file, toJsonl(history));
    expect((await run("check", "--txn", "list-append", file, "--model", "snapshot-isolation")).code).toBe(1);
    const { code, output } = await run("check", "--txn", "list-append", file, "--model", "snapshot-isolation", "--budget", "3");
    expect(code).toBe(2);
    expect(output).toContain(
      "could not decide snapshot-isolation: the search for G-single in a strongly connected component of 4 transactions spent its budget of 3 edge visits",
    );
  });

  it("exits 64 on a usage error, 65 on a malformed history, 66 on a missing file", async () => {
    const usage = await run("check", "--txn", "list-append", path.join(FIXTURES, "read-skew.edn"), "--model", "serialisable");
    expect(usage.code).toBe(64);
    expect(usage.output).toContain('faultline check --txn: FAULTLINE_INVALID_OPTION: unknown model "serialisable"');
    expect(usage.output).toContain('[option "--model"]');
    const bad = path.join(dir, "bad.edn");
    fs.writeFileSync(bad, "{:type :ok, :process 0, :f :txn, :value [[:add :x 1]]}\n");
    const malformed = await run("check", "--txn", "list-append", bad);
    expect(malformed.code).toBe(65);
    expect(malformed.output).toContain('micro-operation 0 has f "add"');
    const missing = await run("check", "--txn", "list-append", path.join(dir, "missing.edn"));
    expect(missing.code).toBe(66);
    expect(missing.output).toMatch(/FAULTLINE_HISTORY: cannot read ".*missing.edn": ENOENT/);
  });
});
