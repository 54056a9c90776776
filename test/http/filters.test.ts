/** @module HTTP: the 22 `?col__op=` filter operators, exact matches, `_where`, `_through` and full-text search on a table page. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { TestServer } from "../fixtures/server.js";
import { fixturesWithOracle } from "../fixtures/fixtures-db.js";

let server: TestServer;
let oracle: Database.Database;
let close: () => Promise<void>;
before(async () => {
  ({ server, oracle, close } = await fixturesWithOracle());
});
after(() => close());

const ERROR = (status: number, message: string) => ({ ok: false, error: message, errors: [message], status });

/** Primary keys (first column of `_shape=arrays`, max page) the server returns for a query string on a table. */
async function pks(table: string, qs: string): Promise<unknown[]> {
  const r = await server.json(`/fixtures/${table}.json?_shape=arrays&_size=max&${qs}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.next, null);
  return r.body.rows.map((row: unknown[]) => row[0]);
}

/** The same, straight from SQLite: `select pk from table where <where> order by pk`. */
function expected(table: string, where: string, params: unknown[] = []): unknown[] {
  return oracle.prepare(`select pk from ${table} where ${where} order by pk`).pluck().all(...params);
}

describe("the 22 operators", () => {
  const cases: [op: string, qs: string, where: string, params?: unknown[]][] = [
    ["exact", "state__exact=MI", "state = 'MI'"],
    ["not", "state__not=CA", "state != 'CA'"],
    ["contains", "_neighborhood__contains=town", "_neighborhood like '%town%'"],
    ["notcontains", "_neighborhood__notcontains=a", "_neighborhood not like '%a%'"],
    ["endswith", "_neighborhood__endswith=ch", "_neighborhood like '%ch'"],
    ["startswith", "_neighborhood__startswith=Ho", "_neighborhood like 'Ho%'"],
    ["gt", "planet_int__gt=1", "planet_int > 1"],
    ["gte", "pk__gte=14", "pk >= 14"],
    ["lt", "pk__lt=3", "pk < 3"],
    ["lte", "pk__lte=2", "pk <= 2"],
    ["like", "_neighborhood__like=%25town", "_neighborhood like '%town'"],
    ["notlike", "_neighborhood__notlike=%25o%25", "_neighborhood not like '%o%'"],
    ["glob", "_neighborhood__glob=*town", "_neighborhood glob '*town'"],
    ["in", "state__in=MI,MC", "state in ('MI', 'MC')"],
    ["notin", "state__notin=MI,%20MC", "state not in ('MI', 'MC')"],
    ["arraycontains", "tags__arraycontains=tag2", "'tag2' in (select value from json_each(tags))"],
    ["arraynotcontains", "tags__arraynotcontains=tag1", "'tag1' not in (select value from json_each(tags))"],
    ["date", "created__date=2019-01-15", "date(created) = '2019-01-15'"],
    ["isnull", "distinct_some_null__isnull=1", "distinct_some_null is null"],
    ["notnull", "distinct_some_null__notnull=1", "distinct_some_null is not null"],
    ["isblank", "n__isblank=1", "(n is null or n = '')"],
    ["notblank", "n__notblank=1", "(n is not null and n != '')"],
  ];
  test("there are 22", () => assert.equal(cases.length, 22));
  for (const [op, qs, where] of cases) {
    test(`${op}: ?${qs}`, async () => {
      const want = expected("facetable", where);
      assert.ok(want.length > 0 && want.length < 15, `fixture case for ${op} should select some rows`);
      assert.deepEqual(await pks("facetable", qs), want);
    });
  }

  test("in with a JSON list", async () => {
    assert.deepEqual(await pks("facetable", `state__in=${encodeURIComponent('["MI","MC"]')}`), [7, 8, 9, 10, 11, 12]);
  });

  test("isblank / notblank on an empty string", async () => {
    assert.deepEqual(await pks("simple_primary_key", "content__isblank=1"), ["3"]);
    assert.deepEqual(await pks("simple_primary_key", "content__notblank=1"), ["1", "2", "4", "5"]);
  });

  test("gt compares numerically on untyped values", async () => {
    assert.deepEqual(await pks("facetable", "pk__gt=13"), [14, 15]);
  });

  test("filters AND together, with Datasette's human description", async () => {
    const r = await server.json("/fixtures/facetable.json?state=CA&planet_int__gt=0&_extra=human_description_en&_col=state&_size=2");
    assert.equal(r.body.human_description_en, 'where planet_int > 0 and state = "CA"');
    assert.deepEqual(r.body.rows, [{ pk: 1, state: "CA" }, { pk: 2, state: "CA" }]);
  });
});

describe("exact matches and special arguments", () => {
  test("?col=value is exact", async () => {
    assert.deepEqual(await pks("facetable", "state=MI"), [7, 8, 9]);
  });

  test("_-prefixed columns use __exact; ?_col=value is a special argument and ignored", async () => {
    assert.deepEqual(await pks("facetable", "_city_id__exact=3"), [7, 8, 9]);
    assert.equal((await pks("facetable", "_city_id=3")).length, 15);
  });

  test("an unknown operator is ignored", async () => {
    assert.equal((await pks("facetable", "state__bananas=x")).length, 15);
  });
});

describe("_where", () => {
  test("allowed by default", async () => {
    assert.deepEqual(await pks("facetable", `_where=${encodeURIComponent("pk > 13")}`), [14, 15]);
  });

  test("repeatable, combined with filters", async () => {
    assert.deepEqual(await pks("facetable", `_where=${encodeURIComponent("pk > 5")}&_where=${encodeURIComponent("pk < 9")}&state=MI`), [7, 8]);
  });

  test("a SQL error in _where is a 400", async () => {
    const r = await server.json(`/fixtures/facetable.json?_where=${encodeURIComponent("nope = 1")}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.ok, false);
    assert.equal(r.body.error, "no such column: nope");
  });
});

