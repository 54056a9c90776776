/** @module HTTP: the `/-/…` introspection pages — versions, settings, config (redacted), databases, plugins, actor. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { QueryConfig } from "../../src/config/index.js";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";


/** A stored query in its bare-SQL form (Datasette accepts it; DatabaseConfig's type only allows the object form). */
const sqlString = (sql: string) => sql as unknown as QueryConfig;
let server: TestServer;
let fixturesPath: string;
const CONFIG = {
  plugins: {
    "some-plugin": { nested: { deeper: { Client_Secret: "s", list: [{ auth_token: "t" }] } }, SQLITE_HASH: "h" },
    "datasette-auth-passwords": { someusername_password_hash: "pbkdf2_sha256$1$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=", actors: { someusername: { id: "someusername" } } },
    "datasette-cluster-map": { latitude_column: "lat", API_KEY: "k", Secret_Thing: { nested: 1 }, dsn: "postgres://u:p@h/db", my_token: "t", plain: "visible" },
  },
  databases: { fixtures: { tables: { api_keys: { hidden: true, sort: "id" } }, queries: { token_report: sqlString("select 1") } } },
};

before(async () => {
  fixturesPath = buildFixtures();
  server = await startServer({ databases: [{ path: fixturesPath, immutable: false }], config: CONFIG });
});
after(() => server.close());

test("/-/versions.json", async () => {
  const r = await server.json("/-/versions.json");
  assert.equal(r.status, 200);
  assert.equal(r.body.ok, true);
  assert.equal(typeof r.body.sqlite.version, "string");
  assert.match(r.body.sqlite.version, /^3\.\d+\.\d+$/);
  assert.deepEqual(r.body.sqlite.fts_versions, ["FTS5", "FTS4", "FTS3"]);
  assert.deepEqual(r.body.sqlite.extensions, { json1: true });
  assert.ok(Array.isArray(r.body.sqlite.compile_options));
});

test("/-/settings.json: all 24 settings with Datasette's defaults, in order", async () => {
  const r = await server.json("/-/settings.json");
  assert.equal(r.status, 200);
  assert.deepEqual(Object.entries(r.body), Object.entries({
    ok: true,
    default_page_size: 100,
    max_returned_rows: 1000,
    max_insert_rows: 100,
    max_post_body_bytes: 2097152,
    num_sql_threads: 3,
    sql_time_limit_ms: 1000,
    default_facet_size: 30,
    facet_time_limit_ms: 200,
    facet_suggest_time_limit_ms: 50,
    allow_facet: true,
    allow_download: true,
    allow_signed_tokens: true,
    default_allow_sql: true,
    max_signed_tokens_ttl: 0,
    suggest_facets: true,
    default_cache_ttl: 5,
    cache_size_kb: 0,
    allow_csv_stream: true,
    max_csv_mb: 100,
    truncate_cells_html: 2048,
    force_https_urls: false,
    template_debug: false,
    trace_debug: false,
    base_url: "/",
  }));
  assert.equal(Object.keys(r.body).length, 25);
});

describe("/-/config.json", () => {
  test("keys containing secret/key/password/token/hash/dsn are redacted, case-insensitively, at any depth", async () => {
    const r = await server.json("/-/config.json");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      ok: true,
      plugins: {
        "some-plugin": { nested: { deeper: { Client_Secret: "***", list: [{ auth_token: "***" }] } }, SQLITE_HASH: "***" },
        // The plugin's own name contains "password": Datasette's redact_keys hides the whole block.
        "datasette-auth-passwords": "***",
        "datasette-cluster-map": { latitude_column: "lat", API_KEY: "***", Secret_Thing: "***", dsn: "***", my_token: "***", plain: "visible" },
      },
      databases: { fixtures: { tables: { api_keys: { hidden: true, sort: "id" } }, queries: { token_report: "select 1" } } },
    });
  });
});

test("/-/databases.json", async () => {
  const r = await server.json("/-/databases.json");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {
    ok: true,
    databases: [{ name: "fixtures", route: "fixtures", path: fixturesPath, size: r.body.databases[0].size, is_mutable: true, is_memory: false, hash: null }],
  });
  assert.equal(typeof r.body.databases[0].size, "number");
  assert.ok(r.body.databases[0].size > 0);
});

test("/-/plugins.json is a bare array", async () => {
  const r = await server.json("/-/plugins.json");
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body));
});

test("/-/actor.json for an anonymous request", async () => {
  const r = await server.json("/-/actor.json");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { ok: true, actor: null });
});

test("/- redirects to /-/", async () => {
  const r = await server.get("/-");
  assert.equal(r.status, 301);
  assert.equal(r.headers.get("location"), "/-/");
});
