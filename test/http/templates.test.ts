/**
 * @module HTTP: --template-dir overrides pages by Datasette's template names and lookup order; `default:`
 * reaches the built-in ones; base.html's blocks; the `_table.html` partials; the context and filters templates
 * can rely on; extra CSS/JS URLs (from config, or from a 0.x metadata file); metadata rendering.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { BUILTIN_TEMPLATES } from "../../src/render/templates.js";
import { buildServeOptions } from "../../src/cli/serve.js";
import { Signer } from "../../src/auth/signer.js";

let server: TestServer;
before(async () => {
  const dir = tempDir();
  const path = makeDatabase(join(dir, "shop.db"), "create table items (id integer primary key, name text); insert into items values (1, '<b>bold</b>'); create table other (id integer primary key);  insert into other values (1);");
  const templates = join(dir, "templates");
  mkdirSync(templates);
  // Extends the built-in page it replaces and adds to one of its blocks.
  writeFileSync(join(templates, "table.html"), '{% extends "default:table.html" %}{% block footer %}<footer id="custom">Custom footer for {{ table }}</footer>{% endblock %}');
  // The most specific name wins for that database only.
  writeFileSync(join(templates, "database-shop.html"), '{% extends "default:database.html" %}{% block extra_head %}<meta name="shop" content="yes">{% endblock %}');
  writeFileSync(join(templates, "404.html"), '{% extends "default:error.html" %}{% block footer %}<p id="lost">Try the <a href="/">home page</a>.</p>{% endblock %}');
  writeFileSync(join(templates, "index.html"), '{% extends "default:index.html" %}{% block extra_head %}<meta name="custom-index" content="1">{% endblock %}');
  writeFileSync(join(templates, "row-shop-items.html"), '{% extends "default:row.html" %}{% block extra_head %}<meta name="custom-row" content="{{ table }}">{% endblock %}');
  writeFileSync(join(templates, "query-shop.html"), '{% extends "default:query.html" %}{% block extra_head %}<meta name="custom-query" content="shop">{% endblock %}');
  writeFileSync(join(templates, "query-shop-cheap.html"), '{% extends "default:query.html" %}{% block extra_head %}<meta name="custom-stored-query" content="cheap">{% endblock %}');
  writeFileSync(join(templates, "show_json.html"), '{% extends "default:show_json.html" %}{% block extra_head %}<meta name="custom-json" content="{{ title }}">{% endblock %}');
  // Datasette's way: loop over the cells (the second name in the partial look-up order).
  writeFileSync(
    join(templates, "_table-table-shop-items.html"),
    '<table id="cells-partial">{% for row in display_rows %}<tr>{% for cell in row %}<td class="{{ cell.cls }}" data-type="{{ cell.value_type }}" data-raw="{{ cell.raw }}">{{ cell.value }}</td>{% endfor %}</tr>{% endfor %}</table>',
  );
  writeFileSync(join(templates, "_table-shop-other.html"), '<table id="custom-partial">{% for row in display_rows %}<tr><td>row</td></tr>{% endfor %}</table>');
  mkdirSync(join(templates, "pages"));
  // A page that shows the context and filters documented in docs/templates.md.
  writeFileSync(
    join(templates, "pages", "context.html"),
    [
      "<p id=instance>{{ urls.instance() }}</p>",
      "<p id=database>{{ urls.database('a/b') }}</p>",
      "<p id=table>{{ urls.table('shop', 'my table') }}</p>",
      "<p id=row>{{ urls.row('shop', 'items', '1') }}</p>",
      "<p id=path>{{ urls.path('/-/versions') }}</p>",
      "<p id=static>{{ static('app.css') }}</p>",
      "<p id=base>{{ base_url }}</p>",
      "<p id=version>{{ almanac_version }}</p>",
      "<p id=crumbs>{{ crumb_items | length }}</p>",
      "<p id=actor>{{ actor | dump }}</p>",
      "<p id=args>{{ request.args.getlist('x') | join(',') }}</p>",
      "<p id=css>{{ 'no spaces' | to_css_class }}</p>",
      "<p id=plus>{{ 'a b&c' | quote_plus }}</p>",
      "<p id=sqlite>{{ 'my \"table' | escape_sqlite }}</p>",
      "<p id=cssstr>{{ 'a\"b' | escape_css_string }}</p>",
      "<p id=tilde>{{ 'a/b.c' | tilde_encode }}</p>",
    ].join("\n"),
  );
  server = await startServer({
    databases: [{ path, immutable: false }],
    templateDir: templates,
    config: {
      databases: { shop: { queries: { cheap: { sql: "select * from items where id < 10", title: "Cheap items" } } } },
      extra_css_urls: ["https://cdn.example/extra.css", { url: "/assets/site.css", sri: "sha384-abc" }],
      extra_js_urls: ["https://cdn.example/plain.js", { url: "https://cdn.example/module.js", module: true }, { url: "/assets/site.js", sri: "sha256-def", module: true }],
    },
  });
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

test("index.html, row-<db>-<table>.html, query-<db>.html and query-<db>-<query>.html are chosen by name", async () => {
  const index = await (await server.get("/")).text();
  assert.match(index, /<meta name="custom-index" content="1">/);
  const row = await (await server.get("/shop/items/1")).text();
  assert.match(row, /<meta name="custom-row" content="items">/);
  assert.match(row, /Templates considered: \*row-shop-items\.html, row\.html/);
  const query = await (await server.get("/shop/-/query?sql=select+1")).text();
  assert.match(query, /<meta name="custom-query" content="shop">/);
  assert.match(query, /Templates considered: \*query-shop\.html, query\.html/);
  const stored = await (await server.get("/shop/cheap")).text();
  assert.match(stored, /<meta name="custom-stored-query" content="cheap">/);
  assert.match(stored, /Templates considered: \*query-shop-cheap\.html, query-shop\.html, query\.html/);
});

test("show_json.html can be overridden for the /-/ pages", async () => {
  const html = await (await server.get("/-/settings")).text();
  assert.match(html, /<meta name="custom-json" content="Settings">/);
});

test("_table-<db>-<table>.html replaces the rows table of that table only", { skip: !existsSync(join(BUILTIN_TEMPLATES, "_table.html")) && "no _table.html partial yet" }, async () => {
  const items = await (await server.get("/shop/items")).text();
  assert.ok(!items.includes("custom-partial"));
  // Cells carry escaped HTML (links included), their class, type and raw value.
  assert.match(
    items,
    /<table id="cells-partial"><tr><td class="col-id type-int" data-type="int" data-raw="1"><a href="\/shop\/items\/1">1<\/a><\/td><td class="col-name type-str" data-type="str" data-raw="&lt;b&gt;bold&lt;\/b&gt;">&lt;b&gt;bold&lt;\/b&gt;<\/td><\/tr><\/table>/,
  );
  const html = await (await server.get("/shop/other")).text();
  assert.match(html, /<table id="custom-partial"><tr><td>row<\/td><\/tr><\/table>/);
});

test("templates see the documented context and Datasette's filters", async () => {
  const html = await (await server.get("/context?x=1&x=%3Cb%3E")).text();
  const field = (id: string) => new RegExp(`<p id=${id}>([^<]*)</p>`).exec(html)?.[1];
  assert.equal(field("instance"), "/");
  assert.equal(field("database"), "/a~2Fb");
  assert.equal(field("table"), "/shop/my+table");
  assert.equal(field("row"), "/shop/items/1");
  assert.equal(field("path"), "/-/versions");
  assert.match(field("static")!, /^\/-\/static\/app\.css\?_hash=\w+$/);
  assert.equal(field("base"), "/");
  assert.match(field("version")!, /^\d+\.\d+\.\d+/);
  assert.equal(field("crumbs"), "1");
  assert.equal(field("actor"), "null");
  assert.equal(field("args"), "1,&lt;b&gt;");
  assert.match(field("css")!, /^no-spaces-[0-9a-f]{6}$/);
  assert.equal(field("plus"), "a+b%26c");
  assert.equal(field("sqlite"), "&quot;my &quot;&quot;table&quot;");
  assert.equal(field("cssstr"), "a\\000022b"); // Datasette's six-digit escape, printed as is (no &#92;)
  assert.equal(field("tilde"), "a~2Fb~2Ec");
});

test("extra_css_urls and extra_js_urls: plain URLs, sri and module", async () => {
  const html = await (await server.get("/shop")).text();
  assert.match(html, /<link rel="stylesheet" href="https:\/\/cdn\.example\/extra\.css">/);
  assert.match(html, /<link rel="stylesheet" href="\/assets\/site\.css" integrity="sha384-abc" crossorigin="anonymous">/);
  assert.match(html, /<script src="https:\/\/cdn\.example\/plain\.js"><\/script>/);
  assert.match(html, /<script type="module" src="https:\/\/cdn\.example\/module\.js"><\/script>/);
  assert.match(html, /<script type="module" src="\/assets\/site\.js" integrity="sha256-def" crossorigin="anonymous"><\/script>/);
  // On every page kind, error pages included.
  for (const path of ["/", "/shop/items", "/shop/items/1", "/-/versions", "/nope"]) {
    assert.match(await (await server.get(path)).text(), /cdn\.example\/extra\.css/, path);
  }
});

test("extra_css_urls and extra_js_urls in a 0.x metadata file still work (moved to config)", async () => {
  const dir = tempDir();
  const db = makeDatabase(join(dir, "old.db"), "create table t (id integer primary key)");
  const metadata = join(dir, "metadata.json");
  writeFileSync(metadata, JSON.stringify({ title: "Old", extra_css_urls: [{ url: "https://cdn.example/old.css", sri: "sha384-old" }], extra_js_urls: [{ url: "https://cdn.example/old.js", module: true }] }));
  const options = await buildServeOptions([db], { metadata }, {}, () => undefined);
  const old = await startServer(options);
  try {
    const html = await (await old.get("/")).text();
    assert.match(html, /<link rel="stylesheet" href="https:\/\/cdn\.example\/old\.css" integrity="sha384-old" crossorigin="anonymous">/);
    assert.match(html, /<script type="module" src="https:\/\/cdn\.example\/old\.js"><\/script>/);
  } finally {
    await old.close();
  }
});

describe("base.html blocks", () => {
  let custom: TestServer;
  before(async () => {
    const dir = tempDir();
    const path = makeDatabase(join(dir, "blocks.db"), "create table t (id integer primary key)");
    const templates = join(dir, "templates");
    mkdirSync(templates);
    writeFileSync(
      join(templates, "base.html"),
      [
        '{% extends "default:base.html" %}',
        "{% block title %}Custom: {{ super() }}{% endblock %}",
        '{% block body_class %}{{ super() }} custom-body{% endblock %}',
        '{% block nav %}<nav id="custom-nav">{% include "_crumbs.html" %}</nav>{% endblock %}',
        '{% block messages %}<div id="custom-messages">{% for m in messages %}<b>{{ m.text }}</b>{% endfor %}</div>{% endblock %}',
        '{% block footer %}<footer id="custom-footer">Footer</footer>{% endblock %}',
      ].join("\n"),
    );
    custom = await startServer({ databases: [{ path, immutable: false }], templateDir: templates, secret: "blocks-secret" });
  });
  after(() => custom.close());

  test("a base.html override changes every page through Datasette's blocks", async () => {
    for (const path of ["/", "/blocks", "/blocks/t", "/-/versions", "/nope"]) {
      const html = await (await custom.get(path)).text();
      assert.match(html, /<body class="[^"]* custom-body">/, path);
      assert.match(html, /<nav id="custom-nav"><ol><li><a href="\/">home<\/a><\/li>/, path);
      assert.match(html, /<footer id="custom-footer">Footer<\/footer>/, path);
      assert.ok(!html.includes('class="site-footer"'), path);
    }
    const message = new Signer("blocks-secret").sign([["<hello>", 1]], "messages");
    const withMessage = await (await custom.get("/", { headers: { cookie: `ds_messages=${message}` } })).text();
    assert.match(withMessage, /<div id="custom-messages"><b>&lt;hello&gt;<\/b><\/div>/);
    // A page's own title block wins over base.html's, as in Jinja; pages without one get the override.
    assert.match(await (await custom.get("/-/versions")).text(), /<title>Custom: Versions<\/title>/);
  });
});
