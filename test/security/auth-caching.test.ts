/**
 * @module Attack class 9: caching leaks. A response for a signed-in actor (cookie, token) is
 * `Cache-Control: private, no-store`, even where the page would be cacheable (`default_cache_ttl`, `_ttl`);
 * a cacheable anonymous response varies on `Cookie, Authorization`, so a shared cache never hands one
 * actor's page to another.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { issueRootToken } from "../../src/pages/auth.js";
import { SECRET, as, authDatabase, bearer } from "./auth-fixtures.js";

let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [{ path: authDatabase(), immutable: true }],
    secret: SECRET,
    root: true,
    settings: { default_cache_ttl: 600 },
    config: { databases: { db: { tables: { secret: { allow: { id: "agent" } } }, queries: { titles: "select title from open" } } } },
  });
});
after(() => server.close());

const PAGES = [
  "/", "/.json", "/db", "/db.json", "/db/open", "/db/open.json", "/db/open.json?_ttl=3600", "/db/open.csv", "/db/open/1.json", "/db/open/1",
  "/db/titles.json", "/db/-/query.json?sql=select+1", "/-/actor.json", "/-/databases.json", "/-/jump.json?q=o", "/-/schema.json", "/-/config.json",
  "/-/allowed.json?action=view-table", "/db/secret.json",
];

test("signed in with a cookie: every response is private, no-store (an allowed page or a refusal)", async () => {
  for (const path of PAGES) {
    const r = await server.get(path, as({ id: "agent" }));
    assert.equal(r.headers.get("cache-control"), "private, no-store", path);
  }
});

test("signed in with a token: private, no-store as well", async () => {
  for (const path of ["/db/open.json", "/db/open.json?_ttl=3600", "/-/actor.json", "/db/secret.json"]) {
    const r = await server.get(path, bearer("agent"));
    assert.equal(r.headers.get("cache-control"), "private, no-store", path);
  }
});

test("anonymous: cacheable responses vary on Cookie and Authorization", async () => {
  for (const path of PAGES) {
    const r = await server.get(path);
    assert.notEqual(r.headers.get("cache-control"), "private, no-store", path);
    const vary = (r.headers.get("vary") ?? "").split(",").map((v) => v.trim().toLowerCase());
    assert.ok(vary.includes("cookie") && vary.includes("authorization"), `${path}: Vary ${r.headers.get("vary")}`);
  }
  const open = await server.get("/db/open.json");
  assert.equal(open.headers.get("cache-control"), "max-age=600", "the cacheable anonymous page keeps its ttl");
});

test("a forged cookie is anonymous, and its response still varies on Cookie (never cached as someone's)", async () => {
  const r = await server.get("/db/open.json", { headers: { cookie: "ds_actor=eyJhIjp7ImlkIjoicm9vdCJ9fQ.forged" } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get("vary") ?? "", /Cookie, Authorization/);
});

test("a response that signs someone in or out is private, no-store", async () => {
  const signIn = await server.get(`/-/auth-token?token=${issueRootToken(server.app.almanac)}`);
  assert.equal(signIn.status, 302);
  assert.equal(signIn.headers.get("cache-control"), "private, no-store");
  const signOut = await server.get("/-/logout", { method: "POST" });
  assert.equal(signOut.headers.get("cache-control"), "private, no-store");
});

test("fingerprinted static assets stay publicly cacheable for everyone (they are the same for all)", async () => {
  const page = await (await server.get("/", as({ id: "agent" }))).text();
  const css = /href="(\/-\/static\/app\.css\?_hash=[^"]+)"/.exec(page);
  assert.ok(css, "the page links its stylesheet");
  const r = await server.get(css[1].replace(/&amp;/g, "&"), as({ id: "agent" }));
  assert.equal(r.status, 200);
  assert.match(r.headers.get("cache-control") ?? "", /public/);
});
