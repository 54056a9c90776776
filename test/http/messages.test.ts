/** @module HTTP: flash messages in the signed `ds_messages` cookie — shown once, cleared, forged cookies ignored; the `/-/messages` page. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { Signer } from "../../src/auth/signer.js";

let server: TestServer;
const signer = new Signer("messages-test-secret");

before(async () => {
  const path = makeDatabase(join(tempDir(), "data.db"), "create table t (id integer primary key)");
  server = await startServer({ databases: [{ path, immutable: false }], secret: "messages-test-secret" });
});
after(() => server.close());

function cookieOf(value: string): Record<string, string> {
  return { cookie: `ds_messages=${value}` };
}

function shownMessages(html: string): string[] {
  return [...html.matchAll(/<p class="message (message-\w+)">([^<]*)<\/p>/g)].map((m) => `${m[1]}:${m[2]}`);
}

test("a message made by Datasette (same secret) shows once on the next HTML page, then the cookie is cleared", async () => {
  const r = await server.get("/", { headers: cookieOf(signer.sign([["You are now logged out", 2]], "messages")) });
  assert.equal(r.status, 200);
  assert.deepEqual(shownMessages(await r.text()), ["message-warning:You are now logged out"]);
  const cleared = r.headers.get("set-cookie")!;
  assert.match(cleared, /^ds_messages=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=\/; SameSite=Lax/);
});

test("the three types render with Datasette's classes, escaped", async () => {
  const value = signer.sign([["<b>info</b>", 1], ["warn", 2], ["err", 3]], "messages");
  const html = await (await server.get("/-/versions", { headers: cookieOf(value) })).text();
  assert.deepEqual(shownMessages(html), ["message-info:&lt;b&gt;info&lt;/b&gt;", "message-warning:warn", "message-error:err"]);
  assert.match(html, /<div class="messages" role="status">/);
});

test("JSON responses leave the messages for the next HTML page", async () => {
  const r = await server.get("/.json", { headers: cookieOf(signer.sign([["later", 1]], "messages")) });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("set-cookie"), null);
});

test("a sub-resource request (an image that 404s) does not swallow the messages", async () => {
  const r = await server.get("/missing.png", { headers: { ...cookieOf(signer.sign([["later", 1]], "messages")), "sec-fetch-dest": "image" } });
  assert.equal(r.status, 404);
  assert.equal(r.headers.get("set-cookie"), null);
  assert.deepEqual(shownMessages(await r.text()), []);
});

test("a forged, foreign or malformed cookie shows nothing and is cleared", async () => {
  const forged = Buffer.from(JSON.stringify([["<script>x</script>", 1]])).toString("base64url") + ".AAAA";
  const otherSecret = new Signer("another").sign([["hi", 1]], "messages");
  const otherNamespace = signer.sign([["hi", 1]], "actor");
  const wrongShape = signer.sign({ not: "a list" }, "messages");
  const badType = signer.sign([["hi", 7], [5, 1]], "messages");
  for (const value of [forged, otherSecret, otherNamespace, wrongShape, badType, "garbage", ""]) {
    const r = await server.get("/", { headers: cookieOf(value) });
    const html = await r.text();
    assert.deepEqual(shownMessages(html), [], value);
    assert.ok(!html.includes("<script>x"), value);
    if (value) assert.match(r.headers.get("set-cookie") ?? "", /^ds_messages=; /, value);
  }
});

/** The messages form, posted as a browser on this site would (the server's CSRF check reads Sec-Fetch-Site). */
function post(fields: Record<string, string>, headers: Record<string, string> = { "sec-fetch-site": "same-origin" }) {
  return server.get("/-/messages", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields).toString() });
}

test("/-/messages shows a labelled form", async () => {
  const r = await server.get("/-/messages");
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.match(html, /<form class="core messages-debug-form" action="\/-\/messages" method="post">/);
  assert.match(html, /<label for="message-text">Message<\/label>/);
  assert.match(html, /<label for="message-type">Type<\/label>/);
  for (const v of ["INFO", "WARNING", "ERROR", "all"]) assert.ok(html.includes(`<option value="${v}">`), v);
});

