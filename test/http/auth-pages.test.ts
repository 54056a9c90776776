/** @module --root's one-time link, /-/logout, /-/actor and /-/create-token over HTTP against the real server. */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { runServe } from "../../src/cli/serve.js";
import type { Io } from "../../src/cli/io.js";
import { startServer, type TestServer } from "../fixtures/server.js";
import { SECRET, as, authDatabase, bearer, cookieFor, eventsPluginDir, recordedEvents, setCookie } from "../security/auth-fixtures.js";
import { issueRootToken } from "../../src/pages/auth.js";

/** Run `almanac serve` in this process with a real app; resolves once `ready(stdout)` holds. */
function serveInProcess(files: string[], flags: Record<string, unknown>, env: Record<string, string>, ready: (out: string) => boolean) {
  let out = "";
  let err = "";
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let started!: () => void;
  const up = new Promise<void>((resolve) => (started = resolve));
  const io: Io = {
    stdout: (t) => {
      out += typeof t === "string" ? t : Buffer.from(t).toString("utf8");
      if (ready(out)) started();
    },
    stderr: (t) => void (err += t),
    env,
  };
  const done = runServe(files, { host: "127.0.0.1", port: 0, ...flags }, io, { waitForStop: () => stopped });
  done.catch(() => started());
  return { up, out: () => out, err: () => err, stop: async () => (stop(), await done) };
}

describe("--root", () => {
  test("serve --root prints the one-time link once listening; it signs root in once, then says it was used", async () => {
    const served = serveInProcess([authDatabase()], { root: true, secret: SECRET }, {}, (out) => /auth-token\?token=/.test(out));
    await served.up;
    try {
      const link = /^(http:\/\/127\.0\.0\.1:\d+\/)-\/auth-token\?token=([0-9a-f]{64})$/m.exec(served.out());
      assert.ok(link, served.out());
      const [url, base] = link;
      assert.equal(served.err(), "", "a secret was given: no notice");

      const wrong = await fetch(`${base}-/auth-token?token=${"0".repeat(64)}`, { redirect: "manual" });
      assert.equal(wrong.status, 403);
      assert.match(await wrong.text(), /Invalid token/);
      const empty = await fetch(`${base}-/auth-token`, { redirect: "manual" });
      assert.equal(empty.status, 403);

      const r = await fetch(url, { redirect: "manual" });
      assert.equal(r.status, 302);
      assert.equal(r.headers.get("location"), "/");
      const cookie = setCookie(r, "ds_actor");
      assert.ok(cookie, "sets ds_actor");
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      const actor = await fetch(`${base}-/actor.json`, { headers: { cookie: cookie.split(";")[0] } });
      assert.deepEqual(await actor.json(), { ok: true, actor: { id: "root" } });

      // Used: the same link (from another browser, without the cookie) is refused, clearly.
      const again = await fetch(url, { redirect: "manual" });
      assert.equal(again.status, 403);
      assert.match(await again.text(), /Root token has already been used/);
      // Root already signed in: the link just goes home.
      const signedIn = await fetch(url, { redirect: "manual", headers: { cookie: cookie.split(";")[0] } });
      assert.equal(signedIn.status, 302);
    } finally {
      await served.stop();
    }
  });

  test("without a secret, serve says at start-up that sign-ins will not survive a restart", async () => {
    const served = serveInProcess([authDatabase()], {}, {}, (out) => /serving at/.test(out));
    await served.up;
    await served.stop();
    assert.match(served.err(), /^almanac: no --secret .* will not survive a restart\n$/);
    const withEnv = serveInProcess([authDatabase()], {}, { DATASETTE_SECRET: "x" }, (out) => /serving at/.test(out));
    await withEnv.up;
    await withEnv.stop();
    assert.equal(withEnv.err(), "");
    assert.doesNotMatch(withEnv.out(), /auth-token/, "no link without --root");
  });

  test("without --root, /-/auth-token refuses with a clear message, and {\"id\": \"root\"} is an ordinary actor", async () => {
    const server = await startServer({ databases: [{ path: authDatabase(), immutable: false }], secret: SECRET });
    try {
      const r = await server.get("/-/auth-token?token=abc");
      assert.equal(r.status, 403);
      assert.match(await r.text(), /not enabled.*--root/);
      assert.throws(() => issueRootToken(server.app.almanac), /--root/);
      assert.equal((await server.get("/-/permissions", as({ id: "root" }))).status, 403);
    } finally {
      await server.close();
    }
  });
});

