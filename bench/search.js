// Full-text search pages through a running Almanac vs. the same SQL alone on better-sqlite3 in this process.
// Usage: node bench/search.js [--db bench/data/items-1m-fts.db] [--rounds 15]
// Make the database first: node bench/generate.js --rows 1000000 --fts --out bench/data/items-1m-fts.db
import { existsSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { freePort, root, startServer, stopServer } from "./lib.js";

const { values: opts } = parseArgs({
  options: { db: { type: "string", default: join(root, "bench", "data", "items-1m-fts.db") }, rounds: { type: "string", default: "15" } },
});
const DB = resolve(opts.db);
const ROUNDS = Number(opts.rounds);
if (!existsSync(DB)) {
  console.error(`No database at ${DB}. Make it with: node bench/generate.js --rows 1000000 --fts --out ${opts.db}`);
  process.exit(1);
}
const name = basename(DB, extname(DB));
const SEARCHES = [
  { label: "_search=kitchen (16% of rows match)", query: "_search=kitchen" },
  { label: "_search=recycled steel cotton (all three words)", query: "_search=recycled+steel+cotton" },
  { label: "_search=kitchen&category=c3 (search + filter)", query: "_search=kitchen&category=c3" },
  { label: "_search=kitchen&_sort_desc=price", query: "_search=kitchen&_sort_desc=price" },
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const port = await freePort();
const server = await startServer("Almanac", ["bin/almanac.js", "serve", DB, "--host", "127.0.0.1", "-p", String(port), "-s", "sql_time_limit_ms", "60000"], port);
const conn = new Database(DB, { readonly: true });
const rows = [];
try {
  for (const s of SEARCHES) {
    const url = `${server.base}/${name}/items.json?${s.query}`;
    // The SQL the page ran, from the page itself, so the baseline runs exactly the same statement.
    const plan = await (await fetch(`${url}&_extra=query`)).json();
    if (!plan.ok) throw new Error(`${url}: ${JSON.stringify(plan)}`);
    const stmt = conn.prepare(plan.query.sql);
    const page = [];
    const sql = [];
    // Warm every worker's connection (each has its own page cache) and the baseline's, then measure.
    for (let i = 0; i < 6; i++) {
      await (await fetch(url)).arrayBuffer();
      stmt.all(plan.query.params);
    }
    for (let i = 0; i < ROUNDS; i++) {
      page.push(await timed(async () => (await fetch(url)).arrayBuffer()));
      sql.push(await timed(async () => JSON.stringify({ ok: true, rows: stmt.all(plan.query.params) })));
    }
    rows.push({ label: s.label, page: median(page), sql: median(sql), n: plan.rows?.length ?? 0 });
    process.stderr.write(`${s.label}: page ${median(page).toFixed(1)} ms, SQL ${median(sql).toFixed(1)} ms\n`);
  }
} finally {
  await stopServer(server);
  conn.close();
}

console.log(`\n_search on ${name} (median of ${ROUNDS}; page = HTTP round trip through Almanac, SQL = same statement + JSON.stringify in-process)\n`);
console.log(`${"search".padEnd(50)} ${"page ms".padStart(9)} ${"SQL ms".padStart(9)} ${"ratio".padStart(7)}`);
for (const r of rows) console.log(`${r.label.padEnd(50)} ${r.page.toFixed(1).padStart(9)} ${r.sql.toFixed(1).padStart(9)} ${(r.page / r.sql).toFixed(2).padStart(7)}`);
