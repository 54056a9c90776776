/** @module HTTP: arbitrary SQL at /<db>/-/query.json, redirects from /<db>?sql=, errors, time limits, extras and stored queries. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";


let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [{ path: buildFixtures(), immutable: false }],
    config: {
      databases: {
        fixtures: {
          queries: {
            cities: "select id, name from facet_cities order by id",
            by_name: { sql: "select id, name from facet_cities where name = :name", title: "City by name", params: ["name"] },
            facet_cities: "select 'the query' as shadowed",
          },
        },
      },
    },
  });
});
after(() => server.close());

const ERROR = (status: number, message: string) => ({ ok: false, error: message, errors: [message], status });
const q = (sql: string, extra = "") => `/fixtures/-/query.json?sql=${encodeURIComponent(sql)}${extra}`;

describe("arbitrary SQL", () => {
  test("§2.12 shape", async () => {
    const r = await server.json("/fixtures/-/query.json?sql=select+pk,+state+from+facetable+order+by+pk+limit+2");
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ["ok", "rows", "truncated"]);
    assert.deepEqual(r.body, { ok: true, rows: [{ pk: 1, state: "CA" }, { pk: 2, state: "CA" }], truncated: false });
  });

  test("truncated at max_returned_rows", async () => {
    const r = await server.json(q("with recursive c(x) as (select 1 union all select x + 1 from c limit 1005) select x from c"));
    assert.equal(r.status, 200);
    assert.equal(r.body.rows.length, 1000);
    assert.equal(r.body.truncated, true);
    assert.deepEqual(r.body.rows[999], { x: 1000 });
  });

  test("exactly max_returned_rows is not truncated", async () => {
    const r = await server.json(q("with recursive c(x) as (select 1 union all select x + 1 from c limit 1000) select x from c"));
    assert.equal(r.body.rows.length, 1000);
    assert.equal(r.body.truncated, false);
  });

  test(":named parameters come from the query string; missing ones are empty strings", async () => {
    const r = await server.json(q("select :name as n, :other as o", "&name=Cleo"));
    assert.deepEqual(r.body.rows, [{ n: "Cleo", o: "" }]);
  });

  test("parameters are always strings", async () => {
    const r = await server.json(q("select typeof(:v) as t, :v as v", "&v=42"));
    assert.deepEqual(r.body.rows, [{ t: "text", v: "42" }]);
  });

  test("§2.12 SQL error: 400 with rows and truncated, in Datasette's key order", async () => {
    const r = await server.json("/fixtures/-/query.json?sql=select+*+from+nope");
    assert.equal(r.status, 400);
    assert.deepEqual(Object.keys(r.body), ["ok", "rows", "error", "errors", "status", "truncated"]);
    assert.deepEqual(r.body, { ok: false, rows: [], error: "no such table: nope", errors: ["no such table: nope"], status: 400, truncated: false });
  });

  for (const sql of ["update facetable set state = 'x'", "delete from facetable", "drop table facetable", "insert into facetable (pk) values (99)"]) {
    test(`write statement → 400: ${sql}`, async () => {
      const r = await server.json(q(sql));
      assert.equal(r.status, 400);
      assert.equal(r.body.ok, false);
      assert.equal(r.body.error, "Statement must be a SELECT");
      assert.deepEqual(r.body.errors, ["Statement must be a SELECT"]);
      assert.equal(r.body.status, 400);
    });
  }

  test("missing sql → 400", async () => {
    const r = await server.json("/fixtures/-/query.json");
    assert.equal(r.status, 400);
    assert.equal(r.body.ok, false);
  });

  test("_shape=object → 400", async () => {
    const r = await server.json(q("select 1", "&_shape=object"));
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "_shape=object is only available on tables"));
  });

  test("_shape=array, arrays, arrayfirst", async () => {
    const sql = "select id, name from facet_cities order by id limit 2";
    assert.deepEqual((await server.json(q(sql, "&_shape=array"))).body, [{ id: 1, name: "San Francisco" }, { id: 2, name: "Los Angeles" }]);
    assert.deepEqual((await server.json(q(sql, "&_shape=arrays"))).body, { ok: true, rows: [[1, "San Francisco"], [2, "Los Angeles"]], truncated: false });
    assert.deepEqual((await server.json(q(sql, "&_shape=arrayfirst"))).body, [1, 2]);
  });

  test("_shape=array&_nl=on", async () => {
    const r = await server.get(q("select id from facet_cities order by id", "&_shape=array&_nl=on"));
    assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(await r.text(), '{"id":1}\n{"id":2}\n{"id":3}\n{"id":4}');
  });

  test("_json_infinity=on in a query", async () => {
    const r = await server.get(q("select value from infinity order by rowid", "&_json_infinity=on"));
    assert.equal(await r.text(), '{"ok":true,"rows":[{"value":Infinity},{"value":-Infinity},{"value":1.5}],"truncated":false}');
  });

  test("_timelimit=10 on a runaway recursive CTE → 400 with the time-limit message", async () => {
    const r = await server.json(q("with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c", "&_timelimit=10"));
    assert.equal(r.status, 400);
    assert.equal(r.body.ok, false);
    assert.equal(r.body.error, "SQL query took too long. The time limit is controlled by the sql_time_limit_ms setting.");
    assert.equal(r.body.status, 400);
  });

  test("no Cache-Control on /-/query, even with _ttl", async () => {
    const r = await server.get(q("select 1", "&_ttl=60"));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), null);
  });
});

describe("redirects from the database URL", () => {
  test("/fixtures.json?sql= → /fixtures/-/query.json?sql=", async () => {
    const r = await server.get("/fixtures.json?sql=select+1&_shape=array");
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/fixtures/-/query.json?sql=select+1&_shape=array");
  });

  test("/fixtures?sql= → /fixtures/-/query?sql=", async () => {
    const r = await server.get("/fixtures?sql=select+1");
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/fixtures/-/query?sql=select+1");
  });
});

describe("query extras", () => {
  test("columns, query, database, database_color, private, metadata, render_cell, request, debug", async () => {
    const path = q("select :a as x", "&a=1&_extra=columns,query,database,database_color,private,metadata,render_cell,request,debug");
    const r = await server.json(path);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ["ok", "columns", "render_cell", "debug", "request", "query", "metadata", "database", "database_color", "private", "rows", "truncated"]);
    assert.deepEqual(r.body.columns, ["x"]);
    assert.deepEqual(r.body.query, { sql: "select :a as x", params: { a: "1" } });
    assert.equal(r.body.database, "fixtures");
    assert.equal(r.body.database_color, "9403e5");
    assert.equal(r.body.private, false);
    assert.deepEqual(r.body.metadata, {});
    assert.deepEqual(r.body.render_cell, [{}]);
    assert.equal(r.body.request.path, "/fixtures/-/query.json");
    assert.deepEqual(r.body.rows, [{ x: "1" }]);
  });

  test("extras lists the 10 query extras", async () => {
    const r = await server.json(q("select 1", "&_extra=extras"));
    assert.deepEqual(
      r.body.extras.map((e: { name: string }) => e.name),
      ["columns", "render_cell", "debug", "request", "query", "metadata", "extras", "database", "database_color", "private"],
    );
  });

  test("table-only extras are unknown on a query", async () => {
    const r = await server.json(q("select 1", "&_extra=count"));
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Unknown _extra: count"));
  });
});

describe("stored queries from configuration", () => {
  test("string form", async () => {
    const r = await server.json("/fixtures/cities.json");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      ok: true,
      rows: [{ id: 1, name: "San Francisco" }, { id: 2, name: "Los Angeles" }, { id: 3, name: "Detroit" }, { id: 4, name: "Memnonia" }],
      truncated: false,
    });
    assert.equal(r.headers.get("cache-control"), "max-age=5");
  });

  test("object form with params", async () => {
    const r = await server.json("/fixtures/by_name.json?name=Detroit");
    assert.deepEqual(r.body, { ok: true, rows: [{ id: 3, name: "Detroit" }], truncated: false });
    const missing = await server.json("/fixtures/by_name.json");
    assert.deepEqual(missing.body, { ok: true, rows: [], truncated: false });
  });

  test("_ttl on a stored query", async () => {
    assert.equal((await server.get("/fixtures/cities.json?_ttl=0")).headers.get("cache-control"), "no-cache");
    assert.equal((await server.get("/fixtures/cities.json?_ttl=60")).headers.get("cache-control"), "max-age=60");
  });

  test("metadata extra is the query definition", async () => {
    const r = await server.json("/fixtures/by_name.json?name=x&_extra=metadata,query");
    assert.equal(r.body.metadata.sql, "select id, name from facet_cities where name = :name");
    assert.equal(r.body.metadata.title, "City by name");
    assert.deepEqual(r.body.query, { sql: "select id, name from facet_cities where name = :name", params: { name: "x" } });
  });

  test("a table of the same name wins", async () => {
    const r = await server.json("/fixtures/facet_cities.json?_size=1");
    assert.deepEqual(r.body.rows, [{ id: 1, name: "San Francisco" }]);
  });

  test("an unknown name is a generic 404", async () => {
    const r = await server.json("/fixtures/no_such_query.json");
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, ERROR(404, "Table not found"));
  });

  test("stored queries are listed on the database page", async () => {
    const r = await server.json("/fixtures.json");
    assert.deepEqual(r.body.queries.map((x: { name: string }) => x.name), ["cities", "by_name", "facet_cities"]);
    assert.equal(r.body.queries_count, 3);
    assert.equal(r.body.queries_more, false);
  });
});
