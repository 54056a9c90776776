// Attack class 3/4 with default_allow_sql off: `_where=` and `?sql=` are refused with a 403 before any SQL runs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";
import { assertJsonError, sha256 } from "./hostile-fixtures.js";

let server: TestServer;
let dbPath: string;
let checksum: string;
before(async () => {
  dbPath = buildFixtures();
  checksum = sha256(dbPath);
  server = await startServer({ databases: [{ path: dbPath, immutable: false }], settings: { default_allow_sql: false } });
});
after(() => server.close());

const enc = (pairs: [string, string][]) => new URLSearchParams(pairs).toString();

test("_where is 403 when SQL is not allowed, whatever it contains", async () => {
  for (const w of ["1=1", "1);drop table facet_cities;--", "nope = 1", "(", ""]) {
    const r = await server.json(`/fixtures/facetable.json?${enc([["_where", w]])}`);
    assertJsonError(r, 403, "_where= is not allowed");
  }
  // HTML gets the same refusal.
  assert.equal((await server.get(`/fixtures/facetable?${enc([["_where", "1=1"]])}`)).status, 403);
});

test("?sql= is 403 when SQL is not allowed, even for statements the validator would reject", async () => {
  for (const sql of ["select 1", "delete from facet_cities", "select * from pragma_query_only", "select almanac_deadline(0, 'x')"]) {
    const r = await server.json(`/fixtures/-/query.json?${enc([["sql", sql]])}`);
    assert.equal(r.status, 403, sql);
    assert.equal(r.body.ok, false);
  }
  // The database page's ?sql= redirect leads to the same refusal.
  const redirect = await server.get("/fixtures.json?sql=select+1");
  assert.equal(redirect.status, 302);
});

test("ordinary filters still work, and the file is unchanged", async () => {
  const r = await server.json(`/fixtures/facetable.json?${enc([["state", "MI"]])}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.rows.length, 3);
  assert.equal(sha256(dbPath), checksum);
});
