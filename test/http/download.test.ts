/** @module HTTP: `/<db>.db` downloads — immutable databases only, `allow_download`, ETag and 304, the database page's link. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";

let server: TestServer;
let noDownloads: TestServer;
let fixed: string;

before(async () => {
  const dir = tempDir();
  fixed = makeDatabase(join(dir, "fixed.db"), "create table t (id integer primary key, v text); insert into t values (1, 'a');");
  const changing = makeDatabase(join(dir, "changing.db"), "create table t (id integer primary key);");
  const databases = [{ path: fixed, immutable: true }, { path: changing, immutable: false }];
  server = await startServer({ databases });
  noDownloads = await startServer({ databases, settings: { allow_download: false } });
});
after(async () => {
  await server.close();
  await noDownloads.close();
});

test("an immutable database downloads as its own bytes, with its SHA-256 as ETag", async () => {
  const r = await server.get("/fixed.db");
  assert.equal(r.status, 200);
  const body = Buffer.from(await r.arrayBuffer());
  const file = readFileSync(fixed);
  assert.ok(body.equals(file));
  assert.equal(r.headers.get("etag"), `"${createHash("sha256").update(file).digest("hex")}"`);
  assert.equal(r.headers.get("content-type"), "application/octet-stream");
  assert.match(r.headers.get("content-disposition") ?? "", /^attachment; filename="fixed\.db"$/);
  const again = await server.get("/fixed.db", { headers: { "if-none-match": r.headers.get("etag")! } });
  assert.equal(again.status, 304);
});

test("a mutable database is not downloadable, and allow_download off refuses every database", async () => {
  const mutable = await server.get("/changing.db");
  assert.equal(mutable.status, 403);
  assert.match(await mutable.text(), /immutable/);
  assert.equal((await noDownloads.get("/fixed.db")).status, 403);
});

test("the database page links the download only when it would be served", async () => {
  const page = await (await server.get("/fixed")).text();
  assert.match(page, /Download SQLite DB: <a href="\/fixed\.db" download>fixed\.db<\/a>/);
  assert.doesNotMatch(await (await server.get("/changing")).text(), /Download SQLite DB/);
  assert.doesNotMatch(await (await noDownloads.get("/fixed")).text(), /Download SQLite DB/);
});

test("an unknown database is a 404, and other suffixes are still 'Format not found'", async () => {
  assert.equal((await server.get("/nope.db")).status, 404);
  assert.equal((await server.get("/fixed.xml")).status, 404);
});
