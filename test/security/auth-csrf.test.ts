/**
 * @module Attack class 8: CSRF and clickjacking. Every route that accepts POST — Almanac's own and every
 * plugin's — refuses cross-site requests (Sec-Fetch-Site, else Origin); same-origin requests and Bearer-token
 * requests without cookies pass; pages whose forms change state may not be framed.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { pluginsDir, startServer, type TestServer } from "../fixtures/server.js";
import { ROUTES } from "../../src/http/routes.js";
import { SECRET, as, authDatabase, bearer, cookieFor } from "./auth-fixtures.js";

let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [{ path: authDatabase(), immutable: false }],
    secret: SECRET,
    root: true,
    pluginsDir: pluginsDir({
      "poster.mjs": `export default {
        register_routes() {
          return [{ path: "/-/plugin-post", methods: ["GET", "POST"], handler: (req) => ({ status: 200, headers: { "content-type": "text/plain" }, body: "changed " + req.method }) }];
        },
      };`,
    }),
  });
});
after(() => server.close());

const CSRF = /Cross-site request refused/;

/** Every path that takes POST: the core route table and the plugins' routes (the password plugin's /-/login among them when loaded). */
function postPaths(): string[] {
  const core = ROUTES.filter((r) => r.methods.includes("POST")).map((r) => r.pattern.source.replace(/^\^/, "").replace(/\$$/, "").replace(/\\\//g, "/"));
  const plugins = server.app.almanac.plugins.routes.filter((r) => typeof r.path === "string" && (r.methods ?? ["GET"]).map((m) => m.toUpperCase()).includes("POST")).map((r) => r.path as string);
  return [...new Set([...core, ...plugins])];
}

const post = (path: string, headers: Record<string, string>) =>
  server.get(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: "message=x&actor=null&permission=view-instance" });

test("the POST routes are known: logout, create-token, permissions and the plugin's", () => {
  const paths = postPaths();
  for (const p of ["/-/logout", "/-/create-token", "/-/permissions", "/-/plugin-post"]) assert.ok(paths.includes(p), `${p} in ${paths.join(", ")}`);
  assert.ok(paths.every((p) => /^\/[-\w/]+$/.test(p)), paths.join(", "));
});

test("cross-site POSTs are refused on every route before the page runs, with or without a session", async () => {
  const session = as({ id: "root" }).headers;
  for (const path of postPaths()) {
    for (const headers of [
      { ...session, "sec-fetch-site": "cross-site" },
      { ...session, "sec-fetch-site": "same-site" },
      { ...session, origin: "https://evil.example" },
      { ...session, origin: "null" },
      { origin: "http://localhost.evil.example" },
      { "sec-fetch-site": "cross-site" },
      // A Bearer token does not exempt a request that also carries cookies (a browser adds them).
      { ...session, authorization: "Bearer dstok_x", "sec-fetch-site": "cross-site" },
    ]) {
      const r = await post(path, headers);
      assert.equal(r.status, 403, `${path} ${JSON.stringify(headers)}`);
      const body = await r.text();
      assert.match(body, CSRF, path);
      assert.doesNotMatch(body, /changed POST|dstok_/, path);
      assert.equal(r.headers.getSetCookie().some((c) => c.startsWith("ds_actor=")), false, `${path}: no cookie change`);
    }
  }
});

test("same-origin POSTs, clients that are not browsers and Bearer requests without cookies pass the check", async () => {
  const host = new URL(server.url).host;
  for (const path of postPaths()) {
    const cases: Record<string, string>[] = [
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
      { origin: server.url },
      { origin: `http://${host}`, "sec-fetch-site": "same-origin" },
      {},
      { ...bearer("root").headers, "sec-fetch-site": "cross-site" },
      { ...bearer("root").headers, origin: "https://evil.example" },
    ];
    for (const headers of cases) {
      const r = await post(path, headers);
      assert.doesNotMatch(await r.text(), CSRF, `${path} ${JSON.stringify(headers)}`);
    }
  }
  const plugin = await post("/-/plugin-post", { "sec-fetch-site": "same-origin" });
  assert.equal(await plugin.text(), "changed POST");
});

test("every unsafe method is checked, not only POST", async () => {
  for (const method of ["PUT", "PATCH", "DELETE"]) {
    const r = await server.get("/-/logout", { method, headers: { cookie: cookieFor({ id: "root" }), "sec-fetch-site": "cross-site" } });
    assert.equal(r.status, 403, method);
    assert.match(await r.text(), CSRF);
  }
});

test("GET never changes state: a cross-site link to /-/logout or /-/auth-token signs nobody out or in", async () => {
  const out = await server.get("/-/logout", { headers: { cookie: cookieFor({ id: "root" }), "sec-fetch-site": "cross-site" } });
  assert.equal(out.status, 200);
  assert.equal(out.headers.getSetCookie().some((c) => c.startsWith("ds_actor=")), false);
  const messages = await server.get("/-/messages?message=planted", { headers: { "sec-fetch-site": "cross-site" } });
  assert.equal(messages.status, 200, "a GET of /-/messages only shows its form");
  assert.equal(messages.headers.getSetCookie().some((c) => c.startsWith("ds_messages=")), false);
});

test("pages whose forms change state may not be framed: frame-ancestors 'none' (and X-Frame-Options)", async () => {
  const session = as({ id: "root" });
  const pages = ["/-/logout", "/-/create-token", "/-/permissions", "/-/check", "/-/allow-debug"];
  // Plugins' pages with POST forms (the login form, when the password plugin is loaded) are held to it too.
  for (const path of postPaths()) {
    if (pages.includes(path)) continue;
    const r = await server.get(path, session);
    if ((r.headers.get("content-type") ?? "").startsWith("text/html") && /<form[^>]+method="post"/i.test(await r.text())) pages.push(path);
  }
  for (const path of pages) {
    const r = await server.get(path, session);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get("content-security-policy"), "frame-ancestors 'none'", path);
    assert.equal(r.headers.get("x-frame-options"), "DENY", path);
  }
});

test("the session cookie is SameSite=Lax, so browsers leave it off cross-site POSTs anyway", async () => {
  const token = (await import("../../src/pages/auth.js")).issueRootToken(server.app.almanac);
  const r = await server.get(`/-/auth-token?token=${token}`);
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith("ds_actor="))!;
  assert.match(cookie, /; SameSite=Lax/);
  assert.match(cookie, /; HttpOnly/);
});
