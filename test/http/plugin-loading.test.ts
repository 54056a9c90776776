/**
 * @module HTTP: how plugins are found and loaded — npm packages in the plugin prefix (the example package
 * fixture, copied where `almanac install` would put it), `.ts` files in --plugins-dir, ALMANAC_LOAD_PLUGINS
 * (`loadPlugins`), plugin static/ and templates/ folders, prepare_connection on every kind of connection, and
 * plugin configuration at each level.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeDatabase, pluginsDir, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { StartupError } from "../../src/http/errors.js";
import { BUILTIN_PLUGINS } from "../../src/plugins/builtin.js";
import { EXAMPLE_DESCRIPTION, EXAMPLE_PACKAGE } from "../fixtures/plugin-packages/example.js";

/** A plugin prefix holding the example package (as `almanac install` leaves it) and a scoped one. */
function prefixWithPlugins(): string {
  const prefix = tempDir("almanac-prefix-");
  cpSync(EXAMPLE_PACKAGE, join(prefix, "node_modules", "almanac-plugin-example"), { recursive: true });
  const scoped = join(prefix, "node_modules", "@acme", "almanac-plugin-second");
  mkdirSync(scoped, { recursive: true });
  writeFileSync(join(scoped, "package.json"), JSON.stringify({ name: "@acme/almanac-plugin-second", version: "0.3.0", type: "module", almanac: { plugin: "./main.mjs" } }));
  writeFileSync(join(scoped, "main.mjs"), `export default { register_routes: () => [{ path: "/-/second", handler: () => ({ status: 200, headers: {}, body: "second" }) }] };`);
  // Not a plugin: no "almanac" field, and never imported (importing it would throw).
  const other = join(prefix, "node_modules", "left-pad");
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, "package.json"), JSON.stringify({ name: "left-pad", version: "1.0.0", main: "index.js" }));
  writeFileSync(join(other, "index.js"), "throw new Error('imported a package that is not a plugin');");
  return prefix;
}

const TS_PLUGIN = `
import type { Database } from "better-sqlite3";
interface Context { conn: Database; database: string; config: unknown }
const suffix: string = "!";
export default {
  version: "0.0.1",
  prepare_connection({ conn }: Context): void {
    conn.function("ts_shout", (s: unknown) => String(s).toUpperCase() + suffix);
  },
};
`;

let prefix: string;
let db: string;
before(() => {
  prefix = prefixWithPlugins();
  db = makeDatabase(
    join(tempDir(), "data.db"),
    "create table t (id integer primary key, n integer); insert into t values (1, 10), (2, 20);",
  );
});

const sql = (s: string) => encodeURIComponent(s);

