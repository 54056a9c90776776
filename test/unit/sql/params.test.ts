import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { extractNamedParameters } from "../../../src/sql/params.js";

test("finds :name parameters in order of first appearance, de-duplicated", () => {
  assert.deepEqual(extractNamedParameters("select * from t where a = :a and b = :b or a = :a"), ["a", "b"]);
  assert.deepEqual(extractNamedParameters("select :z, :y, :x, :y"), ["z", "y", "x"]);
  assert.deepEqual(extractNamedParameters("select * from t where id=:id_2 and n = :_actor_id"), ["id_2", "_actor_id"]);
  assert.deepEqual(extractNamedParameters("select :名前, :café"), ["名前", "café"]);
  assert.deepEqual(extractNamedParameters("select 1"), []);
  assert.deepEqual(extractNamedParameters(""), []);
});

test("ignores parameters inside comments and string/identifier literals", () => {
  assert.deepEqual(extractNamedParameters("select ':a', \"b:c\", [d:e], `f:g` from t where x = :real"), ["real"]);
  assert.deepEqual(extractNamedParameters("select 1 -- :commented\n, :after"), ["after"]);
  assert.deepEqual(extractNamedParameters("select /* :block\n :more */ :after"), ["after"]);
  assert.deepEqual(extractNamedParameters("select 'it''s :not' , :yes"), ["yes"]);
  assert.deepEqual(extractNamedParameters('select "a"":b" , :yes'), ["yes"]);
  assert.deepEqual(extractNamedParameters("select '--' , :yes"), ["yes"]);
  assert.deepEqual(extractNamedParameters("select '/*', :yes, '*/'"), ["yes"]);
  assert.deepEqual(extractNamedParameters("select 1 /* ' */, :yes"), ["yes"]);
  assert.deepEqual(extractNamedParameters("select 'unterminated :x"), []);
  assert.deepEqual(extractNamedParameters("select :a /* unterminated :x"), ["a"]);
  assert.deepEqual(extractNamedParameters("select [a:b] from t where [x] = :p"), ["p"]);
});

test("never produces empty names", () => {
  assert.deepEqual(extractNamedParameters("select ::x, :, : y, 'a::b'"), ["x"]);
  assert.deepEqual(extractNamedParameters("select ::"), []);
});

test("the extracted names are exactly what SQLite needs bound", () => {
  const db = new Database(":memory:");
  const sql = "select :a || ':b' || :c as v -- :d\n";
  const names = extractNamedParameters(sql);
  assert.deepEqual(names, ["a", "c"]);
  const row = db.prepare(sql).get(Object.fromEntries(names.map((n) => [n, n.toUpperCase()]))) as { v: string };
  assert.equal(row.v, "A:bC");
  db.close();
});
