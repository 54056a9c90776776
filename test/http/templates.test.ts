/** @module HTTP: --template-dir overrides pages by Datasette's template names; `default:` reaches the built-in ones. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";

let server: TestServer;
before(async () => {
  const dir = tempDir();
  const path = makeDatabase(join(dir, "shop.db"), "create table items (id integer primary key, name text); insert into items values (1, '<b>bold</b>');");
  const templates = join(dir, "templates");
  mkdirSync(templates);
  // Extends the built-in page it replaces and adds to one of its blocks.
  writeFileSync(join(templates, "table.html"), '{% extends "default:table.html" %}{% block footer %}<footer id="custom">Custom footer for {{ table }}</footer>{% endblock %}');
  // The most specific name wins for that database only.
  writeFileSync(join(templates, "database-shop.html"), '{% extends "default:database.html" %}{% block extra_head %}<meta name="shop" content="yes">{% endblock %}');
  writeFileSync(join(templates, "404.html"), '{% extends "default:error.html" %}{% block footer %}<p id="lost">Try the <a href="/">home page</a>.</p>{% endblock %}');
  server = await startServer({ databases: [{ path, immutable: false }], templateDir: templates });
});
after(() => server.close());

test("an override of table.html extends the built-in one and keeps autoescaping", async () => {
  const html = await (await server.get("/shop/items")).text();
  assert.match(html, /<footer id="custom">Custom footer for items<\/footer>/);
  assert.ok(html.includes("&lt;b&gt;bold&lt;/b&gt;") && !html.includes("<b>bold</b>"));
  assert.match(html, /<!-- Templates considered: table-shop-items\.html, \*table\.html -->/);
});

test("database-<name>.html is chosen for its database", async () => {
  const html = await (await server.get("/shop")).text();
  assert.match(html, /<meta name="shop" content="yes">/);
  assert.match(html, /Templates considered: \*database-shop\.html, database\.html/);
});

test("pages without an override use the built-in templates", async () => {
  const html = await (await server.get("/")).text();
  assert.match(html, /Templates considered: \*index\.html/);
  assert.ok(!html.includes("Custom footer"));
});

test("error pages use <status>.html, then error.html, and stay escaped", async () => {
  const missing = await server.get("/shop/nope");
  assert.equal(missing.status, 404);
  const html = await missing.text();
  assert.match(html, /<p id="lost">/);
  assert.match(html, /Templates considered: \*404\.html, error\.html/);
  const bad = await server.get("/shop/items?_size=<script>");
  assert.equal(bad.status, 400);
  const body = await bad.text();
  assert.match(body, /Templates considered: 400\.html, \*error\.html/);
  assert.ok(!body.includes("<script>"));
});
