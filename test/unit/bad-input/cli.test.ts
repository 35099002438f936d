import { rmSync } from "node:fs";
import { Writable } from "node:stream";
import { main } from "../../../src/cli/main";
import { outcome } from "./catalogue";
import { cliRows, historyFiles } from "./cli-rows";

/** Runs the CLI in this process, as `faultline …` would, and keeps what it printed. */
async function run(argv: string[]): Promise<{ status: number; output: string }> {
  let output = "";
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const status = await main(argv, out);
  return { status, output };
}

describe("the CLI refuses malformed arguments and history files with a coded error", () => {
  const files = historyFiles();
  afterAll(() => rmSync(files.dir!, { recursive: true, force: true }));

  it.each(cliRows)("%s", async (_label, argv, exit, code, option, received) => {
    const args = argv.map((a) => (a.startsWith("@") ? files[a.slice(1)]! : a));
    let result: { status: number; output: string } | undefined;
    // No crash (a rejection) and no hang: the CLI answers with a status.
    const error = await outcome(async () => {
      result = await run(args);
    }, 30_000);
    expect(error).toBeUndefined();
    const { status, output } = result!;
    expect(status).toBe(exit);
    expect(output).toContain(`${code}:`);
    expect(output).toContain(code === "FAULTLINE_PARSE" ? option : `[option "${option}"]`);
    expect(output).toContain(received);
    expect(output).toMatch(/Hint: \S/);
  });

  it("still checks a good history", async () => {
    const { status, output } = await run(["check", files["ok.jsonl"]!, "--model", "register"]);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining("linearizable") });
  });
});
