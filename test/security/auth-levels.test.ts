/**
 * @module Security: permissions decided at the level of the page (Datasette 1.0) — a table allowed inside a
 * database that is not is shown, and only it; configured names protect their tables in any letter case,
 * answering alike whether or not the table exists; a token limited to one table reads just that table.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { SECRET, as, authDatabase, bearer } from "./auth-fixtures.js";

let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [{ path: authDatabase("db"), immutable: false }],
    secret: SECRET,
    config: { databases: { db: { allow: false, tables: { open: { allow: true }, Secret: { allow: { id: "agent" } }, Missing: { allow: false } } } } },
  });
});
after(async () => server.close());

test("a table allowed inside a closed database: the table and its rows answer; the database and its other tables do not", async () => {
  assert.equal((await server.json("/db/open.json")).status, 200);
  assert.equal((await server.json("/db/open/1.json")).status, 200);
  assert.equal((await server.json("/db.json")).status, 403);
  assert.equal((await server.json("/db/other.json")).status, 403);
  assert.equal((await server.json("/db/-/query.json?sql=select+1")).status, 403, "SQL needs the database");
  assert.equal((await server.json("/nodb/open.json")).status, 404, "an unconfigured missing database is simply missing");
});

test("a configured table name protects the table in any case, and a protected name answers alike whether or not it exists", async () => {
  for (const path of ["/db/secret.json", "/db/SECRET.json", "/db/Secret.json", "/db/secret/1.json"]) {
    assert.equal((await server.json(path)).status, 403, path);
  }
  assert.equal((await server.json("/db/secret.json", as({ id: "agent" }))).status, 200);
  const missing = await server.json("/db/missing.json");
  const present = await server.json("/db/secret.json");
  assert.equal(missing.status, present.status);
  assert.equal(missing.body.error, present.body.error);
});

test("a token limited to one table (view-table only) reads it, and nothing else", async () => {
  const token = bearer("agent", { restrictions: { r: { db: { secret: ["vt"] } } } });
  assert.equal((await server.json("/db/secret.json", token)).status, 200);
  assert.equal((await server.json("/db/open.json", token)).status, 403);
  assert.equal((await server.json("/db.json", token)).status, 403);
});

test("a signed-in actor who may make tokens sees Create API token in the menu; a token's actor does not", async () => {
  const page = await (await server.get("/db/open", as({ id: "agent" }))).text();
  assert.match(page, /<a href="\/-\/create-token">Create API token<\/a>/);
  assert.doesNotMatch(await (await server.get("/db/open")).text(), /Create API token/);
});
