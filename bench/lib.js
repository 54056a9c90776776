// Shared by the bench scripts: free ports, child servers that are always cleaned up, and /proc memory readings.
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import { readFileSync } from "node:fs";
import net from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

const children = new Set();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

export function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

/**
 * Start `node ...args` (from the repository root) and wait until http://127.0.0.1:port/-/versions.json answers
 * 200 (asked with `headers`, e.g. credentials), for 30 s at most. Killed when this process exits. Resolves
 * to { label, child, base }.
 */
export async function startServer(label, args, port, { headers } = {}) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let output = "";
  const keep = (d) => {
    output = (output + d).slice(-2000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = false;
  child.on("exit", () => {
    exited = true;
    children.delete(child);
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !exited) {
    const ok = await fetch(base + "/-/versions.json", { headers, signal: AbortSignal.timeout(1000) }).then(
      (r) => r.arrayBuffer().then(() => r.status === 200),
      () => false,
    );
    if (ok) return { label, child, base };
    await sleep(200);
  }
  child.kill("SIGKILL");
  const tail = output.trim().split("\n").slice(-8).join("\n");
  throw new Error(`${label} did not start (${exited ? "exited" : "timed out"}); its last output:\n${tail}`);
}

export async function stopServer(server) {
  if (!server || server.child.exitCode !== null) return;
  const gone = new Promise((ok) => server.child.once("exit", ok));
  server.child.kill("SIGTERM");
  await Promise.race([gone, sleep(3000)]);
  server.child.kill("SIGKILL");
}

/** Resident and peak resident memory of a process, in MB (Linux). */
export function memoryMb(pid) {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

// One-off requests get a fresh connection (agent: false): a pooled one may have been closed by the
// server's keep-alive timeout during a long load run, which shows up as "socket hang up".
export function get(url, { agent = false, timeout = 30_000, headers } = {}) {
  return new Promise((ok, fail) => {
    const started = performance.now();
    const req = http.get(url, { agent, timeout, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => ok({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }));
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeout} ms: ${url}`)));
    req.on("error", fail);
  });
}

export const percentile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);

/**
 * In-process load: `connections` keep-alive workers cycle through `urls` until `count` requests are
 * done or `seconds` have passed. Used for (f) and (g), and for the scenarios when neither wrk nor
 * autocannon is available (it competes with the server for CPU, so its figures are lower).
 */
export async function nodeLoad(urls, { connections, count = Infinity, seconds = 120, headers }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const statuses = new Map();
  const stopAt = performance.now() + seconds * 1000;
  let issued = 0;
  const started = performance.now();
  async function worker() {
    while (issued < count && performance.now() < stopAt) {
      const url = urls[issued++ % urls.length];
      const r = await get(url, { agent, headers }).catch(() => ({ status: "error", ms: NaN }));
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200) latencies.push(r.ms);
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  const total = [...statuses.values()].reduce((x, y) => x + y, 0);
  return {
    rps: total / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ok: statuses.get(200) ?? 0,
    errors: total - (statuses.get(200) ?? 0),
  };
}

/** One wrk run against `url` (each of `headers` sent with every request): requests/s, p50/p99 latency (ms) and non-2xx/socket errors. */
export function wrk(url, { threads = "1", connections = 10, duration = 10, headers = {} } = {}) {
  const sent = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  const r = spawnSync("wrk", ["-t", String(threads), "-c", String(connections), "-d", `${duration}s`, "--timeout", "10s", "--latency", ...sent, url],
    { encoding: "utf8", timeout: (duration + 30) * 1000 });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.error}`);
  const toMs = (v, unit) => Number(v) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit];
  const lat = (q) => {
    const m = new RegExp(`^\\s*${q}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(r.stdout);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN),
    p50: lat(50),
    p99: lat(99),
    errors: Number(errors?.[1] ?? 0) + (socket ? socket.slice(1).reduce((x, y) => x + Number(y), 0) : 0),
  };
}

/**
 * The options the comparison benchmarks share (`--duration`, `--connections`, `--rounds`, plus `extra`
 * parseArgs options) and a load function: wrk when it is installed, else the in-process load generator.
 */
export function loadSetup(extra = {}) {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "10" },
      rounds: { type: "string", default: "3" },
      ...extra,
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const rounds = Math.max(1, Number(values.rounds));
  const haveWrk = spawnSync("wrk", ["--version"]).error === undefined;
  return {
    values,
    duration,
    connections,
    rounds,
    /** "wrk, 10 connections, 10 s x 3 rounds, medians" */
    describe: `${haveWrk ? "wrk" : "in-process load"}, ${connections} connections, ${duration} s x ${rounds} rounds, medians`,
    load: (url, headers) =>
      haveWrk ? wrk(url, { connections, duration, headers }) : nodeLoad([url], { connections, seconds: duration, headers }),
  };
}

/** The run with the median requests/s of several. */
export function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
