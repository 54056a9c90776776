// Hostile schemas (attack classes 1 and 5): the server must start on a database whose schema is broken or
// strange, and every page must answer 200 or a 4xx — never a 500.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { tildeEncode } from "../../src/http/tilde.js";
import { assertJsonError, inBatches, q, sha256 } from "./hostile-fixtures.js";

const LONG = "L".repeat(1000);
const SCHEMA = `
pragma foreign_keys = off;
create table base (id integer primary key, v text);
insert into base values (1, 'a'), (2, 'b');
create view broken_view as select * from missing_table;
create view broken_col_view as select nope from base;
create view fine_view as select * from base;
create table ${q(LONG)} (${q(LONG + "c")} text, ${q(LONG.toLowerCase())} integer);
insert into ${q(LONG)} values ('x', 1), ('y', 2);
create table rowid_col (rowid text, v text);
insert into rowid_col (rowid, v) values ('r1', 'first'), ('r1', 'dupe'), (null, 'nul');
create table all_aliases (rowid text, oid text, _rowid_ text);
insert into all_aliases values ('a', 'b', 'c'), ('a', 'b', 'c');
create table ${q("")} (${q("")} text);
insert into ${q("")} values ('empty');
create table empty_col (${q("")} text, x text);
insert into empty_col values ('e', 'x');
create table wr (k text primary key, v text) without rowid;
insert into wr values ('a/b.c', 'x'), ('~', 'tilde'), (',', 'comma');
create table st (id integer primary key, v text) strict;
create table gen (a integer, b integer generated always as (a * 2) virtual, c integer generated always as (a * 3) stored);
insert into gen (a) values (1);
create table "café" (v text);
create table "cafe\u0301" (v text);
insert into "café" values ('nfc');
insert into "cafe\u0301" values ('nfd');
create table "fts ""content""" (id integer primary key, body text);
insert into "fts ""content""" values (1, 'hello world'), (2, 'NEAR( "quoted" * AND');
create virtual table "fts ""index""" using fts5(body, content="fts ""content""", content_rowid=id);
insert into "fts ""index"""(rowid, body) select id, body from "fts ""content""";
create virtual table "fts4 [t]" using fts4(body);
insert into "fts4 [t]" (body) values ('alpha beta');
create table withauto (id integer primary key autoincrement, v text);
insert into withauto (v) values ('x');
create table self_ref (id integer primary key, parent integer references self_ref(id), name text);
insert into self_ref values (1, null, 'root'), (2, 1, 'child');
create table dangling_fk (id integer primary key, other integer references no_such_table(id), pair integer references base);
insert into dangling_fk values (1, 7, 1);
create table blobby (id integer primary key, b blob);
insert into blobby values (1, x'00ff00'), (2, zeroblob(0));
create index idx_base_v on base(v);
analyze;
`;

let server: TestServer;
let dbPath: string;
let checksum: string;

before(async () => {
  dbPath = makeDatabase(join(tempDir("almanac-hschema-"), "hs.db"), SCHEMA);
  // A virtual table whose module does not exist (what a SpatiaLite or sqlite-vec database looks like without
  // the extension): only writable by hand.
  const raw = new Database(dbPath);
  raw.unsafeMode(true);
  raw.exec(`pragma writable_schema = 1;
    insert into sqlite_master (type, name, tbl_name, rootpage, sql) values ('table', 'ghost', 'ghost', 0, 'CREATE VIRTUAL TABLE ghost USING nosuchmodule(a)');
    pragma writable_schema = 0;`);
  raw.close();
  checksum = sha256(dbPath);
  server = await startServer({ databases: [{ path: dbPath, immutable: false }] });
});
after(() => server.close());

test("the server starts and the database page lists everything, with hidden tables flagged", async () => {
  const r = await server.json("/hs.json");
  assert.equal(r.status, 200);
  const byName = new Map<string, { hidden: boolean; fts_table: string | null }>(r.body.tables.map((t: { name: string }) => [t.name, t]));
  for (const n of ["base", LONG, "rowid_col", "", "café", "cafe\u0301", 'fts "content"', "ghost", "sqlite_stat1"]) assert.ok(byName.has(n), `${n.slice(0, 20)} listed`);
  assert.equal(byName.get("sqlite_stat1")!.hidden, true);
  assert.equal(byName.get("sqlite_sequence")!.hidden, true);
  assert.equal(byName.get('fts "index"_data')!.hidden, true);
  assert.equal(byName.get('fts "index"')!.hidden, true);
  assert.equal(byName.get('fts "content"')!.fts_table, 'fts "index"');
  assert.equal(byName.get("base")!.hidden, false);
  assert.deepEqual(r.body.views.map((v: { name: string }) => v.name).sort(), ["broken_col_view", "broken_view", "fine_view"]);
  for (const path of ["/hs", "/", "/.json", "/-/databases.json"]) assert.equal((await server.get(path)).status, 200, path);
});

test("every table and view, every page variant: 200 or 4xx, never 500", async () => {
  const db = await server.json("/hs.json");
  const names: string[] = [...db.body.tables.map((t: { name: string }) => t.name), ...db.body.views.map((v: { name: string }) => v.name)];
  const suffixes = [
    ".json", "", ".json?_extra=count,columns,column_details,table_definition,view_definition,expandable_columns,foreign_key_tables",
    ".json?_extra=count&_search=hello", ".json?_labels=on", "/1.json", "/1.json?_extra=foreign_key_tables", "/1", "/1,2.json",
    ".json?_sort=rowid", ".json?_size=1", ".json?_next=1", ".json?_shape=object", ".json?_shape=array", ".json?_shape=arrays", ".json?_col=rowid",
  ];
  const failures: string[] = [];
  await inBatches(names.flatMap((n) => suffixes.map((s) => `/hs/${tildeEncode(n)}${s}`)), 8, async (path) => {
    const r = await server.get(path);
    const body = await r.text();
    if (r.status >= 500) failures.push(`${r.status} ${path.slice(0, 120)} ${body.slice(0, 120)}`);
  });
  assert.deepEqual(failures, []);
});

