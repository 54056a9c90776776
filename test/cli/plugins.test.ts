/**
 * End to end, the built CLI (bin/almanac.js → dist/): `almanac install` / `uninstall` running npm (offline: local
 * folders only) into ALMANAC_PLUGIN_PREFIX, then `serve`, `almanac plugins`, plugin commands
 * (register_commands) and publish targets (publish_subcommand) finding what was installed; `.ts` plugins
 * loaded through tsx from the build; failures as one line naming the plugin.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/server.js";
import { EXAMPLE_DESCRIPTION, EXAMPLE_PACKAGE } from "../fixtures/plugin-packages/example.js";

const BIN = join(process.cwd(), "bin", "almanac.js");
// npm never reaches the network here: only local folders are installed.
const NPM_OFFLINE = { npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };

function run(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.ALMANAC_LOAD_PLUGINS;
  delete base.ALMANAC_PLUGIN_PREFIX;
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000, env: { ...base, ...NPM_OFFLINE, ...env } });
}

const q = (sql: string) => encodeURIComponent(sql);

/** A plugin package folder to install. */
function packageFolder(name: string, index: string): string {
  const dir = join(tempDir("almanac-pkg-"), name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "0.1.0", type: "module", almanac: { plugin: "./index.js" } }));
  writeFileSync(join(dir, "index.js"), index);
  return dir;
}

describe("a plugin package installed with almanac install", () => {
  let env: Record<string, string>;
  let prefix: string;
  before(() => {
    prefix = tempDir("almanac-prefix-");
    env = { ALMANAC_PLUGIN_PREFIX: prefix };
    const r = run(["install", EXAMPLE_PACKAGE], env);
    assert.equal(r.status, 0, r.stderr);
  });

  test("npm copies it into <prefix>/node_modules, and serve finds it there", () => {
    const installed = join(prefix, "node_modules", "almanac-plugin-example");
    assert.ok(existsSync(join(installed, "package.json")));
    assert.ok(!lstatSync(installed).isSymbolicLink(), "a folder is copied (npm --install-links), not linked");
    const r = run(["--get", "/-/plugins.json"], env);
    assert.equal(r.status, 0, r.stderr);
    const example = (JSON.parse(r.stdout) as { name: string }[]).find((p) => p.name === "almanac-plugin-example");
    assert.deepEqual(example, EXAMPLE_DESCRIPTION);
    const css = run(["--get", "/-/static-plugins/almanac-plugin-example/example.css"], env);
    assert.equal(css.status, 0, css.stderr);
    assert.match(css.stdout, /example-plugin-footer/);
  });

  test("its prepare_connection function works in the built workers, in-process (num_sql_threads 0) and in streamed exports", () => {
    const path = `/_memory/-/query.json?sql=${q("select example_scale(21) as x, example_database() as d")}&_shape=array`;
    for (const args of [[], ["-s", "num_sql_threads", "0"]]) {
      const r = run(["--get", path, ...args], env);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [{ x: 42, d: "_memory" }]);
      const csv = run(["--get", `/_memory/-/query.csv?sql=${q("select example_scale(2) as x")}&_stream=on`, ...args], env);
      assert.equal(csv.status, 0, csv.stderr);
      assert.equal(csv.stdout.replace(/\r\n/g, "\n").trim(), "x\n4.0");
    }
  });

  test("almanac plugins lists it (built-ins only with --all, as Datasette does); --requirements prints name@version", () => {
    const r = run(["plugins"], env);
    assert.equal(r.status, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as { name: string }[];
    assert.deepEqual(listed.map((p) => p.name), ["almanac-plugin-example"]);
    assert.match(r.stdout, /^\[\n {4}\{\n {8}"name"/, "indented like datasette plugins");
    const all = run(["plugins", "--all"], env);
    assert.equal(all.status, 0, all.stderr);
    assert.ok((JSON.parse(all.stdout) as { name: string }[]).some((p) => p.name === "almanac-charts"), all.stdout);
    const dir = tempDir();
    writeFileSync(join(dir, "extra.mjs"), "export default { version: '2' };");
    const withDir = run(["plugins", "--plugins-dir", dir], env);
    assert.deepEqual((JSON.parse(withDir.stdout) as { name: string }[]).map((p) => p.name), ["almanac-plugin-example", "extra"]);
    const req = run(["plugins", "--requirements", "--plugins-dir", dir], env);
    assert.equal(req.stdout, "almanac-plugin-example@1.2.0\n");
  });

  test("register_commands: the plugin's command runs and is listed in --help", () => {
    const r = run(["example-hello", "ana"], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "hello, ana, from almanac-plugin-example\n");
    const help = run(["--help"], env);
    assert.match(help.stdout, /example-hello/);
  });

  test("publish_subcommand: the target runs; no target, or one nobody provides, lists the targets", () => {
    const r = run(["publish", "example-cloud", "a.db", "--service", "mine"], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "would publish a.db as mine to example-cloud\n");
    const none = run(["publish"], env);
    assert.equal(none.status, 1);
    assert.equal(none.stderr, "almanac: publish needs a target; available targets: cloudrun, example-cloud, kubernetes\n");
    const unknown = run(["publish", "heroku", "a.db"], env);
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr, "almanac: unknown publish target 'heroku'; available targets: cloudrun, example-cloud, kubernetes\n");
  });

  test("ALMANAC_LOAD_PLUGINS: \"\" loads none of them; an unknown name is one clear line", () => {
    const none = run(["--get", "/-/plugins.json"], { ...env, ALMANAC_LOAD_PLUGINS: "" });
    assert.equal(none.status, 0, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout), []);
    const chosen = run(["--get", "/-/plugins.json"], { ...env, ALMANAC_LOAD_PLUGINS: " almanac-plugin-example " });
    assert.deepEqual((JSON.parse(chosen.stdout) as { name: string }[]).map((p) => p.name), ["almanac-plugin-example"]);
    const bad = run(["--get", "/"], { ...env, ALMANAC_LOAD_PLUGINS: "almanac-plugin-exmaple" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^almanac: ALMANAC_LOAD_PLUGINS names almanac-plugin-exmaple, which is not a built-in or installed plugin \(built in: .*; installed: almanac-plugin-example\)\n$/);
  });

  test("uninstall removes it (-y accepted), and it is gone from serve", () => {
    const r = run(["uninstall", "-y", "almanac-plugin-example"], env);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(join(prefix, "node_modules", "almanac-plugin-example")));
    const listed = run(["plugins"], env);
    assert.deepEqual(JSON.parse(listed.stdout), []);
  });
});

