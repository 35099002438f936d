#!/usr/bin/env node
/**
 * Smoke test of the demo-kv cluster with nothing but Node (a developer tool, not part of Jest):
 *
 *   npx tsc -p examples/demo-kv && node examples/demo-kv/smoke.js [--verbose] [--keep]
 *
 * Starts three nodes on free loopback ports with temp data dirs and checks: a leader is
 * elected; writes, reads and cas work; SIGKILL of the leader elects a new one within ~2 s and
 * loses no acknowledged write (a background writer runs through the faults); the killed node
 * restarts and catches up; a SIGSTOPped follower neither stops the majority nor disturbs the
 * leader when it resumes; a SIGSTOPped leader is replaced and steps down when it resumes;
 * SIGTERM makes every node exit 0 within a second. Prints PASS/FAIL lines, exits 1 on any
 * FAIL. Every process it started is killed by pid on the way out, whatever happened.
 */
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const VERBOSE = process.argv.includes("--verbose");
const KEEP = process.argv.includes("--keep");
const SERVER = path.join(__dirname, "dist", "server.js");
const CLIENT = path.join(__dirname, "dist", "client.js");
const IDS = ["n1", "n2", "n3"];
const ELECTION_BUDGET_MS = 2000;
const RUN_BUDGET_MS = 90_000;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "demo-kv-smoke-"));
/** id -> { proc, port, lines, exit: Promise<{ code, signal, at }> } */
const nodes = new Map();
const results = [];
const started = performance.now();
const ms = (t) => `${Math.round(t)}ms`;
const sleep = (t) => new Promise((resolve) => setTimeout(resolve, t));

function record(ok, what) {
  results.push({ ok, what });
  console.log(`${ok ? "PASS" : "FAIL"} ${what}`);
}