describe("logout and the actor", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ databases: [{ path: authDatabase(), immutable: false }], secret: SECRET, pluginsDir: eventsPluginDir() });
  });
  after(() => server.close());

  test("/-/actor(.json) is the request's actor, anonymous included; the HTML twin shows it", async () => {
    assert.deepEqual((await server.json("/-/actor.json")).body, { ok: true, actor: null });
    assert.deepEqual((await server.json("/-/actor.json", as({ id: "alice", roles: ["staff"] }))).body, { ok: true, actor: { id: "alice", roles: ["staff"] } });
    const page = await server.get("/-/actor", as({ id: "alice" }));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /alice/);
  });

  test("GET /-/logout: a form with one POST button for a cookie session, never framed", async () => {
    const r = await server.get("/-/logout", as({ id: "alice" }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-security-policy"), "frame-ancestors 'none'");
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    const body = await r.text();
    assert.match(body, /<form class="core auth-form" action="\/-\/logout" method="post">/);
    assert.match(body, /logged in as <strong>alice<\/strong>/);
  });

  test("GET /-/logout without a cookie session says there is nothing to log out of", async () => {
    assert.match(await (await server.get("/-/logout")).text(), /not logged in with a cookie/);
    const token = await (await server.get("/-/logout", bearer("alice"))).text();
    assert.match(token, /API token/);
    assert.doesNotMatch(token, /method="post"/);
  });

  test("POST /-/logout clears the cookie, queues 'You are now logged out', fires logout and goes home", async () => {
    recordedEvents().length = 0;
    const r = await server.get("/-/logout", { method: "POST", ...as({ id: "alice" }) });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/");
    const cleared = setCookie(r, "ds_actor");
    assert.match(cleared!, /^ds_actor=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=\/; SameSite=Lax; HttpOnly/);
    const messages = setCookie(r, "ds_messages")!.split(";")[0];
    const home = await (await server.get("/", { headers: { cookie: messages } })).text();
    assert.match(home, /message-warning">You are now logged out</);
    assert.deepEqual(recordedEvents().map((e) => [e.name, e.actor]), [["logout", { id: "alice" }]]);
  });

  test("POST /-/logout without a cookie session still clears any cookie, and says so honestly", async () => {
    recordedEvents().length = 0;
    const r = await server.get("/-/logout", { method: "POST", headers: { cookie: "ds_actor=forged.value" } });
    assert.equal(r.status, 302);
    assert.match(setCookie(r, "ds_actor")!, /Max-Age=0/);
    assert.deepEqual(recordedEvents(), [], "no logout event for no session");
  });

  test("a cross-site POST to /-/logout is refused; a same-origin one is not", async () => {
    const cross = await server.get("/-/logout", { method: "POST", headers: { ...as({ id: "alice" }).headers, "sec-fetch-site": "cross-site" } });
    assert.equal(cross.status, 403);
    assert.equal(setCookie(cross, "ds_actor"), undefined);
    const same = await server.get("/-/logout", { method: "POST", headers: { ...as({ id: "alice" }).headers, "sec-fetch-site": "same-origin" } });
    assert.equal(same.status, 302);
  });
});

describe("/-/create-token", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      databases: [{ path: authDatabase(), immutable: false }],
      secret: SECRET,
      pluginsDir: eventsPluginDir(),
      config: { databases: { db: { tables: { secret: { allow: { id: "agent" } } } } } },
    });
  });
  after(() => server.close());

  const post = (body: string, actor: Record<string, unknown> = { id: "agent" }) =>
    server.get("/-/create-token", { method: "POST", headers: { ...as(actor).headers, "content-type": "application/x-www-form-urlencoded" }, body });
  const tokenIn = async (r: Response) => {
    const m = /value="(dstok_[^"]+)"/.exec(await r.text());
    assert.ok(m, "the page shows the token");
    return m[1];
  };

  test("refused, with Datasette's reasons: anonymous, an actor without an id, a token actor", async () => {
    const anon = await server.get("/-/create-token");
    assert.equal(anon.status, 403);
    assert.match(await anon.text(), /must be logged in to create a token/);
    const noId = await server.get("/-/create-token", as({ name: "no id" }));
    assert.equal(noId.status, 403);
    assert.match(await noId.text(), /actor with an ID/);
    const viaToken = await server.get("/-/create-token", bearer("agent"));
    assert.equal(viaToken.status, 403);
    assert.match(await viaToken.text(), /Token authentication cannot be used to create additional tokens/);
    // A cookie carrying a token-derived actor cannot mint either.
    assert.equal((await server.get("/-/create-token", as({ id: "agent", token: "dstok" }))).status, 403);
    assert.equal((await post("", { id: "agent", token: "dstok" })).status, 403);
  });

  test("the form lists what the actor can see; it is never framed or cached", async () => {
    const r = await server.get("/-/create-token", as({ id: "agent" }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-security-policy"), "frame-ancestors 'none'");
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    const body = await r.text();
    assert.match(body, /name="all:view-table"/);
    assert.match(body, /name="database:db:execute-sql"/);
    assert.match(body, /name="resource:db:secret:view-table"/);
    const other = await (await server.get("/-/create-token", as({ id: "someone" }))).text();
    assert.doesNotMatch(other, /resource:db:secret:/, "a table the actor cannot see is not offered");
  });

  test("a token made on the page works over HTTP, carries its restrictions and expiry, and fires create-token", async () => {
    recordedEvents().length = 0;
    const r = await post("expire_type=hours&expire_duration=2&database:db:view-database=on&resource:db:secret:view-table=on&resource:db:open:view-table=on");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    const token = await tokenIn(r);
    const me = await server.json("/-/actor.json", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.body.actor.id, "agent");
    assert.equal(me.body.actor.token, "dstok");
    assert.deepEqual(me.body.actor._r, { d: { db: ["vd"] }, r: { db: { secret: ["vt"], open: ["vt"] } } });
    assert.ok(me.body.actor.token_expires - Date.now() / 1000 > 7000);
    const auth = { headers: { authorization: `Bearer ${token}` } };
    assert.equal((await server.get("/db/secret.json", auth)).status, 200);
    assert.equal((await server.get("/db/other.json", auth)).status, 403, "not in the restrictions");
    assert.equal((await server.get("/.json", auth)).status, 403, "no view-instance");
    const event = recordedEvents().find((e) => e.name === "create-token");
    assert.deepEqual(event?.properties, { expires_after: 7200, restrict_all: [], restrict_database: { db: ["vd"] }, restrict_resource: { db: { secret: ["vt"], open: ["vt"] } } });
  });

  test("bad input is shown on the form (400), never a 500: units, durations, unknown actions", async () => {
    for (const [body, message] of [
      ["expire_type=weeks&expire_duration=1", /Invalid expire duration unit/],
      ["expire_type=days&expire_duration=0", /Invalid expire duration/],
      ["expire_type=days&expire_duration=abc", /Invalid expire duration/],
      ["all:fly-to-the-moon=on", /unknown action &#39;fly-to-the-moon&#39;/],
    ] as const) {
      const r = await post(body);
      assert.equal(r.status, 400, body);
      assert.match(await r.text(), message, body);
    }
  });

  test("a table name with a colon travels tilde-encoded in the field name", async () => {
    const token = await tokenIn(await post("resource:db:we~3Aird:view-table=on&database:db:es=on"));
    const me = await server.json("/-/actor.json", { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(me.body.actor._r, { d: { db: ["es"] }, r: { db: { "we:ird": ["vt"] } } });
  });

  test("refused when allow_signed_tokens is off", async () => {
    const off = await startServer({ databases: [{ path: authDatabase(), immutable: false }], secret: SECRET, settings: { allow_signed_tokens: false } });
    try {
      const r = await off.get("/-/create-token", as({ id: "agent" }));
      assert.equal(r.status, 403);
      assert.match(await r.text(), /Signed tokens are not enabled/);
    } finally {
      await off.close();
    }
  });

  test("max_signed_tokens_ttl caps what the page makes", async () => {
    const capped = await startServer({ databases: [{ path: authDatabase(), immutable: false }], secret: SECRET, settings: { max_signed_tokens_ttl: 600 } });
    try {
      const form = await capped.get("/-/create-token", as({ id: "agent" }));
      assert.match(await form.text(), /at most 600 seconds/);
      for (const body of ["", "expire_type=days&expire_duration=3"]) {
        const r = await capped.get("/-/create-token", { method: "POST", headers: { ...as({ id: "agent" }).headers, "content-type": "application/x-www-form-urlencoded" }, body });
        const token = await tokenIn(r);
        const me = await capped.json("/-/actor.json", { headers: { authorization: `Bearer ${token}` } });
        assert.ok(me.body.actor.token_expires - Date.now() / 1000 <= 600, body);
      }
    } finally {
      await capped.close();
    }
  });

  test("a cross-site POST cannot mint a token", async () => {
    const r = await server.get("/-/create-token", { method: "POST", headers: { ...as({ id: "agent" }).headers, origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" }, body: "" });
    assert.equal(r.status, 403);
    assert.doesNotMatch(await r.text(), /dstok_/);
  });

  test("a signed cookie from another secret does not count as signed in", async () => {
    const r = await server.get("/-/create-token", { headers: { cookie: cookieFor({ id: "agent" }, { secret: "another" }) } });
    assert.equal(r.status, 403);
  });
});
