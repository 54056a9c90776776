// Attack class 3 — SQL injection through query-string filters. A fixed list of nasty payloads goes through
// every table parameter; the answer is never a 500, errors are Datasette's JSON error object, and the
// database file is byte-for-byte unchanged afterwards.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";
import { assertJsonError, inBatches, sha256 } from "./hostile-fixtures.js";

let server: TestServer;
let dbPath: string;
let checksum: string;
let rowCounts: Record<string, number>;

const COUNTED = ["facetable", "facet_cities", "searchable", "sortable", "simple_primary_key", "no_primary_key", "compound_primary_key"];

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of COUNTED) {
    const r = await server.json(`/fixtures/-/query.json?sql=${encodeURIComponent(`select count(*) as n from ${t}`)}`);
    assert.equal(r.status, 200);
    out[t] = r.body.rows[0].n;
  }
  return out;
}

before(async () => {
  dbPath = buildFixtures();
  checksum = sha256(dbPath);
  server = await startServer({ databases: [{ path: dbPath, immutable: false }], settings: { default_allow_sql: true } });
  rowCounts = await counts();
});
after(() => server.close());

/** Deterministic: the same ~50 payloads every run. */
export const PAYLOADS: readonly string[] = [
  "'", '"', "''", "\\", "`", "]", "[", "--", "/*", "*/", ";", "');", "1; drop table facetable; --",
  "' or '1'='1", '" or "1"="1', "1) or (1=1", ")", "(", "%", "_", "%%", "\u0000", "a\u0000b",
  "x".repeat(6000), "🦆", "\u202e", "\ud800", "{}", "[]", "[1,2", '{"a":', "null", "$null", "$null,1",
  "union select sql from sqlite_master", "1 union select 1,2,3--", "NEAR(a b)", '"a', "a*", "AND OR NOT", "^a",
  "-1", "1e999", "99999999999999999999999", "0x10", "", " ", ",", ",,,", "~", "~00", "~ZZ", "+",
  '{"table":"facet_cities","column":"id","value":1}', "[\"a\", {\"b\": 1}]", "9223372036854775808",
];

export const OPERATORS = [
  "exact", "not", "contains", "notcontains", "endswith", "startswith", "gt", "gte", "lt", "lte", "like", "notlike", "glob",
  "in", "notin", "arraycontains", "arraynotcontains", "date", "isnull", "notnull", "isblank", "notblank",
];

const SPECIALS = [
  "_where", "_sort", "_sort_desc", "_search", "_search_text1", "_searchmode", "_fts_table", "_fts_pk", "_col", "_nocol", "_through",
  "_size", "_next", "_label", "_labels", "_shape", "_extra", "_timelimit", "_json", "_nl", "_json_infinity", "_ttl", "_nocount",
];

const enc = (pairs: [string, string][]) => new URLSearchParams(pairs).toString();

interface Outcome {
  url: string;
  status: number;
  body: any;
}

