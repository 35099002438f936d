import { failpoint, failpoints, type FailpointServer } from "../../../src/failpoints";
import { parseListenAddress } from "../../../src/failpoints/environment";
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
    [":9000", { host: "0.0.0.0", port: 9000 }],
  ])("reads %s", (text, expected) => {
    expect(parseListenAddress(text, "FAULTLINE_FAILPOINTS_HTTP")).toEqual(expected);
  });

  it.each(["localhost", "127.0.0.1:99999", "a:b"])("rejects %s naming the variable", (text) => {
    expect(() => parseListenAddress(text, "GOFAIL_HTTP")).toThrow(/GOFAIL_HTTP must be <host>:<port>/);
  });
});
