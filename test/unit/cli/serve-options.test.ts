import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Sqlite from "better-sqlite3";
import { buildServeOptions, helpSettingsText, ignoredOptionNotices, parsePort, parseStaticMount } from "../../../src/cli/serve.js";
import { defaultSettings } from "../../../src/config/settings.js";
import { StartupError } from "../../../src/http/errors.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "almanac-serve-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function db(name: string): string {
  const path = join(dir, name);
  const conn = new Sqlite(path);
  conn.exec("create table if not exists t (id integer primary key)");
  conn.close();
  return path;
}
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const quiet = () => undefined;

test("defaults: no files means _memory, default settings, empty config and metadata", async () => {
  const options = await buildServeOptions([], {}, {}, quiet);
  assert.deepEqual(options, {
    databases: [], memory: true, crossdb: false, nolock: false, settings: defaultSettings(), config: {}, metadata: {},
    secret: undefined, cors: false, staticMounts: [], loadExtensions: [], inspectData: undefined, versionNote: undefined,
    templateDir: undefined, pluginsDir: undefined, pluginPrefix: undefined, loadPlugins: undefined, root: false, defaultDeny: false,
  });
});

test("files, -i and flags map onto AppOptions", async () => {
  const a = db("a.db");
  const b = db("b.db");
  const options = await buildServeOptions([a], {
    immutable: [b], cors: true, crossdb: true, nolock: true, root: true, defaultDeny: true, versionNote: "v",
    secret: "s3", loadExtension: ["x.so:entry"],
  }, {}, quiet);
  assert.deepEqual(options.databases, [{ path: a, immutable: false }, { path: b, immutable: true }]);
  assert.equal(options.memory, true, "--crossdb needs _memory");
  assert.equal(options.secret, "s3");
  assert.deepEqual(options.loadExtensions, ["x.so:entry"]);
  assert.equal(options.cors && options.crossdb && options.nolock && options.root && options.defaultDeny, true);
  assert.equal(options.versionNote, "v");
});

test("a file given both positionally and with -i is served once, immutable; duplicates are rejected", async () => {
  const a = db("dup.db");
  const options = await buildServeOptions([a], { immutable: [a] }, {}, quiet);
  assert.deepEqual(options.databases, [{ path: a, immutable: true }]);
  assert.equal(options.memory, false);
  await assert.rejects(buildServeOptions([a, join(dir, ".", "dup.db")], {}, {}, quiet), /given more than once/);
  await assert.rejects(buildServeOptions([], { immutable: [a, a] }, {}, quiet), /given more than once/);
});

