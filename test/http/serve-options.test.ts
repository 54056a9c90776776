/** @module HTTP: serve options that change what is served — _memory, --crossdb, --static, --nolock, --version-note. */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";

describe("_memory and --crossdb", () => {
  let server: TestServer;
  before(async () => {
    const dir = tempDir();
    const a = makeDatabase(join(dir, "alpha.db"), "create table t (id integer primary key, v text); insert into t values (1, 'a1'), (2, 'a2');");
    const b = makeDatabase(join(dir, "beta.db"), "create table u (id integer primary key, t_id integer); insert into u values (10, 1), (11, 2), (12, 2);");
    server = await startServer({ databases: [{ path: a, immutable: false }, { path: b, immutable: true }], crossdb: true, memory: true });
  });
  after(() => server.close());

  test("_memory answers SQL and lists itself", async () => {
    const r = await server.json("/_memory/-/query.json?sql=select+1+%2B+1+as+two");
    assert.deepEqual(r.body, { ok: true, rows: [{ two: 2 }], truncated: false });
    const dbs = await server.json("/-/databases.json");
    assert.deepEqual(
      dbs.body.databases.map((d: { name: string; is_memory: boolean; is_mutable: boolean }) => [d.name, d.is_memory, d.is_mutable]),
      [["alpha", false, true], ["beta", false, false], ["_memory", true, false]],
    );
  });

  test("--crossdb joins across attached databases from _memory", async () => {
    const sql = "select alpha.t.v, count(*) as n from beta.u join alpha.t on alpha.t.id = beta.u.t_id group by alpha.t.v order by alpha.t.v";
    const r = await server.json("/_memory/-/query.json?sql=" + encodeURIComponent(sql));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.rows, [{ v: "a1", n: 1 }, { v: "a2", n: 2 }]);
  });

  test("/:memory: redirects to /_memory, keeping the query string", async () => {
    const r = await server.get("/:memory:/-/query.json?sql=select+1");
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/_memory/-/query.json?sql=select+1");
  });

  test("attached databases stay read-only", async () => {
    const r = await server.json("/_memory/-/query.json?sql=" + encodeURIComponent("delete from alpha.t"));
    assert.equal(r.status, 400);
    const t = await server.json("/alpha/t.json?_extra=count");
    assert.equal(t.body.count, 2);
  });
});

describe("--static MOUNT:DIR", () => {
  let server: TestServer;
  let outside: string;
  before(async () => {
    const dir = tempDir();
    const assets = join(dir, "assets");
    mkdirSync(join(assets, "css"), { recursive: true });
    writeFileSync(join(assets, "css", "site.css"), "body { color: teal }");
    writeFileSync(join(assets, "notes file.txt"), "spaces work");
    outside = join(dir, "secret.txt");
    writeFileSync(outside, "not for the web");
    symlinkSync(outside, join(assets, "escape.txt"));
    const db = makeDatabase(join(dir, "data.db"), "create table t (x);");
    server = await startServer({ databases: [{ path: db, immutable: false }], staticMounts: [{ mount: "assets", dir: assets }], versionNote: "build 42", nolock: true });
  });
  after(() => server.close());

  test("files are served with a content type", async () => {
    const r = await server.get("/assets/css/site.css");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^text\/css/);
    assert.equal(await r.text(), "body { color: teal }");
    const spaced = await server.get("/assets/notes%20file.txt");
    assert.equal(spaced.status, 200);
    assert.equal(await spaced.text(), "spaces work");
  });

  test("no way out of the mount: .., encoded .., backslashes, absolute paths, symlinks, directories", async () => {
    for (const path of ["/assets/../data.db", "/assets/%2e%2e/secret.txt", "/assets/css/..%2f..%2fsecret.txt", "/assets/..%5csecret.txt", "/assets/%2fetc%2fpasswd", "/assets/escape.txt", "/assets/nope.txt"]) {
      const r = await server.get(path);
      assert.equal(r.status === 404 || r.status === 403 || r.status === 302, true, `${path} → ${r.status}`);
      assert.ok(!(await r.text()).includes("not for the web"), path);
    }
    const dirListing = await server.get("/assets/css");
    assert.equal(dirListing.status, 403);
  });

  test("--version-note shows in /-/versions and --nolock still opens files", async () => {
    const r = await server.json("/-/versions.json");
    assert.equal(r.body.almanac.note, "build 42");
    const t = await server.json("/data/t.json");
    assert.equal(t.status, 200);
  });
});
