/**
 * @module HTTP: the hooks that shape HTML pages beyond the layout — render_cell (text escaped, `{html}` as it
 * is, async, first answer wins, on table, row and query pages, and the `render_cell` extra), the actions
 * menus of every page kind (unsafe links refused, no items → no menu), the top_* slots, and `columns` for
 * the page hooks.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { pluginsDir, withStderr } from "./plugin-hooks-fixtures.js";

let server: TestServer;

const CELLS = `
  export default {
    async render_cell({ value, column, row, database, table, pks, request }) {
      await new Promise((resolve) => setImmediate(resolve));
      if (request.arg("_boom")) throw new Error("cell bug");
      if (request.arg("_bad") && column === "name") return { markup: "<b>" };
      if (column === "name" && value === "apple") return "<script>alert('x')</script> & apple";
      if (column === "name" && value === "bean") return { html: '<strong class="plugin-cell">' + value + "</strong> db=" + database + " table=" + table + " pks=" + pks.join(",") + " id=" + row.id };
      if (column === "photo" && value) return "bytes:" + value.length;
      if (column === "one") return { html: "<em>one=" + value + "</em> table=" + table };
      return null;
    },
  };`;

// Loaded after cells.mjs (file order): its answers count only where the first plugin has none.
const CELLS_SECOND = `
  export default {
    render_cell: ({ column, value }) => (column === "name" ? "second:" + value : null),
  };`;

const ACTIONS = `
  const items = (what) => [
    { label: "Do " + what, href: "/-/do/" + what, description: "About " + what },
    { label: "Sneaky", href: " java\\tscript:alert(1)" },
    { label: "Data", href: "data:text/html,<b>x</b>" },
    { label: "Elsewhere <b>", href: "https://example.com/x?a=1&b=<2>" },
    { label: "Just a button" },
  ];
  export default {
    homepage_actions: ({ actor }) => items("home-" + (actor ? "someone" : "anonymous")),
    database_actions: ({ database }) => items("db-" + database),
    table_actions: ({ database, table, request }) => (request.arg("_badaction") ? [{ href: "/no-label" }] : [{ label: "Table " + database + "/" + table, href: "/t" }]),
    view_actions: ({ view }) => [{ label: "View " + view, href: "/v" }],
    row_actions: ({ table, row }) => [{ label: "Row " + table + " " + row.id + " " + row.name, href: "row-relative" }],
    query_actions: ({ query_name, sql, params }) => (query_name === "quiet" ? [] : [{ label: "Query " + (query_name ?? "sql") + " " + sql + " " + JSON.stringify(params), href: "/q" }]),
  };`;

const TOPS = `
  export default {
    top_homepage: () => "<p id='top-home'>home top</p>",
    top_database: ({ database }) => "<p id='top-db'>db " + database + "</p>",
    top_table: ({ database, table }) => "<p id='top-table'>table " + database + "/" + table + "</p>",
    top_row: ({ table, row }) => "<p id='top-row'>row " + table + " " + row.id + "</p>",
    top_query: ({ database, sql }) => "<p id='top-query'>query " + database + ": " + sql.length + " chars</p>",
    top_stored_query: ({ database, query_name }) => (query_name === "quiet" ? "" : "<p id='top-stored'>stored " + database + "/" + query_name + "</p>"),
  };`;

const MORE_TOPS = `
  export default {
    top_table: ({ request }) => (request.arg("_badtop") ? 42 : "<p id='top-table-2'>second plugin</p>"),
    extra_body_script: ({ view_name, columns }) => "/* " + view_name + " columns=" + JSON.stringify(columns) + " */",
  };`;

before(async () => {
  const db = makeDatabase(
    join(tempDir(), "data.db"),
    `create table items (id integer primary key, name text, kind text, photo blob);
     insert into items values (1, 'apple', 'fruit', x'010203'), (2, 'bean', 'veg', null), (3, 'cherry', 'fruit', null);
     create view fruit as select id, name from items where kind = 'fruit';`,
  );
  server = await startServer({
    databases: [{ path: db, immutable: false }],
    pluginsDir: pluginsDir({ "cells.mjs": CELLS, "cells_second.mjs": CELLS_SECOND, "actions.mjs": ACTIONS, "tops.mjs": TOPS, "tops_more.mjs": MORE_TOPS }),
    config: { databases: { data: { queries: { by_kind: "select id, name from items where kind = :kind", quiet: "select 1 as one" } } } },
  });
});
after(async () => server.close());

const page = async (path: string) => {
  const r = await server.get(path);
  assert.equal(r.status, 200, path);
  return r.text();
};

test("render_cell on the table page: text is escaped, {html} is inserted as it is, the first plugin's answer wins, cells no plugin renders stay as they were", async () => {
  const html = await page("/data/items");
  assert.match(html, /<td class="col-name type-str">&lt;script&gt;alert\(&#x27;x&#x27;\)&lt;\/script&gt; &amp; apple<\/td>/);
  assert.doesNotMatch(html, /<script>alert/, "no script from a cell");
  assert.match(html, /<td class="col-name type-str"><strong class="plugin-cell">bean<\/strong> db=data table=items pks=id id=2<\/td>/);
  assert.match(html, /<td class="col-name type-str">second:cherry<\/td>/, "the second plugin answers where the first did not");
  assert.match(html, /<td class="col-photo type-bytes">bytes:3<\/td>/, "a BLOB reaches plugins as its bytes");
  assert.match(html, /<td class="col-kind type-str">fruit<\/td>/);
  assert.match(html, /<td class="col-id type-int"><a href="\/data\/items\/1">1<\/a><\/td>/, "the key cell keeps its link when no plugin renders it");
  // A view's cells too (no primary keys).
  assert.match(await page("/data/fruit"), /<td class="col-name type-str">&lt;script&gt;alert/);
});

test("render_cell on the row page and on query pages (table is null there)", async () => {
  const row = await page("/data/items/2");
  assert.match(row, /<strong class="plugin-cell">bean<\/strong> db=data table=items pks=id id=2/);
  const query = await page(`/data/-/query?${new URLSearchParams({ sql: "select 1 as one, 'apple' as name" })}`);
  assert.match(query, /<td class="col-one type-int"><em>one=1<\/em> table=null<\/td>/);
  assert.match(query, /<td class="col-name type-str">&lt;script&gt;alert\(&#x27;x&#x27;\)&lt;\/script&gt; &amp; apple<\/td>/);
  assert.match(await page("/data/quiet"), /<em>one=1<\/em>/);
});

test("the render_cell extra in JSON: per row, the HTML of the cells plugins rendered", async () => {
  const r = await server.json("/data/items.json?_extra=render_cell&_sort=id");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.render_cell, [
    { name: "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; apple", photo: "bytes:3" },
    { name: '<strong class="plugin-cell">bean</strong> db=data table=items pks=id id=2' },
    { name: "second:cherry" },
  ]);
  assert.deepEqual((await server.json("/data/-/query.json?sql=select+1+as+one&_extra=render_cell")).body.render_cell, [{ one: "<em>one=1</em> table=null" }]);
});

test("a render_cell that throws, or answers neither text nor {html}, fails the page with a 500 naming the plugin", async () => {
  for (const [path, logged] of [
    ["/data/items?_boom=1", /plugin cells: render_cell failed: cell bug/],
    ["/data/items/1?_bad=1", /plugin cells: render_cell failed: the answer must be a string, \{html: string\} or null/],
  ] as const) {
    const { result, stderr } = await withStderr(async () => {
      const r = await server.get(path);
      return { status: r.status, body: await r.text() };
    });
    assert.equal(result.status, 500, path);
    assert.match(stderr, logged);
    assert.doesNotMatch(result.body, /cell bug|render_cell/);
  }
});

test("actions menus: a disclosure button named for the page and its items (escaped); javascript: and data: links are refused with a warning naming the plugin", async () => {
  const { result: index, stderr } = await withStderr(() => page("/"));
  assert.match(index, /<details class="actions-menu">\s*<summary class="actions-menu-button">Homepage actions<\/summary>/);
  assert.match(index, /<li><a href="\/-\/do\/home-anonymous" aria-describedby="actions-menu-description-1">Do home-anonymous<\/a><span class="actions-menu-description" id="actions-menu-description-1">About home-anonymous<\/span><\/li>/);
  assert.match(index, /<a href="https:\/\/example\.com\/x\?a=1&amp;b=&lt;2&gt;">Elsewhere &lt;b&gt;<\/a>/);
  assert.match(index, /<li><button type="button">Just a button<\/button><\/li>/);
  assert.doesNotMatch(index, /Sneaky|script:alert|data:text/);
  assert.match(stderr, /plugin actions: homepage_actions: left out "Sneaky": only http\(s\) URLs and paths are linked/);
  assert.match(stderr, /plugin actions: homepage_actions: left out "Data"/);

  assert.match(await page("/data"), /<summary class="actions-menu-button">Database actions<\/summary>[\s\S]*Do db-data/);
  assert.match(await page("/data/items"), /<summary class="actions-menu-button">Table actions<\/summary>[\s\S]*<a href="\/t">Table data\/items<\/a>/);
  assert.match(await page("/data/fruit"), /<summary class="actions-menu-button">View actions<\/summary>[\s\S]*<a href="\/v">View fruit<\/a>/);
  assert.match(await page("/data/items/2"), /<summary class="actions-menu-button">Row actions<\/summary>[\s\S]*<a href="row-relative">Row items 2 bean<\/a>/);
  assert.match(await page("/data/-/query?sql=select+:n+as+x&n=5"), /<summary class="actions-menu-button">Query actions<\/summary>[\s\S]*Query sql select :n as x \{&quot;n&quot;:&quot;5&quot;\}/);
  assert.match(await page("/data/by_kind?kind=veg"), /Query by_kind select id, name from items where kind = :kind \{&quot;kind&quot;:&quot;veg&quot;\}/);
});

test("no items, no menu: nothing of it in the markup", async () => {
  const quiet = await page("/data/quiet");
  assert.doesNotMatch(quiet, /actions-menu/);
  assert.doesNotMatch(quiet, /Query actions/);
});

test("a malformed action item fails the page with a 500 naming the plugin", async () => {
  const { result, stderr } = await withStderr(async () => (await server.get("/data/items?_badaction=1")).status);
  assert.equal(result, 500);
  assert.match(stderr, /plugin actions: table_actions failed: each item must be \{label: string/);
});

test("top_* slots: each page kind's HTML, as it is, after the heading and before the page's content; several plugins' answers in order", async () => {
  const cases: [string, RegExp][] = [
    ["/", /<\/h1>[\s\S]*<div class="plugin-top"><p id='top-home'>home top<\/p><\/div>[\s\S]*class="index-databases"/],
    ["/data", /<\/h1>[\s\S]*<div class="plugin-top"><p id='top-db'>db data<\/p><\/div>[\s\S]*class="sql-form"/],
    ["/data/items", /<\/h1>[\s\S]*<div class="plugin-top"><p id='top-table'>table data\/items<\/p>\n<p id='top-table-2'>second plugin<\/p><\/div>[\s\S]*class="rows-and-columns"/],
    ["/data/fruit", /<div class="plugin-top"><p id='top-table'>table data\/fruit<\/p>/],
    ["/data/items/2", /<\/h1>[\s\S]*<div class="plugin-top"><p id='top-row'>row items 2<\/p><\/div>[\s\S]*class="rows-and-columns"/],
    ["/data/-/query?sql=select+1", /<\/h1>[\s\S]*<div class="plugin-top"><p id='top-query'>query data: 8 chars<\/p><\/div>[\s\S]*class="sql-form query-form"/],
    ["/data/by_kind?kind=veg", /<\/h1>[\s\S]*<div class="plugin-top"><p id='top-stored'>stored data\/by_kind<\/p><\/div>[\s\S]*class="sql-form query-form"/],
  ];
  for (const [path, expected] of cases) assert.match(await page(path), expected, path);
  const quiet = await page("/data/quiet");
  assert.doesNotMatch(quiet, /plugin-top|top-query/, "an empty answer leaves no slot; a stored query gets top_stored_query, not top_query");
  const { result, stderr } = await withStderr(async () => (await server.get("/data/items?_badtop=1")).status);
  assert.equal(result, 500);
  assert.match(stderr, /plugin tops_more: top_table failed: must return a string of HTML/);
});

test("page hooks are told the columns a page shows (table, row, query), null elsewhere", async () => {
  assert.match(await page("/data/items?_col=name"), /\/\* table columns=\["id","name"\] \*\//);
  assert.match(await page("/data/items/1"), /\/\* row columns=\["id","name","kind","photo"\] \*\//);
  assert.match(await page("/data/-/query?sql=select+1+as+one"), /\/\* query columns=\["one"\] \*\//);
  assert.match(await page("/data"), /\/\* database columns=null \*\//);
});