describe("_through", () => {
  test("rows linked through a join table", async () => {
    const through = encodeURIComponent(JSON.stringify({ table: "roadside_attraction_characteristics", column: "characteristic_id", value: "1" }));
    assert.deepEqual(await pks("roadside_attractions", `_through=${through}`), [3, 4]);
  });

  test("bad input is an error with Datasette's message", async () => {
    const through = encodeURIComponent(JSON.stringify({ table: "facetable", column: "pk", value: "1" }));
    const r = await server.json(`/fixtures/roadside_attractions.json?_through=${through}`);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Invalid _through - could not find corresponding foreign key"));
  });
});

describe("full-text search on searchable (FTS5, content=)", () => {
  test("_search", async () => {
    assert.deepEqual(await pks("searchable", "_search=dog"), [1, 2]);
    assert.deepEqual(await pks("searchable", "_search=cat"), [1]);
  });

  test("_search escapes FTS syntax by default", async () => {
    assert.deepEqual(await pks("searchable", "_search=te*"), []);
    assert.deepEqual(await pks("searchable", `_search=${encodeURIComponent('"terry dog')}`), [1, 2]);
  });

  test("_searchmode=raw passes FTS syntax through", async () => {
    assert.deepEqual(await pks("searchable", "_search=te*&_searchmode=raw"), [1, 2]);
    assert.deepEqual(await pks("searchable", `_search=${encodeURIComponent("cat OR weasel")}&_searchmode=raw`), [1, 2]);
  });

  test("_search_<col> searches one column", async () => {
    assert.deepEqual(await pks("searchable", "_search_text2=dog"), [1]);
    assert.deepEqual(await pks("searchable", "_search_text1=dog"), [2]);
  });

  test("_search_<col> for a column outside the index → 400", async () => {
    const r = await server.json("/fixtures/searchable.json?_search_pk=1");
    assert.equal(r.status, 400);
  });

  test("_fts_table names the index explicitly", async () => {
    assert.deepEqual(await pks("searchable", "_search=weasel&_fts_table=searchable_fts"), [2]);
  });

  test("a table without FTS → 400", async () => {
    const r = await server.json("/fixtures/facetable.json?_search=x");
    assert.equal(r.status, 400);
  });

  test("human description of a search", async () => {
    const r = await server.json("/fixtures/searchable.json?_search=dog&_extra=human_description_en&_size=0");
    assert.equal(r.body.human_description_en, 'where search matches "dog"');
  });
});
