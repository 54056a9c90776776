import { test } from "node:test";
import assert from "node:assert/strict";
import { Memo } from "../../../src/db/memo.js";

test("a memo answers only for the version it was given, and forgets the least recently used first", () => {
  const memo = new Memo<number>(2);
  memo.set("a", "v1", 1);
  assert.equal(memo.get("a", "v1"), 1);
  assert.equal(memo.get("a", "v2"), undefined, "another data version is a miss");
  assert.equal(memo.get("a", "v1"), undefined, "and the stale entry is gone");
  memo.set("a", "v1", 1);
  memo.set("b", "v1", 2);
  memo.get("a", "v1"); // a is now the most recently used
  memo.set("c", "v1", 3);
  assert.equal(memo.get("b", "v1"), undefined);
  assert.equal(memo.get("a", "v1"), 1);
  assert.equal(memo.get("c", "v1"), 3);
});
