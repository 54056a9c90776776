/** @module HTTP: every table `?_extra=`, their forms (comma-separated, repeated), unknown names, and capped / cached counts. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

let server: TestServer;
let fixturesPath: string;
const BIG_ROWS = 10_050;

before(async () => {
  const dir = tempDir();
  fixturesPath = buildFixtures(dir);
  const big = makeDatabase(join(dir, "big.db"), "create table big (id integer primary key, v text);", (db) => {
    const insert = db.prepare("insert into big (id, v) values (?, ?)");
    for (let i = 1; i <= BIG_ROWS; i++) insert.run(i, `v${i % 7}`);
  });
  const bigimm = join(dir, "bigimm.db");
  copyFileSync(big, bigimm);
  server = await startServer({
    databases: [
      { path: fixturesPath, immutable: false },
      { path: big, immutable: false },
      { path: bigimm, immutable: true },
    ],
    inspectData: { bigimm: { tables: { big: { count: BIG_ROWS } } } },
    metadata: { databases: { fixtures: { tables: { facetable: { description: "Facets", columns: { state: "Two-letter state" } } } } } },
  });
});
after(() => server.close());

const ERROR = (status: number, message: string) => ({ ok: false, error: message, errors: [message], status });
const BASE = "/fixtures/facetable.json?_size=1&_col=state&state=CA";
const extra = async (names: string, base = BASE) => {
  const r = await server.json(`${base}&_extra=${names}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

describe("table extras", () => {
  test("count, count_truncated (implied), placed between next_url and rows", async () => {
    const body = await extra("count");
    assert.deepEqual(Object.keys(body), ["ok", "next", "next_url", "count", "count_truncated", "rows", "truncated"]);
    assert.equal(body.count, 9);
    assert.equal(body.count_truncated, false);
  });

  test("count_truncated alone", async () => {
    const body = await extra("count_truncated");
    assert.equal(body.count_truncated, false);
    assert.ok(!("count" in body));
  });

  test("_nocount makes count null", async () => {
    const body = await extra("count", `${BASE}&_nocount=1`);
    assert.equal(body.count, null);
  });

  test("count_sql runs and counts the filtered rows", async () => {
    const body = await extra("count_sql");
    assert.match(body.count_sql, /^select count\(\*\) from "?facetable"? where /);
    const db = new Database(fixturesPath, { readonly: true });
    try {
      assert.equal(db.prepare(body.count_sql).pluck().get({ p0: "CA" }), 9);
    } finally {
      db.close();
    }
  });

  test("human_description_en", async () => {
    assert.equal((await extra("human_description_en")).human_description_en, 'where state = "CA"');
    const sorted = await extra("human_description_en", "/fixtures/facetable.json?_size=1&state=CA&_sort_desc=pk&planet_int__gte=1");
    assert.equal(sorted.human_description_en, 'where planet_int ≥ 1 and state = "CA" sorted by pk descending');
  });

  test("columns and all_columns", async () => {
    const body = await extra("columns,all_columns");
    assert.deepEqual(body.columns, ["pk", "state"]);
    assert.deepEqual(body.all_columns, ["pk", "created", "planet_int", "on_earth", "state", "_city_id", "_neighborhood", "tags", "complex_array", "distinct_some_null", "n"]);
    const rowid = await extra("columns,all_columns", "/fixtures/binary_data.json?_size=1");
    assert.deepEqual(rowid.columns, ["rowid", "data"]);
  });

  test("primary_keys", async () => {
    assert.deepEqual((await extra("primary_keys")).primary_keys, ["pk"]);
    assert.deepEqual((await extra("primary_keys", "/fixtures/compound_primary_key.json?_size=1")).primary_keys, ["pk1", "pk2"]);
    assert.deepEqual((await extra("primary_keys", "/fixtures/no_primary_key.json?_size=1")).primary_keys, []);
  });

  test("column_details", async () => {
    const body = await extra("column_details", "/fixtures/compound_primary_key.json?_size=1");
    assert.deepEqual(body.column_details, {
      pk1: { type: "varchar(30)", sqlite_type: "TEXT", notnull: false, default: null, is_pk: true, pk_position: 1, hidden: 0 },
      pk2: { type: "varchar(30)", sqlite_type: "TEXT", notnull: false, default: null, is_pk: true, pk_position: 2, hidden: 0 },
      content: { type: "text", sqlite_type: "TEXT", notnull: false, default: null, is_pk: false, pk_position: 0, hidden: 0 },
    });
  });

  test("display_columns", async () => {
    const body = await extra("display_columns");
    assert.equal(body.display_columns.length, 2);
    for (const c of body.display_columns) {
      assert.deepEqual(Object.keys(c), ["name", "sortable", "is_pk", "type", "notnull", "description", "column_type", "column_type_config"]);
    }
    assert.deepEqual(body.display_columns.map((c: { name: string; is_pk: boolean; description: string | null }) => [c.name, c.is_pk, c.description]), [
      ["pk", true, null],
      ["state", false, "Two-letter state"],
    ]);
  });

  test("render_cell: one object per row", async () => {
    assert.deepEqual((await extra("render_cell")).render_cell, [{}]);
  });

  test("debug", async () => {
    const body = await extra("debug");
    assert.equal(typeof body.debug, "object");
    assert.ok(body.debug !== null);
  });

  test("request", async () => {
    const body = await extra("request");
    assert.deepEqual(body.request, {
      url: `${server.url}${BASE}&_extra=request`,
      path: "/fixtures/facetable.json",
      full_path: `${BASE}&_extra=request`,
      host: new URL(server.url).host,
      args: { _size: ["1"], _col: ["state"], state: ["CA"], _extra: ["request"] },
    });
  });

  test("query", async () => {
    const body = await extra("query");
    assert.deepEqual(Object.keys(body.query), ["sql", "params"]);
    assert.match(body.query.sql, /^select .* from "?facetable"? where .* limit 2$/);
    assert.deepEqual(body.query.params, { p0: "CA" });
  });

  test("column_types and set_column_type_ui", async () => {
    const body = await extra("column_types,set_column_type_ui");
    assert.deepEqual(body.column_types, {});
    assert.equal(body.set_column_type_ui, null);
  });

  test("metadata", async () => {
    assert.deepEqual((await extra("metadata")).metadata, { description: "Facets", columns: { state: "Two-letter state" } });
    assert.deepEqual((await extra("metadata", "/fixtures/sortable.json?_size=0")).metadata, { columns: {} });
  });

  test("extras lists every table extra with a toggle_url", async () => {
    const body = await extra("extras,count");
    assert.equal(body.extras.length, 32); // Datasette's 32 table extras, the four facet ones included
    const byName = Object.fromEntries(body.extras.map((e: { name: string }) => [e.name, e]));
    for (const e of body.extras) assert.deepEqual(Object.keys(e), ["name", "description", "toggle_url", "selected"]);
    assert.equal(byName.count.selected, true);
    assert.equal(byName.columns.selected, false);
    assert.equal(new URL(byName.columns.toggle_url).searchParams.get("_extra"), "extras,count,columns");
    assert.equal(new URL(byName.count.toggle_url).searchParams.get("_extra"), "extras");
  });

  test("database, table, database_color", async () => {
    const body = await extra("database,table,database_color");
    assert.equal(body.database, "fixtures");
    assert.equal(body.table, "facetable");
    // mutable database: md5("fixtures")[:6]
    assert.equal(body.database_color, "9403e5");
  });

  test("renderers", async () => {
    const body = await extra("renderers");
    assert.equal(typeof body.renderers.json, "string");
    assert.ok(body.renderers.json.startsWith(`${server.url}/fixtures/facetable.json?`));
  });

  test("custom_table_templates", async () => {
    assert.deepEqual((await extra("custom_table_templates")).custom_table_templates, ["_table-fixtures-facetable.html", "_table-table-fixtures-facetable.html", "_table.html"]);
  });

  test("table_definition, view_definition, is_view on a table", async () => {
    const body = await extra("table_definition,view_definition,is_view", "/fixtures/compound_primary_key.json?_size=0");
    assert.equal(body.table_definition, "CREATE TABLE compound_primary_key (pk1 varchar(30), pk2 varchar(30), content text, primary key (pk1, pk2));");
    assert.equal(body.view_definition, null);
    assert.equal(body.is_view, false);
  });

  test("table_definition, view_definition, is_view on a view", async () => {
    const body = await extra("table_definition,view_definition,is_view", "/fixtures/simple_view.json?_size=0");
    assert.equal(body.table_definition, null);
    assert.equal(body.view_definition, "CREATE VIEW simple_view as select content, upper(content) as upper_content from simple_primary_key;");
    assert.equal(body.is_view, true);
  });

  test("private", async () => {
    assert.equal((await extra("private")).private, false);
  });

  test("expandable_columns", async () => {
    assert.deepEqual((await extra("expandable_columns")).expandable_columns, [[{ column: "_city_id", other_table: "facet_cities", other_column: "id" }, "name"]]);
  });

  test("form_hidden_args", async () => {
    const body = await extra("form_hidden_args", "/fixtures/facetable.json?_size=1&_sort=pk&state=CA&_labels=on");
    assert.deepEqual(body.form_hidden_args, [["_size", "1"], ["_labels", "on"], ["_extra", "form_hidden_args"]]);
  });

  test("comma-separated and repeated forms combine; keys follow Datasette's order", async () => {
    const a = await server.json(`${BASE}&_extra=table,database&_extra=count`);
    assert.deepEqual(Object.keys(a.body), ["ok", "next", "next_url", "count", "count_truncated", "database", "table", "rows", "truncated"]);
    const b = await server.json(`${BASE}&_extra=count,database,table`);
    assert.deepEqual(a.body, { ...b.body, next_url: a.body.next_url });
  });

  test("unknown _extra → 400", async () => {
    const r = await server.json(`${BASE}&_extra=count,x`);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Unknown _extra: x"));
  });

  test("HTML-only extras are rejected in JSON", async () => {
    const r = await server.json(`${BASE}&_extra=display_rows`);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Unknown _extra: display_rows"));
  });
});

describe("counts", () => {
  test("a mutable table over 10,000 rows: count 10001, truncated", async () => {
    const r = await server.json("/big/big.json?_size=1&_extra=count");
    assert.equal(r.body.count, 10001);
    assert.equal(r.body.count_truncated, true);
  });

  test("a filtered count under the cap is exact", async () => {
    const r = await server.json("/big/big.json?_size=1&_extra=count&id__lte=20");
    assert.equal(r.body.count, 20);
    assert.equal(r.body.count_truncated, false);
  });

  test("an immutable database with inspect data gives the exact count", async () => {
    const r = await server.json("/bigimm/big.json?_size=1&_extra=count");
    assert.equal(r.body.count, BIG_ROWS);
    assert.equal(r.body.count_truncated, false);
  });

  test("the database page shows the same counts", async () => {
    const mutable = await server.json("/big.json");
    assert.deepEqual(
      mutable.body.tables.map((t: { name: string; count: number; count_truncated: boolean }) => [t.name, t.count, t.count_truncated]),
      [["big", 10001, true]],
    );
    const immutable = await server.json("/bigimm.json");
    assert.deepEqual(
      immutable.body.tables.map((t: { name: string; count: number; count_truncated: boolean }) => [t.name, t.count, t.count_truncated]),
      [["big", BIG_ROWS, false]],
    );
  });
});
