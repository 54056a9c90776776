/** The one write connection: it writes, the read side sees the change, and nothing else can reach it. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../../fixtures/server.js";

let server: TestServer;
before(async () => {
  const dir = tempDir();
  const mutable = makeDatabase(join(dir, "notes.db"), "create table notes (id integer primary key, body text); insert into notes (body) values ('first');");
  const frozen = makeDatabase(join(dir, "frozen.db"), "create table t (x);");
  server = await startServer({ databases: [{ path: mutable, immutable: false }, { path: frozen, immutable: true }] });
});
after(() => server.close());

test("executeWrite writes through the write connection and the next read sees it", async () => {
  const db = server.app.almanac.databases.get("notes")!;
  const result = await db.executeWrite("insert into notes (body) values (?)", ["second"]);
  assert.equal(result.changes, 1);
  await db.executeWrite("create table tags (name text primary key)");
  const notes = await server.json("/notes/notes.json");
  assert.deepEqual(notes.body.rows, [{ id: 1, body: "first" }, { id: 2, body: "second" }]);
  const tags = await server.json("/notes/tags.json");
  assert.equal(tags.status, 200, "the new table is visible at once: the schema was re-read");
});

test("immutable databases have no write connection", async () => {
  const db = server.app.almanac.databases.get("frozen")!;
  await assert.rejects(db.executeWrite("insert into t values (1)"), /immutable/);
});

test("the read side still refuses writes, however they are sent", async () => {
  const r = await server.json("/notes/-/query.json?sql=" + encodeURIComponent("insert into notes (body) values ('x')"));
  assert.equal(r.status, 400);
  const db = server.app.almanac.databases.get("notes")!;
  await assert.rejects(db.execute("insert into notes (body) values ('x')"), /readonly|read-only|query_only|attempt to write/i);
  const notes = await server.json("/notes/notes.json?_extra=count");
  assert.equal(notes.body.count, 2);
});
