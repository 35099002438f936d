import { PassThrough } from "node:stream";
import { main } from "../../../src/cli/main";

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const code = await main(argv, out);
  return { code, out: text };
}

describe("the faultline command", () => {
  it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])("treats %s, an inherited key, as an unknown command", async (name) => {
    const { code, out } = await run([name]);
    expect(code).toBe(64);
    expect(out).toContain(`unknown command "${name}"`);
  });
});