for (const threads of [3, 0]) {
  describe(`a packaged plugin and a .ts plugin, num_sql_threads=${threads}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({
        databases: [{ path: db, immutable: false }],
        memory: true,
        settings: { num_sql_threads: threads },
        pluginPrefix: prefix,
        pluginsDir: pluginsDir({ "shout.ts": TS_PLUGIN, "local.mjs": "export default { version: '9' };" }),
        config: { plugins: { "almanac-plugin-example": { factor: 3 } } },
      });
    });
    after(() => server.close());

    test("discovered and listed in order: built-ins, packages by name (scoped too), then --plugins-dir files", async () => {
      const r = await server.json("/-/plugins.json?all=1");
      assert.equal(r.status, 200);
      const names = (r.body as { name: string }[]).map((p) => p.name);
      assert.deepEqual(names, [...BUILTIN_PLUGINS.map((b) => b.name), "@acme/almanac-plugin-second", "almanac-plugin-example", "local", "shout"]);
      const example = (r.body as { name: string }[]).find((p) => p.name === "almanac-plugin-example");
      assert.deepEqual(example, EXAMPLE_DESCRIPTION);
      assert.equal((r.body as { name: string; version: string }[]).find((p) => p.name === "shout")!.version, "0.0.1");
      assert.equal(await (await server.get("/-/second")).text(), "second");
    });

    test("prepare_connection's functions work in ?sql= queries, with the plugin's configuration and the database's name", async () => {
      const r = await server.json(`/data/-/query.json?sql=${sql("select example_scale(n) as s, example_database() as d, ts_shout('hi') as t from t order by id")}&_shape=array`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, [
        { s: 30, d: "data", t: "HI!" },
        { s: 60, d: "data", t: "HI!" },
      ]);
    });

    test("… in streamed exports (the export pool's own connections), CSV and JSON", async () => {
      const csv = await server.get(`/data/-/query.csv?sql=${sql("select id, example_scale(n) as s, ts_shout('x') as t from t order by id")}&_stream=on`);
      assert.equal(csv.status, 200);
      // A JavaScript number comes back from the function as a REAL, which CSV writes as Python does.
      assert.equal((await csv.text()).replace(/\r\n/g, "\n"), "id,s,t\n1,30.0,X!\n2,60.0,X!\n");
      const table = await server.get(`/data/t.csv?_stream=on&_where=${sql("example_scale(n) = 60")}`);
      assert.equal(table.status, 200);
      assert.equal((await table.text()).replace(/\r\n/g, "\n"), "id,n\n2,20\n");
      const nd = await server.get(`/data/-/query.json?sql=${sql("select example_scale(1) as s")}&_stream=on&_nl=on`);
      assert.equal(nd.status, 200);
      assert.match(await nd.text(), /"s":\s*3/);
    });

    test("… in the in-memory database and on the table page's own queries (_where)", async () => {
      const mem = await server.json(`/_memory/-/query.json?sql=${sql("select example_database() as d")}&_shape=array`);
      assert.deepEqual(mem.body, [{ d: "_memory" }]);
      const where = await server.json(`/data/t.json?_where=${sql("example_scale(n) = 60")}&_shape=array`);
      assert.equal(where.status, 200, JSON.stringify(where.body));
      assert.deepEqual(where.body, [{ id: 2, n: 20 }]);
    });

    test("the package's static/ folder is served at /-/static-plugins/<name>/", async () => {
      const r = await server.get("/-/static-plugins/almanac-plugin-example/example.css");
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /text\/css/);
      assert.match(await r.text(), /example-plugin-footer/);
      assert.equal((await server.get("/-/static-plugins/almanac-plugin-example/package.json")).status, 404, "only static/ is served");
      assert.equal((await server.get("/-/static-plugins/local/x.css")).status, 404, "a plugin without static/ serves nothing");
    });

    test("the package's templates/ folder overrides a built-in template, which it can still include as default:", async () => {
      const html = await (await server.get("/")).text();
      assert.match(html, /<p class="example-plugin-footer">Footer from almanac-plugin-example<\/p>/);
      assert.match(html, /Powered by/, "the plugin's footer includes default:_footer.html");
    });
  });
}

test("a view calling a plugin's function has its columns (the schema is read on a prepared connection too)", async () => {
  const path = makeDatabase(join(tempDir(), "views.db"), "create table t (n integer); insert into t values (4);");
  // The view can only be created where the function exists; then it is served like any view.
  const Sqlite = (await import("better-sqlite3")).default;
  const conn = new Sqlite(path);
  conn.function("example_scale", (x: unknown) => x);
  conn.exec("create view scaled as select n, example_scale(n) as s from t");
  conn.close();
  const server = await startServer({ databases: [{ path, immutable: false }], pluginPrefix: prefix });
  try {
    const r = await server.json("/views/scaled.json?_shape=array");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, [{ n: 4, s: 8 }]);
    // Introspection (PRAGMA table_xinfo) compiles the view: without the function it would find no columns.
    assert.deepEqual((await server.json("/views.json")).body.table_columns.scaled, ["n", "s"]);
  } finally {
    await server.close();
  }
});

test("--template-dir beats a plugin's templates/", async () => {
  const templates = tempDir();
  writeFileSync(join(templates, "_footer.html"), '<p class="mine">my footer</p>');
  const server = await startServer({ databases: [{ path: db, immutable: false }], pluginPrefix: prefix, templateDir: templates });
  try {
    const html = await (await server.get("/")).text();
    assert.match(html, /<p class="mine">my footer<\/p>/);
    assert.doesNotMatch(html, /example-plugin-footer">/);
  } finally {
    await server.close();
  }
});

describe("ALMANAC_LOAD_PLUGINS (loadPlugins)", () => {
  test("names choose among built-ins and packages; --plugins-dir files always load", async () => {
    const server = await startServer({ pluginPrefix: prefix, loadPlugins: ["almanac-plugin-example"], pluginsDir: pluginsDir({ "local.mjs": "export default {};" }) });
    try {
      const names = ((await server.json("/-/plugins.json")).body as { name: string }[]).map((p) => p.name);
      assert.deepEqual(names, ["almanac-plugin-example", "local"]);
      assert.equal((await server.get("/-/second")).status, 404);
    } finally {
      await server.close();
    }
  });

  test('"" loads none of them', async () => {
    const server = await startServer({ pluginPrefix: prefix, loadPlugins: [] });
    try {
      assert.deepEqual((await server.json("/-/plugins.json")).body, []);
      // Without the plugin its function does not exist: the error is the user's SQL error, not a 500.
      const r = await server.json(`/_memory/-/query.json?sql=${sql("select example_scale(1)")}`);
      assert.equal(r.status, 400);
      assert.match(r.body.error, /no such function: example_scale/);
    } finally {
      await server.close();
    }
  });

  test("a name that is neither built in nor installed stops start-up, listing what there is", async () => {
    await assert.rejects(
      startServer({ pluginPrefix: prefix, loadPlugins: ["almanac-plugin-example", "datasette-cluster-map"] }),
      (err: Error) => {
        assert.ok(err instanceof StartupError);
        assert.match(err.message, /ALMANAC_LOAD_PLUGINS names datasette-cluster-map, which is not a built-in or installed plugin/);
        assert.match(err.message, /installed: @acme\/almanac-plugin-second, almanac-plugin-example/);
        return true;
      },
    );
  });
});

describe("plugin configuration", () => {
  test("almanac.pluginConfig: table, else database, else instance; $env and $file resolved; prepare_connection gets the instance level", async () => {
    process.env.ALMANAC_TEST_EXAMPLE_FACTOR = "5";
    const secretFile = join(tempDir(), "secret.txt");
    writeFileSync(secretFile, "s3cret");
    const server = await startServer({
      databases: [{ path: db, immutable: false }],
      pluginPrefix: prefix,
      config: {
        plugins: { "almanac-plugin-example": { factor: { $env: "ALMANAC_TEST_EXAMPLE_FACTOR" }, level: "instance" } },
        databases: {
          data: {
            plugins: { "almanac-plugin-example": { level: "database", key: { $file: secretFile } } },
            tables: { t: { plugins: { "almanac-plugin-example": { level: "table" } } } },
          },
        },
      },
    });
    try {
      const table = await server.json("/-/example-config/data/t");
      assert.deepEqual(table.body, {
        instance: { factor: "5", level: "instance" },
        database: { level: "database", key: "s3cret" },
        table: { level: "table" },
      });
      const other = await server.json("/-/example-config/data/other");
      assert.deepEqual(other.body.table, { level: "database", key: "s3cret" }, "a table without its own block gets the database's");
      const nodb = await server.json("/-/example-config/nodb/x");
      assert.deepEqual(nodb.body.database, { factor: "5", level: "instance" }, "a database without its own block gets the instance's");
      const r = await server.json(`/data/-/query.json?sql=${sql("select example_scale(2) as s")}&_shape=array`);
      assert.deepEqual(r.body, [{ s: 10 }]);
      assert.equal(server.app.almanac.pluginConfig("nobody"), undefined);
    } finally {
      await server.close();
      delete process.env.ALMANAC_TEST_EXAMPLE_FACTOR;
    }
  });
});

describe("prepare_connection failures stop start-up, naming the plugin", () => {
  const cases: [string, Record<string, string>, RegExp, number?][] = [
    ["throws", { "boom.mjs": "export default { prepare_connection() { throw new Error('no licence key'); } };" }, /^plugin boom: prepare_connection failed: no licence key$/],
    ["throws in-process (num_sql_threads 0)", { "boom.mjs": "export default { prepare_connection() { throw new Error('no licence key'); } };" }, /^plugin boom: prepare_connection failed: no licence key$/, 0],
    ["is async", { "later.mjs": "export default { async prepare_connection({ conn }) { conn.function('f', () => 1); } };" }, /^plugin later: prepare_connection failed: it must be synchronous \(it returned a promise\)$/],
    [
      "throws for one database only",
      { "picky.mjs": "export default { prepare_connection({ database }) { if (database === 'data') throw new Error('not this one'); } };" },
      /^plugin picky: prepare_connection failed: not this one$/,
    ],
    [
      "cannot be imported in a worker thread",
      { "mainonly.mjs": "import { isMainThread } from 'node:worker_threads'; if (!isMainThread) throw new Error('main thread only'); export default { prepare_connection() {} };" },
      /^plugin mainonly \(.*mainonly\.mjs\) failed to load: main thread only$/,
    ],
    ["is a .ts file with a syntax error", { "broken.ts": "export default { prepare_connection(x: number => 1 };" }, /^plugin broken \(.*broken\.ts\) failed to load: Transform failed/],
  ];
  for (const [what, files, message, threads] of cases) {
    test(what, async () => {
      await assert.rejects(
        startServer({ databases: [{ path: db, immutable: false }], pluginsDir: pluginsDir(files), settings: threads === undefined ? {} : { num_sql_threads: threads } }),
        (err: Error) => {
          assert.ok(err instanceof StartupError, String(err));
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});
