import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { TableInfo } from "../../../src/db/types.js";
import { BadRequest } from "../../../src/http/errors.js";
import { quoteIdentifier } from "../../../src/sql/quote.js";
import {
  FILTER_OPERATORS,
  parseFilterArgs,
  buildFilterSql,
  humanDescriptionEn,
  resolveColumn,
  isFilterKey,
  getFilterOperator,
  type FilterClause,
} from "../../../src/query/filters.js";

/** A minimal TableInfo, enough for filter building. */
function tableInfo(name: string, columns: string[], opts: { primaryKeys?: string[] } = {}): TableInfo {
  const primaryKeys = opts.primaryKeys ?? [];
  return {
    name,
    isView: false,
    columns: columns.map((c, cid) => ({
      cid,
      name: c,
      type: "",
      notnull: false,
      defaultValue: null,
      pkPosition: primaryKeys.indexOf(c) + 1,
      hidden: 0,
    })),
    primaryKeys,
    usesRowid: primaryKeys.length === 0,
    hidden: false,
    ftsTable: null,
    isFts: false,
    isVirtual: false,
    foreignKeys: { incoming: [], outgoing: [] },
    sql: "",
    indexSql: [],
    uniqueColumns: [],
  };
}

/** Run the built filters against a real table and return the `id`s of the matching rows. */
function ids(db: Database.Database, table: TableInfo, clauses: FilterClause[], idColumn = "id"): unknown[] {
  const built = buildFilterSql(table, clauses);
  const where = built.where.length ? `where ${built.where.join(" and ")}` : "";
  const sql = `select ${quoteIdentifier(idColumn)} as id from ${quoteIdentifier(table.name)} ${where} order by 1`;
  return (db.prepare(sql).all(built.params) as { id: unknown }[]).map((r) => r.id);
}

const q = (column: string, op: string, value = ""): FilterClause => ({ column, op, value });

test("FILTER_OPERATORS lists the 22 operators in Datasette's order with their labels", () => {
  assert.deepEqual(
    FILTER_OPERATORS.map((o) => [o.key, o.label, o.noArgument]),
    [
      ["exact", "=", false],
      ["not", "!=", false],
      ["contains", "contains", false],
      ["notcontains", "does not contain", false],
      ["endswith", "ends with", false],
      ["startswith", "starts with", false],
      ["gt", ">", false],
      ["gte", "≥", false],
      ["lt", "<", false],
      ["lte", "≤", false],
      ["like", "like", false],
      ["notlike", "not like", false],
      ["glob", "glob", false],
      ["in", "in", false],
      ["notin", "not in", false],
      ["arraycontains", "array contains", false],
      ["arraynotcontains", "array does not contain", false],
      ["date", "date", false],
      ["isnull", "is null", true],
      ["notnull", "is not null", true],
      ["isblank", "is blank", true],
      ["notblank", "is not blank", true],
    ],
  );
  assert.ok(Object.isFrozen(FILTER_OPERATORS));
  assert.equal(getFilterOperator("gte")?.label, "≥");
  assert.equal(getFilterOperator("nope"), undefined);
});

test("parseFilterArgs separates filters from special arguments", () => {
  assert.equal(isFilterKey("name"), true);
  assert.equal(isFilterKey("_search"), false);
  assert.equal(isFilterKey("_col__exact"), true);
  assert.deepEqual(
    parseFilterArgs([
      ["_search", "x"],
      ["_size", "10"],
      ["state", "CA"],
      ["_hidden__exact", "1"],
      ["age__gt", "5"],
      ["name__bogus", "ignored"],
      ["a__b__contains", "z"],
      ["x__", "ignored"],
      ["__", "ignored"],
    ]),
    [
      { column: "_hidden", op: "exact", value: "1" },
      { column: "a__b", op: "contains", value: "z" },
      { column: "age", op: "gt", value: "5" },
      { column: "state", op: "exact", value: "CA" },
    ],
  );
});

