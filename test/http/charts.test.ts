/**
 * @module HTTP: the built-in charts plugin (almanac-charts) — listed with its hooks, its browser files served,
 * its script and stylesheet on table and query pages only, `max_rows` checked and passed on (in the script's URL),
 * `enabled: false` taking it away — and the registry's import working in the build as well as from source.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../../src/http/errors.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";

const script = (query = "") => `<script type="module" src="/-/static-plugins/almanac-charts/charts.js${query}"></script>`;
const STYLESHEET = '<link rel="stylesheet" href="/-/static-plugins/almanac-charts/charts.css">';
const STATIC = join(PACKAGE_ROOT, "dist", "plugins", "charts", "static");

let db: string;
let server: TestServer;

const config = {
  databases: {
    data: {
      queries: { daily: { sql: "select day, price from prices" } },
      tables: { prices: { plugins: { "almanac-charts": { max_rows: 250 } } } },
    },
  },
};

before(async () => {
  db = makeDatabase(
    join(tempDir(), "data.db"),
    "create table prices (id integer primary key, day text, price real); insert into prices (day, price) values ('2024-01-01', 1.5), ('2024-01-02', 2.5);" +
      "create table other (id integer primary key); create view cheap as select * from prices where price < 2;",
  );
  server = await startServer({ databases: [{ path: db, immutable: false }], config });
});
after(async () => server.close());

test("/-/plugins.json?all=1 lists almanac-charts with its static folder and hooks (plain /-/plugins.json leaves built-ins out)", async () => {
  assert.deepEqual((await server.json("/-/plugins.json")).body, []);
  const { body } = await server.json("/-/plugins.json?all=1");
  const charts = (body as { name: string }[]).find((p) => p.name === "almanac-charts");
  assert.deepEqual(charts, {
    name: "almanac-charts",
    static: true,
    templates: false,
    version: JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version,
    hooks: ["extra_css_urls", "extra_js_urls", "startup"],
  });
});

test("its built files are served from /-/static-plugins/almanac-charts/, the Vega chunk included", { skip: !existsSync(STATIC) && "run npm run build first" }, async () => {
  const js = await server.get("/-/static-plugins/almanac-charts/charts.js");
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /javascript/);
  const source = await js.text();
  assert.match(source, /almanac:init/, "the entry registers through the browser plugin API");
  // The chart library is a chunk of its own, imported only when a panel opens.
  const chunk = source.match(/import\("\.\/(render-[A-Za-z0-9]+\.js)"\)/);
  assert.ok(chunk, "charts.js imports the Vega bundle lazily");
  const vega = await server.get(`/-/static-plugins/almanac-charts/${chunk[1]}`);
  assert.equal(vega.status, 200);
  const vegaSource = await vega.text();
  assert.ok(vegaSource.length > source.length * 10, "the lazy chunk holds the large library, the entry stays small");
  const css = await server.get("/-/static-plugins/almanac-charts/charts.css");
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type") ?? "", /text\/css/);
  assert.equal((await server.get("/-/static-plugins/almanac-charts/nope.js")).status, 404);
});

test("the script and stylesheet are on table, view, query and stored query pages; max_rows rides on the script's URL", async () => {
  const pages: [string, string][] = [
    ["/data/prices", "?max_rows=250"], // table-level max_rows
    ["/data/prices?_sort=day&_size=1", "?max_rows=250"],
    ["/data/cheap", ""], // a view; the default (10,000) leaves the URL bare
    ["/data/-/query?sql=select+1", ""],
    ["/data/daily", ""], // a stored query
  ];
  for (const [path, query] of pages) {
    const r = await server.get(path);
    assert.equal(r.status, 200, path);
    const html = await r.text();
    assert.ok(html.includes(script(query)), `${path}: the script`);
    assert.ok(html.includes(STYLESHEET), `${path}: the stylesheet`);
    assert.ok(!/<script(?![^>]* src=)[^>]*>/.test(html), `${path}: no inline script`);
  }
});

test("the index, database and row pages do not load the chart", async () => {
  for (const path of ["/", "/data", "/data/prices/1"]) {
    const r = await server.get(path);
    assert.equal(r.status, 200, path);
    const html = await r.text();
    assert.ok(!html.includes("almanac-charts"), `${path}: no chart script or stylesheet`);
  }
});

test("enabled: false turns the plugin off: not listed, not on pages, its files not served", async () => {
  const off = await startServer({ databases: [{ path: db, immutable: false }], config: { plugins: { "almanac-charts": { enabled: false } } } });
  try {
    const { body } = await off.json("/-/plugins.json?all=1");
    assert.ok(!(body as { name: string }[]).some((p) => p.name === "almanac-charts"));
    assert.ok(!(await (await off.get("/data/prices")).text()).includes("almanac-charts"));
    assert.equal((await off.get("/-/static-plugins/almanac-charts/charts.js")).status, 404);
  } finally {
    await off.close();
  }
});

test("a max_rows that is not a whole number from 1 to 1,000,000 stops start-up, naming the plugin", async () => {
  for (const bad of [0, 2.5, "lots"]) {
    await assert.rejects(
      startServer({ databases: [{ path: db, immutable: false }], config: { plugins: { "almanac-charts": { max_rows: bad } } } }),
      (err: Error) => {
        assert.ok(err instanceof StartupError, String(err));
        assert.match(err.message, /^plugin almanac-charts: startup failed: max_rows must be a whole number from 1 to 1,000,000/);
        return true;
      },
    );
  }
});

test("the registry's import finds the compiled plugin under dist/ (as bin/almanac.js runs it)", { skip: !existsSync(join(PACKAGE_ROOT, "dist", "src", "plugins", "builtin.js")) && "run npm run build first" }, () => {
  const script = `const m = await import(${JSON.stringify(new URL(`file://${join(PACKAGE_ROOT, "dist", "src", "plugins", "builtin.js")}`).href)});
    const b = m.BUILTIN_PLUGINS.find((p) => p.name === "almanac-charts");
    const plugin = (await b.load()).default;
    console.log(JSON.stringify({ name: plugin.name, staticDir: b.staticDir }));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd: tempDir() });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { name: "almanac-charts", staticDir: STATIC });
});
