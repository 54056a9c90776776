/** @module Unit: the facet registry, request parsing, facet sizes, the SQL of each type (run on better-sqlite3) and the suggestion rules. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { TableInfo } from "../../../src/db/types.js";
import { BadRequest } from "../../../src/http/errors.js";
import {
  ARRAY_FACET, BUILTIN_FACETS, COLUMN_FACET, DATE_FACET, FacetRegistry, facetArg, facetSize, facetTypeProblem, isFacetArg, parseFacetRequests,
  suggestRowCountSql, type FacetQuery, type FacetSource, type FacetType,
} from "../../../src/query/facets.js";

function tableInfo(name: string, columns: string[]): TableInfo {
  return {
    name,
    isView: false,
    columns: columns.map((c, cid) => ({ cid, name: c, type: "", notnull: false, defaultValue: null, pkPosition: 0, hidden: 0 })),
    primaryKeys: [],
    usesRowid: true,
  } as unknown as TableInfo;
}

const HOSTILE = 'we"ird ]col; drop';
const T = tableInfo('t"x', ["id", "state", "_city", "a__b", "tags", "created", HOSTILE]);

function db(): Database.Database {
  const d = new Database(":memory:");
  d.exec(`create table "t""x" (id integer primary key, state text, _city integer, "a__b" text, tags text, created text, "we""ird ]col; drop" text)`);
  const insert = d.prepare(`insert into "t""x" values (?, ?, ?, ?, ?, ?, ?)`);
  const rows: [string | null, number, string, string | null, string | null, string | null][] = [
    ["CA", 1, "x", '["a", "b", "a"]', "2020-01-01 10:00", "<script>"],
    ["CA", 1, "x", '["a"]', "2020-01-01", "<script>"],
    ["MI", 2, "y", "[]", "2020-01-02T00:00:00", "q'uote"],
    ["MI", 2, "y", "not json", "nope", "q'uote"],
    [null, 3, "z", null, null, null],
  ];
  rows.forEach((r, i) => insert.run(i + 1, ...r));
  return d;
}

const run = (d: Database.Database, q: FacetQuery) => d.prepare(q.sql).raw().all(q.params) as unknown[][];
const SRC: FacetSource = { table: T, whereSql: "", whereParams: {} };

describe("registry", () => {
  test("three built-ins, in suggestion order", () => {
    assert.deepEqual(BUILTIN_FACETS.all().map((t) => t.type), ["column", "date", "array"]);
    assert.equal(BUILTIN_FACETS.get("column"), COLUMN_FACET);
    assert.equal(facetArg("column"), "_facet");
    assert.equal(facetArg("array"), "_facet_array");
  });

  test("isFacetArg", () => {
    for (const k of ["_facet", "_facet_array", "_facet_date", "_facet_size", "_facet_x"]) assert.ok(isFacetArg(k), k);
    for (const k of ["_facetx", "facet", "_nofacet", "state"]) assert.ok(!isFacetArg(k), k);
  });

  test("a registry with a plugin's type: _facet_<type> then accepts it, the built-ins' registry does not", () => {
    const upper: FacetType = {
      type: "upper",
      arg: "_facet_upper",
      sql: (i) => ({ sql: `select upper(${JSON.stringify(i.column)}) as value, count(*) as count from t group by 1 limit ${i.size + 1}`, params: {} }),
      selectPair: (c, v) => [`${c}__exact`, v],
      selectedPairs: () => [],
      selectedValues: () => [],
    };
    const registry = new FacetRegistry([...BUILTIN_FACETS.all(), upper]);
    assert.equal(registry.get("upper"), upper);
    assert.deepEqual(parseFacetRequests(T, {}, [["_facet_upper", "state"]], true, registry), [{ type: "upper", column: "state", source: "request", pair: ["_facet_upper", "state"] }]);
    assert.throws(() => parseFacetRequests(T, {}, [["_facet_upper", "state"]], true), { message: "Unknown facet type: _facet_upper" });
    assert.throws(() => new FacetRegistry([upper, upper]), /registered twice/);
    assert.match(facetTypeProblem({ ...upper, type: "bad type" })!, /must be letters, digits or _/);
    assert.match(facetTypeProblem({ ...upper, type: "size", arg: "_facet_size" })!, /taken by _facet_size/);
    assert.match(facetTypeProblem({ ...upper, arg: "_facet" })!, /arg must be "_facet_upper"/);
    assert.match(facetTypeProblem({ ...upper, sql: undefined })!, /sql must be a function/);
    assert.equal(facetTypeProblem(upper), null);
  });
});

describe("parseFacetRequests", () => {
  test("configured first (all three forms), then the query string, each once", () => {
    const config = { facets: ["state", { array: "tags" }, { date: { column: "created" } }, "nope", { nope: "state" }, 3, { a: 1, b: 2 }] };
    const got = parseFacetRequests(T, config, [["_facet", "STATE"], ["_facet", "_city"], ["_facet_array", "tags"], ["_facet_date", "created"], ["_facet", "_city"], ["_facet_size", "3"]], true);
    assert.deepEqual(got, [
      { type: "column", column: "state", source: "config", pair: null },
      { type: "array", column: "tags", source: "config", pair: null },
      { type: "date", column: "created", source: "config", pair: null },
      { type: "column", column: "_city", source: "request", pair: ["_facet", "_city"] },
    ]);
  });

  test("JSON {column}", () => {
    assert.deepEqual(parseFacetRequests(T, {}, [["_facet", '{"column": "state"}']], true)[0].column, "state");
    assert.throws(() => parseFacetRequests(T, {}, [["_facet", "{bad"]], true), BadRequest);
    assert.throws(() => parseFacetRequests(T, {}, [["_facet", '{"column": 1}']], true), BadRequest);
  });

  test("unknown column, implicit rowid, unknown type → 400", () => {
    assert.throws(() => parseFacetRequests(T, {}, [["_facet", "nope"]], true), { message: "Invalid column for facet: nope" });
    assert.throws(() => parseFacetRequests(T, {}, [["_facet", "rowid"]], true), { message: "Invalid column for facet: rowid" });
    assert.throws(() => parseFacetRequests(T, {}, [["_facet_zzz", "state"]], true), { message: "Unknown facet type: _facet_zzz" });
  });

  test("allow_facet off: any _facet* argument → 400; configured facets still listed", () => {
    for (const key of ["_facet", "_facet_array", "_facet_size"]) {
      assert.throws(() => parseFacetRequests(T, {}, [[key, "state"]], false), { message: "_facet= is not allowed" });
    }
    assert.equal(parseFacetRequests(T, { facets: ["state"] }, [], false).length, 1);
  });
});

describe("facetSize", () => {
  test("_facet_size > table facet_size > default, capped at max_returned_rows", () => {
    assert.equal(facetSize(undefined, {}, 30, 1000), 30);
    assert.equal(facetSize(undefined, { facet_size: 6 }, 30, 1000), 6);
    assert.equal(facetSize(undefined, { facet_size: "max" }, 30, 50), 50);
    assert.equal(facetSize("7", { facet_size: 6 }, 30, 1000), 7);
    assert.equal(facetSize("max", {}, 30, 20), 20);
    assert.equal(facetSize("5000", {}, 30, 20), 20);
    assert.equal(facetSize("", {}, 30, 20), 20);
    assert.equal(facetSize("0", {}, 30, 20), 0);
  });

  test("garbage → 400", () => {
    for (const bad of ["-1", "x", "1.0", " 1", "99999999999"]) assert.throws(() => facetSize(bad, {}, 30, 1000), BadRequest, bad);
  });
});

describe("SQL", () => {
  test("column: counts desc then value, nulls out, size + 1 rows, hostile names quoted", () => {
    const d = db();
    assert.deepEqual(run(d, COLUMN_FACET.sql({ ...SRC, column: "state", size: 30 })), [["CA", 2], ["MI", 2]]);
    assert.deepEqual(run(d, COLUMN_FACET.sql({ ...SRC, column: "state", size: 1 })), [["CA", 2], ["MI", 2]]);
    assert.deepEqual(run(d, COLUMN_FACET.sql({ ...SRC, column: HOSTILE, size: 30 })), [["<script>", 2], ["q'uote", 2]]);
    assert.deepEqual(run(d, COLUMN_FACET.sql({ ...SRC, column: "_city", size: 30, only: ["3"] })), [[3, 1]]);
  });

  test("over the filtered table, with the page's parameters", () => {
    const d = db();
    const src = { table: T, whereSql: 'where "state" = :p0 or "id" = :p1', whereParams: { p0: "MI", p1: 1 } };
    // The page's condition is parenthesised: the OR does not swallow the facet's own conditions.
    assert.deepEqual(run(d, COLUMN_FACET.sql({ ...src, column: "_city", size: 30 })), [[2, 2], [1, 1]]);
  });

  test("date: date(col) buckets", () => {
    assert.deepEqual(run(db(), DATE_FACET.sql({ ...SRC, column: "created", size: 30 })), [["2020-01-01", 2], ["2020-01-02", 1]]);
  });

  test("array: a row counts once per item; malformed JSON and nulls never raise", () => {
    const rows = run(db(), ARRAY_FACET.sql({ ...SRC, column: "tags", size: 30 }));
    assert.deepEqual(rows, [["a", 2], ["b", 1]]);
    assert.equal(ARRAY_FACET.value!(1), "1");
  });

  test("limits are integers only", () => {
    assert.throws(() => COLUMN_FACET.sql({ ...SRC, column: "state", size: 1.5 }));
  });
});

describe("selection", () => {
  const pairs: [string, string][] = [["state", "CA"], ["_city__exact", "1"], ["a__b__exact", "x"], ["tags__arraycontains", "a"], ["created__date", "2020-01-01"]];
  test("column: col=v, col__exact=v for _-prefixed names and names with __", () => {
    assert.deepEqual(COLUMN_FACET.selectPair("state", "MI"), ["state", "MI"]);
    assert.deepEqual(COLUMN_FACET.selectPair("_city", "1"), ["_city__exact", "1"]);
    assert.deepEqual(COLUMN_FACET.selectPair("a__b", "x"), ["a__b__exact", "x"]);
    assert.deepEqual(COLUMN_FACET.selectedPairs("state", "CA", pairs), [["state", "CA"]]);
    assert.deepEqual(COLUMN_FACET.selectedPairs("state", "MI", pairs), []);
    assert.deepEqual(COLUMN_FACET.selectedPairs("_city", "1", pairs), [["_city__exact", "1"]]);
    assert.deepEqual(COLUMN_FACET.selectedValues("a__b", pairs), ["x"]);
  });
  test("array and date", () => {
    assert.deepEqual(ARRAY_FACET.selectPair("tags", "b"), ["tags__arraycontains", "b"]);
    assert.deepEqual(ARRAY_FACET.selectedPairs("tags", "a", pairs), [["tags__arraycontains", "a"]]);
    assert.deepEqual(DATE_FACET.selectPair("created", "2020-01-02"), ["created__date", "2020-01-02"]);
    assert.deepEqual(DATE_FACET.selectedValues("created", pairs), ["2020-01-01"]);
  });
});

describe("suggestion rules", () => {
  const d = db();
  const input = (column: string, facetSize = 30) => {
    const rowCount = Number(run(d, suggestRowCountSql(SRC))[0][0]);
    return { ...SRC, column, facetSize, rowCount, run: async (q: FacetQuery) => run(d, q) };
  };
  test("column: 1 < distinct < rows, ≤ facet size, some value repeated", async () => {
    assert.equal(await COLUMN_FACET.suggest!(input("state")), true);
    assert.equal(await COLUMN_FACET.suggest!(input("id")), false);
    assert.equal(await COLUMN_FACET.suggest!(input("_city")), true);
    assert.equal(await COLUMN_FACET.suggest!(input("_city", 2)), false);
  });
  test("date: some value looks like a date", async () => {
    assert.equal(await DATE_FACET.suggest!(input("created")), true);
    assert.equal(await DATE_FACET.suggest!(input("state")), false);
  });
  test("array: every non-empty value an array, the sampled arrays of strings; errors propagate to the caller", async () => {
    await assert.rejects(ARRAY_FACET.suggest!(input("tags")), /malformed JSON/);
    await assert.rejects(ARRAY_FACET.suggest!(input("state")));
    const clean = { ...input("tags"), whereSql: "where \"id\" <= 3", whereParams: {} };
    assert.equal(await ARRAY_FACET.suggest!(clean), true);
    assert.equal(await ARRAY_FACET.suggest!({ ...clean, whereSql: 'where "id" = 3' }), false);
  });
});
