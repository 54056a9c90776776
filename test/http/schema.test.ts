/** @module HTTP: the schema endpoints in JSON, Markdown and HTML. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";

let server: TestServer;
before(async () => {
  const path = makeDatabase(join(tempDir(), "shop.db"), "create table items (id integer primary key, name text);\ncreate index items_name on items(name);\ncreate view named as select name from items;");
  server = await startServer({ databases: [{ path, immutable: false }] });
});
after(() => server.close());

const SCHEMA = "CREATE TABLE items (id integer primary key, name text);\nCREATE INDEX items_name on items(name);\nCREATE VIEW named as select name from items;";

test("/-/schema.json lists each database's CREATE statements", async () => {
  const r = await server.json("/-/schema.json");
  assert.deepEqual(r.body, { ok: true, schemas: [{ database: "shop", schema: SCHEMA }] });
});

test("/<db>/-/schema.json and .md", async () => {
  assert.deepEqual((await server.json("/shop/-/schema.json")).body, { ok: true, database: "shop", schema: SCHEMA });
  const md = await server.get("/shop/-/schema.md");
  assert.match(md.headers.get("content-type")!, /^text\/markdown/);
  assert.equal(await md.text(), "# Schema for shop\n\n```sql\n" + SCHEMA + "\n```\n");
});

test("/<db>/<table>/-/schema.json is the table and its indexes; unknown tables are 404", async () => {
  assert.deepEqual((await server.json("/shop/items/-/schema.json")).body, {
    ok: true, database: "shop", table: "items", schema: "CREATE TABLE items (id integer primary key, name text);\nCREATE INDEX items_name on items(name);",
  });
  const missing = await server.json("/shop/nope/-/schema.json");
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, "Table not found");
});

test("the HTML form escapes the SQL", async () => {
  const r = await server.get("/shop/-/schema");
  assert.equal(r.status, 200);
  assert.match(await r.text(), /CREATE TABLE items/);
});
