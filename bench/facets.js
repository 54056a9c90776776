// Facet pages through a running Almanac vs. the same facet SQL alone on better-sqlite3 in this process.
// Usage: node bench/facets.js [--db path]... [--rounds 5]
// Defaults to bench/data/items-1m.db and bench/data/items-10m.db (whichever exist). Build first (npm run build).
// The server runs with -s facet_time_limit_ms 60000 -s sql_time_limit_ms 60000: the 200 ms default facet
// limit is far below what a facet over millions of rows takes, and the point here is the overhead, not the limit.
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { freePort, startServer, stopServer } from "./lib.js";
import { COLUMN_FACET, DATE_FACET } from "../dist/src/query/facets.js";
import { introspect } from "../dist/src/db/introspect.js";

const here = dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({ options: { db: { type: "string", multiple: true }, rounds: { type: "string", default: "5" } } });
const ROUNDS = Number(opts.rounds);
const dbs = (opts.db ?? [join(here, "data", "items-1m.db"), join(here, "data", "items-10m.db")]).map((p) => resolve(p)).filter(existsSync);
if (!dbs.length) throw new Error("no database: run node bench/generate.js first");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startAlmanac(db) {
  const port = await freePort();
  const args = ["bin/almanac.js", "serve", db, "--host", "127.0.0.1", "-p", String(port),
    "-s", "num_sql_threads", "3", "-s", "facet_time_limit_ms", "60000", "-s", "sql_time_limit_ms", "60000"];
  return startServer("Almanac", args, port);
}

async function timePage(url) {
  const t = performance.now();
  const r = await fetch(url);
  const body = await r.json();
  const ms = performance.now() - t;
  if (r.status !== 200 || body.facet_results.timed_out.length) throw new Error(`${url}: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
  return ms;
}

function timeSql(conn, query) {
  const stmt = conn.prepare(query.sql).raw();
  const t = performance.now();
  stmt.all(query.params);
  return performance.now() - t;
}

const rows = [];
for (const path of dbs) {
  const name = basename(path).replace(/\.[^.]+$/, "");
  const conn = new Database(path, { readonly: true });
  const items = introspect(conn).resolve("items");
  if (!items) throw new Error(`${path}: no items table`);
  const source = { table: items, whereSql: "", whereParams: {} };
  const scenarios = [
    { label: "_facet=category&_size=0", qs: "_facet=category&_size=0", query: COLUMN_FACET.sql({ ...source, column: "category", size: 30 }) },
    { label: "_facet=category&_size=100", qs: "_facet=category&_size=100", query: COLUMN_FACET.sql({ ...source, column: "category", size: 30 }) },
    { label: "_facet_date=created&_size=0", qs: "_facet_date=created&_size=0", query: DATE_FACET.sql({ ...source, column: "created", size: 30 }) },
  ];
  const server = await startAlmanac(path);
  try {
    for (const s of scenarios) {
      const url = `${server.base}/${name}/items.json?${s.qs}`;
      await timePage(url); // warm the page cache and the worker's statement cache
      timeSql(conn, s.query);
      const page = [];
      const sql = [];
      // Alternate so that drift (page cache, CPU frequency) hits both sides alike.
      for (let i = 0; i < ROUNDS; i++) {
        sql.push(timeSql(conn, s.query));
        page.push(await timePage(url));
      }
      const p = median(page);
      const q = median(sql);
      rows.push({ db: name, scenario: s.label, page: p, sql: q, ratio: p / q });
      process.stderr.write(`${name} ${s.label}: page ${p.toFixed(1)} ms, SQL ${q.toFixed(1)} ms\n`);
    }
  } finally {
    await stopServer(server);
    conn.close();
  }
}

const pad = (s, n) => String(s).padEnd(n);
const padL = (s, n) => String(s).padStart(n);
console.log(`\nFacet pages vs. facet SQL alone (median of ${ROUNDS}; target ratio ≤ 1.30)\n`);
console.log(`${pad("db", 10)} ${pad("URL", 30)} ${padL("page ms", 9)} ${padL("SQL ms", 9)} ${padL("ratio", 6)}`);
for (const r of rows) {
  console.log(`${pad(r.db, 10)} ${pad(r.scenario, 30)} ${padL(r.page.toFixed(1), 9)} ${padL(r.sql.toFixed(1), 9)} ${padL(r.ratio.toFixed(2), 6)}`);
}
