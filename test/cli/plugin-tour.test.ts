/**
 * End to end, the built CLI with the tour package in its plugin prefix: `almanac install` puts it there (offline,
 * from its folder), its register_commands command runs, its publish_subcommand target is listed and runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tempDir } from "../fixtures/server.js";
import { TOUR_PACKAGE } from "../fixtures/tour.js";

const BIN = join(process.cwd(), "bin", "almanac.js");

test("the tour package: installed by almanac install, its command and its publish target work", () => {
  const prefix = tempDir("almanac-tour-cli-");
  const env: Record<string, string | undefined> = { ...process.env, ALMANAC_PLUGIN_PREFIX: prefix, npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
  delete env.ALMANAC_LOAD_PLUGINS;
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000, env });
  const installed = run(["install", TOUR_PACKAGE]);
  assert.equal(installed.status, 0, installed.stderr);
  const hello = run(["tour-hello"]);
  assert.equal(hello.status, 0, hello.stderr);
  assert.equal(hello.stdout, "hello from almanac-plugin-tour\n");
  const targets = run(["publish", "--help"]);
  assert.match(targets.stdout, /tour-cloud/);
  const published = run(["publish", "tour-cloud", "a.db", "b.db"]);
  assert.equal(published.status, 0, published.stderr);
  assert.equal(published.stdout, "would publish a.db b.db to tour-cloud\n");
  const listed = JSON.parse(run(["plugins"]).stdout) as { name: string; hooks: string[] }[];
  assert.ok(listed.find((p) => p.name === "almanac-plugin-tour")?.hooks.includes("publish_subcommand"));
});
