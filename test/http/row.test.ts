/** @module HTTP: row pages — simple, compound (tilde-encoded) and rowid keys, 404s and row extras. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

let server: TestServer;
before(async () => {
  server = await startServer({ databases: [{ path: buildFixtures(), immutable: false }] });
});
after(() => server.close());

const ERROR = (status: number, message: string) => ({ ok: false, error: message, errors: [message], status });

/** The body with query_ms checked (a non-negative number) and removed. */
function withoutTiming(body: Record<string, unknown>): Record<string, unknown> {
  assert.equal(typeof body.query_ms, "number");
  assert.ok((body.query_ms as number) >= 0);
  const { query_ms: _ms, ...rest } = body;
  void _ms;
  return rest;
}

describe("row JSON", () => {
  test("simple primary key, Datasette's key order", async () => {
    const r = await server.json("/fixtures/simple_primary_key/1.json");
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ["ok", "database", "table", "rows", "primary_keys", "primary_key_values", "query_ms", "truncated"]);
    assert.deepEqual(withoutTiming(r.body), {
      ok: true,
      database: "fixtures",
      table: "simple_primary_key",
      rows: [{ id: "1", content: "hello" }],
      primary_keys: ["id"],
      primary_key_values: ["1"],
      truncated: false,
    });
    assert.equal(r.headers.get("cache-control"), "max-age=5");
  });

  test("compound primary key with tilde-encoded values", async () => {
    const r = await server.json("/fixtures/compound_primary_key/a~2Fb,~2Ec-d.json");
    assert.equal(r.status, 200);
    assert.deepEqual(withoutTiming(r.body), {
      ok: true,
      database: "fixtures",
      table: "compound_primary_key",
      rows: [{ pk1: "a/b", pk2: ".c-d", content: "c" }],
      primary_keys: ["pk1", "pk2"],
      primary_key_values: ["a/b", ".c-d"],
      truncated: false,
    });
  });

  test("rowid table: keyed by rowid (Datasette's row_sql_params_pks sets pks = ['rowid'])", async () => {
    const r = await server.json("/fixtures/no_primary_key/1.json");
    assert.equal(r.status, 200);
    assert.deepEqual(withoutTiming(r.body), {
      ok: true,
      database: "fixtures",
      table: "no_primary_key",
      rows: [{ rowid: 1, content: "0", a: "a0", b: "b0", c: "c0" }],
      primary_keys: ["rowid"],
      primary_key_values: ["1"],
      truncated: false,
    });
  });

  test("integer primary key", async () => {
    const r = await server.get("/fixtures/big_ints/1.json");
    assert.equal(r.status, 200);
    const raw = await r.text();
    assert.ok(raw.includes('"rows":[{"id":1,"big":9223372036854775807}]'), raw);
  });

  test("table names with slashes and dots, tilde-encoded", async () => {
    const r = await server.json("/fixtures/table~2Fwith~2Fslashes~2Ecsv/3.json");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.rows, [{ pk: "3", content: "hey" }]);
  });

  test("BLOBs in a row", async () => {
    const r = await server.json("/fixtures/binary_data/1.json");
    assert.deepEqual(r.body.rows, [{ rowid: 1, data: { $base64: true, encoded: "FRwCx60F/g==" } }]);
  });

  test("missing row → 404", async () => {
    const r = await server.json("/fixtures/simple_primary_key/99.json");
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, ERROR(404, "Row not found"));
  });

  test("wrong number of key values → 404", async () => {
    const r = await server.json("/fixtures/compound_primary_key/a.json");
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, ERROR(404, "Row not found"));
  });

  test("missing table → 404 Table not found", async () => {
    const r = await server.json("/fixtures/nope/1.json");
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, ERROR(404, "Table not found"));
  });
});

describe("row extras", () => {
  test("foreign_key_tables (an _-prefixed column links with __exact)", async () => {
    const r = await server.json("/fixtures/facet_cities/1.json?_extra=foreign_key_tables");
    assert.deepEqual(Object.keys(r.body), ["ok", "database", "table", "rows", "primary_keys", "primary_key_values", "query_ms", "foreign_key_tables", "truncated"]);
    assert.deepEqual(r.body.foreign_key_tables, [{ other_table: "facetable", column: "id", other_column: "_city_id", count: 6, link: "/fixtures/facetable?_city_id__exact=1" }]);
  });

  test("foreign_key_tables with several incoming keys", async () => {
    const r = await server.json("/fixtures/simple_primary_key/1.json?_extra=foreign_key_tables");
    const sorted = [...r.body.foreign_key_tables].sort((a, b) => a.other_column.localeCompare(b.other_column));
    assert.deepEqual(sorted, [
      { other_table: "foreign_key_references", column: "id", other_column: "foreign_key_with_blank_label", count: 0, link: "/fixtures/foreign_key_references?foreign_key_with_blank_label=1" },
      { other_table: "foreign_key_references", column: "id", other_column: "foreign_key_with_label", count: 1, link: "/fixtures/foreign_key_references?foreign_key_with_label=1" },
    ]);
  });

  test("foreign_key_tables is empty for compound keys", async () => {
    const r = await server.json("/fixtures/compound_primary_key/a,b.json?_extra=foreign_key_tables");
    assert.deepEqual(r.body.foreign_key_tables, []);
  });

  test("columns, primary_keys, column_details, database, table, private", async () => {
    const r = await server.json("/fixtures/facet_cities/2.json?_extra=columns,primary_keys,column_details&_extra=database,table,private");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.columns, ["id", "name"]);
    assert.deepEqual(r.body.primary_keys, ["id"]);
    assert.deepEqual(r.body.column_details, {
      id: { type: "integer", sqlite_type: "INTEGER", notnull: false, default: null, is_pk: true, pk_position: 1, hidden: 0 },
      name: { type: "text", sqlite_type: "TEXT", notnull: false, default: null, is_pk: false, pk_position: 0, hidden: 0 },
    });
    assert.equal(r.body.database, "fixtures");
    assert.equal(r.body.table, "facet_cities");
    assert.equal(r.body.private, false);
  });

  test("render_cell, debug, request, query, column_types, metadata, database_color", async () => {
    const r = await server.json("/fixtures/facet_cities/2.json?_extra=render_cell,debug,request,query,column_types,metadata,database_color");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.render_cell, [{}]);
    assert.equal(typeof r.body.debug, "object");
    assert.equal(r.body.request.path, "/fixtures/facet_cities/2.json");
    assert.deepEqual(r.body.request.args, { _extra: ["render_cell,debug,request,query,column_types,metadata,database_color"] });
    assert.deepEqual(Object.keys(r.body.query), ["sql", "params"]);
    assert.deepEqual(Object.values(r.body.query.params), [2]);
    assert.deepEqual(r.body.column_types, {});
    assert.deepEqual(r.body.metadata, { columns: {} });
    assert.equal(r.body.database_color, "9403e5");
  });

  test("extras lists the 15 row extras", async () => {
    const r = await server.json("/fixtures/facet_cities/2.json?_extra=extras");
    assert.deepEqual(
      r.body.extras.map((e: { name: string }) => e.name),
      ["columns", "primary_keys", "column_details", "render_cell", "debug", "request", "query", "column_types", "metadata", "extras", "database", "table", "database_color", "private", "foreign_key_tables"],
    );
  });

  test("unknown row extra → 400", async () => {
    const r = await server.json("/fixtures/facet_cities/2.json?_extra=count");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Unknown _extra: count"));
  });
});
