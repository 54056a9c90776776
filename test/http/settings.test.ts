/** @module HTTP: settings that change responses — default_allow_sql off, force_https_urls, base_url, page sizes. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";


/** A stored query in its bare-SQL form (Datasette accepts it; DatabaseConfig's type only allows the object form). */
let server: TestServer;
let host: string;
before(async () => {
  server = await startServer({
    databases: [{ path: buildFixtures(), immutable: false }],
    settings: { default_allow_sql: false, force_https_urls: true, base_url: "/prefix/", default_page_size: 3, max_returned_rows: 50, default_cache_ttl: 30 },
    config: { databases: { fixtures: { queries: { one: "select 1 as one" } } } },
  });
  host = new URL(server.url).host;
});
after(() => server.close());

const ERROR = (status: number, message: string) => ({ ok: false, error: message, errors: [message], status });

describe("default_allow_sql off", () => {
  test("_where → 403", async () => {
    const r = await server.json("/prefix/fixtures/facetable.json?_where=pk%3E1");
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, ERROR(403, "_where= is not allowed"));
  });

  test("/-/query → 403", async () => {
    const r = await server.json("/prefix/fixtures/-/query.json?sql=select+1");
    assert.equal(r.status, 403);
    assert.equal(r.body.ok, false);
  });

  test("the database page says so and leaves out table_columns", async () => {
    const r = await server.json("/prefix/fixtures.json");
    assert.equal(r.body.allow_execute_sql, false);
    assert.ok(!("table_columns" in r.body));
  });

  test("stored (trusted) queries still run", async () => {
    const r = await server.json("/prefix/fixtures/one.json");
    assert.deepEqual(r.body, { ok: true, rows: [{ one: 1 }], truncated: false });
  });

  test("filters still work", async () => {
    const r = await server.json("/prefix/fixtures/facetable.json?state=MI&_col=state");
    assert.deepEqual(r.body.rows, [{ pk: 7, state: "MI" }, { pk: 8, state: "MI" }, { pk: 9, state: "MI" }]);
  });
});

describe("force_https_urls and base_url", () => {
  test("next_url is https and carries the prefix", async () => {
    const r = await server.json("/prefix/fixtures/no_primary_key.json?_col=a");
    assert.equal(r.body.next, "3");
    assert.equal(r.body.next_url, `https://${host}/prefix/fixtures/no_primary_key.json?_col=a&_next=3`);
    assert.equal(r.headers.get("link"), `<https://${host}/prefix/fixtures/no_primary_key.json?_col=a&_next=3>; rel="next"`);
  });

  test("paths without the prefix still route, and generated URLs gain it", async () => {
    const r = await server.json("/fixtures/no_primary_key.json?_col=a");
    assert.equal(r.status, 200);
    assert.equal(r.body.next_url, `https://${host}/prefix/fixtures/no_primary_key.json?_col=a&_next=3`);
  });

  test("database path and the ?sql= redirect carry the prefix", async () => {
    const db = await server.json("/prefix/fixtures.json");
    assert.equal(db.body.path, "/prefix/fixtures");
    const r = await server.get("/prefix/fixtures.json?sql=select+1");
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/prefix/fixtures/-/query.json?sql=select+1");
  });

  test("request extra", async () => {
    const r = await server.json("/prefix/fixtures/facet_cities.json?_extra=request&_size=1");
    assert.equal(r.body.request.url, `https://${host}/prefix/fixtures/facet_cities.json?_extra=request&_size=1`);
    assert.equal(r.body.request.path, "/prefix/fixtures/facet_cities.json");
  });

  test("/-/settings.json reflects the settings", async () => {
    const r = await server.json("/prefix/-/settings.json");
    assert.equal(r.body.base_url, "/prefix/");
    assert.equal(r.body.force_https_urls, true);
    assert.equal(r.body.default_allow_sql, false);
    assert.equal(r.body.default_page_size, 3);
  });
});

describe("page sizes and cache TTL from settings", () => {
  test("_size above max_returned_rows names the setting's value", async () => {
    const r = await server.json("/prefix/fixtures/sortable.json?_size=51");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "_size must be <= 50"));
  });

  test("_size=max is max_returned_rows", async () => {
    const r = await server.json("/prefix/fixtures/sortable.json?_size=max");
    assert.equal(r.body.rows.length, 50);
  });

  test("default_cache_ttl", async () => {
    assert.equal((await server.get("/prefix/fixtures/facet_cities.json")).headers.get("cache-control"), "max-age=30");
  });
});