test("install -e links a folder (edits show without reinstalling)", () => {
  const prefix = tempDir("almanac-prefix-");
  const dir = packageFolder("almanac-plugin-linked", "export default { register_routes: () => [{ path: '/-/linked', handler: () => ({ status: 200, headers: {}, body: 'v1' }) }] };");
  const r = run(["install", "-e", dir], { ALMANAC_PLUGIN_PREFIX: prefix });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(lstatSync(join(prefix, "node_modules", "almanac-plugin-linked")).isSymbolicLink());
  writeFileSync(join(dir, "index.js"), "export default { register_routes: () => [{ path: '/-/linked', handler: () => ({ status: 200, headers: {}, body: 'v2' }) }] };");
  const got = run(["--get", "/-/linked"], { ALMANAC_PLUGIN_PREFIX: prefix });
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout.trim(), "v2");
});

test("a packaged plugin whose register_commands throws stops every command with one line naming it, but uninstall still works", () => {
  const prefix = tempDir("almanac-prefix-");
  const env = { ALMANAC_PLUGIN_PREFIX: prefix };
  const dir = packageFolder("almanac-plugin-grumpy", "export default { register_commands() { throw new Error('no commands today'); } };");
  assert.equal(run(["install", dir], env).status, 0);
  for (const args of [["--get", "/"], ["plugins"], ["--version"]]) {
    const r = run(args, env);
    assert.equal(r.status, 1, args.join(" "));
    assert.equal(r.stderr, "almanac: plugin almanac-plugin-grumpy: register_commands failed: no commands today\n");
  }
  const removed = run(["uninstall", "almanac-plugin-grumpy"], env);
  assert.equal(removed.status, 0, removed.stderr);
  assert.equal(run(["--get", "/"], env).status, 0);
});

test("a .ts plugin in --plugins-dir loads from the build (tsx), in the query workers too; a broken one is named", () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "shout.ts"),
    `import type { Database } from "better-sqlite3";
     const mark: string = "!";
     export default { prepare_connection({ conn }: { conn: Database }): void { conn.function("shout", (s: unknown) => String(s).toUpperCase() + mark); } };`,
  );
  const r = run(["--plugins-dir", dir, "--get", `/_memory/-/query.json?sql=${q("select shout('hi') as s")}&_shape=array`]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [{ s: "HI!" }]);
  writeFileSync(join(dir, "typo.ts"), "export default { startup(: number) {} };");
  const bad = run(["--plugins-dir", dir, "--get", "/"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^almanac: plugin typo \(.*typo\.ts\) failed to load: Transform failed with 1 error: .*\n$/);
});

test("a prepare_connection that throws: a non-zero exit and one line naming the plugin", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "needs-key.mjs"), "export default { prepare_connection() { throw new Error('LICENCE_KEY is not set'); } };");
  for (const args of [[], ["-s", "num_sql_threads", "0"]]) {
    const r = run(["--plugins-dir", dir, "--get", "/", ...args]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "almanac: plugin needs-key: prepare_connection failed: LICENCE_KEY is not set\n");
  }
});

test("Datasette plugins Almanac has built in get a notice and never reach npm; npm's own failures are attributed", () => {
  const prefix = tempDir("almanac-prefix-");
  const env = { ALMANAC_PLUGIN_PREFIX: prefix };
  const vega = run(["install", "datasette-vega"], env);
  assert.equal(vega.status, 0, vega.stderr);
  assert.equal(vega.stderr, "almanac: datasette-vega is built into Almanac (charts on table and query pages: the built-in almanac-charts plugin); nothing to install\n");
  const auth = run(["uninstall", "-y", "datasette-auth-passwords"], env);
  assert.equal(auth.status, 0, auth.stderr);
  assert.match(auth.stderr, /^almanac: datasette-auth-passwords is built into Almanac \(password sign-in: the built-in datasette-auth-passwords plugin\); nothing to uninstall/);
  assert.ok(!existsSync(join(prefix, "package.json")), "npm did not run");
  const missing = join(tempDir(), "no-such-plugin");
  const failed = run(["install", missing], env);
  assert.notEqual(failed.status, 0);
  assert.match(failed.stderr, new RegExp(`almanac: npm failed to install ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: npm exited with code \\d+ \\(its messages are above\\)\\n$`));
});
