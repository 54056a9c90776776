// Tests demo/build.js: builds the Big Mac database into a temp dir and checks its rows, types, keys and search.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const script = join(root, "demo", "build.js");
const csv = join(root, "demo", "data", "big-mac-full-index.csv");

function build(out: string): string {
  const r = spawnSync(process.execPath, [script, out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("demo/build.js builds a complete, typed, searchable database", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "almanac-demo-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, "bigmac.db");

  const first = build(out);
  assert.match(first, /bigmac: \d+ rows/);
  const db = new Database(out, { readonly: true });
  t.after(() => db.close());
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;

  // The CSV has no quoted fields, so its data rows are its non-empty lines after the header.
  const text = readFileSync(csv, "utf8");
  assert.ok(!text.includes('"'));
  const csvRows = text.split(/\r?\n/).filter((l) => l !== "").length - 1;
  assert.equal(count("select count(*) as n from bigmac"), csvRows);

  const ven = db.prepare("select * from bigmac where date = '2026-01-01' and iso_a3 = 'VEN'").get() as Record<string, unknown>;
  assert.equal(typeof ven.date, "string");
  assert.equal(typeof ven.currency_code, "string");
  assert.equal(typeof ven.local_price, "number");
  assert.equal(typeof ven.dollar_price, "number");
  assert.equal(ven.GDP_bigmac, null, "empty cells are NULL");
  const gbr = db.prepare("select * from bigmac where date = '2026-01-01' and iso_a3 = 'GBR'").get() as Record<string, unknown>;
  assert.equal(typeof gbr.USD_adjusted, "number");

  // No empty strings anywhere, and every figure is stored as REAL (or NULL).
  const columns = db.prepare("select name, type from pragma_table_info('bigmac')").all() as { name: string; type: string }[];
  for (const { name, type } of columns) {
    assert.equal(count(`select count(*) as n from bigmac where "${name}" = ''`), 0, `${name} has empty strings`);
    const wanted = type === "REAL" ? "'real', 'null'" : "'text'";
    assert.equal(count(`select count(*) as n from bigmac where typeof("${name}") not in (${wanted})`), 0, `${name} types`);
  }
  assert.ok(count("select count(*) as n from bigmac where date not glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'") === 0);

  // Compound primary key (date, iso_a3), unique.
  const pk = db.prepare("select name from pragma_table_info('bigmac') where pk > 0 order by pk").all() as { name: string }[];
  assert.deepEqual(pk.map((c) => c.name), ["date", "iso_a3"]);
  assert.equal(count("select count(*) as n from (select 1 from bigmac group by date, iso_a3 having count(*) > 1)"), 0);

  // Foreign key to countries, with nothing dangling.
  const fks = db.prepare("select * from pragma_foreign_key_list('bigmac')").all() as { table: string; from: string; to: string }[];
  assert.deepEqual(fks.map((f) => [f.from, f.table, f.to]), [["iso_a3", "countries", "iso_a3"]]);
  assert.deepEqual(db.pragma("foreign_key_check"), []);
  assert.equal(count("select count(*) as n from countries"), count("select count(distinct iso_a3) as n from bigmac"));

  // Full-text search over country names.
  const hits = db.prepare("select c.iso_a3 from countries_fts f join countries c on c.rowid = f.rowid where countries_fts match 'united' order by c.iso_a3").all() as { iso_a3: string }[];
  assert.deepEqual(hits.map((h) => h.iso_a3), ["ARE", "USA"]);
  assert.equal(count("select count(*) as n from countries_fts where countries_fts match 'zzzz'"), 0);

  // A second run leaves an up-to-date database alone.
  const mtime = statSync(out).mtimeMs;
  assert.match(build(out), /up to date/);
  assert.equal(statSync(out).mtimeMs, mtime);
});