test("parseFilterArgs sorts raw (key, value) pairs like Python's sorted()", () => {
  assert.deepEqual(
    parseFilterArgs([
      ["a__exact", "1"],
      ["a", "2"],
      ["a", "1"],
      ["a_b", "0"],
      ["a__gt", "0"],
    ]).map((c) => `${c.column}|${c.op}|${c.value}`),
    ["a|exact|1", "a|exact|2", "a|exact|1", "a|gt|0", "a_b|exact|0"],
  );
  // Code-point order: U+FF5E sorts before U+1F642 in Python, though not in UTF-16 comparison.
  assert.deepEqual(
    parseFilterArgs([["\u{1F642}", "1"], ["\uFF5E", "1"]]).map((c) => c.column),
    ["\uFF5E", "\u{1F642}"],
  );
});

test("buildFilterSql produces Datasette's SQL with bound parameters", () => {
  const t = tableInfo("t", ["c", "tags"]);
  const sqlFor = (op: string, value = "x") => {
    const built = buildFilterSql(t, [q("c", op, value)]);
    return [built.where[0], built.params];
  };
  assert.deepEqual(sqlFor("exact"), ['"c" = :p0', { p0: "x" }]);
  assert.deepEqual(sqlFor("not"), ['"c" != :p0', { p0: "x" }]);
  assert.deepEqual(sqlFor("contains"), ['"c" like :p0', { p0: "%x%" }]);
  assert.deepEqual(sqlFor("notcontains"), ['"c" not like :p0', { p0: "%x%" }]);
  assert.deepEqual(sqlFor("endswith"), ['"c" like :p0', { p0: "%x" }]);
  assert.deepEqual(sqlFor("startswith"), ['"c" like :p0', { p0: "x%" }]);
  assert.deepEqual(sqlFor("gt", "5"), ['"c" > :p0', { p0: 5 }]);
  assert.deepEqual(sqlFor("gte", "-5"), ['"c" >= :p0', { p0: -5 }]);
  assert.deepEqual(sqlFor("lt", "1.5"), ['"c" < :p0', { p0: 1.5 }]);
  assert.deepEqual(sqlFor("lte", "abc"), ['"c" <= :p0', { p0: "abc" }]);
  assert.deepEqual(sqlFor("gt", "9007199254740993"), ['"c" > :p0', { p0: 9007199254740993n }]);
  assert.deepEqual(sqlFor("gt", "1e5"), ['"c" > :p0', { p0: "1e5" }]);
  assert.deepEqual(sqlFor("like", "a%"), ['"c" like :p0', { p0: "a%" }]);
  assert.deepEqual(sqlFor("notlike", "a%"), ['"c" not like :p0', { p0: "a%" }]);
  assert.deepEqual(sqlFor("glob", "a*"), ['"c" glob :p0', { p0: "a*" }]);
  assert.deepEqual(sqlFor("in", "1, 2 ,3"), ['"c" in (:p0, :p1, :p2)', { p0: "1", p1: "2", p2: "3" }]);
  assert.deepEqual(sqlFor("notin", '[1, "two", null, true]'), ['"c" not in (:p0, :p1, :p2, :p3)', { p0: 1, p1: "two", p2: null, p3: 1 }]);
  assert.deepEqual(sqlFor("arraycontains"), [':p0 in (select value from json_each("t"."c"))', { p0: "x" }]);
  assert.deepEqual(sqlFor("arraynotcontains"), [':p0 not in (select value from json_each("t"."c"))', { p0: "x" }]);
  assert.deepEqual(sqlFor("date", "2020-01-01"), ['date("c") = :p0', { p0: "2020-01-01" }]);
  assert.deepEqual(sqlFor("isnull", "1"), ['"c" is null', {}]);
  assert.deepEqual(sqlFor("notnull", "1"), ['"c" is not null', {}]);
  assert.deepEqual(sqlFor("isblank", "1"), [`("c" is null or "c" = '')`, {}]);
  assert.deepEqual(sqlFor("notblank", "1"), [`("c" is not null and "c" != '')`, {}]);
});

