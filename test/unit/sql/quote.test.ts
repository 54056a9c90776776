import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { quoteIdentifier, escapeLikePattern } from "../../../src/sql/quote.js";
import { BadRequest } from "../../../src/http/errors.js";

const HOSTILE_NAMES = [
  "plain",
  "select",
  'with"quote',
  '""',
  "close]bracket",
  "[bracketed]",
  "back`tick",
  "it's",
  "trailing\n",
  "carriage\r",
  "tab\there",
  "spaces in name",
  "dot.ted",
  "50%",
  "under_score",
  "unicodé",
  "𝒜stral",
  "--comment",
  "/*x*/",
  "a; drop table t; --",
  '"; drop table t; --',
];

test("quoteIdentifier wraps in double quotes and doubles embedded quotes", () => {
  assert.equal(quoteIdentifier("name"), '"name"');
  assert.equal(quoteIdentifier('a"b'), '"a""b"');
  assert.equal(quoteIdentifier('""'), '""""""');
  assert.equal(quoteIdentifier(""), '""');
  assert.equal(quoteIdentifier("a]b`c'd"), "\"a]b`c'd\"");
});

test("quoteIdentifier rejects NUL and lone surrogates", () => {
  for (const bad of ["a\u0000b", "\u0000", "x\ud800", "\udc00y"]) {
    assert.throws(() => quoteIdentifier(bad), (e: unknown) => e instanceof BadRequest && e.message === "Invalid identifier");
  }
  assert.doesNotThrow(() => quoteIdentifier("\ud835\udc9c")); // a proper surrogate pair
});

test("quoted hostile names round-trip through real SQLite tables and columns", () => {
  const db = new Database(":memory:");
  for (const name of HOSTILE_NAMES) {
    const t = quoteIdentifier(name);
    const c = quoteIdentifier(name + "_col");
    db.exec(`create table ${t} (${c} text)`);
    db.prepare(`insert into ${t} (${c}) values (?)`).run(name);
    const row = db.prepare(`select ${c} as v from ${t}`).get() as { v: string };
    assert.equal(row.v, name);
    const cols = db.prepare(`select name from pragma_table_info(?)`).all(name) as { name: string }[];
    assert.deepEqual(cols.map((r) => r.name), [name + "_col"]);
  }
  const tables = (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(tables.sort(), [...HOSTILE_NAMES].sort());
  db.close();
});

test("escapeLikePattern makes %, _ and \\ literal with escape '\\'", () => {
  assert.equal(escapeLikePattern("a_b%c\\d"), "a\\_b\\%c\\\\d");
  const db = new Database(":memory:");
  db.exec("create table t (v text)");
  const insert = db.prepare("insert into t values (?)");
  for (const v of ["a_b", "axb", "50%", "500", "c\\d", "c\\\\d"]) insert.run(v);
  const match = (needle: string) =>
    (db.prepare("select v from t where v like ? escape '\\' order by v").all(escapeLikePattern(needle)) as { v: string }[]).map((r) => r.v);
  assert.deepEqual(match("a_b"), ["a_b"]);
  assert.deepEqual(match("50%"), ["50%"]);
  assert.deepEqual(match("c\\d"), ["c\\d"]);
  db.close();
});
