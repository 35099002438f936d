#!/usr/bin/env node
/**
 * Faulted tests that go wrong: real Jest runs 100 tests (test/fixtures/trials-faulted) over a
 * netns cluster, each under one fault kind (partition, kill, pause, restart, latency, down, loss,
 * bandwidth, clock, disk, http), whose bodies throw, reject, or outlive Jest's timeout while the
 * fault is in force. Before each test the fixture measures what could still be in force — firewall
 * chains not bypassed, netem/tbf qdiscs, mounts, node states (stopped, paused), each node's clock,
 * proxy toxics, nock interceptors — against the state before the first test. The same measure
 * taken inside each body shows it can see a fault (for the kinds it covers).
 *
 * Usage: node trials/faulted-tests.trial.js   (FAULTED_TESTS=100). Build first: npx tsc -p tsconfig.build.json.
 */
"use strict";
const { leftovers, total, describe } = require("./leftovers");
const { startJest, sleep } = require("./jest-run");

const COUNT = Number(process.env.FAULTED_TESTS ?? 100);

async function main() {
  const jest = startJest("trials-faulted", [], { FAULTED_TESTS: String(COUNT) });
  const started = Date.now();
  await jest.exited;
  const marks = jest.marks();
  const before = marks.filter((m) => m.test !== undefined);
  const during = marks.filter((m) => m.during !== undefined);
  // The check before test i+1 (and the final one) is the state test i left.
  const after = before.slice(1);
  const clean = after.filter((m) => m.diff.length === 0).length;
  const seen = during.filter((m) => m.seen.length > 0);
  const failedAsPlanted = (jest.output().match(/✕ \d+:/g) ?? []).length;
  await sleep(10_000);
  const left = leftovers({ ...(jest.run ?? {}), token: jest.token });
  console.log(
    `Throwing, rejecting and timing-out faulted tests (netns): ${clean}/${after.length} left no fault in force for the next test ` +
      `(${failedAsPlanted}/${COUNT} failed as planted; the measure saw the fault in force in ${seen.length}/${during.length} bodies: ` +
      `${[...new Set(seen.map((m) => m.during))].join(", ")}; ${Math.round((Date.now() - started) / 1000)} s)`,
  );
  for (const m of after.filter((m) => m.diff.length)) console.log(`  before "${m.test}": ${m.diff.join("; ")}`);
  console.log(`  after the run: ${total(left) === 0 ? "nothing left" : describe(left)}`);
  jest.cleanup();
  process.exitCode = clean === after.length && after.length === COUNT && total(left) === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
