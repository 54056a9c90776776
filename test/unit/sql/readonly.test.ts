import { test } from "node:test";
import assert from "node:assert/strict";
import { validateReadOnlySql, ALLOWED_PRAGMAS, DISALLOWED_PRAGMA_MESSAGE } from "../../../src/sql/readonly.js";
import { BadRequest } from "../../../src/http/errors.js";

function rejection(sql: string): string | null {
  try {
    validateReadOnlySql(sql);
    return null;
  } catch (e) {
    assert.ok(e instanceof BadRequest, "throws BadRequest");
    assert.equal(e.status, 400);
    return e.message;
  }
}

test("accepts SELECT, WITH and EXPLAIN forms, with leading comments and whitespace", () => {
  for (const sql of [
    "select 1",
    "SELECT * FROM t",
    "  \n\tselect 1",
    "select(1)",
    "select\n1",
    "explain select 1",
    "EXPLAIN   QUERY\nPLAN select 1",
    "with x as (select 1) select * from x",
    "explain with x as (select 1) select * from x",
    "explain query plan with x as (select 1) select * from x",
    "-- a comment\nselect 1",
    "  -- indented comment\nselect 1",
    "/* block */ select 1",
    "/* multi\nline */\n-- and\nselect 1",
    "/* a */ /* b */ select 1",
    "select * from pragma_table_info('t')",
    "select * from pragma_table_list()",
    "select " + ALLOWED_PRAGMAS.map((p) => `pragma_${p}`).join(", "),
  ]) {
    assert.equal(rejection(sql), null, sql);
  }
});

test("rejects anything that is not a SELECT with Datasette's message", () => {
  for (const sql of [
    "",
    "   ",
    "insert into t values (1)",
    "update t set a = 1",
    "delete from t",
    "drop table t",
    "create table x (a)",
    "create temp table x (a)",
    "attach database 'x' as y",
    "detach y",
    "vacuum into '/tmp/x'",
    "pragma table_info(t)",
    "selectx from t",
    "selecté 1",
    "withx",
    "explain update t set a = 1",
    "explain query plan insert into t values (1)",
    "/* unterminated select 1",
    "/* c */ insert into t values (1)",
    "; select 1",
    "(select 1)",
  ]) {
    assert.equal(rejection(sql), "Statement must be a SELECT", JSON.stringify(sql));
  }
});

test("rejects pragma unless it is an allowed pragma_ function", () => {
  assert.ok(DISALLOWED_PRAGMA_MESSAGE.startsWith("Statement contained a disallowed PRAGMA. Allowed pragma functions are pragma_database_list(), pragma_foreign_key_list(), "));
  assert.ok(DISALLOWED_PRAGMA_MESSAGE.endsWith("pragma_table_xinfo(), pragma_table_list()"));
  for (const name of ALLOWED_PRAGMAS) assert.ok(DISALLOWED_PRAGMA_MESSAGE.includes(`pragma_${name}()`));
  for (const sql of [
    "select * from pragma_compile_options()",
    "select pragma_writable_schema",
    "select 1; pragma writable_schema = 1",
    "with x as (select 1) select * from x; PRAGMA query_only=0",
    "select pragmatic from t",
    "select * from t /* pragma */",
    "select 'pragma'",
    "select * from PRAGMA_TABLE_INFO('t'), pragma_journal_mode()",
  ]) {
    assert.equal(rejection(sql), DISALLOWED_PRAGMA_MESSAGE, sql);
  }
});

test("lines starting with -- are dropped before checking", () => {
  // A `--` line can hide a pragma (it is a comment to SQLite too)...
  assert.equal(rejection("select 1\n-- pragma foo"), null);
  // ...but a trailing `--` comment on a code line is not dropped.
  assert.equal(rejection("select 1 -- pragma foo"), DISALLOWED_PRAGMA_MESSAGE);
});

test("long whitespace and comment runs are checked in linear time (no regex backtracking)", () => {
  const started = Date.now();
  for (const sql of [
    "/**/" + " ".repeat(200_000) + "x",
    "/**/ ".repeat(50_000) + "insert",
    "explain" + " ".repeat(200_000) + "x",
    "-- c\n".repeat(50_000) + "/* */\n".repeat(50_000) + "select 1",
    "/*" + " ".repeat(200_000),
  ]) {
    rejection(sql);
  }
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.equal(rejection("/**/" + " ".repeat(1000) + "select 1"), null);
  assert.equal(rejection("/**/ -- x\n /* y */select 1"), null);
  assert.equal(rejection("/**/ -- x select 1"), "Statement must be a SELECT");
});
