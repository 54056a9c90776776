/** The quoting behind the generated files (src/publish/quote.ts), checked against a real sh. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dockerJson, shellLine, shellQuote, shellSplit } from "../../src/publish/quote.js";

const HOSTILE = ["my data.db", "it's", `"double"`, "$HOME", "`id`", "$(id)", "a\\b", "semi;colon", "pipe|&", "*.db", "~user", "#hash", "", "-i", "pkg@>=1.0", "ünïcödé 🍔", "'", "''", "a'b'c"];

test("shellQuote: sh reads every word back exactly as it was, expanding nothing", () => {
  const script = `for a in ${shellLine(HOSTILE)}; do printf '%s\\0' "$a"; done`;
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { HOME: "/nowhere", PATH: process.env.PATH } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\0").slice(0, -1), HOSTILE);
});

test("shellQuote: safe words stay bare, others are single-quoted, control characters refused", () => {
  assert.equal(shellQuote("./two.db"), "./two.db");
  assert.equal(shellQuote("assets:static/1"), "assets:static/1");
  assert.equal(shellQuote("my data.db"), "'my data.db'");
  assert.equal(shellQuote("it's"), `'it'"'"'s'`);
  assert.equal(shellQuote(""), "''");
  for (const bad of ["a\nb", "a\rb", "a\0b", "tab\there", "\u001b[31m"]) assert.throws(() => shellQuote(bad), /contains a newline or another control character/);
});

test("shellSplit: words as sh splits them, quotes removed, nothing expanded; the split words quote back to the same words", () => {
  assert.deepEqual(shellSplit(`--setting sql_time_limit_ms 3500  --setting base_url "/my site/"`), ["--setting", "sql_time_limit_ms", "3500", "--setting", "base_url", "/my site/"]);
  assert.deepEqual(shellSplit(`'it'\\''s' "a \\"b\\" \\$c \\n" x\\ y $HOME`), ["it's", `a "b" $c \\n`, "x y", "$HOME"]);
  assert.deepEqual(shellSplit("  "), []);
  assert.deepEqual(shellSplit(`'' ""`), ["", ""]);
  const words = shellSplit(`a 'b c' "d'e" f\\"g`);
  const r = spawnSync("sh", ["-c", `printf '%s\\0' ${shellLine(words)}`], { encoding: "utf8" });
  assert.deepEqual(r.stdout.split("\0").slice(0, -1), ["a", "b c", "d'e", 'f"g']);
  assert.throws(() => shellSplit(`--title "open`), /unterminated "/);
});

test("dockerJson: an exec-form array, JSON-escaped; a newline is refused", () => {
  assert.equal(dockerJson(["npm", "install", "pkg@>=1.0", `it's "q" $x \\`]), `["npm", "install", "pkg@>=1.0", "it's \\"q\\" $x \\\\"]`);
  assert.deepEqual(JSON.parse(dockerJson(HOSTILE)), HOSTILE);
  assert.throws(() => dockerJson(["a\nb"]), /control character/);
});
