/** @module HTTP: the `/-/…` data pages as readable HTML — objects as definition lists, arrays of objects as tables, escaped, with the raw JSON linked. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { parseHtml } from "../fixtures/html-check.js";

let server: TestServer;
before(async () => {
  const path = makeDatabase(join(tempDir(), "data.db"), "create table t (id integer primary key, name text);\ncreate view v as select * from t;");
  server = await startServer({
    databases: [{ path, immutable: false }],
    config: {
      plugins: { "my-plugin": { note: "<script>alert(1)</script>", home: "https://example.org/", bad: "javascript:alert(1)", api_key: "hunter2", nested: { list: [1, 2], deep: { deeper: true } } } },
    },
  });
});
after(() => server.close());

async function page(path: string): Promise<string> {
  const r = await server.get(path);
  assert.equal(r.status, 200, path);
  assert.match(r.headers.get("content-type")!, /^text\/html/);
  const html = await r.text();
  assert.deepEqual(parseHtml(html).problems, [], path);
  return html;
}

test("/-/settings: a definition list of every setting, without the API's ok key", async () => {
  const html = await page("/-/settings");
  assert.match(html, /<dl class="json-object">/);
  assert.match(html, /<dt>default_page_size<\/dt><dd><span class="json-number">100<\/span><\/dd>/);
  assert.match(html, /<dt>allow_facet<\/dt><dd><span class="json-boolean">true<\/span><\/dd>/);
  assert.ok(!/<dt>ok<\/dt>/.test(html));
});

test("/-/databases: an array of objects is a table with a header per key", async () => {
  const html = await page("/-/databases");
  assert.match(html, /<table class="json-table">/);
  for (const key of ["name", "route", "path", "size", "is_mutable", "is_memory", "hash"]) assert.ok(html.includes(`<th scope="col">${key}</th>`), key);
  assert.match(html, /<td class="json-string"><span class="json-string">data<\/span><\/td>/);
  assert.match(html, /<td class="json-null"><span class="json-null">null<\/span><\/td>/);
});

test("/-/versions: nested objects sit inside their parent, lists as lists", async () => {
  const html = await page("/-/versions");
  assert.match(html, /<dt>sqlite<\/dt><dd><dl class="json-object">/);
  assert.match(html, /<dt>compile_options<\/dt><dd><ul class="json-list">/);
  assert.match(html, /<dt>fts_versions<\/dt><dd><ul class="json-list">\s*<li><span class="json-string">FTS5<\/span><\/li>/);
});

test("/-/config: values escaped, secrets redacted, only http(s) strings linked", async () => {
  const html = await page("/-/config");
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(!html.includes("<script>alert(1)"));
  assert.match(html, /<a class="json-string" href="https:\/\/example\.org\/" rel="nofollow">https:\/\/example\.org\/<\/a>/);
  assert.match(html, /<span class="json-string">javascript:alert\(1\)<\/span>/);
  assert.ok(!html.includes("hunter2"));
  assert.match(html, /<dt>deeper<\/dt><dd><span class="json-boolean">true<\/span><\/dd>/);
});

test("/-/plugins: an empty list says so", async () => {
  const html = await page("/-/plugins");
  assert.match(html, /<div class="json-view">\s*<span class="json-empty">\(none\)<\/span>/);
});

test("schema pages: multi-line SQL is preformatted", async () => {
  const html = await page("/data/-/schema");
  assert.match(html, /<dt>schema<\/dt><dd><pre class="json-string">CREATE TABLE t/);
  assert.match(html, /<a href="\/data\/-\/schema\.json">Raw JSON<\/a>/);
});

test("every page links its raw JSON (query string kept) and shows it pretty-printed", async () => {
  const html = await page("/-/actor");
  assert.match(html, /<a href="\/-\/actor\.json">Raw JSON<\/a>/);
  assert.match(html, /<details class="json-source">\s*<summary>Show as JSON<\/summary>\s*<pre>\{\n    &quot;ok&quot;: true,\n    &quot;actor&quot;: null\n\}<\/pre>/);
  assert.match(await page("/-/settings?x=1&y=%3Cb%3E"), /<a href="\/-\/settings\.json\?x=1&amp;y=%3Cb%3E">Raw JSON<\/a>/);
  const raw = await server.json("/-/actor.json");
  assert.deepEqual(raw.body, { ok: true, actor: null });
});

test("error pages are friendly: status, title, message and a way home", async () => {
  const r = await server.get("/-/nope");
  assert.equal(r.status, 404);
  const html = await r.text();
  assert.match(html, /<title>404: Not found<\/title>/);
  assert.match(html, /<p class="error-status">Error 404<\/p>\s*<h1>Not found<\/h1>/);
  assert.match(html, /<a href="\/">Go to the home page<\/a>/);
  const bad = await server.get("/data/t?_sort=nope");
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /<p class="error-message">[^<]*nope[^<]*<\/p>/);
});
