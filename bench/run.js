// Benchmarks Almanac against a bare node:http baseline on bench/data/items-1m.db and prints figures (run by hand, never in CI).
// Usage: node bench/run.js [--duration 10] [--connections 10] [--rounds 3] [--scenarios abcde] [--tool wrk|autocannon|node] [--threads 1] [--db path]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort, get, memoryMb, nodeLoad, wrk, root, sleep, startServer, stopServer } from "./lib.js";
const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" }, // Almanac and baseline alternate; medians are reported
    connections: { type: "string", default: "10" },
    scenarios: { type: "string", default: "abcde" },
    tool: { type: "string" },
    threads: { type: "string", default: "1" }, // wrk threads: one leaves the second core to the server
    db: { type: "string", default: join(root, "bench", "data", "items-1m.db") },
  },
});
const DURATION = Number(opts.duration);
const ROUNDS = Math.max(1, Number(opts.rounds));
const CONNECTIONS = Number(opts.connections);
const DB = resolve(opts.db);
const D = "/" + basename(DB, extname(DB)); // the database's URL name is its file stem: /items-1m
const RSS_REQUESTS = 10_000;
const LIGHT_REQUESTS = 100;

const SCENARIOS = {
  a: { name: "(a) table page", path: `${D}/items.json` },
  b: { name: "(b) table page _size=max", path: `${D}/items.json?_size=max` },
  c: { name: "(c) SQL query", path: `${D}/-/query.json?sql=select+*+from+items+where+category+%3D+%27c3%27+limit+100` },
  d: { name: "(d) row page", path: `${D}/items/12345.json` },
  e: { name: "(e) filter+sort, page 6", path: null }, // found by following `next` (see deepPage)
};
const LIGHT = `${D}/items/1.json`;
const RUNAWAY = `${D}/-/query.json?sql=` +
  encodeURIComponent("with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c");

// ---------------------------------------------------------------- child processes

// ---------------------------------------------------------------- HTTP helpers


function wrkLoad(url) {
  return wrk(url, { threads: opts.threads, connections: CONNECTIONS, duration: DURATION });
}

async function autocannonLoad(url) {
  const { default: autocannon } = await import("autocannon");
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts };
}

function chooseTool() {
  if (opts.tool) return opts.tool;
  if (spawnSync("wrk", ["--version"]).error === undefined) return "wrk";
  try {
    createRequire(import.meta.url).resolve("autocannon");
    return "autocannon";
  } catch {
    return "node";
  }
}

async function load(tool, url) {
  if (tool === "wrk") return wrkLoad(url);
  if (tool === "autocannon") return autocannonLoad(url);
  if (tool === "node") return nodeLoad([url], { connections: CONNECTIONS, seconds: DURATION });
  throw new Error(`unknown --tool ${tool}`);
}

// ---------------------------------------------------------------- scenarios

