// Baseline for bench/run.js: the least a server can do for the benchmark URLs (node:http + synchronous better-sqlite3).
// Usage: node bench/baseline-server.js DB PORT. It answers only the URL shapes bench/run.js sends, under any database name.
import { createServer } from "node:http";
import Database from "better-sqlite3";

const [file, port] = process.argv.slice(2);
const db = new Database(file, { readonly: true });
const MAX_ROWS = 1000; // Datasette's max_returned_rows
const SORTABLE = new Set(["id", "name", "category", "price", "quantity", "created"]);
const statements = new Map();
const prepare = (sql) => {
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
};

/** Table page: optional ?category=, ?_sort=col, ?_size=, keyset ?_next=<sortvalue,id | id>. */
function tablePage(params) {
  const size = params.get("_size") === "max" ? MAX_ROWS : Number(params.get("_size") ?? 100);
  const sort = params.get("_sort");
  if (sort && !SORTABLE.has(sort)) throw new Error("bad _sort");
  const where = [];
  const args = [];
  if (params.has("category")) {
    where.push("category = ?");
    args.push(params.get("category"));
  }
  const next = params.get("_next");
  if (next && sort) {
    const cut = next.lastIndexOf(",");
    const value = next.slice(0, cut);
    const id = Number(next.slice(cut + 1));
    where.push(`(${sort} > ? or (${sort} = ? and id > ?))`);
    args.push(value, value, id);
  } else if (next) {
    where.push("id > ?");
    args.push(Number(next));
  }
  const sql = `select * from items${where.length ? " where " + where.join(" and ") : ""} order by ${sort ? sort + ", " : ""}id limit ${size + 1}`;
  const rows = prepare(sql).all(...args);
  let token = null;
  if (rows.length > size) {
    rows.length = size;
    const last = rows[size - 1];
    token = sort ? `${last[sort]},${last.id}` : String(last.id);
  }
  return { ok: true, next: token, rows };
}

function route(url) {
  if (url.pathname === "/-/versions.json") return { ok: true, baseline: true };
  const p = url.pathname.replace(/^\/[^/]+/, ""); // drop the database name
  if (p === "/items.json") return tablePage(url.searchParams);
  if (p === "/-/query.json") return { ok: true, rows: prepare(url.searchParams.get("sql")).all() };
  const row = /^\/items\/(\d+)\.json$/.exec(p);
  if (row) return { ok: true, rows: prepare("select * from items where id = ?").all(Number(row[1])) };
  return null;
}

createServer((req, res) => {
  let status = 200;
  let body;
  try {
    body = route(new URL(req.url, "http://localhost"));
    if (!body) [status, body] = [404, { ok: false, error: "Not found" }];
  } catch (err) {
    [status, body] = [400, { ok: false, error: String(err.message) }];
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}).listen(Number(port), "127.0.0.1", () => console.log(`baseline listening on 127.0.0.1:${port}`));
