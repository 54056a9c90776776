/** @module HTTP: remembered counts and facet suggestions follow the data — another process's commit changes them at once. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";

let server: TestServer;
let path: string;

before(async () => {
  path = makeDatabase(join(tempDir(), "shop.db"), "create table items (id integer primary key, kind text, colour text)", (db) => {
    const insert = db.prepare("insert into items (kind, colour) values (?, ?)");
    // kind has two values (a good facet); colour is unique per row (not a facet).
    for (let i = 0; i < 40; i++) insert.run(i % 2 ? "hat" : "shoe", `colour-${i}`);
  });
  server = await startServer({ databases: [{ path, immutable: false }] });
});
after(async () => server.close());

const suggested = async () => (await server.json("/shop/items.json?_extra=suggested_facets&_size=0")).body.suggested_facets.map((s: { name: string }) => s.name);

test("suggestions are the same when asked twice, and change as soon as the data does", async () => {
  assert.deepEqual(await suggested(), ["kind"]);
  assert.deepEqual(await suggested(), ["kind"]);
  // Another connection (as another process would) makes colour repetitive: it becomes a good facet.
  const other = new Database(path);
  other.prepare("update items set colour = case when id % 2 then 'red' else 'blue' end").run();
  other.close();
  assert.deepEqual(await suggested(), ["kind", "colour"]);
});

test("counts (table page and database page) are the same when asked twice, and change as soon as the data does", async () => {
  const count = async () => (await server.json("/shop/items.json?_extra=count&_size=0")).body.count;
  const listed = async () => (await server.json("/shop.json")).body.tables.find((t: { name: string }) => t.name === "items").count;
  const filtered = async () => (await server.json("/shop/items.json?kind=hat&_extra=count&_size=0")).body.count;
  assert.deepEqual([await count(), await listed(), await filtered()], [40, 40, 20]);
  assert.deepEqual([await count(), await listed(), await filtered()], [40, 40, 20]);
  const other = new Database(path);
  other.prepare("insert into items (kind, colour) values ('hat', 'green')").run();
  other.close();
  assert.deepEqual([await count(), await listed(), await filtered()], [41, 41, 21]);
});

test("foreign-key labels are remembered until the referenced table changes", async () => {
  const dir = tempDir();
  const file = makeDatabase(
    join(dir, "refs.db"),
    "create table kinds (id integer primary key, label text); insert into kinds values (1, 'Hats'); create table things (id integer primary key, kind integer references kinds(id)); insert into things values (1, 1);",
  );
  const refs = await startServer({ databases: [{ path: file, immutable: false }] });
  try {
    const label = async () => (await refs.json("/refs/things.json?_labels=on")).body.rows[0].kind.label;
    assert.equal(await label(), "Hats");
    assert.equal(await label(), "Hats");
    const other = new Database(file);
    other.prepare("update kinds set label = 'Caps' where id = 1").run();
    other.close();
    assert.equal(await label(), "Caps");
  } finally {
    await refs.close();
  }
});