/** Follows `next` five times from the filtered, sorted table page and returns the sixth page's path. */
async function deepPage(base) {
  const start = `${D}/items.json?category=c3&_sort=price`;
  let path = start;
  for (let i = 0; i < 5; i++) {
    const r = await get(base + path);
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${r.body.slice(0, 200)}`);
    const next = JSON.parse(r.body).next;
    if (!next) throw new Error(`${path} has no next page`);
    path = `${start}&_next=${encodeURIComponent(next)}`;
  }
  return path;
}

async function runScenario(server, key, tool) {
  const s = SCENARIOS[key];
  if (!s) throw new Error(`unknown scenario ${key}`);
  try {
    const path = s.path ?? (await deepPage(server.base));
    const check = await get(server.base + path);
    if (check.status !== 200) throw new Error(`answered ${check.status}: ${check.body.slice(0, 200)}`);
    process.stderr.write(`  ${server.label} ${s.name} …\n`);
    return await load(tool, server.base + path);
  } catch (err) {
    return { failed: err.message };
  }
}

const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : NaN;
};

/** The round with the median throughput stands for the scenario (its p50/p99 come with it). */
function medianRound(results) {
  const ok = results.filter((r) => !r.failed);
  if (!ok.length) return results[0];
  const m = median(ok.map((r) => r.rps));
  return { ...ok.find((r) => r.rps === m), rounds: ok.map((r) => Math.round(r.rps)) };
}

/**
 * Each scenario runs ROUNDS times on each server, alternating Almanac and baseline (one server under
 * load at a time), so a burst of noise on this shared machine hits both rather than one.
 */
async function runScenarios(almanac, baseline, tool) {
  const a = {};
  const b = {};
  for (const key of opts.scenarios) {
    const ra = [];
    const rb = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (almanac) ra.push(await runScenario(almanac, key, tool));
      rb.push(await runScenario(baseline, key, tool));
    }
    if (almanac) a[key] = medianRound(ra);
    b[key] = medianRound(rb);
  }
  return [almanac ? a : null, b];
}

const readRssMb = (pid) => memoryMb(pid).rss;

/** (f) resident memory before and after 10,000 requests spread over scenarios a, c and d (e is too slow to repeat 10,000 times). */
async function rssCheck(server) {
  const urls = [SCENARIOS.a.path, SCENARIOS.c.path, SCENARIOS.d.path].map((p) => server.base + p);
  const before = readRssMb(server.child.pid);
  const r = await nodeLoad(urls, { connections: CONNECTIONS, count: RSS_REQUESTS });
  await sleep(500);
  return { before, after: readRssMb(server.child.pid), ok: r.ok, errors: r.errors };
}

/** (g) a query that never ends, sent while 100 light row requests run beside it. */
async function runawayCheck(server) {
  const runaway = get(server.base + RUNAWAY, { timeout: 30_000 }).catch((err) => ({ status: String(err.message), ms: NaN }));
  await sleep(20); // let the runaway reach the database first
  const light = nodeLoad([server.base + LIGHT], { connections: CONNECTIONS, count: LIGHT_REQUESTS, seconds: 60 });
  const [r, l] = await Promise.all([runaway, light]);
  return { status: r.status, ms: r.ms, light: l };
}

// ---------------------------------------------------------------- report

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const pad = (s, n) => String(s).padStart(n);

function printTable(almanac, baseline) {
  console.log(`\n${"scenario".padEnd(28)}| ${pad("Almanac req/s", 13)} ${pad("p50 ms", 8)} ${pad("p99 ms", 8)} ${pad("errs", 5)} | ${pad("baseline req/s", 14)} ${pad("p50 ms", 8)} ${pad("p99 ms", 8)} | ${pad("% of baseline", 13)}`);
  console.log("-".repeat(120));
  for (const key of opts.scenarios) {
    const a = almanac?.[key] ?? {};
    const b = baseline[key] ?? {};
    const pct = a.rps && b.rps ? `${fmt((100 * a.rps) / b.rps, 0)}%` : "n/a";
    console.log(`${SCENARIOS[key].name.padEnd(28)}| ${pad(fmt(a.rps), 13)} ${pad(fmt(a.p50, 2), 8)} ${pad(fmt(a.p99, 2), 8)} ${pad(a.errors ?? "", 5)} | ${pad(fmt(b.rps), 14)} ${pad(fmt(b.p50, 2), 8)} ${pad(fmt(b.p99, 2), 8)} | ${pad(pct, 13)}`);
    for (const [who, r] of [["Almanac", a], ["baseline", b]]) if (r.failed) console.log(`    ${who} failed: ${r.failed}`);
    if (ROUNDS > 1 && a.rounds && b.rounds) console.log(`    rounds req/s: Almanac ${a.rounds.join(", ")}; baseline ${b.rounds.join(", ")}`);
  }
}

async function main() {
  if (!existsSync(DB)) {
    console.error(`No benchmark database at ${DB}. Create it with: node bench/generate.js`);
    process.exit(1);
  }
  const tool = chooseTool();
  console.log(`Almanac benchmark: ${DB}, ${DURATION} s per scenario x ${ROUNDS} rounds (alternating; medians shown), ${CONNECTIONS} connections, load by ${tool}, node ${process.version}`);

  const [aPort, bPort] = [await freePort(), await freePort()];
  const baseline = await startServer("baseline", [join(root, "bench", "baseline-server.js"), DB, String(bPort)], bPort);
  let almanac = null;
  try {
    almanac = await startServer("Almanac", ["bin/almanac.js", "serve", DB, "--host", "127.0.0.1", "-p", String(aPort), "-s", "num_sql_threads", "3"], aPort);
  } catch (err) {
    console.log(`\nAlmanac could not be started, so only the baseline is measured.\n${err.message}`);
  }

  // One server at a time, so the two never compete for the CPU.
  const [almanacResults, baselineResults] = await runScenarios(almanac, baseline, tool);
  printTable(almanacResults, baselineResults);

  console.log(`\n(f) resident memory before and after ${RSS_REQUESTS} requests (scenarios a, c, d)`);
  for (const server of [almanac, baseline].filter(Boolean)) {
    const r = await rssCheck(server);
    console.log(`    ${server.label.padEnd(9)} ${fmt(r.before)} MB -> ${fmt(r.after)} MB  (${r.ok} x 200, ${r.errors} other)`);
  }

  console.log(`\n(g) runaway query (sql_time_limit_ms default 1000) beside ${LIGHT_REQUESTS} light requests`);
  if (almanac) {
    const r = await runawayCheck(almanac);
    console.log(`    runaway: status ${r.status} after ${fmt(r.ms, 0)} ms`);
    console.log(`    light:   ${r.light.ok}/${LIGHT_REQUESTS} x 200, p50 ${fmt(r.light.p50, 2)} ms, p99 ${fmt(r.light.p99, 2)} ms`);
  } else {
    console.log("    skipped: Almanac is not running");
  }
  console.log("    (not run on the baseline: it has no time limit, so the runaway would block it for good)");

  await stopServer(almanac);
  await stopServer(baseline);
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
