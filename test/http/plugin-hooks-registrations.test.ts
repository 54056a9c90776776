/**
 * @module HTTP: what plugins register at start-up for the data pages — output renderers (`.txt` on table, row,
 * query and stored query pages, `can_render`, bad output and throwing renderers), facet types
 * (`_facet_<type>=col` in JSON and HTML) and magic parameters in stored queries — and the start-up errors for
 * malformed or clashing registrations.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { StartupError } from "../../src/http/errors.js";
import { pluginsDir, withStderr } from "./plugin-hooks-fixtures.js";

let server: TestServer;
let db: string;

const RENDERERS = `
  const describe = (ctx) => [
    ctx.view_name + " db=" + ctx.database + " table=" + ctx.table + " query=" + ctx.query_name,
    "columns=" + ctx.columns.join(","),
    ...ctx.rows.map((r) => ctx.columns.map((c) => r[c]).join("|")),
    "truncated=" + ctx.truncated + " error=" + ctx.error + " ok=" + ctx.data.ok + " sql=" + (ctx.sql ? "yes" : "no"),
  ].join("\\n");
  export default {
    register_output_renderer() {
      return [
        { extension: "txt", render: (ctx) => ({ body: describe(ctx), content_type: "text/plain; charset=utf-8", headers: { "X-Renderer": "txt" } }) },
        { extension: "reply", render: () => ({ status: 201, headers: { "content-type": "application/octet-stream" }, body: Buffer.from("as a reply") }) },
        { extension: "never", render: () => ({ body: "rendered anyway" }), can_render: () => false },
        { extension: "onlyquery", render: () => ({ body: "q" }), can_render: async ({ view_name, columns }) => view_name === "query" && columns.length > 0 },
      ];
    },
  };`;

const BAD_RENDERERS = `
  export default {
    register_output_renderer: () => [
      { extension: "bad", render: () => ({ body: "fine", status_code: 42 }), can_render: () => false },
      { extension: "nobody", render: () => ({ content_type: "text/plain" }), can_render: () => false },
      { extension: "badheader", render: () => ({ body: "x", headers: { "x-evil": "a\\r\\nset-cookie: b=c" } }), can_render: () => false },
      { extension: "badreply", render: () => ({ status: 99, headers: {}, body: "x" }), can_render: () => false },
      { extension: "boom", render: () => { throw new Error("renderer bug"); }, can_render: () => null },
    ],
  };`;

const FACETS = `
  export default {
    register_facet_classes: () => [{
      type: "initial",
      arg: "_facet_initial",
      sql: ({ table, column, whereSql, whereParams, size }) => ({
        sql: 'select substr("' + column + '", 1, 1) as value, count(*) as count from "' + table.name + '" ' + whereSql + ' group by 1 order by 2 desc, 1 limit ' + (size + 1),
        params: { ...whereParams },
      }),
      selectPair: (column, value) => [column + "__startswith", value],
      selectedPairs: (column, value, pairs) => pairs.filter(([k, v]) => k === column + "__startswith" && v === value),
      selectedValues: (column, pairs) => pairs.filter(([k]) => k === column + "__startswith").map(([, v]) => v),
      // A query that fails is a "no", as for the built-ins (kind), not the plugin's failure.
      suggest: async ({ column, run }) => column === "kind" ? (await run({ sql: "select nope", params: {} })).length === 1 : column === "name" && (await run({ sql: "select 1", params: {} })).length === 1,
    }],
  };`;

const MAGIC = `
  export default {
    register_magic_parameters: () => [
      { prefix: "plugin", resolve: async (key, request) => {
        if (key === "fail") throw new Error("resolver bug");
        return "magic:" + key + ":" + (request.arg("x") ?? "");
      } },
    ],
  };`;

before(async () => {
  db = makeDatabase(
    join(tempDir(), "data.db"),
    `create table items (id integer primary key, name text, kind text);
     insert into items values (1, 'apple', 'fruit'), (2, 'avocado', 'fruit'), (3, 'bean', 'veg'), (4, 'beet', 'veg'), (5, 'cherry', 'fruit');
     create view fruit as select * from items where kind = 'fruit';`,
  );
  server = await startServer({
    databases: [{ path: db, immutable: false }],
    pluginsDir: pluginsDir({ "renderers.mjs": RENDERERS, "bad.mjs": BAD_RENDERERS, "facets.mjs": FACETS, "magic.mjs": MAGIC }),
    config: {
      databases: {
        data: {
          queries: {
            by_kind: "select id, name from items where kind = :kind order by id",
            magic: "select :_plugin_hello as v",
            magic_fail: "select :_plugin_fail as v",
            builtin: "select :_now_epoch > 0 as ok, :_header_x_test as h",
          },
        },
      },
    },
  });
});
after(async () => server.close());

test("a renderer's .txt on a table: the page's rows as objects, its columns and SQL, the JSON data; headers and content type from the renderer", async () => {
  const r = await server.get("/data/items.txt?kind=veg");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(r.headers.get("x-renderer"), "txt");
  assert.equal(await r.text(), ["table db=data table=items query=null", "columns=id,name,kind", "3|bean|veg", "4|beet|veg", "truncated=false error=null ok=true sql=yes"].join("\n"));
  // A view is a table page too.
  assert.match(await (await server.get("/data/fruit.txt")).text(), /^table db=data table=fruit query=null\ncolumns=id,name,kind\n1\|apple\|fruit/);
});

test("a renderer on a row, a ?sql= query and a stored query", async () => {
  assert.equal(await (await server.get("/data/items/3.txt")).text(), ["row db=data table=items query=null", "columns=id,name,kind", "3|bean|veg", "truncated=false error=null ok=true sql=yes"].join("\n"));
  const sql = new URLSearchParams({ sql: "select name, kind from items where id < :n order by id", n: "3" });
  assert.equal(await (await server.get(`/data/-/query.txt?${sql}`)).text(), ["query db=data table=null query=null", "columns=name,kind", "apple|fruit", "avocado|fruit", "truncated=false error=null ok=true sql=yes"].join("\n"));
  assert.equal(await (await server.get("/data/by_kind.txt?kind=veg")).text(), ["query db=data table=null query=by_kind", "columns=id,name", "3|bean", "4|beet", "truncated=false error=null ok=true sql=yes"].join("\n"));
});

test("a query that fails is handed to the renderer as its error", async () => {
  const r = await server.get(`/data/-/query.txt?${new URLSearchParams({ sql: "select nope from items" })}`);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), ["query db=data table=null query=null", "columns=", "truncated=false error=no such column: nope ok=false sql=yes"].join("\n"));
});

test("a renderer may answer with a reply (status, headers, bytes); unknown formats are still a 404", async () => {
  const r = await server.get("/data/items.reply");
  assert.equal(r.status, 201);
  assert.equal(r.headers.get("content-type"), "application/octet-stream");
  assert.equal(await r.text(), "as a reply");
  assert.equal((await server.get("/data/items.nope")).status, 404);
  assert.equal((await server.get("/data/items/1.nope")).status, 404);
  assert.equal((await server.get("/data.txt")).status, 404, "the database page has no plugin formats");
});

test("export links offer each format whose can_render says yes (the URL works either way); the renderers extra lists them", async () => {
  const base = server.url;
  const table = await (await server.get("/data/items?kind=veg")).text();
  assert.match(table, new RegExp(`<a href="${base}/data/items\\.txt\\?kind=veg">txt</a>`));
  assert.match(table, new RegExp(`<a href="${base}/data/items\\.reply\\?kind=veg">reply</a>`));
  assert.doesNotMatch(table, /\.never/);
  assert.doesNotMatch(table, /\.onlyquery/, "can_render is told the page");
  const row = await (await server.get("/data/items/1")).text();
  assert.match(row, new RegExp(`<a href="${base}/data/items/1\\.txt">txt</a>`));
  assert.doesNotMatch(row, /\.never/);
  const query = await (await server.get(`/data/-/query?${new URLSearchParams({ sql: "select 1 as one" })}`)).text();
  assert.match(query, /<p class="export-links">This data as <a href="[^"]+\/data\/-\/query\.json\?sql=[^"]+">JSON<\/a>, (<a [^>]+>\w+<\/a>, )*<a href="[^"]+\/data\/-\/query\.txt\?sql=[^"]+">txt<\/a>, (<a [^>]+>\w+<\/a>, )*<a href="[^"]+">CSV<\/a>/);
  assert.match(query, /query\.onlyquery\?sql=/);
  assert.doesNotMatch(query, /\.never/);
  const stored = await (await server.get("/data/by_kind?kind=veg")).text();
  assert.match(stored, new RegExp(`href="${base}/data/by_kind\\.txt\\?kind=veg">txt</a>`));
  assert.equal(await (await server.get("/data/items.never")).text(), "rendered anyway");

  const extra = await server.json("/data/items.json?_extra=renderers&kind=veg");
  assert.deepEqual(extra.body.renderers, {
    json: `${base}/data/items.json?_extra=renderers&kind=veg`,
    txt: `${base}/data/items.txt?_extra=renderers&kind=veg`,
    reply: `${base}/data/items.reply?_extra=renderers&kind=veg`,
  });
});

test("a renderer returning bad output, or throwing, is a 500 naming the plugin in the log, with no details in the response", async () => {
  const cases: [string, RegExp][] = [
    ["/data/items.bad", /plugin bad: renderer \.bad failed: returned bad output: status must be an integer from 100 to 599 \(got 42\)/],
    ["/data/items/1.nobody", /plugin bad: renderer \.nobody failed: returned bad output: body must be a string or bytes/],
    [`/data/-/query.badheader?sql=select+1`, /plugin bad: renderer \.badheader failed: returned bad output: headers must be/],
    ["/data/items/2.badreply", /plugin bad: renderer \.badreply failed: returned bad output: status must be an integer from 100 to 599 \(got 99\)/],
    ["/data/by_kind.boom?kind=veg", /plugin bad: renderer \.boom failed: renderer bug/],
  ];
  for (const [path, logged] of cases) {
    const { result, stderr } = await withStderr(async () => {
      const r = await server.get(path);
      return { status: r.status, body: await r.text() };
    });
    assert.equal(result.status, 500, path);
    assert.match(stderr, logged);
    assert.match(result.body, /Internal server error/);
    assert.doesNotMatch(result.body, /plugin bad|renderer bug|bad output|\bat /, "no details or stack in the response");
  }
});

test("a plugin's facet type: _facet_initial=col in JSON (values, counts, toggle URLs, selection) and as a panel in HTML", async () => {
  const r = await server.json("/data/items.json?_facet_initial=name");
  assert.equal(r.status, 200);
  const facet = r.body.facet_results.results.name;
  assert.equal(facet.type, "initial");
  assert.deepEqual(facet.results.map((v: { value: string; count: number }) => [v.value, v.count]), [["a", 2], ["b", 2], ["c", 1]]);
  assert.match(facet.results[0].toggle_url, /\/data\/items\.json\?_facet_initial=name&name__startswith=a$/);
  const selected = await server.json("/data/items.json?_facet_initial=name&name__startswith=b");
  assert.deepEqual(selected.body.rows.map((row: { name: string }) => row.name), ["bean", "beet"]);
  const b = selected.body.facet_results.results.name.results.find((v: { value: string }) => v.value === "b");
  assert.equal(b.selected, true);
  assert.ok(!b.toggle_url.includes("name__startswith"), "a selected value's toggle removes the filter");

  const html = await (await server.get("/data/items?_facet_initial=name")).text();
  assert.match(html, /name__startswith=a/);
  assert.match(html, /<span class="facet-type">\(initial\)<\/span>/);
  const suggested = (await server.json("/data/items.json?_extra=suggested_facets")).body.suggested_facets;
  assert.ok(suggested.some((f: { name: string; type?: string; toggle_url: string }) => f.name === "name" && f.type === "initial" && f.toggle_url.endsWith("?_extra=suggested_facets&_facet_initial=name")), JSON.stringify(suggested));
  assert.ok(!suggested.some((f: { name: string; type?: string }) => f.name === "kind" && f.type === "initial"));
  assert.equal((await server.get("/data/items.json?_facet_nosuch=name")).status, 400, "unknown facet types are still refused");
});

test("a facet type whose code throws fails the page with a 500 naming the plugin (suggestions included: never a silent no)", async () => {
  const failing = await startServer({
    databases: [{ path: db, immutable: false }],
    settings: { num_sql_threads: 0 },
    pluginsDir: pluginsDir({
      "oops.mjs": `export default {
        register_facet_classes: () => [{
          type: "initial",
          arg: "_facet_initial",
          sql() { throw new Error("sql bug"); },
          selectPair: (column, value) => [column, value],
          selectedPairs: () => [],
          selectedValues: () => [],
          suggest: async () => { throw new Error("suggest bug"); },
        }],
      };`,
    }),
  });
  try {
    for (const [path, logged] of [
      ["/data/items", /plugin oops: facet type initial failed: suggest bug/],
      ["/data/items.json?_facet_initial=kind&_nosuggest=1", /plugin oops: facet type initial failed: sql bug/],
    ] as const) {
      const { result, stderr } = await withStderr(async () => (await failing.get(path)).status);
      assert.equal(result, 500, path);
      assert.match(stderr, logged);
    }
  } finally {
    await failing.close();
  }
});

test("a plugin's magic parameter fills a stored query (async); the built-ins still work; a resolver that throws is a 500 naming it", async () => {
  assert.deepEqual((await server.json("/data/magic.json?_shape=array&x=42")).body, [{ v: "magic:hello:42" }]);
  assert.match(await (await server.get("/data/magic?x=7")).text(), /magic:hello:7/);
  assert.deepEqual((await server.json("/data/builtin.json?_shape=array", { headers: { "x-test": "yes" } })).body, [{ ok: 1, h: "yes" }]);
  const { result, stderr } = await withStderr(async () => {
    const r = await server.get("/data/magic_fail.json");
    return { status: r.status, body: await r.text() };
  });
  assert.equal(result.status, 500);
  assert.match(stderr, /plugin magic: magic parameter _plugin_ failed: resolver bug/);
  assert.doesNotMatch(result.body, /resolver bug/);
  const page = await withStderr(async () => (await server.get("/data/magic_fail")).status);
  assert.equal(page.result, 500, "on the HTML page too (a plugin failure is not the query's error)");
  assert.match(page.stderr, /plugin magic: magic parameter _plugin_ failed/);
});

test("malformed or clashing registrations stop start-up, naming the plugin (and the other one)", async () => {
  const facet = (extra: string) => `export default { register_facet_classes: () => [{ type: "x", arg: "_facet_x", sql() {}, selectPair() {}, selectedPairs() {}, selectedValues() {}, ${extra} }] };`;
  const cases: [Record<string, string>, RegExp][] = [
    [{ "r.mjs": `export default { register_output_renderer: () => ({ extension: "json", render: () => ({ body: "" }) }) };` }, /^plugin r: renderer \.json clashes with Almanac's own \.json$/],
    [{ "r.mjs": `export default { register_output_renderer: () => ({ extension: "CSV", render: () => ({ body: "" }) }) };` }, /^plugin r: renderer \.CSV clashes with Almanac's own \.csv$/],
    [
      { "a.mjs": `export default { register_output_renderer: () => ({ extension: "txt", render: () => ({ body: "" }) }) };`, "b.mjs": `export default { register_output_renderer: () => [{ extension: "txt", render: () => ({ body: "" }) }] };` },
      /^plugin b: renderer \.txt is already registered by plugin a$/,
    ],
    [{ "r.mjs": `export default { register_output_renderer: () => ({ extension: ".txt", render: () => ({ body: "" }) }) };` }, /^plugin r: register_output_renderer: renderer extension "\.txt" must be letters, digits or _ \(no dot\)$/],
    [{ "r.mjs": `export default { register_output_renderer: () => ({ extension: "txt" }) };` }, /^plugin r: register_output_renderer: renderer \.txt: render must be a function$/],
    [{ "f.mjs": `export default { register_facet_classes: () => [{ type: "x", arg: "_facet_x" }] };` }, /^plugin f: register_facet_classes: facet type x: sql must be a function$/],
    [{ "f.mjs": facet("suggest: 1") }, /^plugin f: register_facet_classes: facet type x: suggest must be a function when given$/],
    [{ "f.mjs": facet("").replace('type: "x", arg: "_facet_x"', 'type: "date", arg: "_facet_date"') }, /^plugin f: facet type date clashes with Almanac's own$/],
    [{ "f.mjs": facet(""), "g.mjs": facet("") }, /^plugin g: facet type x is already registered by plugin f$/],
    [{ "f.mjs": `export default { register_facet_classes: () => ({ type: "x" }) };` }, /^plugin f: register_facet_classes must return a list$/],
    [{ "m.mjs": `export default { register_magic_parameters: () => [{ prefix: "now", resolve: () => 1 }] };` }, /^plugin m: magic parameter prefix _now_ is already built in$/],
    [{ "m.mjs": `export default { register_magic_parameters: () => [{ prefix: "my_prefix", resolve: () => 1 }] };` }, /^plugin m: register_magic_parameters: each item must be \{prefix, resolve\(key, request\)\}/],
    [{ "m.mjs": `export default { register_magic_parameters: () => { throw new Error("no magic today"); } };` }, /^plugin m: register_magic_parameters failed: no magic today$/],
  ];
  for (const [files, message] of cases) {
    // No worker threads: these servers never get as far as a query.
    await assert.rejects(startServer({ databases: [{ path: db, immutable: false }], pluginsDir: pluginsDir(files), settings: { num_sql_threads: 0 } }), (err: Error) => {
      assert.ok(err instanceof StartupError, `${err}`);
      assert.match(err.message, message);
      return true;
    });
  }
});