test("1,000-character names work end to end", async () => {
  const path = `/hs/${tildeEncode(LONG)}.json?${new URLSearchParams({ _extra: "table,columns", _sort_desc: LONG.toLowerCase(), [`${LONG}c__exact`]: "x" })}`;
  const r = await server.json(path);
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 200));
  assert.equal(r.body.table, LONG);
  assert.deepEqual(r.body.rows, [{ rowid: 1, [LONG + "c"]: "x", [LONG.toLowerCase()]: 1 }]);
});

test("a column named rowid does not hijack row addressing or pagination", async () => {
  // Walk every page one row at a time: each of the 3 rows exactly once.
  const seen: string[] = [];
  let url: string | null = "/hs/rowid_col.json?_size=1";
  for (let i = 0; url && i < 10; i++) {
    const r: { status: number; body: any } = await server.json(url);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    seen.push(...r.body.rows.map((row: { v: string }) => row.v));
    url = r.body.next ? `/hs/rowid_col.json?_size=1&_next=${encodeURIComponent(r.body.next)}` : null;
  }
  assert.deepEqual(seen.sort(), ["dupe", "first", "nul"]);
  // The user's rowid column is data, never a key: no row page may answer with two rows.
  const row = await server.json("/hs/rowid_col/r1.json");
  assert.ok(row.status === 404 || row.body.rows.length === 1, JSON.stringify(row.body));
  const all = await server.json("/hs/all_aliases.json");
  assert.equal(all.status, 200);
  assert.equal(all.body.rows.length, 2);
  assert.deepEqual(Object.keys(all.body.rows[0]), ["rowid", "oid", "_rowid_"]);
});

test("broken views and missing modules are 4xx with a message", async () => {
  for (const name of ["broken_view", "broken_col_view", "ghost"]) {
    const r = await server.json(`/hs/${name}.json`);
    assert.ok(r.status >= 400 && r.status < 500, `${name}: ${r.status}`);
    assert.equal(r.body.ok, false);
    assert.ok(r.body.error.length > 0);
  }
  const fine = await server.json("/hs/fine_view.json");
  assert.equal(fine.status, 200);
  assert.equal(fine.body.rows.length, 2);
});

test("unicode normalisation look-alikes stay two tables", async () => {
  const nfc = await server.json(`/hs/${tildeEncode("café")}.json?_extra=table`);
  const nfd = await server.json(`/hs/${tildeEncode("cafe\u0301")}.json?_extra=table`);
  assert.equal(nfc.body.table, "café");
  assert.deepEqual(nfc.body.rows.map((r: { v: string }) => r.v), ["nfc"]);
  assert.equal(nfd.body.table, "cafe\u0301");
  assert.deepEqual(nfd.body.rows.map((r: { v: string }) => r.v), ["nfd"]);
});

test("FTS tables with quoted names: search works and operators are text", async () => {
  const base = `/hs/${tildeEncode('fts "content"')}.json`;
  const hello = await server.json(`${base}?_search=hello&_extra=count`);
  assert.equal(hello.status, 200);
  assert.deepEqual(hello.body.rows.map((r: { id: number }) => r.id), [1]);
  const ops = await server.json(`${base}?${new URLSearchParams({ _search: 'NEAR( "quoted" *' })}`);
  assert.equal(ops.status, 200);
  assert.deepEqual(ops.body.rows.map((r: { id: number }) => r.id), [2]);
  const fts4 = await server.json(`/hs/${tildeEncode("fts4 [t]")}.json?_search=alpha`);
  assert.equal(fts4.status, 200);
  assert.equal(fts4.body.rows.length, 1);
});

test("row pages: without-rowid keys with / , ~ and . in them; dangling and self foreign keys", async () => {
  for (const [k, v] of [["a/b.c", "x"], ["~", "tilde"], [",", "comma"]]) {
    const r = await server.json(`/hs/wr/${tildeEncode(k)}.json`);
    assert.equal(r.status, 200, k);
    assert.equal(r.body.rows[0].v, v);
  }
  assertJsonError(await server.json("/hs/wr/nope.json"), 404, "Row not found");
  const d = await server.json("/hs/dangling_fk.json?_labels=on&_extra=expandable_columns");
  assert.equal(d.status, 200);
  const s = await server.json("/hs/self_ref/1.json?_extra=foreign_key_tables");
  assert.equal(s.status, 200);
  assert.equal(s.body.foreign_key_tables[0].count, 1);
  const b = await server.json("/hs/blobby.json");
  assert.deepEqual(b.body.rows[0].b, { $base64: true, encoded: "AP8A" });
});

test("the empty-named table is unreachable but harmless", async () => {
  for (const path of ["/hs/.json", "/hs/", "/hs//1.json"]) {
    const r = await server.get(path);
    assert.ok(r.status < 500, `${path}: ${r.status}`);
    await r.arrayBuffer();
  }
});

test("the database file is unchanged", () => {
  assert.equal(sha256(dbPath), checksum);
});
