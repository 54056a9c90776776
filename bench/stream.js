// Streamed CSV export throughput and memory: Almanac's `_stream=on` against a bare better-sqlite3 loop.
// Usage: node bench/stream.js [--db path]... [--rounds 1]   (build first: npm run build)
// See bench/README.md, "stream.js".
import { existsSync, openSync, writeSync, closeSync } from "node:fs";
import { basename, join } from "node:path";
import http from "node:http";
import Database from "better-sqlite3";
import { freePort, memoryMb, root, startServer, stopServer } from "./lib.js";

const args = process.argv.slice(2);
const dbs = [];
let rounds = 1;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--db") dbs.push(args[++i]);
  else if (args[i] === "--rounds") rounds = Number(args[++i]);
  else throw new Error(`unknown argument ${args[i]}`);
}
if (dbs.length === 0) {
  for (const p of ["bench/data/items-1m.db", "bench/data/items-10m.db"]) if (existsSync(join(root, p))) dbs.push(join(root, p));
}
if (dbs.length === 0) throw new Error("no database: run node bench/generate.js first");


async function startAlmanac(db) {
  const port = await freePort();
  return startServer("Almanac", ["bin/almanac.js", "serve", "-i", db, "--host", "127.0.0.1", "-p", String(port), "-s", "max_csv_mb", "0"], port);
}

/** GET a URL, discarding the body; polls the server's RSS meanwhile. */
function stream(url, pid) {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let peak = 0;
    const poll = setInterval(() => {
      peak = Math.max(peak, memoryMb(pid).rss);
    }, 25);
    const started = performance.now();
    http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
      res.on("data", (c) => (bytes += c.length));
      res.on("end", () => {
        clearInterval(poll);
        resolve({ seconds: (performance.now() - started) / 1000, bytes, peak: Math.max(peak, memoryMb(pid).rss) });
      });
      res.on("error", reject);
    }).on("error", reject);
  });
}

const NEEDS_QUOTES = /[",\r\n]/;
/** The bare baseline: iterate the statement, write CSV in ~128 KB batches to /dev/null, one thread. */
function baseline(dbPath) {
  const db = new Database(dbPath, { readonly: true });
  const stmt = db.prepare("select * from items").raw(true);
  const fd = openSync("/dev/null", "w");
  const started = performance.now();
  let rows = 0;
  let bytes = 0;
  let batch = stmt.columns().map((c) => c.name).join(",") + "\r\n";
  for (const row of stmt.iterate()) {
    let line = "";
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      const t = v === null ? "" : typeof v === "string" ? v : String(v);
      line += (i ? "," : "") + (NEEDS_QUOTES.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
    }
    batch += line + "\r\n";
    rows++;
    if (batch.length >= 131072) {
      bytes += writeSync(fd, batch);
      batch = "";
    }
  }
  bytes += writeSync(fd, batch);
  closeSync(fd);
  db.close();
  return { seconds: (performance.now() - started) / 1000, rows, bytes };
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const lines = [];
for (const dbPath of dbs) {
  const name = basename(dbPath).replace(/\.db$/, "");
  const count = new Database(dbPath, { readonly: true }).prepare("select count(*) as n from items").get().n;
  for (let round = 0; round < rounds; round++) {
    const base = baseline(dbPath);
    const bareRate = base.rows / base.seconds;
    lines.push({ db: name, what: "bare better-sqlite3 → CSV → /dev/null", rows: base.rows, seconds: base.seconds, mb: base.bytes / 1048576, rate: bareRate, pct: 100, peak: NaN, hwm: NaN });
    const server = await startAlmanac(dbPath);
    const pid = server.child.pid;
    for (const path of [`/${name}/items.csv?_stream=on`, `/${name}/-/query.csv?sql=select+*+from+items&_stream=on`]) {
      const r = await stream(server.base + path, pid);
      const rate = count / r.seconds;
      lines.push({ db: name, what: path.replace(`/${name}`, ""), rows: count, seconds: r.seconds, mb: r.bytes / 1048576, rate, pct: (100 * rate) / bareRate, peak: r.peak, hwm: memoryMb(pid).hwm });
    }
    await stopServer(server);
  }
}

console.log("| database | export | rows | seconds | MB | rows/s | % of bare | server RSS peak (MB) | server VmHWM (MB) |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
for (const l of lines) {
  console.log(`| ${l.db} | \`${l.what}\` | ${fmt(l.rows)} | ${l.seconds.toFixed(1)} | ${fmt(l.mb)} | ${fmt(l.rate)} | ${l.pct.toFixed(0)}% | ${Number.isNaN(l.peak) ? "–" : l.peak.toFixed(0)} | ${Number.isNaN(l.hwm) ? "–" : l.hwm.toFixed(0)} |`);
}
process.exit(0);
