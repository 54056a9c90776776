/**
 * @module Attack class 7: open redirects. Every redirect Almanac makes — trailing slashes, percent-encoded
 * names, `/-`, `/:memory:`, `?sql=`, sign-in and sign-out — stays on this site, whatever the path or a
 * `next=` parameter says, with or without base_url.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startServer, type TestServer } from "../fixtures/server.js";
import { issueRootToken } from "../../src/pages/auth.js";
import { SECRET, as, authDatabase } from "./auth-fixtures.js";

const HOSTILE_PATHS = [
  "//evil.example/", "///evil.example/", "/\\evil.example/", "/\\/evil.example/", "/%2F%2Fevil.example/", "/%2F%2Fevil.example",
  "/%5Cevil.example/", "/%5C%5Cevil.example/", "/%2F%5Cevil.example/", "/.%2F%2Fevil.example/", "/%09/evil.example/",
  "/db//evil.example/", "/db/%2F%2Fevil.example/", "/db/open//evil.example/", "/-/%2F%2Fevil.example/",
  "/:memory://evil.example", "/:memory:/%2F%2Fevil.example", "/db?sql=x&next=//evil.example", "/db.json?sql=//evil.example",
  "/-", "/db/", "/db/open/", "/db/open/1/", "/https://evil.example/", "/http:%2F%2Fevil.example/",
];

/** A GET sent exactly as written (fetch would normalise the path). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; location?: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, location: res.headers.location });
    });
    req.on("error", reject);
    req.end();
  });
}

/** A Location must resolve to this server: a path, never a scheme-relative or absolute URL elsewhere. */
function assertSameSite(base: string, location: string, context: string): void {
  assert.ok(!/^[/\\]{2}/.test(location), `${context}: ${location} is scheme-relative`);
  assert.ok(!/^[a-z][a-z0-9+.-]*:/i.test(location), `${context}: ${location} is absolute`);
  assert.equal(new URL(location, base).origin, new URL(base).origin, `${context}: ${location}`);
}

for (const baseUrl of ["/", "/prefix/"]) {
  describe(`redirects with base_url ${baseUrl}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: SECRET, root: true, settings: { base_url: baseUrl } });
    });
    after(() => server.close());

    test("hostile paths redirect (if at all) only to this site", async () => {
      let redirects = 0;
      for (const path of HOSTILE_PATHS) {
        for (const p of baseUrl === "/" ? [path] : [path, baseUrl.replace(/\/$/, "") + path]) {
          const r = await rawGet(server.url, p);
          assert.ok(r.status < 500, `${p}: ${r.status}`);
          if (r.location === undefined) continue;
          redirects++;
          assertSameSite(server.url, r.location, p);
          if (baseUrl !== "/") assert.ok(r.location.startsWith(baseUrl), `${p} → ${r.location} keeps base_url`);
        }
      }
      assert.ok(redirects > 10, "the paths do exercise the redirects");
    });

    test("the root sign-in link goes home, whatever next= says", async () => {
      const token = issueRootToken(server.app.almanac);
      const r = await rawGet(server.url, `${baseUrl}-/auth-token?token=${token}&next=//evil.example/&redirect_to=https://evil.example/`);
      assert.equal(r.status, 302);
      assert.equal(r.location, baseUrl);
    });

    test("logging out goes home, whatever next= says", async () => {
      for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
        const r = await server.get(`${baseUrl}-/logout?next=${encodeURIComponent(next)}`, { method: "POST", ...as({ id: "alice" }) });
        assert.equal(r.status, 302);
        assert.equal(r.headers.get("location"), baseUrl, next);
      }
    });
  });
}