test("parameters are numbered across clauses from startIndex; quotedTable is honoured", () => {
  const t = tableInfo("t", ["a", "b", "c"]);
  const built = buildFilterSql(t, [q("a", "in", "1,2"), q("b", "isnull", "1"), q("c", "arraycontains", "z")], {
    startIndex: 3,
    quotedTable: '"alias"',
  });
  assert.deepEqual(built.where, ['"a" in (:p3, :p4)', '"b" is null', ':p5 in (select value from json_each("alias"."c"))']);
  assert.deepEqual(built.params, { p3: "1", p4: "2", p5: "z" });
});

test("columns resolve exactly, then ASCII case-insensitively, then rowid; unknown columns are a 400", () => {
  const t = tableInfo("t", ["Name", "é", "É"]);
  assert.equal(resolveColumn(t, "Name"), "Name");
  assert.equal(resolveColumn(t, "NAME"), "Name");
  assert.equal(resolveColumn(t, "é"), "é");
  assert.equal(resolveColumn(t, "É"), "É");
  assert.equal(resolveColumn(t, "ROWID"), "rowid");
  assert.equal(resolveColumn(tableInfo("p", ["id"], { primaryKeys: ["id"] }), "rowid"), undefined);
  assert.equal(resolveColumn(t, "nope"), undefined);
  assert.deepEqual(buildFilterSql(t, [q("name", "exact", "x")]).where, ['"Name" = :p0']);
  assert.throws(
    () => buildFilterSql(t, [q("missing", "exact", "x")]),
    (e: unknown) => e instanceof BadRequest && e.status === 400 && e.message === "Cannot filter on unknown column: missing",
  );
  // Unknown operators passed directly are ignored, like parseFilterArgs does.
  assert.deepEqual(buildFilterSql(t, [q("Name", "bogus", "x")]).where, []);
});

test("bad in/notin JSON is a 400", () => {
  const t = tableInfo("t", ["c"]);
  for (const value of ["[1,", "[x]", '[{"a":1}]', "[[1]]"]) {
    for (const op of ["in", "notin"]) {
      assert.throws(() => buildFilterSql(t, [q("c", op, value)]), (e: unknown) => e instanceof BadRequest && e.status === 400, `${op} ${value}`);
    }
  }
});

