/**
 * @module Attack class 13: CORS. `--cors` answers `Access-Control-Allow-Origin: *` and never
 * `Access-Control-Allow-Credentials`, never echoes the Origin — so browsers will not hand a cookie-authenticated
 * response to another site's script. Without `--cors` there are no CORS headers at all.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { SECRET, as, authDatabase, bearer } from "./auth-fixtures.js";

let cors: TestServer;
let plain: TestServer;
before(async () => {
  const config = { databases: { db: { tables: { secret: { allow: { id: "agent" } } } } } };
  cors = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: SECRET, cors: true, config });
  plain = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: SECRET, config });
});
after(async () => {
  await cors.close();
  await plain.close();
});

const ORIGIN = { origin: "https://evil.example" };
const PATHS = ["/db/secret.json", "/db/open.json", "/-/actor.json", "/.json", "/db/secret", "/-/create-token"];

test("--cors: * and no credentials, for anonymous, cookie and token requests alike", async () => {
  for (const path of PATHS) {
    for (const init of [{ headers: ORIGIN }, as({ id: "agent" }, ORIGIN), { headers: { ...bearer("agent").headers, ...ORIGIN } }]) {
      const r = await cors.get(path, init);
      assert.equal(r.headers.get("access-control-allow-origin"), "*", path);
      assert.equal(r.headers.get("access-control-allow-credentials"), null, path);
    }
  }
});

test("a cookie-authenticated response carries nothing that lets another site read it", async () => {
  const r = await cors.get("/db/secret.json", as({ id: "agent" }, { ...ORIGIN, "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" }));
  assert.equal(r.status, 200);
  // With "*" a browser sends no cookies on a cross-origin fetch, and refuses the response to a credentialed one.
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
  assert.notEqual(r.headers.get("access-control-allow-origin"), ORIGIN.origin);
  assert.equal(r.headers.get("access-control-allow-credentials"), null);
  assert.equal(r.headers.get("cache-control"), "private, no-store");
  // The same request without the cookie — all a cross-site script gets — is refused.
  assert.equal((await cors.get("/db/secret.json", { headers: ORIGIN })).status, 403);
});

test("preflight: the allowed headers and methods, still no credentials", async () => {
  const r = await cors.get("/db/secret.json", {
    method: "OPTIONS",
    headers: { ...ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
  assert.equal(r.headers.get("access-control-allow-credentials"), null);
  assert.match(r.headers.get("access-control-allow-headers") ?? "", /Authorization/);
});

test("without --cors: no CORS headers at all", async () => {
  for (const path of PATHS) {
    const r = await plain.get(path, as({ id: "agent" }, ORIGIN));
    for (const h of ["access-control-allow-origin", "access-control-allow-credentials", "access-control-allow-headers"]) assert.equal(r.headers.get(h), null, `${path} ${h}`);
  }
});
