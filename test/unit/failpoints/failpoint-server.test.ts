import { failpoint, failpoints, type FailpointServer } from "../../../src/failpoints";
import { parseListenAddress } from "../../../src/failpoints/environment";
import { connect } from "node:net";
import { call } from "./child-harness";

let server: FailpointServer;

beforeAll(async () => {
  server = await failpoints.serve();
});
afterAll(() => server.close());
afterEach(() => failpoints.disableAll());

describe("the gofail-compatible failpoint endpoint (in process)", () => {
  it("enables a failpoint with PUT /<name> and the terms as body", async () => {
    expect(await call("PUT", `${server.url}/cas.put`, "return(42)")).toEqual({ status: 204, body: "" });
    await expect(failpoint("cas.put")).resolves.toBe(42);
  });

  it("answers GET /<name> with the terms, GET / with every name=terms line", async () => {
    failpoints.enable("b/two", "50%return(1)");
    failpoints.enable("a.one", "sleep(5)");
    expect(await call("GET", `${server.url}/b/two`)).toEqual({ status: 200, body: "50%return(1)\n" });
    expect(await call("GET", `${server.url}/`)).toEqual({ status: 200, body: "a.one=sleep(5)\nb/two=50%return(1)\n" });
    expect((await call("GET", `${server.url}/missing`)).status).toBe(404);
  });

  it("counts firings at GET /<name>/count, still after DELETE", async () => {
    await call("PUT", `${server.url}/wal.sync`, "2*off->return(1)");
    for (let i = 0; i < 5; i++) await failpoint("wal.sync");
    expect(await call("GET", `${server.url}/wal.sync/count`)).toEqual({ status: 200, body: "3" });
    expect((await call("DELETE", `${server.url}/wal.sync`)).status).toBe(204);
    expect(await call("GET", `${server.url}/wal.sync/count`)).toEqual({ status: 200, body: "3" });
    expect((await call("GET", `${server.url}/never/count`)).status).toBe(404);
  });

  it("disables with DELETE /<name> and answers 404 for one that is not on", async () => {
    failpoints.enable("x", "return(1)");
    expect((await call("DELETE", `${server.url}/x`)).status).toBe(204);
    await expect(failpoint("x")).resolves.toBeUndefined();
    expect((await call("DELETE", `${server.url}/x`)).status).toBe(404);
  });

  it("sets several at once with PUT /failpoints, as gofail does", async () => {
    expect((await call("PUT", `${server.url}/failpoints`, "a=return(1);b=return(2)")).status).toBe(204);
    expect([await failpoint("a"), await failpoint("b")]).toEqual([1, 2]);
  });

  it("answers 400 with the parse error for a bad term, leaving the failpoint as it was", async () => {
    failpoints.enable("y", "return(1)");
    const response = await call("PUT", `${server.url}/y`, "3*retrun");
    expect(response.status).toBe(400);
    expect(response.body).toContain('unknown action "retrun"');
    await expect(failpoint("y")).resolves.toBe(1);
  });

  it("URL-decodes names and refuses other methods with 405", async () => {
    await call("PUT", `${server.url}/${encodeURIComponent("my pkg/Name")}`, "return(1)");
    expect(failpoints.terms("my pkg/Name")).toBe("return(1)");
    expect((await call("POST", `${server.url}/x`, "return(1)")).status).toBe(405);
  });

  it("rejects a port already taken with FAULTLINE_FAILPOINT and a hint", async () => {
    await expect(failpoints.serve({ port: server.port })).rejects.toMatchObject({
      code: "FAULTLINE_FAILPOINT",
      message: expect.stringContaining("EADDRINUSE"),
      hint: expect.stringContaining("its own FAULTLINE_FAILPOINTS_HTTP port"),
    });
  });
});

describe("parseListenAddress", () => {
  it.each([
    ["127.0.0.1:2381", { host: "127.0.0.1", port: 2381 }],
    ["[::1]:80", { host: "::1", port: 80 }],
    [":9000", { host: "127.0.0.1", port: 9000 }], // loopback, not every interface: the endpoint has no authentication
  ])("reads %s", (text, expected) => {
    expect(parseListenAddress(text, "FAULTLINE_FAILPOINTS_HTTP")).toEqual(expected);
  });

  it.each(["localhost", "127.0.0.1:99999", "a:b"])("rejects %s naming the variable", (text) => {
    expect(() => parseListenAddress(text, "GOFAIL_HTTP")).toThrow(/GOFAIL_HTTP must be <host>:<port>/);
  });
});

describe("the failpoint endpoint's exposure", () => {
  it("refuses an address other than loopback without an explicit opt-in", async () => {
    await expect(failpoints.serve({ host: "0.0.0.0" })).rejects.toMatchObject({
      code: "FAULTLINE_FAILPOINT",
      message: expect.stringContaining("0.0.0.0 is not a loopback address"),
      hint: expect.stringContaining("FAULTLINE_FAILPOINTS_HTTP_REMOTE=1"),
    });
  });

  it("serves on every interface only when allowRemote says so", async () => {
    const open = await failpoints.serve({ host: "0.0.0.0", allowRemote: true });
    try {
      expect(open.host).toBe("0.0.0.0");
    } finally {
      await open.close();
    }
  });

  it.each([
    ["a DNS name (rebinding)", { host: `attacker.example:${0}` }],
    ["no Host header (HTTP/1.0)", { host: "" }],
    ["a browser's Origin", { host: "127.0.0.1", origin: "http://attacker.example" }],
  ])("answers 403 and changes nothing for %s", async (_, headers) => {
    const status = await rawRequest(server.port, "PUT", "/svc.boom", "panic(boom)", headers);
    expect(status).toBe(403);
    expect(failpoints.list()).toEqual([]);
  });

  it("still answers requests that name localhost or the IP", async () => {
    expect(await rawRequest(server.port, "PUT", "/svc.ok", "return(1)", { host: `localhost:${server.port}` })).toBe(204);
    expect(await rawRequest(server.port, "DELETE", "/svc.ok", "", { host: `127.0.0.1:${server.port}` })).toBe(204);
  });
});

/** One HTTP/1.1 request with exactly the headers given (no Host unless given), returning the status. */
function rawRequest(port: number, method: string, path: string, body: string, headers: { host: string; origin?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    // HTTP/1.1 without Host is refused by Node itself (400); HTTP/1.0 reaches our own check.
    const lines = [`${method} ${path} HTTP/${headers.host ? "1.1" : "1.0"}`];
    if (headers.host) lines.push(`Host: ${headers.host}`);
    if (headers.origin) lines.push(`Origin: ${headers.origin}`);
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`, "Connection: close", "", body);
    let response = "";
    socket.on("connect", () => socket.write(lines.join("\r\n")));
    socket.on("data", (chunk) => (response += chunk.toString()));
    socket.on("end", () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0)));
    socket.on("error", reject);
  });
}
