/** Finding plugins without importing them: package.json discovery, the installation prefix, the environment, Datasette's built-in names. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/server.js";
import { discoverPackages, importPluginModule, installationPrefix, loadPlugins } from "../../src/plugins/load.js";
import { loadPluginsFromEnv, prefixFromEnv } from "../../src/cli/plugin-env.js";
import { builtinEquivalent, equivalentNotice } from "../../src/cli/datasette-plugins.js";
import { StartupError } from "../../src/http/errors.js";

function pkg(root: string, name: string, json: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = join(root, "node_modules", ...name.split("/"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", ...json }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

test("discoverPackages: packages with an almanac field, scoped ones and linked folders too, by name; others ignored", () => {
  const prefix = tempDir();
  const zed = pkg(prefix, "zed-plugin", { almanac: { plugin: "./index.js" } }, { "static/app.css": "", "templates/x.html": "" });
  pkg(prefix, "@acme/almanac-thing", { almanac: { plugin: "lib/main.mjs", static: "assets", templates: "views" } }, { "assets/a.css": "", "views/v.html": "" });
  pkg(prefix, "left-pad", { main: "index.js" });
  mkdirSync(join(prefix, "node_modules", ".bin"));
  mkdirSync(join(prefix, "node_modules", "not-a-package"));
  mkdirSync(join(prefix, "node_modules", "broken-json"));
  writeFileSync(join(prefix, "node_modules", "broken-json", "package.json"), "{ not json");
  // `npm install -e` (a link to a folder elsewhere)
  const elsewhere = tempDir();
  pkg(elsewhere, "linked-plugin", { almanac: { plugin: "./index.js" } });
  symlinkSync(join(elsewhere, "node_modules", "linked-plugin"), join(prefix, "node_modules", "linked-plugin"), "dir");

  const found = discoverPackages(prefix);
  assert.deepEqual(found.map((p) => p.name), ["@acme/almanac-thing", "linked-plugin", "zed-plugin"]);
  const scoped = found[0];
  assert.equal(scoped.entry, join(prefix, "node_modules", "@acme", "almanac-thing", "lib", "main.mjs"));
  assert.equal(scoped.staticDir, join(prefix, "node_modules", "@acme", "almanac-thing", "assets"));
  assert.equal(scoped.templatesDir, join(prefix, "node_modules", "@acme", "almanac-thing", "views"));
  assert.deepEqual(found[2], { name: "zed-plugin", version: "1.0.0", dir: zed, entry: join(zed, "index.js"), staticDir: join(zed, "static"), templatesDir: join(zed, "templates") });
  assert.equal(found[1].staticDir, null, "no static/ folder, no static files");
  assert.deepEqual(discoverPackages(join(prefix, "nowhere")), [], "no node_modules: no packages");
});

test("discoverPackages: a malformed almanac field, or a folder it names that is missing, is an error naming the package", () => {
  const a = tempDir();
  pkg(a, "bad-field", { almanac: true });
  assert.throws(() => discoverPackages(a), (e: Error) => e instanceof StartupError && /^plugin bad-field \(.*\): "almanac" in package.json must be \{"plugin": "\.\/index\.js"\}/.test(e.message));
  const b = tempDir();
  pkg(b, "no-static", { almanac: { plugin: "./index.js", static: "public" } });
  assert.throws(() => discoverPackages(b), /plugin no-static .*"almanac\.static" names public, which is not a folder/);
});

test("loadPlugins: a package's missing entry point or failing import is named; its name and version are the package's", async () => {
  const prefix = tempDir();
  pkg(prefix, "ghost", { almanac: { plugin: "./missing.js" } });
  await assert.rejects(
    loadPlugins({ prefix, only: ["ghost"] }),
    (e: Error) => e instanceof StartupError && /^plugin ghost \(.*\) failed to load: its entry point .*missing\.js does not exist$/.test(e.message),
  );
  const other = tempDir();
  pkg(other, "thrower", { type: "module", almanac: { plugin: "./index.js" } }, { "index.js": "throw new Error('kaboom');" });
  await assert.rejects(loadPlugins({ prefix: other, only: ["thrower"] }), /plugin thrower \(.*index\.js\) failed to load: kaboom/);
  const named = tempDir();
  pkg(named, "real-name", { version: "3.1.4", type: "module", almanac: { plugin: "./index.js" } }, { "index.js": "export default { name: 'other-name', version: '0' };" });
  const [p] = await loadPlugins({ prefix: named, only: ["real-name"] });
  assert.equal(p.name, "real-name");
  assert.equal(p.version, "3.1.4");
  assert.equal(p.origin, "package");
});

test("importPluginModule: a .ts file compiled as CommonJS still gives its default export; imported once per process", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "cjs.ts"), "globalThis.__almanacImports = ((globalThis as any).__almanacImports ?? 0) + 1;\nexport default { version: '1' as string };");
  const path = join(dir, "cjs.ts");
  assert.deepEqual(await importPluginModule(path), { version: "1" });
  assert.equal(await importPluginModule(path), await importPluginModule(path));
  assert.equal((globalThis as { __almanacImports?: number }).__almanacImports, 1);
});

test("installationPrefix: the project Almanac is installed in, else its own folder", () => {
  assert.equal(installationPrefix("/srv/app/node_modules/almanac"), "/srv/app");
  assert.equal(installationPrefix("/srv/app/node_modules/@acme/almanac"), "/srv/app");
  assert.equal(installationPrefix("/usr/lib/node_modules/almanac"), "/usr/lib");
  assert.equal(installationPrefix("/home/me/src/almanac"), "/home/me/src/almanac");
});

test("ALMANAC_PLUGIN_PREFIX and ALMANAC_LOAD_PLUGINS", () => {
  assert.equal(prefixFromEnv({}), undefined);
  assert.equal(prefixFromEnv({ ALMANAC_PLUGIN_PREFIX: "/opt/plugins" }), "/opt/plugins");
  assert.equal(prefixFromEnv({ ALMANAC_PLUGIN_PREFIX: "rel" }), join(process.cwd(), "rel"));
  assert.equal(loadPluginsFromEnv({}), undefined);
  assert.deepEqual(loadPluginsFromEnv({ ALMANAC_LOAD_PLUGINS: "" }), []);
  assert.deepEqual(loadPluginsFromEnv({ ALMANAC_LOAD_PLUGINS: " a, @s/b ,,c" }), ["a", "@s/b", "c"]);
});

test("Datasette plugin names Almanac has built in, in pip's and npm's spellings", () => {
  for (const arg of ["datasette-vega", "Datasette_Vega", "datasette-vega==0.6.2", "datasette-vega>=0.6", "datasette-vega@1"]) {
    assert.equal(builtinEquivalent(arg)?.builtin, "almanac-charts", arg);
  }
  assert.equal(builtinEquivalent("datasette-auth-passwords")?.builtin, "datasette-auth-passwords");
  for (const arg of ["datasette-vegan", "datasette-cluster-map", "./datasette-vega", "@x/datasette-vega"]) assert.equal(builtinEquivalent(arg), undefined, arg);
  const e = builtinEquivalent("datasette-vega")!;
  assert.match(equivalentNotice("datasette-vega", e, "uninstall"), /nothing to uninstall \(to turn it off, set plugins: \{"almanac-charts": \{"enabled": false\}\}/);
});
