import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePair, joinSettingPairs, withDefaultCommand } from "../../../src/cli/args.js";

const COMMANDS = new Set(["serve", "inspect", "help"]);
const TOP = new Set(["--help", "--version"]);

test("serve is the default command", () => {
  assert.deepEqual(withDefaultCommand(["bigmac.db"], COMMANDS, TOP), ["serve", "bigmac.db"]);
  assert.deepEqual(withDefaultCommand([], COMMANDS, TOP), ["serve"]);
  assert.deepEqual(withDefaultCommand(["-p", "0"], COMMANDS, TOP), ["serve", "-p", "0"]);
  assert.deepEqual(withDefaultCommand(["inspect", "a.db"], COMMANDS, TOP), ["inspect", "a.db"]);
  assert.deepEqual(withDefaultCommand(["--version"], COMMANDS, TOP), ["--version"]);
});

const VALUE_FLAGS = new Set(["-p", "--port", "--secret", "-m", "--metadata"]);
const SETTING = new Set(["-s", "--setting"]);

test("-s KEY VALUE becomes one --setting value; values of other options are skipped", () => {
  const out = joinSettingPairs(["a.db", "-s", "base_url", "/x/", "--secret", "-s", "--setting", "plugins.p", "-1", "-p", "0"], VALUE_FLAGS, SETTING);
  assert.equal(out.length, 7);
  assert.deepEqual(out.slice(0, 1), ["a.db"]);
  assert.deepEqual(decodePair(out[1].slice("--setting=".length)), ["base_url", "/x/"]);
  assert.deepEqual(out.slice(2, 4), ["--secret", "-s"]);
  assert.deepEqual(decodePair(out[4].slice("--setting=".length)), ["plugins.p", "-1"]);
  assert.deepEqual(out.slice(5), ["-p", "0"]);
});

test("--setting=KEY VALUE and -- are handled; a missing value is an error", () => {
  const out = joinSettingPairs(["--setting=a", "b", "--", "-s", "x"], VALUE_FLAGS, SETTING);
  assert.deepEqual(decodePair(out[0].slice("--setting=".length)), ["a", "b"]);
  assert.deepEqual(out.slice(1), ["--", "-s", "x"]);
  assert.throws(() => joinSettingPairs(["-s", "only-key"], VALUE_FLAGS, SETTING), /needs two values/);
});
