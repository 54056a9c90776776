/** @module HTTP: generic 404s, formats, HEAD/OPTIONS, --cors headers, Cache-Control/_ttl and nosniff. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

let server: TestServer;
before(async () => {
  server = await startServer({ databases: [{ path: buildFixtures(), immutable: false }], cors: true });
});
after(() => server.close());

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "Authorization, Content-Type",
  "access-control-expose-headers": "Link",
  "access-control-allow-methods": "GET, POST, HEAD, OPTIONS",
  "access-control-max-age": "3600",
};

/** GET a path exactly as written (fetch would percent-encode it). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function assertCors(headers: Headers): void {
  for (const [k, v] of Object.entries(CORS)) assert.equal(headers.get(k), v, k);
}

describe("errors", () => {
  test("404s are generic and never echo the URL (raw <script> in the path)", async () => {
    const r = await rawGet("/fixtures/<script>alert(1)</script>.json");
    assert.equal(r.status, 404);
    assert.ok(!r.body.includes("<script>"), r.body);
    assert.ok(!r.body.includes("alert(1)"), r.body);
    // Parsed as a row URL (table "<script>alert(1)<"), so the generic message is "Table not found".
    assert.deepEqual(JSON.parse(r.body), { ok: false, error: "Table not found", errors: ["Table not found"], status: 404 });
  });

  test("percent-encoded: redirected to the tilde form, which is a generic 404", async () => {
    const r = await fetch(`${server.url}/fixtures/%3Cscript%3Ealert(1)%3C%2Fscript%3E.json`);
    assert.equal(r.status, 404);
    assert.ok(r.redirected);
    const text = await r.text();
    assert.ok(!text.includes("<script>"), text);
    assert.ok(!text.includes("alert(1)"), text);
    assert.deepEqual(JSON.parse(text), { ok: false, error: "Table not found", errors: ["Table not found"], status: 404 });
  });

  test("an HTML 404 does not echo the URL either", async () => {
    const r = await fetch(`${server.url}/fixtures/%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
    assert.equal(r.status, 404);
    const text = await r.text();
    assert.ok(!text.includes("<script>alert"), text);
    assert.ok(!text.includes("alert(1)"), text);
  });

  test("missing database and table", async () => {
    const db = await server.json("/nope/facetable.json");
    assert.equal(db.status, 404);
    assert.deepEqual(db.body, { ok: false, error: "Database not found", errors: ["Database not found"], status: 404 });
    const t = await server.json("/fixtures/blah.json");
    assert.equal(t.status, 404);
    assert.deepEqual(t.body, { ok: false, error: "Table not found", errors: ["Table not found"], status: 404 });
  });

  test("an unknown format → 404", async () => {
    assert.equal((await server.get("/fixtures/facetable.xyz")).status, 404);
    assert.equal((await server.get("/fixtures/facetable/1.xyz")).status, 404);
  });

  test("error responses carry CORS and nosniff headers", async () => {
    const r = await server.get("/fixtures/blah.json");
    assertCors(r.headers);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
  });
});

describe("methods", () => {
  test("HEAD: same status and headers, no body", async () => {
    const get = await server.get("/fixtures/facet_cities.json");
    const head = await server.get("/fixtures/facet_cities.json", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    for (const h of ["content-type", "cache-control", "x-content-type-options", "access-control-allow-origin"]) {
      assert.equal(head.headers.get(h), get.headers.get(h), h);
    }
    await get.text();
  });

  test("HEAD on a 404", async () => {
    const head = await server.get("/fixtures/blah.json", { method: "HEAD" });
    assert.equal(head.status, 404);
    assert.equal(await head.text(), "");
  });

  test("OPTIONS → 200", async () => {
    const r = await server.get("/fixtures/facet_cities.json", { method: "OPTIONS" });
    assert.equal(r.status, 200);
    assertCors(r.headers);
    await r.text();
  });

  test("POST to a table → 405", async () => {
    const r = await server.get("/fixtures/facet_cities.json", { method: "POST", body: "" });
    assert.equal(r.status, 405);
    await r.text();
  });
});

describe("--cors", () => {
  for (const path of ["/fixtures/facet_cities.json", "/fixtures/facet_cities/1.json", "/fixtures.json", "/.json", "/-/versions.json", "/fixtures/-/query.json?sql=select+1"]) {
    test(`exact CORS set on ${path}`, async () => {
      const r = await server.get(path);
      assert.equal(r.status, 200);
      assertCors(r.headers);
      await r.text();
    });
  }

  test("on redirects too", async () => {
    const r = await server.get("/fixtures.json?sql=select+1");
    assert.equal(r.status, 302);
    assertCors(r.headers);
  });
});

describe("caching and security headers", () => {
  test("Cache-Control: max-age=5 on table and row pages", async () => {
    assert.equal((await server.get("/fixtures/facet_cities.json")).headers.get("cache-control"), "max-age=5");
    assert.equal((await server.get("/fixtures/facet_cities/1.json")).headers.get("cache-control"), "max-age=5");
  });

  test("none on /-/query", async () => {
    assert.equal((await server.get("/fixtures/-/query.json?sql=select+1")).headers.get("cache-control"), null);
  });

  test("_ttl=0 → no-cache, _ttl=60 → max-age=60, invalid → default", async () => {
    assert.equal((await server.get("/fixtures/facet_cities.json?_ttl=0")).headers.get("cache-control"), "no-cache");
    assert.equal((await server.get("/fixtures/facet_cities.json?_ttl=60")).headers.get("cache-control"), "max-age=60");
    assert.equal((await server.get("/fixtures/facet_cities/1.json?_ttl=60")).headers.get("cache-control"), "max-age=60");
    assert.equal((await server.get("/fixtures/facet_cities.json?_ttl=abc")).headers.get("cache-control"), "max-age=5");
  });

  test("X-Content-Type-Options: nosniff everywhere", async () => {
    for (const path of ["/fixtures/facet_cities.json", "/fixtures.json", "/-/settings.json", "/fixtures/facet_cities"]) {
      assert.equal((await server.get(path)).headers.get("x-content-type-options"), "nosniff", path);
    }
  });

  test("Referrer-Policy: no-referrer on table and row pages", async () => {
    assert.equal((await server.get("/fixtures/facet_cities.json")).headers.get("referrer-policy"), "no-referrer");
    assert.equal((await server.get("/fixtures/facet_cities/1.json")).headers.get("referrer-policy"), "no-referrer");
  });
});

describe("fall-through redirects", () => {
  test("a trailing slash is dropped, query string kept", async () => {
    const r = await server.get("/fixtures/facet_cities.json/?_size=1");
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/fixtures/facet_cities.json?_size=1");
  });

  test("percent-encoding moves to tilde-encoding", async () => {
    const r = await server.get("/fixtures/table%2Fwith%2Fslashes.csv.json");
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/fixtures/table~2Fwith~2Fslashes~2Ecsv.json");
  });
});
