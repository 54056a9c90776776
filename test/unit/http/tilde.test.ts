import { test } from "node:test";
import assert from "node:assert/strict";
import { tildeEncode, tildeDecode, encodePrimaryKeyPath, decodePrimaryKeyPath } from "../../../src/http/tilde.js";

test("tildeEncode matches Datasette's examples", () => {
  assert.equal(tildeEncode("/foo/bar"), "~2Ffoo~2Fbar");
  assert.equal(tildeEncode("table.csv"), "table~2Ecsv");
  assert.equal(tildeEncode("50%"), "50~25");
  assert.equal(tildeEncode("a~b"), "a~7Eb");
  assert.equal(tildeEncode("hello world"), "hello+world");
  assert.equal(tildeEncode("a+b"), "a~2Bb");
  assert.equal(tildeEncode("Az09_-"), "Az09_-");
  assert.equal(tildeEncode("é"), "~C3~A9");
  assert.equal(tildeEncode("🙂"), "~F0~9F~99~82");
  assert.equal(tildeEncode("a\nb"), "a~0Ab");
  assert.equal(tildeEncode(""), "");
  assert.equal(tildeEncode('"\'`[],'), "~22~27~60~5B~5D~2C");
});

test("tildeDecode inverts, keeps literal % and stray ~", () => {
  assert.equal(tildeDecode("~2Ffoo~2Fbar"), "/foo/bar");
  assert.equal(tildeDecode("~2ffoo"), "/foo"); // lower-case hex accepted
  assert.equal(tildeDecode("hello+world"), "hello world");
  assert.equal(tildeDecode("50%2F"), "50%2F"); // not percent-decoded
  assert.equal(tildeDecode("%"), "%");
  assert.equal(tildeDecode("a~zz"), "a~zz");
  assert.equal(tildeDecode("a~2"), "a~2");
  assert.equal(tildeDecode("~"), "~");
  assert.equal(tildeDecode("~~41"), "~A");
  assert.equal(tildeDecode("~C3~A9"), "é");
  assert.equal(tildeDecode("café"), "café"); // already-decoded non-ASCII passes through
  assert.equal(tildeDecode("~FF"), "\ufffd"); // invalid UTF-8 → replacement character
  assert.equal(tildeDecode("~00"), "\u0000");
  assert.equal(tildeDecode("~0A"), "\n");
  assert.equal(tildeDecode("~2E~2E"), "..");
});

function* nastyStrings(): Generator<string> {
  const pieces = ['"', "'", "`", "/", ".", "..", "~", "~2F", "%", "%2F", "+", " ", "\n", "\r", "\t", "\u0000", ",", "é", "ß", "中文", "🙂", "𝒜", "\u200b", "a", "Z", "9", "_", "-", "\\", "?", "#", "&", "="];
  yield* pieces;
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    let s = "";
    const len = rand(12);
    for (let j = 0; j < len; j++) s += pieces[rand(pieces.length)];
    yield s;
  }
}

test("round-trip property: decode(encode(s)) === s and encoding uses only safe characters", () => {
  for (const s of nastyStrings()) {
    const encoded = tildeEncode(s);
    assert.match(encoded, /^[A-Za-z0-9_\-+~]*$/, JSON.stringify(s));
    assert.equal(tildeDecode(encoded), s, JSON.stringify(s));
  }
});

test("primary key paths", () => {
  assert.equal(encodePrimaryKeyPath([1]), "1");
  assert.equal(encodePrimaryKeyPath([1, "a,b", "x/y.z"]), "1,a~2Cb,x~2Fy~2Ez");
  assert.equal(encodePrimaryKeyPath(["hello world", 1.5, 12345678901234567890n]), "hello+world,1~2E5,12345678901234567890");
  assert.equal(encodePrimaryKeyPath([null]), "None");
  assert.deepEqual(decodePrimaryKeyPath("1,a~2Cb,x~2Fy~2Ez"), ["1", "a,b", "x/y.z"]);
  assert.deepEqual(decodePrimaryKeyPath("hello+world"), ["hello world"]);
  assert.deepEqual(decodePrimaryKeyPath(""), [""]);
  for (const s of nastyStrings()) {
    const values = [s, s + "x", "1"];
    assert.deepEqual(decodePrimaryKeyPath(encodePrimaryKeyPath(values)), values);
  }
});
