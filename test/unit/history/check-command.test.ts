import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { runCheck } from "../../../src/cli/check-command";
import { createHistory } from "../../../src/history";

let dir: string;

async function run(...argv: string[]): Promise<{ code: number; output: string }> {
  const out = new PassThrough();
  let output = "";
  out.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await runCheck(argv, out);
  return { code, output };
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const OK_LOG = ["0\t:invoke\t:write\t1", "0\t:ok\t:write\t1", "1\t:invoke\t:read\tnil", "1\t:ok\t:read\t1"].map((l) => `INFO  jepsen.util - ${l}`).join("\n");
const BAD_LOG = OK_LOG.replace(":ok\t:read\t1", ":ok\t:read\t2");

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-check-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("faultline check", () => {
  it("exits 0 and says so for a linearizable history", async () => {
    const { code, output } = await run(write("ok.log", OK_LOG), "--model", "cas-register");
    expect(code).toBe(0);
    expect(output).toContain("linearizable (2 operations, model cas-register");
  });

  it("exits 1 and explains an illegal history", async () => {
    const { code, output } = await run(write("bad.log", BAD_LOG), "--model=register", "--format", "jepsen");
    expect(code).toBe(1);
    expect(output).toContain("not linearizable");
    expect(output).toContain("read 2, so the register must hold 2; it holds 1");
  });

  it("exits 2 when the budget runs out", async () => {
    // Many never-returned writes and an impossible read: exponential work before giving up.
    const h = createHistory();
    for (let p = 0; p < 22; p++) h.record({ process: p, type: "invoke", f: "write", value: p });
    h.record({ process: 99, type: "invoke", f: "read", value: null });
    h.record({ process: 99, type: "ok", f: "read", value: 1000 });
    const { code, output } = await run(write("slow.jsonl", h.toJSONL()), "--model", "register", "--budget", "30ms");
    expect(code).toBe(2);
    expect(output).toMatch(/unknown: the budget of 30ms ran out/);
  });

  it("reads kv files with an initial value and prints JSON on request", async () => {
    const file = write("kv.txt", '{:process 0, :type :invoke, :f :get, :key "a", :value nil}\n{:process 0, :type :ok, :f :get, :key "a", :value ""}\n');
    const { code, output } = await run(file, "--model", "kv", "--initial", '""', "--json");
    expect(code).toBe(0);
    expect(JSON.parse(output)).toMatchObject({ verdict: "ok", valid: true, model: "kv", partitions: 1, format: "kv", initial: "" });
  });

  it('checks Porcupine\'s kv format with its initial value "" by default, and says so', async () => {
    const file = write(
      "porcupine-kv.txt",
      '{:process 0, :type :invoke, :f :get, :key "a", :value nil}\n{:process 0, :type :ok, :f :get, :key "a", :value ""}\n',
    );
    const { code, output } = await run(file, "--model", "kv");
    expect(output).toContain('initial "" (Porcupine\'s kv format reads a missing key as ""; --initial overrides)');
    expect(output).toContain("linearizable (1 operations, model kv");
    expect(code).toBe(0);
  });

  it("says when a verdict depends on the initial value", async () => {
    const file = write(
      "porcupine-kv-nil.txt",
      '{:process 0, :type :invoke, :f :get, :key "a", :value nil}\n{:process 0, :type :ok, :f :get, :key "a", :value ""}\n',
    );
    const { code, output } = await run(file, "--model", "kv", "--initial", "nil");
    expect(code).toBe(1);
    expect(output).toContain("initial nil (--initial)");
    expect(output).toContain(
      `This verdict depends on the initial value, nil: if the store reads a value never written as "", check with { initial: "" } (faultline check --initial '""')`,
    );
  });

  it.each(["__proto__", "toString", "constructor", "hasOwnProperty"])("refuses --model %s with a coded error listing the models", async (name) => {
    const { code, output } = await run(write("ok-model.log", OK_LOG), "--model", name);
    expect(code).toBe(64);
    expect(output).toContain(`unknown model "${name}"; expected one of register, cas-register, kv, set, counter, fifo-queue, unordered-queue, mutex`);
    expect(output).toContain("hint: pick one of the built-in models");
  });

  it.each([
    [[], "missing the history file"],
    [["x.log"], "missing --model"],
    [["x.log", "--model", "btree"], 'unknown model "btree"'],
    [["x.log", "--model", "kv", "--format", "yaml"], 'unknown format "yaml"'],
    [["x.log", "--model", "kv", "--budget", "soon"], "--budget expects a duration"],
    [["x.log", "--model", "kv", "--verbose"], "unknown option --verbose"],
    [["a.log", "b.log", "--model", "kv"], "expected one history file, received 2"],
    [["x.log", "--model"], "--model needs a value"],
  ])("exits 64 with usage for %j", async (argv, message) => {
    const { code, output } = await run(...(argv as string[]));
    expect(code).toBe(64);
    expect(output).toContain(message);
    expect(output).toContain("usage: faultline check <file> --model <model>");
  });

  it("prints usage and exits 0 for --help", async () => {
    const { code, output } = await run("--help");
    expect(code).toBe(0);
    expect(output).toContain("exit status: 0 linearizable, 1 not linearizable, 2 unknown");
  });

  it("exits 66 for a missing file and 65 for an unreadable history", async () => {
    expect((await run(path.join(dir, "nope.log"), "--model", "register")).code).toBe(66);
    const { code, output } = await run(write("junk.txt", "hello\n"), "--model", "register");
    expect(code).toBe(65);
    expect(output).toContain("FAULTLINE_PARSE");
  });
});
