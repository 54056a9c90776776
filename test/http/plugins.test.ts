/** @module HTTP: plugins from --plugins-dir — startup, register_routes, /-/plugins.json, and failures named at start-up. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeDatabase, pluginsDir, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { StartupError } from "../../src/http/errors.js";

let server: TestServer;
let db: string;

before(async () => {
  db = makeDatabase(join(tempDir(), "data.db"), "create table t (id integer primary key); insert into t values (1), (2);");
  const dir = pluginsDir({
    "hello.mjs": `
      let started = 0;
      export default {
        version: "1.2.3",
        async startup({ almanac }) { started = almanac.databases.size; },
        register_routes() {
          return [
            { path: "/-/hello", handler: async () => ({ status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "hello, " + started + " database(s)" }) },
            { path: /^\\/-\\/greet\\/(?<who>[a-z]+)$/, handler: (req) => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ who: req.params.who }) }) },
            { path: "/-/fails", handler: () => { throw new Error("plugin bug"); } },
            { path: "/-/refuses", handler: async () => { const { HttpError } = await import(${JSON.stringify(new URL("../../src/http/errors.ts", import.meta.url).href)}); throw new HttpError(403, "Not for you"); } },
            // Plugin routes come before Almanac's own: this one answers for the database page's URL.
            { path: "/data", methods: ["get"], handler: async (req, almanac) => ({ status: 200, headers: { "content-type": "text/plain" }, body: "shadowed " + [...almanac.databases.keys()].join(",") }) },
          ];
        },
      };`,
    "second.js": `export default { name: "named-plugin" };`,
    "page.mjs": `
      export default {
        menu_links: ({ view_name, request }) => {
          if (request.arg("_explode")) throw new Error("menu bug");
          return [{ href: "/-/hello", label: "Say hello (" + view_name + ")" }];
        },
        extra_css_urls: async ({ table }) => (table ? ["/assets/table.css"] : []),
        extra_js_urls: () => [{ url: "/assets/chart.js", module: true, sri: "sha384-abc" }],
        extra_template_vars: ({ template, database }) => ({ greeting: "hi from " + template + " on " + database, title: "plugin must not win" }),
        extra_body_script: () => ({ script: "console.log('</script><b>not markup</b>')", module: true }),
      };`,
    "notes.txt": "not a plugin",
  });
  const templates = join(tempDir(), "templates");
  mkdirSync(join(templates, "pages"), { recursive: true });
  writeFileSync(join(templates, "pages", "greet.html"), '{% extends "base.html" %}{% block content %}<p id="greeting">{{ greeting }}</p>{% endblock %}');
  server = await startServer({ databases: [{ path: db, immutable: false }], pluginsDir: dir, templateDir: templates });
});
after(async () => server.close());

test("startup runs with the databases open, and registered routes answer (exact paths and patterns with named groups)", async () => {
  assert.equal(await (await server.get("/-/hello")).text(), "hello, 1 database(s)");
  assert.deepEqual((await server.json("/-/greet/ana")).body, { who: "ana" });
  assert.equal((await server.get("/-/greet/ANA")).status, 404, "the pattern must match the whole path");
  assert.equal(await (await server.get("/data")).text(), "shadowed data");
  assert.equal((await server.get("/-/hello", { method: "POST" })).status, 405);
});

test("a route that throws is a generic 500 (logged with the plugin's name); an HttpError it throws is its answer", async () => {
  const failed = await server.json("/-/fails", { headers: { accept: "application/json" } });
  assert.equal(failed.status, 500);
  assert.equal(failed.body.error, "Internal server error");
  assert.ok(!JSON.stringify(failed.body).includes("plugin bug"), "the plugin's message stays in the log");
  const refused = await server.json("/-/refuses", { headers: { accept: "application/json" } });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error, "Not for you");
});

test("/-/plugins.json lists each plugin with its version and hooks, in file order", async () => {
  const r = await server.json("/-/plugins.json");
  assert.deepEqual(r.body, [
    { name: "hello", static: false, templates: false, version: "1.2.3", hooks: ["register_routes", "startup"] },
    { name: "page", static: false, templates: false, version: null, hooks: ["extra_body_script", "extra_css_urls", "extra_js_urls", "extra_template_vars", "menu_links"] },
    { name: "named-plugin", static: false, templates: false, version: null, hooks: [] },
  ]);
});

test("a plugin that fails to load, names an unknown hook, or throws in startup stops start-up with its name", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ "broken.mjs": "export default {;" }, /^plugin broken \(.*broken\.mjs\) failed to load: /],
    [{ "typo.mjs": "export default { startupp() {} };" }, /^plugin typo \(.*\): unknown hook "startupp" \(did you mean "startup"\?\); the hooks are listed in docs\/plugins\.md$/],
    [{ "bare.mjs": "export const x = 1;" }, /^plugin bare \(.*\): its default export must be an object of hooks$/],
    [{ "boom.mjs": "export default { startup() { throw new Error('no config'); } };" }, /^plugin boom: startup failed: no config$/],
    [{ "routes.mjs": "export default { register_routes() { return [{ path: '/x' }]; } };" }, /^plugin routes: register_routes returned a route without a path and a handler$/],
    [{ "a.mjs": "export default { name: 'same' };", "b.mjs": "export default { name: 'same' };" }, /^two plugins are named same/],
  ];
  for (const [files, message] of cases) {
    await assert.rejects(startServer({ databases: [{ path: db, immutable: false }], pluginsDir: pluginsDir(files) }), (err: Error) => {
      assert.ok(err instanceof StartupError, `${err}`);
      assert.match(err.message, message);
      return true;
    });
  }
});

test("page hooks: menu links, extra CSS and JS, template variables (the page's own names win) and a body script that cannot close its element", async () => {
  const table = await (await server.get("/data/t")).text();
  assert.match(table, /<li><a href="\/-\/hello">Say hello \(table\)<\/a><\/li>/);
  assert.match(table, /<link rel="stylesheet" href="\/assets\/table\.css">/);
  assert.match(table, /<script type="module" src="\/assets\/chart\.js" integrity="sha384-abc" crossorigin="anonymous"><\/script>/);
  assert.match(table, /<script type="module">console\.log\('<\\\/script><b>not markup<\\\/b>'\)<\/script>/);
  assert.doesNotMatch(table, /plugin must not win/);
  const index = await (await server.get("/")).text();
  assert.match(index, /Say hello \(index\)/);
  assert.doesNotMatch(index, /table\.css/, "the hook is told which page it is on");
  const page = await (await server.get("/greet")).text();
  assert.match(page, /<p id="greeting">hi from pages\/greet\.html on null<\/p>/);
});

test("a page hook that throws fails the page with a 500 (the log names the plugin), never silently", async () => {
  const r = await server.get("/data/t?_explode=1");
  assert.equal(r.status, 500);
  const body = await r.text();
  assert.match(body, /Server error/);
  assert.doesNotMatch(body, /menu bug/);
});

test("a Datasette plugins folder's Python files are named as not loaded, and start-up goes on", async () => {
  const { withStderr } = await import("./plugin-hooks-fixtures.js");
  const dir = pluginsDir({ "my_plugin.py": "from datasette import hookimpl\n", "ok.mjs": "export default { version: '1' };" });
  const { result: s, stderr } = await withStderr(() => startServer({ databases: [{ path: db, immutable: false }], pluginsDir: dir }));
  try {
    assert.match(stderr, /almanac: --plugins-dir: my_plugin\.py is not loaded — Datasette's Python plugins do not run in Almanac/);
    assert.deepEqual((await s.json("/-/plugins.json")).body.map((p: { name: string }) => p.name), ["ok"]);
  } finally {
    await s.close();
  }
});
