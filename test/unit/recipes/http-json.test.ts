import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { postJson } from "../../../src/recipes/http-json";

// Importing nock activates its interceptor, as in a user's test file that mocks some other HTTP
// dependency. The recipe clients (etcd's among them) must still fail cleanly under it.
afterAll(() => nock.restore());

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/kv/range`, server };
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("postJson", () => {
  it("is routed through nock's interceptor here, as in a user's file that imports nock", () => {
    expect(nock.isActive()).toBe(true);
  });

  // Under nock's interceptor a request destroyed after its response began emits its error twice;
  // a one-shot listener left the second unheard, and Jest failed whichever test was running.
  it.each([
    ["the head comes after the deadline", (res: ServerResponse) => setTimeout(() => res.writeHead(200).end("{}"), 150)],
    ["the body stalls after the head", (res: ServerResponse) => res.writeHead(200, { "content-length": "10" }).write("{")],
  ])("rejects with ETIMEDOUT and nothing else when %s", async (_, answer) => {
    const open: ServerResponse[] = [];
    const { url, server } = await serve((_req, res) => (open.push(res), answer(res)));
    try {
      await expect(postJson(url, {}, { timeoutMs: 50 })).rejects.toMatchObject({ code: "ETIMEDOUT" });
      await settle(250); // long enough for a late head and the destroy that follows it
    } finally {
      for (const res of open) res.destroy();
      server.close();
    }
  });

  it("reads a JSON answer and its status", async () => {
    const { url, server } = await serve((_req, res) => res.writeHead(201).end('{"ok":true}'));
    try {
      await expect(postJson(url, { key: "a" }, { timeoutMs: 1000 })).resolves.toEqual({ status: 201, json: { ok: true } });
    } finally {
      server.close();
    }
  });
});
