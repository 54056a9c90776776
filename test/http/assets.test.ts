/** @module HTTP: Almanac's own static assets — fingerprinted URLs cached immutably, ETags, no way out of static/. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";

let server: TestServer;
before(async () => {
  const path = makeDatabase(join(tempDir(), "a.db"), "create table t (x);");
  server = await startServer({ databases: [{ path, immutable: false }], settings: { base_url: "/data/" } });
});
after(() => server.close());

test("pages link the stylesheet by its content hash, under base_url", async () => {
  const html = await (await server.get("/data/")).text();
  const m = /<link rel="stylesheet" href="(\/data\/-\/static\/app\.css\?_hash=([0-9a-f]{12}))">/.exec(html);
  assert.ok(m, html.slice(0, 600));
  const r = await server.get(m[1]);
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type")!, /^text\/css/);
  assert.equal(r.headers.get("cache-control"), "max-age=31536000, immutable, public");
  assert.equal(r.headers.get("etag"), `"${m[2]}"`);
  assert.match(await r.text(), /prefers-color-scheme: ?dark/);
});

test("without the matching hash the asset is cached briefly; If-None-Match answers 304", async () => {
  const r = await server.get("/-/static/app.css?_hash=000000000000");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("cache-control"), "max-age=3600, public");
  const again = await server.get("/-/static/app.css", { headers: { "if-none-match": r.headers.get("etag")! } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
});

test("/favicon.ico is an image", async () => {
  const r = await server.get("/favicon.ico");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "image/png");
  const bytes = Buffer.from(await r.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});

test("no way out of static/: .., encoded .., absolute paths, backslashes, missing files", async () => {
  for (const path of ["/-/static/%2e%2e/package.json", "/-/static/..%2fpackage.json", "/-/static/%2fetc%2fpasswd", "/-/static/nope.css", "/-/static/..%5cpackage.json"]) {
    const r = await server.get(path);
    const final = r.status === 302 ? await server.get(r.headers.get("location")!) : r;
    assert.ok([403, 404].includes(final.status), `${path} → ${final.status}`);
    assert.ok(!(await final.text()).includes('"name": "almanac"'), path);
  }
});
