/** @module HTTP: `/<db>/-/query/parameters?sql=` — the named parameters the editor shows fields for. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";

const UNSTABLE = "The JSON format of this endpoint is not yet stable and may change";

let server: TestServer;
before(async () => {
  server = await startServer({ databases: [{ path: makeDatabase(join(tempDir(), "data.db"), "create table t (id integer primary key);"), immutable: false }] });
});
after(() => server.close());

const parameters = (sql: string, s = server, prefix = "") => s.json(`${prefix}/data/-/query/parameters?sql=${encodeURIComponent(sql)}`);

describe("/<db>/-/query/parameters", () => {
  test("the shape, and parameters in order of first use, once each", async () => {
    const r = await parameters("select :b, :a, :b where id = :c");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^application\/json/);
    assert.deepEqual(r.body, { ok: true, unstable: UNSTABLE, parameters: ["b", "a", "c"] });
  });

  test("text inside strings, quoted names and comments is not a parameter", async () => {
    const r = await parameters(`select ':no', "a:no", [b:no] -- :no\n, :yes /* :no */`);
    assert.deepEqual(r.body.parameters, ["yes"]);
  });

  test("magic `_…` parameters never get a field", async () => {
    const r = await parameters("select :_actor_id, :_now_epoch, :name");
    assert.deepEqual(r.body.parameters, ["name"]);
  });

  test("no SQL, or SQL that is not valid: whatever parameters it names (none for empty)", async () => {
    assert.deepEqual((await server.json("/data/-/query/parameters")).body.parameters, []);
    assert.deepEqual((await parameters("")).body.parameters, []);
    assert.deepEqual((await parameters("select from where :half")).body.parameters, ["half"]);
  });

  test("sql is the only argument it accepts", async () => {
    const r = await server.json("/data/-/query/parameters?sql=select+1&_=123");
    assert.equal(r.status, 400);
    assert.equal(r.body.ok, false);
    assert.match(r.body.error, /Only the sql argument is accepted here, not: _/);
  });

  test("an unknown database is a JSON 404", async () => {
    const r = await server.json("/nope/-/query/parameters?sql=select+1");
    assert.equal(r.status, 404);
    assert.match(r.headers.get("content-type")!, /^application\/json/);
    assert.equal(r.body.error, "Database not found");
  });
});

describe("permissions and base_url", () => {
  let locked: TestServer;
  let prefixed: TestServer;
  before(async () => {
    const path = makeDatabase(join(tempDir(), "data.db"), "create table t (id integer primary key);");
    locked = await startServer({ databases: [{ path, immutable: false }], settings: { default_allow_sql: false } });
    prefixed = await startServer({ databases: [{ path, immutable: false }], settings: { base_url: "/p/" } });
  });
  after(async () => {
    await locked.close();
    await prefixed.close();
  });

  test("needs execute-sql: a JSON 403 without it", async () => {
    const r = await parameters("select :a", locked);
    assert.equal(r.status, 403);
    assert.match(r.headers.get("content-type")!, /^application\/json/);
    assert.deepEqual(r.body, { ok: false, error: "You do not have permission to execute SQL", errors: ["You do not have permission to execute SQL"], status: 403 });
  });

  test("answers under base_url", async () => {
    const r = await parameters("select :a", prefixed, "/p");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.parameters, ["a"]);
  });
});