test("every operator selects the right rows in a real SQLite table", () => {
  const db = new Database(":memory:");
  db.exec(`create table items (id integer primary key, name text, n, tags text, created text)`);
  const insert = db.prepare("insert into items (id, name, n, tags, created) values (?, ?, ?, ?, ?)");
  insert.run(1, "apple", 5, '["red","fruit"]', "2020-01-01 10:00:00");
  insert.run(2, "banana", 10, '["yellow","fruit"]', "2020-01-02");
  insert.run(3, "cherry_pie", -3, "[]", null);
  insert.run(4, "", 1.5, '["red"]', "2020-01-01T23:59:59");
  insert.run(5, null, null, '["50%"]', "not a date");
  insert.run(6, "50% off", 100, '[1,2]', "2021-06-01");
  const t = tableInfo("items", ["id", "name", "n", "tags", "created"], { primaryKeys: ["id"] });
  const run = (op: string, column: string, value = "") => ids(db, t, [q(column, op, value)]);

  assert.deepEqual(run("exact", "name", "apple"), [1]);
  assert.deepEqual(run("exact", "id", "2"), [2]); // string "2" matches INTEGER via affinity
  assert.deepEqual(run("not", "name", "apple"), [2, 3, 4, 6]);
  assert.deepEqual(run("contains", "name", "an"), [2]);
  assert.deepEqual(run("contains", "name", "AN"), [2]); // LIKE is ASCII case-insensitive
  assert.deepEqual(run("notcontains", "name", "a"), [3, 4, 6]);
  assert.deepEqual(run("endswith", "name", "pie"), [3]);
  assert.deepEqual(run("startswith", "name", "ch"), [3]);
  assert.deepEqual(run("gt", "n", "5"), [2, 6]); // untyped column: numeric because "5" became 5
  assert.deepEqual(run("gte", "n", "5"), [1, 2, 6]);
  assert.deepEqual(run("lt", "n", "1.5"), [3]);
  assert.deepEqual(run("lte", "n", "1.5"), [3, 4]);
  assert.deepEqual(run("lt", "n", "-1"), [3]);
  assert.deepEqual(run("like", "name", "%an%"), [2]);
  assert.deepEqual(run("like", "name", "cherry_pie"), [3]);
  assert.deepEqual(run("notlike", "name", "%a%"), [3, 4, 6]);
  assert.deepEqual(run("glob", "name", "*[0-9]*"), [6]);
  assert.deepEqual(run("in", "name", "apple, banana"), [1, 2]);
  assert.deepEqual(run("in", "id", "[1, 3]"), [1, 3]);
  assert.deepEqual(run("in", "id", "[]"), []);
  assert.deepEqual(run("notin", "name", "apple,banana"), [3, 4, 6]);
  assert.deepEqual(run("arraycontains", "tags", "red"), [1, 4]);
  assert.deepEqual(run("arraycontains", "tags", "50%"), [5]);
  assert.deepEqual(run("arraynotcontains", "tags", "fruit"), [3, 4, 5, 6]);
  assert.deepEqual(run("date", "created", "2020-01-01"), [1, 4]);
  assert.deepEqual(run("isnull", "name", "1"), [5]);
  assert.deepEqual(run("notnull", "name", "1"), [1, 2, 3, 4, 6]);
  assert.deepEqual(run("isblank", "name", "1"), [4, 5]);
  assert.deepEqual(run("notblank", "name", "1"), [1, 2, 3, 6]);
  // Several clauses AND together.
  assert.deepEqual(ids(db, t, parseFilterArgs([["n__gt", "1"], ["tags__arraycontains", "fruit"]])), [1, 2]);
  // rowid on a rowid table.
  db.exec("create table r (v text)");
  db.exec("insert into r values ('a'), ('b'), ('c')");
  assert.deepEqual(ids(db, tableInfo("r", ["v"]), [q("rowid", "gte", "2")], "v"), ["b", "c"]);
  db.close();
});

const HOSTILE = ['"', 'a"b', "]", "[x]", "`", "'", "it's", "new\nline", "tab\tbed", "ünï©ødé", "🙂", "with space", "dot.ted", "%", "_", "_under", "a__b", "rowid", "select", '"; drop table x; --'];

test("hostile table and column names work through quoting for every operator", () => {
  const db = new Database(":memory:");
  for (const [i, name] of HOSTILE.entries()) {
    const tableName = `t ${name} ${i}`;
    db.exec(`create table ${quoteIdentifier(tableName)} (id integer primary key, ${quoteIdentifier(name)})`);
    const insert = db.prepare(`insert into ${quoteIdentifier(tableName)} values (?, ?)`);
    insert.run(1, "hello");
    insert.run(2, '["x","y"]');
    insert.run(3, null);
    insert.run(4, "2020-05-05");
    insert.run(5, "");
    const t = tableInfo(tableName, ["id", name], { primaryKeys: ["id"] });
    const run = (op: string, value = "") => ids(db, t, [q(name, op, value)]);
    assert.deepEqual(run("exact", "hello"), [1], name);
    assert.deepEqual(run("not", "hello"), [2, 4, 5], name);
    assert.deepEqual(run("contains", "ell"), [1], name);
    assert.deepEqual(run("notcontains", "ell"), [2, 4, 5], name);
    assert.deepEqual(run("startswith", "he"), [1], name);
    assert.deepEqual(run("endswith", "lo"), [1], name);
    assert.deepEqual(run("gt", "2020"), [1, 2, 4, 5], name); // untyped column: any text sorts after numbers
    assert.deepEqual(run("like", "h%"), [1], name);
    assert.deepEqual(run("glob", "h*"), [1], name);
    assert.deepEqual(run("in", "hello,"), [1, 5], name);
    assert.deepEqual(run("notin", '["hello"]'), [2, 4, 5], name);
    assert.deepEqual(run("date", "2020-05-05"), [4], name);
    assert.deepEqual(run("isnull", "1"), [3], name);
    assert.deepEqual(run("notnull", "1"), [1, 2, 4, 5], name);
    assert.deepEqual(run("isblank", "1"), [3, 5], name);
    assert.deepEqual(run("notblank", "1"), [1, 2, 4], name);
    // Via the query-string parser too: `_`-prefixed names and names containing `__` need `__exact`
    // (a bare `a__b` key means column `a`, operator `b`, which is unknown and ignored).
    const key = name.startsWith("_") || name.includes("__") ? `${name}__exact` : name;
    assert.deepEqual(ids(db, t, parseFilterArgs([[key, "hello"]])), [1], name);
    // json_each fails on non-JSON text (as in Datasette), so keep only JSON rows for the array operators.
    db.exec(`delete from ${quoteIdentifier(tableName)} where id not in (2, 3)`);
    assert.deepEqual(run("arraycontains", "x"), [2], name);
    assert.deepEqual(run("arraycontains", "z"), [], name);
    assert.deepEqual(run("arraynotcontains", "x"), [3], name);
  }
  db.close();
});