test("missing files fail unless --create, which makes an empty SQLite database", async () => {
  const missing = join(dir, "new.db");
  await assert.rejects(buildServeOptions([missing], {}, {}, quiet), (e: Error) => e instanceof StartupError && /not found: .*new\.db \(use --create/.test(e.message));
  await assert.rejects(buildServeOptions([], { immutable: [missing] }, {}, quiet), /not found/);
  const options = await buildServeOptions([missing], { create: true }, {}, quiet);
  assert.ok(existsSync(missing) && statSync(missing).size > 0);
  const conn = new Sqlite(missing, { readonly: true });
  assert.deepEqual(conn.prepare("select count(*) as n from sqlite_master").get(), { n: 0 });
  conn.close();
  assert.deepEqual(options.databases, [{ path: missing, immutable: false }]);
});

test("secret: --secret, else ALMANAC_SECRET, else DATASETTE_SECRET", async () => {
  assert.equal((await buildServeOptions([], {}, { DATASETTE_SECRET: "d" }, quiet)).secret, "d");
  assert.equal((await buildServeOptions([], {}, { DATASETTE_SECRET: "d", ALMANAC_SECRET: "a" }, quiet)).secret, "a");
  assert.equal((await buildServeOptions([], { secret: "cli" }, { ALMANAC_SECRET: "a" }, quiet)).secret, "cli");
});

test("DATASETTE_LOAD_EXTENSION is used when no --load-extension is given", async () => {
  assert.deepEqual((await buildServeOptions([], {}, { DATASETTE_LOAD_EXTENSION: "a.so  spatialite" }, quiet)).loadExtensions, ["a.so", "spatialite"]);
  assert.deepEqual((await buildServeOptions([], { loadExtension: ["b.so"] }, { DATASETTE_LOAD_EXTENSION: "a.so" }, quiet)).loadExtensions, ["b.so"]);
});

test("config file settings are type-checked; -s overrides the file", async () => {
  const config = file("datasette.yaml", "settings:\n  default_page_size: 10\n  sql_time_limit_ms: 200\nplugins:\n  p:\n    a: 1\n");
  const options = await buildServeOptions([], { config, setting: [["sql_time_limit_ms", "5000"], ["plugins.p.b", "2"], ["settings.base_url", "x"]] }, {}, quiet);
  assert.equal(options.settings.default_page_size, 10);
  assert.equal(options.settings.sql_time_limit_ms, 5000);
  assert.equal(options.settings.base_url, "/x/");
  assert.deepEqual(options.config.plugins, { p: { a: 1, b: 2 } });
  assert.deepEqual(options.config.settings, { default_page_size: 10, sql_time_limit_ms: 5000, base_url: "/x/" });
  const bad = file("bad-settings.json", '{"settings": {"hash_urls": true}}');
  await assert.rejects(buildServeOptions([], { config: bad }, {}, quiet), { message: "Invalid setting 'hash_urls' in config file" });
  const wrongType = file("wrong-type.json", '{"settings": {"allow_facet": "off"}}');
  await assert.rejects(buildServeOptions([], { config: wrongType }, {}, quiet), /Setting 'allow_facet' in config file has incorrect type/);
});

test("the seed metadata.json loads: allow and plugins move to config, one notice line", async () => {
  const seed = file("metadata.json", JSON.stringify({
    title: "personal dataset instance", description: "We can host a few datasettes here.",
    plugins: { "datasette-auth-passwords": { http_basic_auth: true, someusername_password_hash: "pbkdf2_sha256$480000$0123456789abcdef0123456789abcdef$QOb6OP4qyVKYSPzrltfB3ME5iR+eU+f1ycVdOhGbJpc=", actors: { someusername: { id: "someusername", name: "API user" } } } },
    databases: { bigmac: { description: "This table shows the big mac index. It can be used as an economic indicator.", source_url: "", allow: { id: "*" } } },
  }));
  const lines: string[] = [];
  const options = await buildServeOptions([], { metadata: seed }, {}, (l) => lines.push(l));
  assert.deepEqual(lines, ["almanac: moved from metadata.json to configuration: plugins, databases.bigmac.allow"]);
  assert.deepEqual(options.config.databases, { bigmac: { allow: { id: "*" } } });
  assert.equal((options.config.plugins as Record<string, { http_basic_auth: boolean }>)["datasette-auth-passwords"].http_basic_auth, true);
  assert.deepEqual(options.metadata, {
    title: "personal dataset instance", description: "We can host a few datasettes here.",
    databases: { bigmac: { description: "This table shows the big mac index. It can be used as an economic indicator.", source_url: "" } },
  });
});

test("metadata values overwrite the config file; -s overrides both", async () => {
  const config = file("c.json", '{"plugins": {"p": {"from": "config"}}}');
  const metadata = file("m.yaml", "plugins:\n  p:\n    from: metadata\n");
  const a = await buildServeOptions([], { config, metadata }, {}, quiet);
  assert.deepEqual(a.config.plugins, { p: { from: "metadata" } });
  const b = await buildServeOptions([], { config, metadata, setting: [["plugins.p.from", "cli"]] }, {}, quiet);
  assert.deepEqual(b.config.plugins, { p: { from: "cli" } });
});

test("plugin $env references must resolve at start-up (but stay unresolved in config)", async () => {
  const config = file("env.json", '{"plugins": {"p": {"key": {"$env": "ALMANAC_TEST_KEY"}}}}');
  await assert.rejects(buildServeOptions([], { config }, {}, quiet), /ALMANAC_TEST_KEY/);
  const options = await buildServeOptions([], { config }, { ALMANAC_TEST_KEY: "k" }, quiet);
  assert.deepEqual(options.config.plugins, { p: { key: { $env: "ALMANAC_TEST_KEY" } } });
});

test("--static, --template-dir and --plugins-dir must be directories", async () => {
  const assets = join(dir, "assets");
  mkdirSync(assets, { recursive: true });
  const options = await buildServeOptions([], { static: ["/assets/:" + assets], templateDir: assets, pluginsDir: assets }, {}, quiet);
  assert.deepEqual(options.staticMounts, [{ mount: "assets", dir: resolve(assets) }]);
  assert.equal(options.templateDir, resolve(assets));
  assert.equal(options.pluginsDir, resolve(assets));
  await assert.rejects(buildServeOptions([], { static: ["nocolon"] }, {}, quiet), /MOUNT:DIRECTORY/);
  await assert.rejects(buildServeOptions([], { static: ["m:" + join(dir, "missing")] }, {}, quiet), /is not a directory/);
  await assert.rejects(buildServeOptions([], { templateDir: join(dir, "missing") }, {}, quiet), /--template-dir .*no such directory/);
  assert.deepEqual(parseStaticMount(`a/b:${assets}`), { mount: "a/b", dir: resolve(assets) });
});

test("--inspect-file is loaded into inspectData", async () => {
  const inspect = file("inspect.json", '{"a": {"hash": "h", "size": 1, "file": "a.db", "tables": {"t": {"count": 7}}}}');
  const options = await buildServeOptions([], { inspectFile: inspect }, {}, quiet);
  assert.equal(options.inspectData?.a.tables?.t.count, 7);
});

test("configuration directory: databases, datasette.yaml, metadata, inspect-data.json, templates, plugins, static", async () => {
  const app = join(dir, "my-app");
  for (const sub of ["templates", "plugins", "static", "ignored.db"]) mkdirSync(join(app, sub), { recursive: true });
  for (const name of ["b.sqlite", "a.db", "c.sqlite3"]) new Sqlite(join(app, name)).close();
  writeFileSync(join(app, "notes.txt"), "not a database");
  writeFileSync(join(app, "datasette.yaml"), "settings:\n  default_page_size: 7\n");
  writeFileSync(join(app, "datasette.json"), '{"settings": {"default_page_size": 8}}');
  writeFileSync(join(app, "metadata.yml"), "title: My app\n");
  writeFileSync(join(app, "inspect-data.json"), JSON.stringify({ a: { hash: "x", size: 0, file: "a.db", tables: {} } }));
  const options = await buildServeOptions([app], {}, {}, quiet);
  assert.deepEqual(options.databases, [
    { path: join(app, "a.db"), immutable: true },
    { path: join(app, "b.sqlite"), immutable: false },
    { path: join(app, "c.sqlite3"), immutable: false },
  ]);
  assert.equal(options.settings.default_page_size, 8, "datasette.json is found first");
  assert.equal(options.metadata.title, "My app");
  assert.equal(options.inspectData?.a.file, "a.db");
  assert.equal(options.templateDir, resolve(app, "templates"));
  assert.equal(options.pluginsDir, resolve(app, "plugins"));
  assert.deepEqual(options.staticMounts, [{ mount: "static", dir: resolve(app, "static") }]);
  // Explicit flags win over the directory's files.
  const other = file("other-config.json", '{"settings": {"default_page_size": 9}}');
  assert.equal((await buildServeOptions([app], { config: other }, {}, quiet)).settings.default_page_size, 9);
  await assert.rejects(buildServeOptions([app, db("x.db")], {}, {}, quiet), /must be the only FILES argument/);
});

test("small parsers and notices", () => {
  assert.equal(parsePort("0"), 0);
  assert.equal(parsePort("65535"), 65535);
  for (const bad of ["65536", "-1", "abc", "80.5", ""]) assert.throws(() => parsePort(bad), /0 to 65535/);
  const help = helpSettingsText();
  assert.match(help, /^Settings:\n/);
  assert.match(help, /default_page_size +Default page size for the table view \(default=100\)/);
  assert.equal(help.trim().split("\n").length, 25);
  const notes = ignoredOptionNotices({ reload: true, pdb: true, uds: "/tmp/s", internal: "i.db" }, { DATASETTE_SSL_KEYFILE: "k" });
  assert.equal(notes.length, 5);
  assert.ok(notes.every((n) => n.startsWith("almanac: --") && !n.includes("\n")));
  assert.deepEqual(ignoredOptionNotices({}, {}), []);
});