function check(ok, what) {
  record(Boolean(ok), what);
  if (!ok) throw new Error(`check failed: ${what}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startNode(id) {
  const node = nodes.get(id);
  const peers = IDS.filter((p) => p !== id).map((p) => `${p}=127.0.0.1:${nodes.get(p).port}`).join(",");
  const args = [SERVER, "--id", id, "--port", String(node.port), "--peers", peers, "--data-dir", path.join(root, id)];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  node.proc = proc;
  node.alive = true;
  const onData = (chunk) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      node.lines.push(`${ms(performance.now() - started).padStart(7)} ${line}`);
      if (VERBOSE) console.log(`      ${line}`);
    }
  };
  proc.stdout.on("data", onData);
  proc.stderr.on("data", onData);
  node.exit = new Promise((resolve) => {
    proc.once("exit", (code, signal) => {
      node.alive = false;
      resolve({ code, signal, at: performance.now() });
    });
  });
  return node;
}

function signal(id, sig) {
  const node = nodes.get(id);
  if (node.proc && node.alive) process.kill(node.proc.pid, sig);
}

/** Kills, by pid, every node still running (SIGCONT first so a paused one dies too). */
function killAll() {
  for (const node of nodes.values()) {
    if (!node.proc || !node.alive) continue;
    try {
      process.kill(node.proc.pid, "SIGCONT");
      process.kill(node.proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function get(id, urlPath, timeoutMs = 500) {
  const { port } = nodes.get(id);
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, agent: false, timeout: timeoutMs }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(text) });
        } catch {
          resolve(null);
        }
      });
      res.on("error", () => resolve(null));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

/** Polls `probe` until it returns a truthy value; returns { value, elapsed } or throws after `timeoutMs`. */
async function waitFor(what, timeoutMs, probe, intervalMs = 20) {
  const t0 = performance.now();
  for (;;) {
    const value = await probe();
    const elapsed = performance.now() - t0;
    if (value) return { value, elapsed };
    if (elapsed > timeoutMs) throw new Error(`timed out after ${ms(timeoutMs)} waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The leader every listed node agrees on (same leader, same term), or undefined. */
async function agreedLeader(ids) {
  const answers = await Promise.all(ids.map((id) => get(id, "/health")));
  if (answers.some((a) => !a || a.status !== 200)) return undefined;
  const first = answers[0].body;
  if (!answers.every((a) => a.body.leader === first.leader && a.body.term === first.term)) return undefined;
  if (!answers.some((a) => a.body.id === first.leader && a.body.role === "leader")) return undefined;
  return { leader: first.leader, term: first.term };
}

async function status(id) {
  const answer = await get(id, "/status");
  return answer && answer.status === 200 ? answer.body : undefined;
}

/** Writes distinct keys in a loop on a few logical clients; remembers what was acknowledged. */
function backgroundWriter(DemoClient, urls) {
  const acked = new Map();
  const counts = { ok: 0, definite: 0, indeterminate: 0 };
  let running = true;
  const workers = [0, 1, 2].map(async (w) => {
    const client = new DemoClient(urls, { timeoutMs: 2000, deadlineMs: 3000 });
    for (let i = 0; running; i++) {
      const key = `bg-${w}-${i}`;
      try {
        await client.put(key, i);
        acked.set(key, i);
        counts.ok++;
      } catch (error) {
        if (error && error.definite) counts.definite++;
        else counts.indeterminate++;
        await sleep(20);
      }
    }
  });
  return {
    acked,
    counts,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

async function run() {
  if (!fs.existsSync(SERVER) || !fs.existsSync(CLIENT)) throw new Error(`build first: npx tsc -p ${path.relative(process.cwd(), __dirname) || "."}`);
  const { DemoClient } = require(CLIENT);
  for (const id of IDS) nodes.set(id, { port: await freePort(), lines: [], alive: false });
  const urls = IDS.map((id) => `http://127.0.0.1:${nodes.get(id).port}`);
  console.log(`demo-kv smoke: nodes ${IDS.map((id) => `${id}=:${nodes.get(id).port}`).join(" ")}, data in ${root}`);

  // 1. Start and elect.
  for (const id of IDS) startNode(id);
  const first = await waitFor("a leader all nodes agree on", 8000, () => agreedLeader(IDS));
  check(true, `initial leader ${first.value.leader} in term ${first.value.term}, agreed after ${ms(first.elapsed)}`);

  // 2. Basic API.
  const kv = new DemoClient(urls, { timeoutMs: 2000 });
  const put = await kv.put("k1", "v1");
  check(put.ok === true && put.index > 0, `put k1=v1 acknowledged at index ${put.index}`);
  check((await kv.get("k1")).value === "v1", "get k1 → v1");
  check((await kv.get("missing")).found === false, "get missing → found: false");
  const cas1 = await kv.cas("k1", "v1", "v2");
  check(cas1.ok === true && cas1.value === "v2", "cas k1 v1→v2 → ok");
  const cas2 = await kv.cas("k1", "v1", "v3");
  check(cas2.ok === false && cas2.value === "v2", "cas k1 v1→v3 → ok: false, value v2");
  const follower = IDS.find((id) => id !== first.value.leader);
  const misdirected = await get(follower, "/kv/k1");
  check(misdirected && misdirected.status === 421 && misdirected.body.leader === first.value.leader, `follower ${follower} answers 421 with leader hint`);

  // 3. SIGKILL the leader while a background writer runs.
  const writer = backgroundWriter(DemoClient, urls);
  await sleep(300);
  const oldLeader = first.value.leader;
  const survivors = IDS.filter((id) => id !== oldLeader);
  signal(oldLeader, "SIGKILL");
  await nodes.get(oldLeader).exit;
  const elected = await waitFor("a new leader after SIGKILL", 5000, async () => {
    const agreed = await agreedLeader(survivors);
    return agreed && agreed.term > first.value.term ? agreed : undefined;
  }, 10);
  check(elected.elapsed <= ELECTION_BUDGET_MS, `SIGKILL ${oldLeader}: new leader ${elected.value.leader} (term ${elected.value.term}) after ${ms(elected.elapsed)} (budget ${ms(ELECTION_BUDGET_MS)})`);
  check((await kv.get("k1")).value === "v2", "acknowledged k1=v2 still readable after failover");
  await kv.put("k2", "after-kill");

  // 4. Restart the killed node; it must catch up.
  startNode(oldLeader);
  const restartedAt = performance.now();
  const target = (await status(elected.value.leader)).commitIndex;
  const caughtUp = await waitFor(`${oldLeader} to catch up to commitIndex ${target}`, 5000, async () => {
    const s = await status(oldLeader);
    return s && s.commitIndex >= target && s.lastApplied >= target && s.leader === elected.value.leader ? s : undefined;
  });
  check(true, `restarted ${oldLeader} caught up to commitIndex ${target} after ${ms(performance.now() - restartedAt)} (follows ${caughtUp.value.leader})`);
  const afterRestart = await agreedLeader(IDS);
  check(afterRestart && afterRestart.term === elected.value.term, `restart did not disturb the leader (still ${afterRestart && afterRestart.leader} in term ${afterRestart && afterRestart.term})`);

  // 5. SIGSTOP a follower: the majority keeps serving; SIGCONT must not depose the leader.
  const leader2 = elected.value.leader;
  const paused = IDS.find((id) => id !== leader2);
  signal(paused, "SIGSTOP");
  const t5 = performance.now();
  await kv.put("k3", "while-paused");
  check(true, `put with follower ${paused} paused acknowledged in ${ms(performance.now() - t5)}`);
  await sleep(1200);
  signal(paused, "SIGCONT");
  const target5 = (await status(leader2)).commitIndex;
  const resumed = await waitFor(`${paused} to catch up after SIGCONT`, 3000, async () => {
    const s = await status(paused);
    return s && s.commitIndex >= target5 && s.leader === leader2 ? s : undefined;
  });
  check(true, `follower ${paused} resumed and caught up after ${ms(resumed.elapsed)}`);
  await sleep(700); // room for a disruptive election to show up
  const stable = await agreedLeader(IDS);
  check(stable && stable.leader === leader2 && stable.term === elected.value.term, `leader unchanged after follower pause (${stable && stable.leader}, term ${stable && stable.term})`);

  // 6. SIGSTOP the leader: the others elect a new one; the old one steps down on SIGCONT.
  signal(leader2, "SIGSTOP");
  const others = IDS.filter((id) => id !== leader2);
  const replaced = await waitFor("a new leader while the old one is paused", 5000, async () => {
    const agreed = await agreedLeader(others);
    return agreed && agreed.term > elected.value.term ? agreed : undefined;
  }, 10);
  check(replaced.elapsed <= ELECTION_BUDGET_MS, `SIGSTOP leader ${leader2}: new leader ${replaced.value.leader} (term ${replaced.value.term}) after ${ms(replaced.elapsed)}`);
  // A fresh client: `kv` still points at the paused node, and a write sent there is indeterminate.
  await new DemoClient(urls, { timeoutMs: 2000 }).put("k4", "old-leader-paused");
  signal(leader2, "SIGCONT");
  const stepped = await waitFor(`${leader2} to step down after SIGCONT`, 2000, async () => {
    const s = await status(leader2);
    return s && s.role === "follower" && s.term >= replaced.value.term ? s : undefined;
  }, 10);
  check(true, `resumed old leader ${leader2} stepped down after ${ms(stepped.elapsed)} (term ${stepped.value.term})`);
  const stale = await get(leader2, "/kv/k4");
  check(stale && stale.status === 421, `resumed old leader refuses reads (HTTP ${stale && stale.status})`);

  // 7. No acknowledged write lost; reads are served by the current leader.
  await writer.stop();
  const final = await waitFor("all nodes agree on a leader", 5000, () => agreedLeader(IDS));
  let missing = 0;
  for (const [key, value] of writer.acked) {
    const got = await kv.get(key);
    if (got.value !== value) missing++;
  }
  for (const [key, value] of [["k1", "v2"], ["k2", "after-kill"], ["k3", "while-paused"], ["k4", "old-leader-paused"]]) {
    if ((await kv.get(key)).value !== value) missing++;
  }
  const { ok, definite, indeterminate } = writer.counts;
  check(missing === 0, `${writer.acked.size + 4} acknowledged writes all readable on leader ${final.value.leader} (background: ${ok} ok, ${definite} definite failures, ${indeterminate} indeterminate)`);
  const statuses = await Promise.all(IDS.map(status));
  const logs = new Set(statuses.map((s) => s && s.logLength));
  check(logs.size === 1, `all logs converge (lengths ${statuses.map((s) => s && s.logLength).join("/")})`);

  // 8. SIGTERM everyone: exit 0 within a second.
  const terms = await Promise.all(
    IDS.map(async (id) => {
      const t0 = performance.now();
      signal(id, "SIGTERM");
      const exit = await Promise.race([nodes.get(id).exit, sleep(3000).then(() => undefined)]);
      return { id, exit, took: exit ? exit.at - t0 : Infinity };
    }),
  );
  for (const { id, exit, took } of terms) {
    check(exit && exit.code === 0 && took <= 1000, `SIGTERM ${id}: exit code ${exit ? exit.code : "none"} after ${exit ? ms(took) : "> 3000ms"}`);
  }
}

async function main() {
  const watchdog = setTimeout(() => {
    record(false, `smoke run exceeded ${ms(RUN_BUDGET_MS)}`);
    finish(1);
  }, RUN_BUDGET_MS);
  let code = 0;
  try {
    await run();
  } catch (error) {
    if (!results.some((r) => !r.ok)) record(false, error && error.message ? error.message : String(error));
    code = 1;
  }
  clearTimeout(watchdog);
  finish(code || (results.some((r) => !r.ok) ? 1 : 0));
}

function finish(code) {
  killAll();
  if (code !== 0) {
    console.log("---- node logs ----");
    for (const [id, node] of nodes) for (const line of node.lines.slice(-40)) console.log(`${id} ${line}`);
  }
  if (!KEEP) fs.rmSync(root, { recursive: true, force: true });
  const passed = results.filter((r) => r.ok).length;
  console.log(`${code === 0 ? "PASS" : "FAIL"} demo-kv smoke: ${passed}/${results.length} checks in ${ms(performance.now() - started)}`);
  process.exit(code);
}

process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    record(false, `interrupted by ${sig}`);
    finish(130);
  });
}

main();
