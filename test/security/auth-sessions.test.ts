/**
 * @module Attack class 10: sessions, cookies and tokens. Tampered, foreign-secret, wrong-namespace and expired
 * cookies are anonymous (never an error); Datasette's cookies verify; tokens expire and respect
 * max_signed_tokens_ttl; restricted actors and tokens cannot mint tokens; logout clears the cookie; a new
 * secret invalidates every cookie and token; the cookie is HttpOnly, SameSite=Lax and Secure under https.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { Signer } from "../../src/auth/signer.js";
import { createToken } from "../../src/auth/tokens.js";
import { issueRootToken } from "../../src/pages/auth.js";
import { SECRET, as, authDatabase, bearer, cookieFor, setCookie } from "./auth-fixtures.js";

const now = () => Math.floor(Date.now() / 1000);
const actorOf = async (server: TestServer, init?: RequestInit) => {
  const r = await server.json("/-/actor.json", init);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.actor;
};
const withCookie = (value: string) => ({ headers: { cookie: `ds_actor=${value}` } });

describe("cookies", () => {
  let server: TestServer;
  let datasette: TestServer;
  before(async () => {
    server = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: SECRET, root: true });
    // Secret "secret", as the vectors in spec/auth.md were signed by Datasette.
    datasette = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: "secret" });
  });
  after(async () => {
    await server.close();
    await datasette.close();
  });

  test("a good cookie signs its actor in; tampering with any part of it makes the request anonymous", async () => {
    const good = cookieFor({ id: "alice" }).slice("ds_actor=".length);
    assert.deepEqual(await actorOf(server, withCookie(good)), { id: "alice" });
    const [payload, signature] = [good.slice(0, good.lastIndexOf(".")), good.slice(good.lastIndexOf(".") + 1)];
    const forgedPayload = Buffer.from(JSON.stringify({ a: { id: "root" } })).toString("base64url");
    for (const bad of [
      `${forgedPayload}.${signature}`,
      `${payload}.${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`,
      `${payload}.`,
      payload,
      `${payload}x.${signature}`,
      `.${payload}.${signature}`,
      "",
      "%zz",
      "a".repeat(5000),
    ]) {
      assert.equal(await actorOf(server, withCookie(bad)), null, bad.slice(0, 60));
    }
  });

  test("a cookie signed with another secret, or in another namespace, is anonymous", async () => {
    assert.equal(await actorOf(server, { headers: { cookie: cookieFor({ id: "root" }, { secret: "someone-elses" }) } }), null);
    const messages = new Signer(SECRET).sign({ a: { id: "root" } }, "messages");
    assert.equal(await actorOf(server, withCookie(messages)), null);
    const tokenNamespace = new Signer(SECRET).sign({ a: { id: "root" } }, "token");
    assert.equal(await actorOf(server, withCookie(tokenNamespace)), null);
  });

  test("expiry is enforced; a malformed expiry or actor is anonymous", async () => {
    assert.equal(await actorOf(server, { headers: { cookie: cookieFor({ id: "alice" }, { expiresAt: now() - 1 }) } }), null);
    assert.deepEqual(await actorOf(server, { headers: { cookie: cookieFor({ id: "alice" }, { expiresAt: now() + 60 }) } }), { id: "alice" });
    const signer = new Signer(SECRET);
    for (const value of [{ a: { id: "x" }, e: "!!" }, { a: { id: "x" }, e: 12 }, { a: "root" }, { a: ["root"] }, { a: null }, ["a"], "root"]) {
      assert.equal(await actorOf(server, withCookie(signer.sign(value, "actor"))), null, JSON.stringify(value));
    }
  });

  test("Datasette's cookies (spec/auth.md vectors, secret 'secret') verify; its expired one does not", async () => {
    assert.deepEqual(await actorOf(datasette, withCookie("eyJhIjp7ImlkIjoicm9vdCJ9fQ.Nyuc5Q7xhxf1VMYzBUosCIdrdW0")), { id: "root" });
    assert.deepEqual(await actorOf(datasette, withCookie("eyJhIjp7ImlkIjoiam9zw6kifX0.HeQynyMsoeFGIkjmT863jGw0zEw")), { id: "josé" });
    const compressed = ".eJyrVkpUsqpWykxRslIqLU4tUtJRykvMTQXyKugAgLYV5eekFitZRSsVlySmpQEFqEPH1tYCALyXVBA.jomNM96wvzIEbJFWagc4PV7cw7w";
    assert.deepEqual(await actorOf(datasette, withCookie(compressed)), { id: "user", name: "x".repeat(100), roles: Array(10).fill("staff") });
    // {"a":{"id":"root"},"e":"BrDBeq"}: expired in November 2023.
    assert.equal(await actorOf(datasette, withCookie("eyJhIjp7ImlkIjoicm9vdCJ9LCJlIjoiQnJEQmVxIn0.z_L1tHxUNURVP30vGnBM6w0vDN4")), null);
    // And a cookie Almanac signs with that secret is Datasette's byte for byte.
    assert.equal(new Signer("secret").sign({ a: { id: "root" } }, "actor"), "eyJhIjp7ImlkIjoicm9vdCJ9fQ.Nyuc5Q7xhxf1VMYzBUosCIdrdW0");
  });

  test("the cookie Almanac sets: HttpOnly, SameSite=Lax, Path=/, an expiry, and not Secure over plain http", async () => {
    const r = await server.get(`/-/auth-token?token=${issueRootToken(server.app.almanac)}`);
    const cookie = setCookie(r, "ds_actor")!;
    assert.match(cookie, /^ds_actor=[^;]+; Max-Age=\d+; Path=\/; SameSite=Lax; HttpOnly$/);
    // The expiry is inside the signed value too, so a copied cookie dies with it.
    const value = cookie.slice("ds_actor=".length, cookie.indexOf(";"));
    const inner = new Signer(SECRET).unsign(decodeURIComponent(value), "actor") as { e?: string };
    assert.equal(typeof inner.e, "string");
  });

  test("logout clears the cookie: the emptied cookie is anonymous", async () => {
    const r = await server.get("/-/logout", { method: "POST", ...as({ id: "alice" }) });
    const cleared = setCookie(r, "ds_actor")!;
    assert.match(cleared, /^ds_actor=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=\/; SameSite=Lax; HttpOnly/);
    assert.equal(await actorOf(server, { headers: { cookie: "ds_actor=" } }), null);
  });
});

test("under force_https_urls (https) the cookies are Secure", async () => {
  const server = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: SECRET, root: true, settings: { force_https_urls: true } });
  try {
    const r = await server.get(`/-/auth-token?token=${issueRootToken(server.app.almanac)}`);
    assert.match(setCookie(r, "ds_actor")!, /; HttpOnly; Secure$/);
    const out = await server.get("/-/logout", { method: "POST", ...as({ id: "alice" }) });
    assert.match(setCookie(out, "ds_actor")!, /; Secure$/);
  } finally {
    await server.close();
  }
});

describe("tokens", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: SECRET, settings: { max_signed_tokens_ttl: 3600 } });
  });
  after(() => server.close());

  const status = async (init: RequestInit) => (await server.get("/-/actor.json", init)).status;

  test("expired tokens are a 401; live ones work", async () => {
    assert.equal(await status(bearer("a", { expiresAfter: 60, now: now() - 61 })), 401);
    assert.equal(await status(bearer("a", { expiresAfter: 60, now: now() - 30 })), 200);
  });

  test("max_signed_tokens_ttl caps every token, those without a duration and those with a longer one", async () => {
    assert.equal(await status(bearer("a", { now: now() - 3601 })), 401, "no duration: capped");
    assert.equal(await status(bearer("a", { expiresAfter: 86400, now: now() - 3601 })), 401, "longer: capped");
    const fresh = await server.json("/-/actor.json", bearer("a", { expiresAfter: 86400 }));
    assert.ok(fresh.body.actor.token_expires <= now() + 3600);
  });

  test("a tampered token, a foreign one and one made elsewhere are 401s with WWW-Authenticate", async () => {
    const good = createToken(new Signer(SECRET), "a");
    for (const token of [good.slice(0, -2) + "xx", createToken(new Signer("other"), "a"), "dstok_", "dstok_garbage", `dstok_${new Signer(SECRET).sign({ a: "a" }, "token")}`, `dstok_${new Signer(SECRET).sign({ a: "a", t: "yesterday" }, "token")}`]) {
      const r = await server.get("/-/actor.json", { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 401, token);
      assert.equal(r.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
    }
    // A Bearer value that is not ours is left to other sources: anonymous.
    assert.equal(await status({ headers: { authorization: "Bearer something-else" } }), 200);
  });

  test("tokens are refused when allow_signed_tokens is off", async () => {
    const off = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: SECRET, settings: { allow_signed_tokens: false } });
    try {
      assert.equal((await off.get("/-/actor.json", bearer("a"))).status, 401);
    } finally {
      await off.close();
    }
  });

  test("restricted actors and tokens cannot mint tokens", async () => {
    for (const init of [bearer("a"), bearer("a", { restrictions: { a: ["vi"] } }), as({ id: "a", _r: { a: ["vi"] } }), as({ id: "a", token: "dstok" })]) {
      const page = await server.get("/-/create-token", init);
      assert.equal(page.status, 403);
      const made = await server.get("/-/create-token", { method: "POST", headers: { ...init.headers, "content-type": "application/x-www-form-urlencoded" }, body: "" });
      assert.equal(made.status, 403);
      assert.doesNotMatch(await made.text(), /dstok_/);
    }
  });
});

test("rotating the secret invalidates every cookie and token made with the old one", async () => {
  const path = authDatabase();
  const old = await startServer({ databases: [{ path, immutable: true }], secret: "old-secret" });
  const cookie = cookieFor({ id: "alice" }, { secret: "old-secret" });
  const token = `Bearer ${createToken(new Signer("old-secret"), "alice")}`;
  assert.deepEqual((await old.json("/-/actor.json", { headers: { cookie } })).body.actor, { id: "alice" });
  assert.equal((await old.json("/-/actor.json", { headers: { authorization: token } })).body.actor.id, "alice");
  await old.close();
  const rotated = await startServer({ databases: [{ path, immutable: true }], secret: "new-secret" });
  try {
    assert.equal((await rotated.json("/-/actor.json", { headers: { cookie } })).body.actor, null);
    assert.equal((await rotated.get("/-/actor.json", { headers: { authorization: token } })).status, 401);
  } finally {
    await rotated.close();
  }
});
