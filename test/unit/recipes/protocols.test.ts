import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { prefixEnd } from "../../../src/recipes/etcd-codec";
import { NatsClient } from "../../../src/recipes/nats-client";
import { RespClient } from "../../../src/recipes/resp-client";

/** A loopback server that hands each connection to `onSocket`; resolves with its "host:port". */
async function serve(onSocket: (socket: Socket) => void): Promise<{ address: string; server: Server }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Writes `text` one byte at a time, so every parser sees replies split at every position. */
async function dribble(socket: Socket, text: string): Promise<void> {
  for (const byte of Buffer.from(text)) {
    socket.write(Buffer.from([byte]));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("RespClient", () => {
  it("parses every RESP2 reply type, even split byte by byte, in request order", async () => {
    const { address, server } = await serve((socket) => {
      socket.once(
        "data",
        () =>
          void dribble(
            socket,
            "+OK\r\n:42\r\n$5\r\nhé\r\n\r\n$-1\r\n*3\r\n$1\r\na\r\n:1\r\n*1\r\n+x\r\n-READONLY You can't write against a read only replica.\r\n",
          ),
      );
    });
    const client = await RespClient.connect(address);
    try {
      const replies = ["SET", "INCR", "GET", "GET", "LRANGE", "SET"].map((c) => client.command(c).catch((e: unknown) => e));
      const [ok, n, bulk, nil, array, error] = await Promise.all(replies);
      expect([ok, n, bulk, nil, array]).toEqual(["OK", 42, "hé\r\n", null, ["a", 1, ["x"]]]);
      expect(error).toMatchObject({ code: "REDIS_ERROR", message: expect.stringMatching(/^READONLY/) });
    } finally {
      client.close();
      server.close();
    }
  });

  it("rejects pending commands with ECONNRESET when the server goes, and later ones at once", async () => {
    const { address, server } = await serve((socket) => socket.once("data", () => socket.destroy()));
    const client = await RespClient.connect(address);
    await expect(client.command("PING")).rejects.toMatchObject({ code: "ECONNRESET" });
    await expect(client.command("PING")).rejects.toMatchObject({ code: "ECONNRESET" });
    server.close();
  });

  it("keeps Node's code when nothing listens", async () => {
    const { address, server } = await serve(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    await expect(RespClient.connect(address)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});

describe("NatsClient", () => {
  it("connects, routes MSG and HMSG (with status) to their subscriptions, split byte by byte", async () => {
    const { address, server } = await serve((socket) => {
      // One dribble at a time, so the server's own lines never interleave.
      let queue = Promise.resolve();
      const say = (text: string): void => void (queue = queue.then(() => dribble(socket, text)));
      say('INFO {"server_id":"x","headers":true}\r\n');
      let seen = "";
      socket.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("PING\r\n") && !seen.includes("SUB")) say("PONG\r\n");
        const sub = /SUB (\S+) (\d+)\r\n/.exec(seen);
        if (sub && seen.includes("PUB ask")) {
          seen = "";
          const head = "NATS/1.0\r\nNats-Msg-Id: m1\r\n\r\n";
          say(
            `MSG ${sub[1]} ${sub[2]} 5\r\nhello\r\nHMSG orders.new ${sub[2]} $JS.ACK.S.c.1.7.1.0.0 ${head.length} ${head.length + 2}\r\n${head}hi\r\nHMSG ${sub[1]} ${sub[2]}  16 16\r\nNATS/1.0 404 x\r\n\r\n\r\n`,
          );
        }
      });
    });
    const client = await NatsClient.connect(address);
    try {
      const got = await client.collect("ask", "?", { until: (m) => m.status !== undefined });
      expect(got.map((m) => [m.subject.startsWith("_INBOX.") ? "inbox" : m.subject, m.data.toString(), m.status ?? null])).toEqual([
        ["inbox", "hello", null],
        ["orders.new", "hi", null],
        ["inbox", "", 404],
      ]);
      expect(got[1]).toMatchObject({ reply: "$JS.ACK.S.c.1.7.1.0.0", headers: { "Nats-Msg-Id": "m1" } });
    } finally {
      client.close();
      server.close();
    }
    await expect(client.closed).resolves.toMatchObject({ code: "ECONNRESET" });
  });
});

describe("etcd prefixEnd", () => {
  it("is the key after every key with the prefix", () => {
    const decode = (b64: string): string => Buffer.from(b64, "base64").toString("latin1");
    expect(decode(prefixEnd("s5/"))).toBe("s50");
    expect(decode(prefixEnd(""))).toBe("\0"); // with no prefix: every key
  });
});