async function fetchAll(urls: string[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  await inBatches(urls, 12, async (url) => {
    const r = await server.json(url);
    out.push({ url, status: r.status, body: r.body });
  });
  return out;
}

/** Never a 500; every error is `{"ok": false, "error": "<message>", "errors": [...], "status": N}`. */
function assertWellBehaved(results: Outcome[]): void {
  const bad = results.filter((r) => {
    if (r.status >= 500) return true;
    if (r.status === 200) return false;
    return !(r.body && typeof r.body === "object" && r.body.ok === false && typeof r.body.error === "string" && r.body.error && r.body.status === r.status);
  });
  assert.deepEqual(bad.map((b) => `${b.status} ${b.url.slice(0, 160)} ${JSON.stringify(b.body).slice(0, 160)}`), []);
}

test("all 22 filter operators × every payload: never a 500", async () => {
  const urls: string[] = [];
  for (const v of PAYLOADS) {
    for (const op of OPERATORS) {
      urls.push(`/fixtures/facetable.json?${enc([[`state__${op}`, v]])}`);
      urls.push(`/fixtures/facetable.json?${enc([[`tags__${op}`, v], ["_extra", "count"]])}`);
      urls.push(`/fixtures/sortable.json?${enc([[`sortable__${op}`, v], ["_sort_desc", "sortable_with_nulls"]])}`);
    }
  }
  const results = await fetchAll(urls);
  assertWellBehaved(results);
  // Values are bound: an injection payload is just a string that matches nothing.
  const injected = results.find((r) => r.url.includes(enc([["state__exact", "' or '1'='1"]])));
  assert.equal(injected?.status, 200);
  assert.deepEqual(injected?.body.rows, []);
});

test("every special parameter × every payload, on tables, views, rowid tables and rows: never a 500", async () => {
  const urls: string[] = [];
  for (const v of PAYLOADS) {
    for (const k of [...SPECIALS, v]) {
      urls.push(`/fixtures/searchable.json?${enc([[k, v]])}`);
      urls.push(`/fixtures/searchable.json?${enc([[k, v], ["_extra", "count"]])}`);
      urls.push(`/fixtures/sortable.json?${enc([[k, v], ["_sort", "sortable"]])}`);
      urls.push(`/fixtures/paginated_view.json?${enc([[k, v]])}`);
      urls.push(`/fixtures/no_primary_key.json?${enc([[k, v]])}`);
      urls.push(`/fixtures/facetable/1.json?${enc([[k, v]])}`);
    }
    urls.push(`/fixtures/searchable.json?${enc([["_search", v], ["_searchmode", "raw"], ["_extra", "count"]])}`);
    urls.push(`/fixtures/searchable.json?${enc([["_search", v], ["_fts_table", "searchable_fts"], ["_fts_pk", v]])}`);
    urls.push(`/fixtures/-/query.json?${enc([["sql", "select :a as a"], ["a", v]])}`);
    urls.push(`/fixtures/-/query.json?${enc([["sql", v]])}`);
    urls.push(`/fixtures/-/query.json?${enc([["sql", "select 1 " + v]])}`);
  }
  assertWellBehaved(await fetchAll(urls));
});

test("_where: SQL errors are 400 with SQLite's message, and _where cannot write", async () => {
  assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["_where", "nope = 1"]])}`), 400, /no such column/);
  assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["_where", "1);drop table facet_cities;--"]])}`), 400);
  assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["_where", "1); delete from facet_cities where (1"]])}`), 400);
  assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["_where", "1) union select * from sqlite_master --"]])}`), 400);
  assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["_where", "1=1) limit 1) ; vacuum into '/tmp/x.db' --"]])}`), 400);
  // With _extra=count the count query fails in parallel with the rows query: still a 400, not a 500.
  for (let i = 0; i < 5; i++) {
    assertJsonError(await server.json(`/fixtures/searchable.json?${enc([["_where", "{}"], ["_extra", "count"]])}`), 400);
    assertJsonError(await server.json(`/fixtures/searchable.json?${enc([["_search", "("], ["_searchmode", "raw"], ["_extra", "count"]])}`), 400, /fts5/);
  }
  const ok = await server.json(`/fixtures/facetable.json?${enc([["_where", "state = 'MI'"], ["_where", "pk > 7"]])}`);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.rows.map((r: { pk: number }) => r.pk), [8, 9]);
});

test("_search in the default escaped mode treats FTS operators as text", async () => {
  for (const v of ["NEAR(", "NEAR(a b)", '"', '"dog', "*", "dog*", "AND OR", "OR", "NOT", "dog AND", "^dog", "-dog", "text1:dog", "(", ")", "{text1}: dog", "\u0000", "''"]) {
    const r = await server.json(`/fixtures/searchable.json?${enc([["_search", v], ["_extra", "count"]])}`);
    assert.equal(r.status, 200, `${JSON.stringify(v)}: ${JSON.stringify(r.body)}`);
    const col = await server.json(`/fixtures/searchable.json?${enc([["_search_text2", v]])}`);
    assert.equal(col.status, 200, `_search_text2=${JSON.stringify(v)}: ${JSON.stringify(col.body)}`);
  }
  const dog = await server.json(`/fixtures/searchable.json?${enc([["_search", "dog"]])}`);
  assert.deepEqual(dog.body.rows.map((r: { pk: number }) => r.pk), [1, 2]);
});

test("_fts_table / _fts_pk / _search_<col> naming the wrong thing are 400s", async () => {
  const s = (pairs: [string, string][]) => server.json(`/fixtures/searchable.json?${enc([["_search", "dog"], ...pairs])}`);
  assertJsonError(await s([["_fts_table", "facetable"]]), 400, /full-text/);
  assertJsonError(await s([["_fts_table", "missing_table"]]), 400, /full-text/);
  assertJsonError(await s([["_fts_table", 'searchable_fts" where 1=1; --']]), 400, /full-text/);
  assertJsonError(await s([["_fts_pk", "nope"]]), 400, /_fts_pk/);
  assertJsonError(await s([["_fts_pk", 'pk" or 1=1 --']]), 400, /_fts_pk/);
  assertJsonError(await server.json(`/fixtures/searchable.json?${enc([["_search_nope", "dog"]])}`), 400, /Cannot search by column/);
  assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["_search", "dog"]])}`), 400, /full-text/);
});

