/** End to end: `almanac hash-password` as a user runs it (bin/almanac.js → dist/; run `npm run build` first). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { verifyPassword } from "../../src/auth/passwords.js";

const BIN = join(process.cwd(), "bin", "almanac.js");
const FORMAT = /^pbkdf2_sha256\$480000\$[0-9a-f]{32}\$[A-Za-z0-9+/]{43}=$/;

function run(args: string[], input: string) {
  return spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", timeout: 60_000 });
}

test("--no-confirm reads the first line of stdin and prints only the hash, which verifies", async () => {
  const r = run(["hash-password", "--no-confirm"], "pässwörd ✓\nignored\n");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "", "no prompt when stdin is not a terminal");
  const hash = r.stdout.replace(/\n$/, "");
  assert.match(hash, FORMAT);
  assert.ok(await verifyPassword("pässwörd ✓", hash));
  const noNewline = run(["hash-password", "--no-confirm"], "password!");
  assert.equal(noNewline.status, 0, noNewline.stderr);
  assert.ok(await verifyPassword("password!", noNewline.stdout.trim()));
  const crlf = run(["hash-password", "--no-confirm"], "password!\r\n");
  assert.ok(await verifyPassword("password!", crlf.stdout.trim()), "a Windows line ending is not part of the password");
});

test("without --no-confirm it reads the password twice: the same → the hash; different → exit 1 and one line", async () => {
  const same = run(["hash-password"], "s3cret pass\ns3cret pass\n");
  assert.equal(same.status, 0, same.stderr);
  assert.ok(await verifyPassword("s3cret pass", same.stdout.trim()));
  const different = run(["hash-password"], "one\ntwo\n");
  assert.equal(different.status, 1);
  assert.equal(different.stdout, "");
  assert.equal(different.stderr, "almanac: the two passwords do not match\n");
  const once = run(["hash-password"], "one\n");
  assert.equal(once.status, 1);
  assert.match(once.stderr, /^almanac: the password was not confirmed \(the input ended first\); use --no-confirm to give it once\n$/);
});

test("empty input is a clear error, not a hash of nothing", () => {
  for (const [args, input, message] of [
    [["hash-password", "--no-confirm"], "", "almanac: no password was given (the input ended first)\n"],
    [["hash-password", "--no-confirm"], "\n", "almanac: the password is empty\n"],
    [["hash-password"], "\n\n", "almanac: the password is empty\n"],
  ] as const) {
    const r = run([...args], input);
    assert.equal(r.status, 1, JSON.stringify(input));
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, message);
  }
});

test("the command is listed in almanac --help and has its own help", () => {
  const help = run(["--help"], "");
  assert.match(help.stdout, /hash-password/);
  const own = run(["hash-password", "--help"], "");
  assert.equal(own.status, 0);
  assert.match(own.stdout, /--no-confirm/);
});