test("submitting the form from this site adds the message and redirects home, where it shows once", async () => {
  const r = await post({ message: "Hello <there>", message_type: "WARNING" });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), "/");
  const setCookie = r.headers.get("set-cookie")!;
  assert.match(setCookie, /^ds_messages=[\w.-]+; Path=\/; SameSite=Lax; HttpOnly$/);
  const value = setCookie.split(";")[0].slice("ds_messages=".length);
  assert.deepEqual(signer.unsign(value, "messages"), [["Hello <there>", 2]]);
  const home = await server.get("/", { headers: cookieOf(value) });
  assert.deepEqual(shownMessages(await home.text()), ["message-warning:Hello &lt;there&gt;"]);
  assert.match(home.headers.get("set-cookie")!, /^ds_messages=; /);
});

test("message_type=all adds one of each; messages already queued are kept", async () => {
  const earlier = signer.sign([["first", 1]], "messages");
  const r = await post({ message: "x", message_type: "all" }, { ...cookieOf(earlier), "sec-fetch-site": "same-origin" });
  const value = r.headers.get("set-cookie")!.split(";")[0].slice("ds_messages=".length);
  assert.deepEqual(signer.unsign(value, "messages"), [["first", 1], ["x", 1], ["x", 2], ["x", 3]]);
});

test("an empty message goes back to the form with an error message; an unknown type is a 400", async () => {
  const r = await post({ message: "", message_type: "INFO" });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), "/-/messages");
  const value = r.headers.get("set-cookie")!.split(";")[0].slice("ds_messages=".length);
  assert.deepEqual(signer.unsign(value, "messages"), [["Type a message to add", 3]]);
  assert.equal((await post({ message: "x", message_type: "DEBUG" })).status, 400);
});

test("GET and HEAD never add a message (the form posts), and the form cannot be framed", async () => {
  for (const method of ["GET", "HEAD"]) {
    const r = await server.get("/-/messages?message=x", { method, headers: { "sec-fetch-site": "same-origin" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("set-cookie"), null);
    assert.equal(r.headers.get("content-security-policy"), "frame-ancestors 'none'");
  }
});

test("another site cannot plant messages: cross-site requests are refused", async () => {
  const cases: Record<string, string>[] = [
    { "sec-fetch-site": "cross-site" },
    { "sec-fetch-site": "same-site" },
    { origin: "https://evil.example" },
    { origin: "null" },
  ];
  for (const headers of cases) {
    const r = await post({ message: "Your session expired", message_type: "ERROR" }, headers);
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.equal(r.headers.get("set-cookie"), null, JSON.stringify(headers));
  }
  const host = new URL(server.url).host;
  const sameSite: Record<string, string>[] = [{ origin: `http://${host}` }, {}];
  for (const headers of sameSite) {
    const r = await post({ message: "ok" }, headers);
    assert.equal(r.status, 302, JSON.stringify(headers));
  }
});

test("the messages page needs view-instance", async () => {
  const path = makeDatabase(join(tempDir(), "x.db"), "create table t (id integer primary key)");
  const denied = await startServer({ databases: [{ path, immutable: false }], defaultDeny: true });
  try {
    assert.equal((await denied.get("/-/messages")).status, 403);
    assert.equal((await denied.get("/-/messages?message=x", { headers: { "sec-fetch-site": "same-origin" } })).status, 403);
  } finally {
    await denied.close();
  }
});

test("without a configured secret, cookies still round-trip within the process", async () => {
  const path = makeDatabase(join(tempDir(), "y.db"), "create table t (id integer primary key)");
  const random = await startServer({ databases: [{ path, immutable: false }] });
  try {
    const r = await random.get("/-/messages", { method: "POST", headers: { "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" }, body: "message=hi" });
    const value = r.headers.get("set-cookie")!.split(";")[0].slice("ds_messages=".length);
    assert.throws(() => signer.unsign(value, "messages"));
    assert.deepEqual(shownMessages(await (await random.get("/", { headers: cookieOf(value) })).text()), ["message-info:hi"]);
  } finally {
    await random.close();
  }
});
