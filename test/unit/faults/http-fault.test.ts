import * as http from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import type { ActiveFault, FaultContext } from "../../../src/cluster/fault";
import { httpFault, type HttpFaultOptions } from "../../../src/faults/http-fault";

const context: FaultContext = { id: "h-1", random: Math.random };
const now = performance.now.bind(performance);

interface Outcome {
  status?: number;
  body: string;
  error?: NodeJS.ErrnoException;
  complete?: boolean;
  contentLength?: string;
}

/** A real `http.get`, as code under test would make it. */
function get(url: string, method = "GET"): Promise<Outcome> {
  return new Promise((resolve) => {
    let body = "";
    const request = http.request(url, { method, agent: false }, (response) => {
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode, body, complete: response.complete }));
      response.on("error", (error) =>
        resolve({ status: response.statusCode, body, error, complete: response.complete, contentLength: response.headers["content-length"] }),
      );
    });
    request.on("error", (error) => resolve({ body, error }));
    request.end();
  });
}

/** A real server on 127.0.0.1 answering `real <path>`. */
async function realServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => response.end(`real ${request.method} ${request.url}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let bystander: Awaited<ReturnType<typeof realServer>>;
let dependency: Awaited<ReturnType<typeof realServer>>;
const active: ActiveFault[] = [];

async function inject(options: HttpFaultOptions): Promise<ActiveFault> {
  const fault = await httpFault(options).apply(undefined, context);
  active.push(fault);
  return fault;
}

beforeAll(async () => {
  bystander = await realServer();
  dependency = await realServer();
});
afterEach(async () => {
  for (const fault of active.splice(0)) await fault.heal();
  jest.useRealTimers();
});
afterAll(async () => {
  await bystander.close();
  await dependency.close();
  // Importing nock above activated it; Node's http module outlives this file in the worker.
  nock.restore();
});

describe("httpFault", () => {
  it("answers 503 for the origin while other hosts keep working, and heals cleanly", async () => {
    const fault = httpFault({ origin: dependency.origin });
    expect(fault.kind).toBe("http");
    const applied = await fault.apply(undefined, context);
    expect(applied).toMatchObject({ kind: "http", targets: [dependency.origin], healed: false });
    expect(await get(`${dependency.origin}/objects/1`)).toMatchObject({ status: 503 });
    expect(await get(`${dependency.origin}/x`, "POST")).toMatchObject({ status: 503 });
    expect(await get(`${bystander.origin}/ping`)).toMatchObject({ status: 200, body: "real GET /ping" });
    await applied.heal();
    await applied.heal();
    expect(applied.healed).toBe(true);
    expect(await get(`${dependency.origin}/objects/1`)).toMatchObject({ status: 200, body: "real GET /objects/1" });
  });

  it("fakes a dependency that does not exist, with status, JSON body and headers", async () => {
    await inject({ origin: "http://storage.test", status: 500, body: { error: "overloaded" }, headers: { "retry-after": "1" } });
    const seen = await new Promise<{ status?: number; type?: string; retry?: string }>((resolve) =>
      http.get("http://storage.test/v1/o", (response) => {
        response.resume();
        resolve({ status: response.statusCode, type: response.headers["content-type"], retry: response.headers["retry-after"] as string });
      }),
    );
    expect(seen).toEqual({ status: 500, type: "application/json", retry: "1" });
    expect(await get("http://storage.test/v1/o")).toMatchObject({ body: '{"error":"overloaded"}' });
  });

  it("also intercepts fetch()", async () => {
    await inject({ origin: "http://storage.test", status: 502 });
    expect((await fetch("http://storage.test/a")).status).toBe(502);
  });

  it("resets the connection with a Node-shaped ECONNRESET", async () => {
    await inject({ origin: "http://storage.test", error: "ECONNRESET" });
    const { error } = await get("http://storage.test/a");
    expect(error).toMatchObject({ code: "ECONNRESET", syscall: "read", errno: expect.any(Number), message: "read ECONNRESET" });
  });

  it("fails with ETIMEDOUT after the delay, like a connect timeout", async () => {
    await inject({ origin: "http://storage.test", error: "ETIMEDOUT", delay: "60ms" });
    const started = now();
    const { error } = await get("http://storage.test/a");
    expect(now() - started).toBeGreaterThanOrEqual(55);
    expect(error).toMatchObject({ code: "ETIMEDOUT", syscall: "connect", message: "connect ETIMEDOUT storage.test:80" });
  });

  it("answers slowly with delay, on real timers even under jest.useFakeTimers()", async () => {
    await inject({ origin: dependency.origin, status: 200, body: "slow", delay: 80 });
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"] });
    const started = now();
    expect(await get(`${dependency.origin}/a`)).toMatchObject({ status: 200, body: "slow" });
    expect(now() - started).toBeGreaterThanOrEqual(75);
  });

  it("cuts the body after `partial` bytes and drops the connection", async () => {
    await inject({ origin: "http://storage.test", body: "0123456789", partial: 4 });
    const outcome = await get("http://storage.test/blob");
    expect(outcome).toMatchObject({ status: 200, body: "0123", complete: false, contentLength: "10" });
    expect(outcome.error?.code).toBe("ECONNRESET");
  });

  it("takes only `times` requests, then lets them reach the real origin", async () => {
    await inject({ origin: dependency.origin, times: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(`${dependency.origin}/t`)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
  });

  it("counts `times` across concurrent requests exactly", async () => {
    await inject({ origin: dependency.origin, times: 3 });
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => get(`${dependency.origin}/c`)));
    expect(outcomes.filter((o) => o.status === 503)).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(5);
  });

  it("matches only the given path prefix and method; other requests reach the real origin", async () => {
    await inject({ origin: dependency.origin, path: "/v1/*", method: "post" });
    expect((await get(`${dependency.origin}/v1/objects`, "POST")).status).toBe(503);
    expect(await get(`${dependency.origin}/v1/objects`)).toMatchObject({ status: 200, body: "real GET /v1/objects" });
    expect(await get(`${dependency.origin}/v2/objects`, "POST")).toMatchObject({ status: 200 });
  });

  it("matches a RegExp against the path without the query string", async () => {
    await inject({ origin: dependency.origin, path: /^\/objects\/\d+$/ });
    expect((await get(`${dependency.origin}/objects/12?v=1`)).status).toBe(503);
    expect((await get(`${dependency.origin}/objects/abc`)).status).toBe(200);
  });

  it("leaves the test's own nock scopes alone, before and after healing", async () => {
    const mine = nock("http://api.test").persist().get("/me").reply(200, "mine");
    try {
      const fault = await inject({ origin: "http://storage.test" });
      // Ours are optional: pendingMocks / isDone report only the test's own expectations.
      expect(nock.pendingMocks()).toEqual(["GET http://api.test:80/me"]);
      await fault.heal();
      expect(await get("http://api.test/me")).toMatchObject({ status: 200, body: "mine" });
      expect(nock.activeMocks()).toEqual(["GET http://api.test:80/me"]);
    } finally {
      mine.persist(false);
      nock.cleanAll();
    }
  });

  it("activates nock when the test had restored it, and restores it again on heal", async () => {
    nock.restore();
    try {
      expect(nock.isActive()).toBe(false);
      const fault = await inject({ origin: "http://storage.test" });
      expect(nock.isActive()).toBe(true);
      expect((await get("http://storage.test/a")).status).toBe(503);
      await fault.heal();
      expect(nock.isActive()).toBe(false);
    } finally {
      if (!nock.isActive()) nock.activate();
    }
  });

  it("keeps nock active while another of its faults is live", async () => {
    nock.restore();
    try {
      const first = await inject({ origin: "http://storage.test" });
      const second = await inject({ origin: "http://other.test" });
      await first.heal();
      expect((await get("http://other.test/a")).status).toBe(503);
      await second.heal();
      expect(nock.isActive()).toBe(false);
    } finally {
      if (!nock.isActive()) nock.activate();
    }
  });

  it("describes itself for the timeline", () => {
    expect(httpFault({ origin: "http://storage.test", path: "/v1/*", method: "get", error: "ECONNRESET" }).describe()).toBe(
      "http GET http://storage.test/v1/* -> ECONNRESET",
    );
    expect(httpFault({ origin: "http://storage.test", delay: "2s", status: 200 }).describe()).toBe("http * http://storage.test -> 200 after 2000ms");
  });

  it.each<[HttpFaultOptions, string]>([
    [{ origin: "storage.test" }, "origin"],
    [{ origin: "http://storage.test/v1" }, "origin"],
    [{ origin: "ftp://storage.test" }, "origin"],
    [{ origin: "http://s.test", status: 42 }, "status"],
    [{ origin: "http://s.test", times: 0 }, "times"],
    [{ origin: "http://s.test", body: "abc", partial: 3 }, "partial"],
    [{ origin: "http://s.test", error: "ECONNRESET", body: "abc", partial: 1 }, "partial"],
    [{ origin: "http://s.test", error: "reset" }, "error"],
    [{ origin: "http://s.test", path: "v1" }, "path"],
    [{ origin: "http://s.test", delay: "soon" as never }, "delay"],
  ])("rejects %j naming option %s", (options, option) => {
    expect(() => httpFault(options)).toThrow(expect.objectContaining({ option }));
  });
});