test("_through: bad JSON, missing keys and unknown tables are 400s; a good one filters", async () => {
  const t = (v: string) => server.json(`/fixtures/facet_cities.json?${enc([["_through", v]])}`);
  for (const v of ["{", "[]", "null", "1", '"x"', '{"table":"facetable"}', '{"table":"facetable","column":"state"}', '{"column":"state","value":"CA"}', '{"table":1,"column":"state","value":"CA"}']) {
    assertJsonError(await t(v), 400, /Invalid _through/);
  }
  for (const v of ['{"table":"nope","column":"state","value":"CA"}', '{"table":"facetable","column":"nope","value":"CA"}', '{"table":"simple_primary_key","column":"id","value":"1"}', '{"table":"facetable\\"; drop table facet_cities; --","column":"state","value":"CA"}']) {
    assertJsonError(await t(v), 400, /could not find corresponding foreign key/);
  }
  const good = await t('{"table":"facetable","column":"state","value":"MI"}');
  assert.equal(good.status, 200);
  assert.deepEqual(good.body.rows.map((r: { id: number }) => r.id), [3]);
});

test("_size, _next, _shape, _extra, _timelimit, _json: malformed input is a clear 400 or ignored", async () => {
  assertJsonError(await server.json("/fixtures/facetable.json?_size=100000"), 400, "_size must be <= 1000");
  for (const v of ["-1", "abc", "1e3", "1.5", " 1", "0x10", "\u0000"]) {
    assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["_size", v]])}`), 400, "_size must be a positive integer");
  }
  for (const [path, v] of [["sortable", "a"], ["sortable", "a,b,c"], ["sortable", "$null"], ["compound_primary_key", "a"], ["paginated_view", "x"], ["paginated_view", "-1"]] as const) {
    const r = await server.json(`/fixtures/${path}.json?${enc([["_next", v]])}`);
    assertJsonError(r, 400, /_next/);
  }
  assertJsonError(await server.json("/fixtures/sortable.json?_sort=sortable&_next=1"), 400, /_next/);
  assertJsonError(await server.json("/fixtures/facetable.json?_shape=bananas"), 400, "Invalid _shape: bananas");
  assertJsonError(await server.json("/fixtures/facetable.json?_extra=nope"), 400, "Unknown _extra: nope");
  assertJsonError(await server.json("/fixtures/facetable.json?_sort=state&_sort_desc=state"), 400, "Cannot use _sort and _sort_desc at the same time");
  assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["state__in", "[{}]"]])}`), 400);
  assertJsonError(await server.json(`/fixtures/facetable.json?${enc([["state__in", "[1,"]])}`), 400, /Invalid JSON array/);
  // Harmless garbage is ignored.
  for (const q of ["_timelimit=abc", "_timelimit=-5", "_json=nope", "_ttl=x", "_labels=maybe", "_nl=%00", "state__bogusop=1"]) {
    assert.equal((await server.json(`/fixtures/facetable.json?${q}`)).status, 200, q);
  }
  // A long IN list (as long as a URL may be: Node refuses headers over 16 KB with a 431) is bound, not spliced.
  const many = Array.from({ length: 1200 }, (_, i) => i).join(",");
  const r = await server.json(`/fixtures/facetable.json?${enc([["pk__in", many]])}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.rows.length, 15);
});

test("query-string keys that collide with JavaScript object internals", async () => {
  for (const q of ["__proto__=1", "constructor=1", "__proto____exact=1", "toString__exact=1", "_extra=__proto__", "_col=__proto__", "_sort=constructor"]) {
    const r = await server.json(`/fixtures/facetable.json?${q}`);
    assert.ok(r.status < 500, `${q} → ${r.status}`);
  }
});

test("_extra=request echoes a __proto__ argument", async () => {
  const r = await server.json("/fixtures/facetable.json?__proto__=1&_extra=request");
  assert.equal(r.status, 200);
});

test("the database is unchanged: same bytes, same row counts", async () => {
  assert.equal(sha256(dbPath), checksum);
  assert.deepEqual(await counts(), rowCounts);
});
