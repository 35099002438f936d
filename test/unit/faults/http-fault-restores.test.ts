/**
 * Jest shares Node's core modules between the test files of a worker, so nock's patch of
 * `http` must not outlive the faults that brought nock in (it broke dockerode's unix-socket
 * requests in later files). This file must not import nock itself.
 */
import * as http from "node:http";
import { httpFault } from "../../../src/faults/http-fault";

test("healing the last http fault leaves Node's http module as it found it", async () => {
  const original = http.request;
  const fault = await httpFault({ origin: "http://storage.test", status: 503 }).apply(undefined, { id: "http-1", random: Math.random });
  expect(http.request).not.toBe(original); // nock really intercepts while the fault is on
  await fault.heal();
  expect(http.request).toBe(original);
});