test("injection attempts in values are inert", () => {
  const db = new Database(":memory:");
  db.exec(`create table t (id integer primary key, name text); insert into t values (1, '["a"]'), (2, '["b"]')`);
  const t = tableInfo("t", ["id", "name"], { primaryKeys: ["id"] });
  const payloads = ["' or 1=1 --", '" or 1=1 --', "a'); drop table t; --", "1 or 1=1", ":p1", "?", "a\u0000b", "') or ('1'='1", "*/ or 1=1 /*"];
  for (const payload of payloads) {
    for (const op of FILTER_OPERATORS.map((o) => o.key)) {
      if (["isnull", "notnull", "isblank", "notblank", "not", "notcontains", "notlike", "notin", "arraynotcontains", "lt", "lte", "gt", "gte"].includes(op)) continue;
      assert.doesNotThrow(() => {
        const rows = ids(db, t, [q("name", op, payload)]);
        assert.deepEqual(rows, [], `${op} ${payload}`);
      }, `${op} ${JSON.stringify(payload)}`);
    }
  }
  // Injection through a column name is not possible either: it must resolve to a real column first.
  assert.throws(() => buildFilterSql(t, [q('name" = "name" or 1=1 --', "exact", "x")]), BadRequest);
  assert.equal((db.prepare("select count(*) as n from t").get() as { n: number }).n, 2);
  db.close();
});

test("human descriptions read like Datasette's", () => {
  const t = tableInfo("t", ["state", "name", "age", "id", "c", "d"]);
  const built = buildFilterSql(
    t,
    parseFilterArgs([
      ["state", "CA"],
      ["name__contains", "x"],
      ["age__gt", "5"],
      ["id__in", "[1,2]"],
      ["c__isnull", "1"],
      ["d__date", "2020-01-01"],
    ]),
  );
  assert.deepEqual(built.humanDescriptions, ['age > 5', 'c is null', '"d" is on date 2020-01-01', 'id in [1, 2]', 'name contains "x"', 'state = "CA"']);
  assert.equal(
    humanDescriptionEn(buildFilterSql(t, [q("state", "exact", "1"), q("name", "contains", "x"), q("c", "isnull", "1")]).humanDescriptions),
    'where state = 1, name contains "x" and c is null',
  );
  assert.equal(buildFilterSql(t, [q("id", "in", "a,é")]).humanDescriptions[0], 'id in ["a", "\\u00e9"]');
  assert.equal(humanDescriptionEn(['a = 1']), "where a = 1");
  assert.equal(humanDescriptionEn(['a = 1', 'b = 2']), "where a = 1 and b = 2");
  assert.equal(humanDescriptionEn([]), "");
  assert.equal(humanDescriptionEn([], { column: "x" }), "sorted by x");
  assert.equal(humanDescriptionEn(["a = 1"], { column: "x", descending: true }), "where a = 1 sorted by x descending");
});
