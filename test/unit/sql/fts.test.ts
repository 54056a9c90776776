import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { escapeFts } from "../../../src/sql/fts.js";

test("escapeFts quotes terms and keeps phrases (Datasette examples)", () => {
  assert.equal(escapeFts("dog cat"), '"dog" "cat"');
  assert.equal(escapeFts('dog "cat dog"'), '"dog" "cat dog"');
  assert.equal(escapeFts("  dog\t\ncat  "), '"dog" "cat"');
  assert.equal(escapeFts("dog AND cat"), '"dog" "AND" "cat"');
  assert.equal(escapeFts('dog "cat'), '"dog" "cat"');
  assert.equal(escapeFts('dog ""'), '"dog"');
  assert.equal(escapeFts('"foo"bar'), '"foo" "bar"');
  assert.equal(escapeFts('foo"bar"'), '"foo" "bar"');
  assert.equal(escapeFts("NEAR(a b)"), '"NEAR(a" "b)"');
  assert.equal(escapeFts("a* -b ^c d:e"), '"a*" "-b" "^c" "d:e"');
});

test("escapeFts handles edge cases so the result is always valid FTS syntax", () => {
  assert.equal(escapeFts(""), '""');
  assert.equal(escapeFts("   "), '""');
  assert.equal(escapeFts('"'), '""');
  assert.equal(escapeFts('"a\nb"'), '"a\nb"');
  assert.equal(escapeFts("a\u0000b"), '"a" "b"');
});

function* hostileQueries(): Generator<string> {
  yield* [
    "NEAR(", "NEAR(a b, 2)", "NEAR", "AND", "OR", "NOT", "a AND", "AND a", "a OR OR b", "NOT NOT",
    "*", "a*", "*a", "-", "-a", "a - b", ":", "a:", ":a", "body:hello", "{body}: hello", "^", "^a",
    "(", ")", "(a", "a)", "()", '"', '""', '"""', '"a', 'a"', '"a" "b', "''", "'", "a'b",
    "+", "a + b", "\\", "\u0000", "\u0000hello", '"\u0000"', "hello\u0000world", "\n", '"a\nb', "é", "🙂",
    "hello", "hello world", '"hello world"', "[", "]", "{", "}", ",", ".", "%", "_", "a.b", "col : x",
  ];
  // Deterministic random mixes of the operator alphabet.
  const alphabet = ['"', "(", ")", "*", "-", ":", "^", "+", "{", "}", ",", " ", "\t", "\n", "\u0000", "AND", "OR", "NOT", "NEAR", "hello", "world", "é"];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 2000; i++) {
    let s = "";
    const len = rand(10);
    for (let j = 0; j < len; j++) s += alphabet[rand(alphabet.length)];
    yield s;
  }
}

test("escaped hostile input never raises an FTS5 syntax error", () => {
  const db = new Database(":memory:");
  db.exec("create virtual table docs using fts5(title, body)");
  const insert = db.prepare("insert into docs (title, body) values (?, ?)");
  insert.run("hello", "hello world");
  insert.run("AND", "NEAR( and : and * and -");
  insert.run("other", "nothing here");
  const search = db.prepare("select rowid from docs where docs match ?");
  for (const q of hostileQueries()) {
    const escaped = escapeFts(q);
    assert.doesNotThrow(() => search.all(escaped), `query ${JSON.stringify(q)} escaped as ${JSON.stringify(escaped)}`);
  }
  // Operators are matched as text, not interpreted.
  assert.deepEqual(search.all(escapeFts("hello world")), [{ rowid: 1 }]);
  assert.deepEqual(search.all(escapeFts("NOT hello")), []);
  assert.deepEqual(search.all(escapeFts("and")), [{ rowid: 2 }]);
  db.close();
});
