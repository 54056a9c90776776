/** `almanac install` / `uninstall` as npm command lines (npm itself faked; the process tests run the real one). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/server.js";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";

function setup(exitCode = 0) {
  const prefix = tempDir("almanac-prefix-");
  const calls: string[][] = [];
  const err: string[] = [];
  const io: Io = { stdout: () => undefined, stderr: (t) => void err.push(t), env: { ALMANAC_PLUGIN_PREFIX: prefix } };
  const runNpm = async (args: string[]) => {
    calls.push(args);
    return exitCode;
  };
  return { prefix, calls, err, io, deps: { runNpm } };
}

test("install: names (-U → @latest for bare names), -r files, and -e folders linked in a second npm run", async () => {
  const { prefix, calls, io, deps } = setup();
  const list = join(tempDir(), "plugins.txt");
  writeFileSync(list, "# my plugins\nalmanac-plugin-a@1.2.0\n\n@acme/almanac-b  # scoped\n");
  assert.equal(await main(["install", "-U", "almanac-x", "./local-folder", "-r", list, "-e", "/src/dev-plugin"], io, deps), 0);
  assert.deepEqual(calls, [
    ["install", "--prefix", prefix, "--install-links", "almanac-x@latest", "./local-folder", "almanac-plugin-a@1.2.0", "@acme/almanac-b@latest"],
    ["install", "--prefix", prefix, "--install-links=false", "/src/dev-plugin"],
  ]);
});

test("uninstall; npm's failure is attributed and its exit code returned; nothing to do runs nothing", async () => {
  const ok = setup();
  assert.equal(await main(["uninstall", "-y", "almanac-x", "datasette-vega"], ok.io, ok.deps), 0);
  assert.deepEqual(ok.calls, [["uninstall", "--prefix", ok.prefix, "almanac-x"]]);
  assert.match(ok.err.join(""), /^almanac: datasette-vega is built into Almanac/);

  const failing = setup(7);
  assert.equal(await main(["install", "almanac-nope"], failing.io, failing.deps), 7);
  assert.equal(failing.err.join(""), "almanac: npm failed to install almanac-nope: npm exited with code 7 (its messages are above)\n");

  const builtins = setup();
  assert.equal(await main(["install", "datasette-vega", "datasette-auth-passwords==1.1"], builtins.io, builtins.deps), 0);
  assert.deepEqual(builtins.calls, []);
  assert.equal(builtins.err.length, 2);

  const empty = setup();
  assert.equal(await main(["install"], empty.io, empty.deps), 1);
  assert.equal(empty.err.join(""), "almanac: install needs at least one package (or -e PATH, or -r FILE)\n");
});
