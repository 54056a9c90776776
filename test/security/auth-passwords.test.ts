/**
 * @module Security (attack class 11, password login; class 7 for `next`): the built-in password plugin
 * (datasette-auth-passwords) over the real demo database with the seed metadata — Basic credentials,
 * http_basic_auth, the login form, identical answers for unknown users and wrong passwords, `next`, rate
 * limits per account and per address (429 with Retry-After), malformed Basic headers as 401s, the
 * verification cache, start-up checks of configured hashes, the password tool. Rate limits and the cache are driven by
 * the plugin's injectable clock and a counting verifier: nothing here sleeps or times anything.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildServeOptions } from "../../src/cli/serve.js";
import { hashPassword, verifyPassword } from "../../src/auth/passwords.js";
import { startServer, tempDir, pluginsDir, type TestServer } from "../fixtures/server.js";
import { SEED_METADATA } from "../fixtures/seed.js";
import { executableScripts, parseHtml } from "../fixtures/html-check.js";
import { createToken } from "../../src/auth/tokens.js";
import { signerFor } from "../../src/auth/signer.js";
import { passwordState } from "../../plugins/auth-passwords/index.js";
import { PasswordGuard } from "../../plugins/auth-passwords/guard.js";

const CHALLENGE = 'Basic realm="Almanac", charset="UTF-8"';
const basic = (credentials: string | Buffer) => "Basic " + Buffer.from(credentials).toString("base64");
const API_USER = { authorization: basic("someusername:password!") };
const CHEAP_HASH = "pbkdf2_sha256$1$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0="; // "hello"

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields).toString() };
}

/** The `name=value` part of a Set-Cookie for `name`, and the whole header. */
function cookie(r: Response, name: string): { pair: string; header: string } | null {
  const header = r.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return header ? { pair: header.split(";")[0], header } : null;
}

/** A form page's HTML, checked: 200, not frameable, well-formed, no inline script. */
async function formPage(r: Response): Promise<string> {
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-security-policy"), "frame-ancestors 'none'");
  const html = await r.text();
  const page = parseHtml(html);
  assert.deepEqual(page.problems, []);
  assert.deepEqual(executableScripts(page).filter((s) => !s.tag.attrs.some(([k]) => k === "src")), [], "external scripts only");
  return html;
}

let dir: string;
let dbPath: string;

/** A server over the demo database with the seed metadata, changed by `edit` (a deep copy). */
async function seedServer(edit: (meta: typeof SEED_METADATA & Record<string, any>) => void = () => undefined): Promise<TestServer> {
  const meta = structuredClone(SEED_METADATA) as typeof SEED_METADATA & Record<string, any>;
  edit(meta);
  const file = join(tempDir(), "metadata.json");
  writeFileSync(file, JSON.stringify(meta));
  return startServer(await buildServeOptions([dbPath], { metadata: file }, process.env, () => undefined));
}

/** The plugin's block in a seed copy. */
const plugin = (meta: Record<string, any>) => meta.plugins["datasette-auth-passwords"] as Record<string, unknown>;

/**
 * Replace a server's guard: a fresh one (no failures, empty cache) counting verifications, on a clock the
 * test moves. `cheap`: the seed account's password is "password!" without running PBKDF2 (rate-limit tests
 * make dozens of attempts; what they check is the counting, not the hashing).
 */
function freshGuard(server: TestServer, opts: { cheap?: boolean } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const state = passwordState(server.app.almanac);
  state.guard = new PasswordGuard(state.config);
  const calls: string[] = [];
  const seedHash = state.config.accounts.get("someusername")?.hash;
  state.guard.now = () => clock.now;
  state.guard.verify = (password, stored) => {
    calls.push(stored);
    return opts.cheap ? Promise.resolve(stored === seedHash && password === "password!") : verifyPassword(password, stored);
  };
  return { guard: state.guard, calls, clock };
}

before(() => {
  dir = tempDir();
  dbPath = join(dir, "bigmac.db");
  const built = spawnSync(process.execPath, ["demo/build.js", dbPath], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
});

describe("the seed set-up: http_basic_auth on", () => {
  let server: TestServer;
  before(async () => {
    server = await seedServer();
  });
  after(() => server.close());
  beforeEach(() => void freshGuard(server));

  test("an anonymous request for the table is a 401 with WWW-Authenticate (JSON error)", async () => {
    const r = await server.json("/bigmac/bigmac.json");
    assert.equal(r.status, 401);
    assert.equal(r.headers.get("www-authenticate"), CHALLENGE);
    assert.equal(r.body.ok, false);
    assert.doesNotMatch(JSON.stringify(r.body), /Argentina|ARG/);
  });

  test("every route is behind the challenge: pages, static files, plugin pages, unknown paths, redirects", async () => {
    for (const path of ["/", "/bigmac", "/-/versions.json", "/-/static-plugins/datasette-auth-passwords/auth-passwords.css", "/-/login", "/-/password-tool", "/no/such/thing", "/bigmac/bigmac/", "/bigmac/big%6Dac"]) {
      const r = await server.get(path);
      assert.equal(r.status, 401, path);
      assert.equal(r.headers.get("www-authenticate"), CHALLENGE, path);
      assert.doesNotMatch(await r.text(), /Argentina/, path);
    }
  });

  test("curl -u someusername:password! gets the rows; the HTML page shows the actor's name", async () => {
    const r = await server.json("/bigmac/bigmac.json?_size=3", { headers: API_USER });
    assert.equal(r.status, 200);
    assert.equal(r.body.rows.length, 3);
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    const page = await server.get("/bigmac/bigmac", { headers: API_USER });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<span class="actor" title="Signed in">API user<\/span>/);
  });

  test("wrong credentials and an unknown user are 401s with the challenge, like no credentials", async () => {
    for (const credentials of ["someusername:wrong", "nobody:password!", "someusername:"]) {
      const r = await server.json("/bigmac/bigmac.json", { headers: { authorization: basic(credentials) } });
      assert.equal(r.status, 401, credentials);
      assert.equal(r.headers.get("www-authenticate"), CHALLENGE);
    }
  });

  test("a cookie session passes too (signed in through /-/login with Basic credentials, then the cookie alone)", async () => {
    const login = await server.get("/-/login", form({ username: "someusername", password: "password!" }, API_USER));
    assert.equal(login.status, 302);
    const session = cookie(login, "ds_actor");
    assert.ok(session);
    const r = await server.json("/bigmac/bigmac.json?_size=1", { headers: { cookie: session.pair } });
    assert.equal(r.status, 200);
    const forged = await server.json("/bigmac/bigmac.json", { headers: { cookie: session.pair.slice(0, -2) + "xx" } });
    assert.equal(forged.status, 401);
  });

  test("an Almanac API token (dstok_) passes too; a forged one is a 401", async () => {
    const token = createToken(signerFor(server.app.almanac), "someusername");
    const r = await server.json("/bigmac/bigmac.json?_size=1", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    const forged = await server.json("/bigmac/bigmac.json", { headers: { authorization: `Bearer ${token.slice(0, -2)}xx` } });
    assert.equal(forged.status, 401);
  });

  test("no 'Log in' link in the menu: the browser asks for Basic credentials itself", async () => {
    const r = await server.get("/", { headers: { authorization: basic("someusername:wrong") } });
    assert.equal(r.status, 401);
    assert.doesNotMatch(await r.text(), /\/-\/login/);
  });
});

describe("http_basic_auth off: the login form, Basic credentials for scripts", () => {
  let server: TestServer;
  let fresh: ReturnType<typeof freshGuard>;
  before(async () => {
    server = await seedServer((meta) => delete plugin(meta).http_basic_auth);
  });
  after(() => server.close());
  beforeEach(() => {
    fresh = freshGuard(server);
  });

  test("anonymous visitors cannot see the database; the menu offers 'Log in' back to the page", async () => {
    const denied = await server.json("/bigmac/bigmac.json");
    assert.ok(denied.status === 403 || denied.status === 404, `status ${denied.status}`);
    const index = await (await server.get("/?x=1")).text();
    assert.match(index, /<a href="\/-\/login\?next=%2F%3Fx%3D1">Log in<\/a>/);
    const login = await (await server.get("/-/login")).text();
    assert.doesNotMatch(login, />Log in<\/a>/, "no link to the page itself");
  });

  test("the login form: labelled fields with autocomplete, no inline script, not frameable", async () => {
    const html = await formPage(await server.get("/-/login?next=/bigmac"));
    assert.match(html, /<label for="login-username">Username<\/label>/);
    assert.match(html, /<input type="text" id="login-username" name="username" value="" autocomplete="username"/);
    assert.match(html, /<label for="login-password">Password<\/label>/);
    assert.match(html, /<input type="password" id="login-password" name="password" autocomplete="current-password"/);
    assert.match(html, /<input type="hidden" name="next" value="\/bigmac">/);
    assert.match(html, /<form class="auth-form" action="\/-\/login" method="post">/);
  });

  test("logging in sets the ds_actor cookie (HttpOnly, SameSite=Lax) and goes to the root; the table is then visible with Log out", async () => {
    const r = await server.get("/-/login", form({ username: "someusername", password: "password!" }));
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/");
    const session = cookie(r, "ds_actor");
    assert.ok(session);
    assert.match(session.header, /; HttpOnly/);
    assert.match(session.header, /; SameSite=Lax/);
    assert.doesNotMatch(session.header, /; Secure/);
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    const messages = cookie(r, "ds_messages");
    assert.ok(messages, "a flash message says who is logged in");
    const table = await server.get("/bigmac/bigmac", { headers: { cookie: `${session.pair}; ${messages.pair}` } });
    assert.equal(table.status, 200);
    const html = await table.text();
    assert.match(html, /You are now logged in as API user/);
    assert.match(html, /<form class="nav-menu-logout" action="\/-\/logout" method="post"><button type="submit">Log out<\/button><\/form>/);
    assert.doesNotMatch(html, />Log in<\/a>/);
    const rows = await server.json("/bigmac/bigmac.json?_size=1", { headers: { cookie: session.pair } });
    assert.equal(rows.status, 200);
    assert.equal(rows.body.rows.length, 1);
  });

  test("a safe next is followed; open-redirect attempts land on the site's root", async () => {
    freshGuard(server, { cheap: true });
    const go = async (next: string) => (await server.get("/-/login", form({ username: "someusername", password: "password!", next }))).headers.get("location");
    assert.equal(await go("/bigmac/bigmac?_size=5&iso_a3=CHE"), "/bigmac/bigmac?_size=5&iso_a3=CHE");
    for (const next of ["//evil.example", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "https://evil.example", "http:evil.example", "%2F%2Fevil.example", "/\t/evil.example", "javascript:alert(1)", "evil.example", "/\u0000//evil.example"]) {
      const location = await go(next);
      assert.equal(location, "/", `next=${JSON.stringify(next)} went to ${location}`);
    }
    // From the query string too (the menu's link), with the same checks.
    const viaQuery = await server.get("/-/login?next=%2F%2Fevil.example", form({ username: "someusername", password: "password!" }));
    assert.equal(viaQuery.headers.get("location"), "/");
    const viaQueryOk = await server.get("/-/login?next=%2Fbigmac", form({ username: "someusername", password: "password!" }));
    assert.equal(viaQueryOk.headers.get("location"), "/bigmac");
  });

  test("a wrong password and an unknown user get the same answer, each after one verification at the same cost", async () => {
    const wrong = await server.get("/-/login", form({ username: "someusername", password: "nope" }));
    const unknown = await server.get("/-/login", form({ username: "nobody", password: "nope" }));
    assert.equal(wrong.status, 200);
    assert.equal(unknown.status, 200);
    const [a, b] = [await wrong.text(), await unknown.text()];
    assert.match(a, /<p class="auth-error" id="login-error" role="alert">Invalid username or password<\/p>/);
    assert.equal(a.replace('value="someusername"', ""), b.replace('value="nobody"', ""));
    assert.deepEqual([...wrong.headers.keys()].sort(), [...unknown.headers.keys()].sort());
    assert.equal(cookie(wrong, "ds_actor"), null);
    assert.equal(fresh.calls.length, 2, "one PBKDF2 each");
    const iterations = fresh.calls.map((h) => h.split("$")[1]);
    assert.deepEqual(iterations, ["480000", "480000"]);
    assert.notEqual(fresh.calls[1], fresh.calls[0], "the unknown user is checked against a dummy hash");
  });

  test("an empty field is asked for again without a verification", async () => {
    const r = await server.get("/-/login", form({ username: "someusername", password: "" }));
    assert.equal(r.status, 200);
    assert.match(await r.text(), /Enter your username and password\./);
    assert.equal(fresh.calls.length, 0);
  });

  test("rate limit per account: the sixth failure within 15 minutes is a 429 with Retry-After, for unknown users too; the window passes", async () => {
    for (const username of ["someusername", "nobody"]) {
      fresh = freshGuard(server, { cheap: true });
      for (let i = 0; i < 5; i++) {
        const r = await server.get("/-/login", form({ username, password: `guess${i}` }));
        assert.equal(r.status, 200);
      }
      const limited = await server.get("/-/login", form({ username, password: "password!" }));
      assert.equal(limited.status, 429, username);
      assert.equal(limited.headers.get("retry-after"), "900");
      assert.match(await limited.text(), /Too many failed login attempts\. Try again in 15 minutes\./);
      assert.equal(cookie(limited, "ds_actor"), null, "not even the right password gets in while locked");
      assert.equal(fresh.calls.length, 5, "no verification while locked");
      // Basic credentials for the same account are limited too.
      const viaBasic = await server.json("/bigmac/bigmac.json", { headers: { authorization: basic(`${username}:password!`) } });
      assert.equal(viaBasic.status, 429);
      assert.equal(viaBasic.headers.get("retry-after"), "900");
      fresh.clock.now += 600_000;
      assert.equal((await server.get("/-/login", form({ username, password: "x" }))).headers.get("retry-after"), "300");
      fresh.clock.now += 300_001;
      const later = await server.get("/-/login", form({ username, password: username === "someusername" ? "password!" : "x" }));
      assert.equal(later.status, username === "someusername" ? 302 : 200);
    }
  });

  test("a success resets the account's count", async () => {
    freshGuard(server, { cheap: true });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) assert.equal((await server.get("/-/login", form({ username: "someusername", password: "no" }))).status, 200);
      assert.equal((await server.get("/-/login", form({ username: "someusername", password: "password!" }))).status, 302);
    }
  });

  test("rate limit per address: 20 failures over many usernames, then 429 for any username", async () => {
    freshGuard(server, { cheap: true });
    for (let i = 0; i < 20; i++) assert.equal((await server.get("/-/login", form({ username: `user${i}`, password: "x" }))).status, 200);
    const r = await server.get("/-/login", form({ username: "someusername", password: "password!" }));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("retry-after"), "900");
  });

  test("Basic credentials: right → the account's actor; wrong → anonymous (no challenge when http_basic_auth is off)", async () => {
    const ok = await server.json("/bigmac/bigmac.json?_size=1", { headers: API_USER });
    assert.equal(ok.status, 200);
    const wrong = await server.json("/bigmac/bigmac.json", { headers: { authorization: basic("someusername:nope") } });
    assert.notEqual(wrong.status, 200);
    assert.notEqual(wrong.status, 401);
    assert.equal(wrong.headers.get("www-authenticate"), null);
    const index = await server.get("/", { headers: { authorization: basic("someusername:nope") } });
    assert.equal(index.status, 200, "the public index is still served, anonymously");
  });

  test("malformed Basic headers are 401s with a clear message, never a 500", async () => {
    const headers = [
      "Basic",
      "Basic ",
      "Basic !!!!",
      "Basic abc",
      "Basic " + Buffer.from("no colon here").toString("base64"),
      "Basic " + Buffer.from([0xff, 0xfe, 0x3a, 0x41]).toString("base64"),
      "Basic " + Buffer.from("a:b").toString("base64") + "=",
      "basic " + Buffer.from("a:b").toString("base64").replace(/=/g, "") + "%",
    ];
    for (const authorization of headers) {
      const r = await server.json("/bigmac/bigmac.json", { headers: { authorization } });
      assert.equal(r.status, 401, authorization);
      assert.equal(r.headers.get("www-authenticate"), CHALLENGE);
      assert.match(r.body.error, /^Malformed Basic credentials: /, authorization);
      const page = await server.get("/", { headers: { authorization } });
      assert.equal(page.status, 401);
    }
    assert.equal(fresh.calls.length, 0);
  });

  test("the scheme is case-insensitive and a colon in the password is kept", async () => {
    const state = passwordState(server.app.almanac);
    const hash = await hashPassword("pass:word", { iterations: 1, salt: "abc" });
    state.config.accounts.set("colon", { username: "colon", hash, iterations: 1, actor: { id: "colon" } });
    try {
      const r = await server.json("/bigmac/bigmac.json?_size=1", { headers: { authorization: "bAsIc " + Buffer.from("someusername:password!").toString("base64") } });
      assert.equal(r.status, 200);
      const colon = await server.json("/bigmac/bigmac.json?_size=1", { headers: { authorization: basic("colon:pass:word") } });
      assert.equal(colon.status, 200);
      const split = await server.json("/bigmac/bigmac.json?_size=1", { headers: { authorization: basic("colon:pass") } });
      assert.notEqual(split.status, 200);
    } finally {
      state.config.accounts.delete("colon");
    }
  });

  test("Basic verifications are cached: 50 requests, 25 of them at once, cost one PBKDF2; the cache expires; failures are not cached", async () => {
    for (let i = 0; i < 25; i++) assert.equal((await server.json("/bigmac/bigmac.json?_size=1", { headers: API_USER })).status, 200);
    assert.equal(fresh.calls.length, 1);
    fresh = freshGuard(server);
    const together = await Promise.all(Array.from({ length: 25 }, () => server.json("/bigmac/bigmac.json?_size=1", { headers: API_USER })));
    assert.deepEqual(new Set(together.map((r) => r.status)), new Set([200]));
    assert.equal(fresh.calls.length, 1, "concurrent first requests share one verification");
    fresh.clock.now += 5 * 60_000 + 1;
    assert.equal((await server.json("/bigmac/bigmac.json?_size=1", { headers: API_USER })).status, 200);
    assert.equal(fresh.calls.length, 2, "verified again after basic_auth_cache_seconds");
    for (let i = 0; i < 3; i++) await server.json("/bigmac/bigmac.json", { headers: { authorization: basic("someusername:nope") } });
    assert.equal(fresh.calls.length, 5);
  });

  test("the login event reaches track_event hooks", async () => {
    const events: unknown[] = [];
    (globalThis as Record<string, unknown>).__passwordEvents = events;
    const hooked = await startServer({
      ...(await buildServeOptions([dbPath], { metadata: writeMeta((meta) => delete plugin(meta).http_basic_auth) }, process.env, () => undefined)),
      pluginsDir: pluginsDir({ "events.mjs": "export default { track_event({ event }) { globalThis.__passwordEvents.push(event); } };" }),
    });
    try {
      const r = await hooked.get("/-/login", form({ username: "someusername", password: "password!" }));
      assert.equal(r.status, 302);
      assert.equal(events.length, 1);
      const event = events[0] as { name: string; actor: unknown };
      assert.equal(event.name, "login");
      assert.deepEqual(event.actor, { id: "someusername", name: "API user" });
    } finally {
      await hooked.close();
    }
  });

  test("/-/plugins.json?all=1 lists the plugin under Datasette's name, with its hooks, templates and static files", async () => {
    const r = await server.json("/-/plugins.json?all=1");
    const entry = (r.body as { name: string }[]).find((p) => p.name === "datasette-auth-passwords");
    assert.deepEqual(entry, {
      name: "datasette-auth-passwords",
      static: true,
      templates: true,
      version: (entry as unknown as { version: string }).version,
      hooks: ["actor_from_request", "menu_links", "register_commands", "register_routes", "startup"],
    });
    assert.ok(!(await server.json("/-/plugins.json")).body.some((p: { name: string }) => p.name === "datasette-auth-passwords"), "built-ins only with all=1");
  });

  test("a cross-site login post is refused (the core's CSRF check)", async () => {
    const r = await server.get("/-/login", form({ username: "someusername", password: "password!" }, { "sec-fetch-site": "cross-site" }));
    assert.equal(r.status, 403);
    assert.equal(cookie(r, "ds_actor"), null);
  });
});

/** A seed metadata file changed by `edit`; returns its path. */
function writeMeta(edit: (meta: Record<string, any>) => void): string {
  const meta = structuredClone(SEED_METADATA) as Record<string, any>;
  edit(meta);
  const file = join(tempDir(), "metadata.json");
  writeFileSync(file, JSON.stringify(meta));
  return file;
}

describe("the configuration, checked at start-up", () => {
  const startWith = async (edit: (p: Record<string, unknown>) => void) => {
    const file = writeMeta((meta) => edit(plugin(meta)));
    return startServer(await buildServeOptions([dbPath], { metadata: file }, process.env, () => undefined));
  };

  test("a malformed hash stops start-up with one line naming the account", async () => {
    const cases: [string, RegExp][] = [
      ["pbkdf2_sha256$480000$salt", /has four parts/],
      ["md5$1$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=", /the algorithm must be pbkdf2_sha256/],
      ["pbkdf2_sha256$many$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=", /iteration count/],
      ["pbkdf2_sha256$1$abc$short", /44 characters of base64/],
    ];
    for (const [hash, problem] of cases) {
      await assert.rejects(
        startWith((p) => (p.bob_password_hash = hash)),
        (err: Error) => {
          assert.match(err.message, /^plugin datasette-auth-passwords: startup failed: the password hash for account "bob" \(bob_password_hash\) is malformed: /);
          assert.match(err.message, problem);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        },
      );
    }
  });

  test("other mistakes are named too: a mistyped key, http_basic_auth without accounts, a bad limit, a non-string hash", async () => {
    await assert.rejects(startWith((p) => (p.http_basic_aut = true)), /unknown configuration key "http_basic_aut" \(did you mean "http_basic_auth"\?\)/);
    await assert.rejects(startWith((p) => delete p.someusername_password_hash), /http_basic_auth is on but no accounts are configured/);
    await assert.rejects(startWith((p) => (p.max_failures_per_account = -1)), /max_failures_per_account must be a whole number from 0/);
    await assert.rejects(startWith((p) => (p.someusername_password_hash = 42)), /the password hash for account "someusername" \(someusername_password_hash\) must be a string/);
    await assert.rejects(startWith((p) => (p.http_basic_auth = "yes")), /http_basic_auth must be true or false/);
  });

  test("a hash from $env works, with the trailing newline an environment value often has; and from $file", async () => {
    process.env.ALMANAC_TEST_PASSWORD_HASH = `${CHEAP_HASH}\n`;
    const hashFile = join(tempDir(), "hash.txt");
    writeFileSync(hashFile, `${CHEAP_HASH}\n`);
    const server = await startWith((p) => {
      p.someusername_password_hash = { $env: "ALMANAC_TEST_PASSWORD_HASH" };
      p.filed_password_hash = { $file: hashFile };
    });
    try {
      assert.equal((await server.json("/bigmac/bigmac.json?_size=1", { headers: { authorization: basic("someusername:hello") } })).status, 200);
      assert.equal((await server.json("/bigmac/bigmac.json?_size=1", { headers: { authorization: basic("filed:hello") } })).status, 200);
      assert.equal((await server.json("/bigmac/bigmac.json", { headers: { authorization: basic("someusername:password!") } })).status, 401);
      const config = await server.json("/-/config.json", { headers: { authorization: basic("someusername:hello") } });
      assert.doesNotMatch(JSON.stringify(config.body), /pbkdf2|ALMANAC_TEST_PASSWORD_HASH/);
    } finally {
      delete process.env.ALMANAC_TEST_PASSWORD_HASH;
      await server.close();
    }
  });

  test("rate limits are configurable: 2 failures per account, and 0 turns the address limit off", async () => {
    const server = await startWith((p) => {
      delete p.http_basic_auth;
      p.max_failures_per_account = 2;
      p.max_failures_per_address = 0;
      p.failure_window_seconds = 60;
    });
    try {
      freshGuard(server, { cheap: true });
      for (let i = 0; i < 2; i++) assert.equal((await server.get("/-/login", form({ username: "someusername", password: "x" }))).status, 200);
      const r = await server.get("/-/login", form({ username: "someusername", password: "x" }));
      assert.equal(r.status, 429);
      assert.equal(r.headers.get("retry-after"), "60");
      for (let i = 0; i < 30; i++) await server.get("/-/login", form({ username: `u${i}`, password: "x" }));
      assert.equal((await server.get("/-/login", form({ username: "other", password: "x" }))).status, 200, "no address limit");
    } finally {
      await server.close();
    }
  });

  test("without accounts the plugin does nothing but say so on /-/login", async () => {
    const server = await startWith((p) => {
      delete p.http_basic_auth;
      delete p.someusername_password_hash;
      delete p.actors;
    });
    try {
      const login = await server.get("/-/login");
      assert.equal(login.status, 200);
      assert.match(await login.text(), /No accounts are configured on this site/);
      const posted = await server.get("/-/login", form({ username: "someusername", password: "password!" }));
      assert.equal(posted.status, 200);
      assert.equal(cookie(posted, "ds_actor"), null);
      const index = await (await server.get("/")).text();
      assert.doesNotMatch(index, />Log in<\/a>/);
      // Basic headers, even malformed ones, are not this plugin's business then.
      assert.equal((await server.get("/", { headers: { authorization: "Basic !!!" } })).status, 200);
    } finally {
      await server.close();
    }
  });

  test("enabled: false turns the plugin off (no /-/login)", async () => {
    const server = await startWith((p) => {
      for (const k of Object.keys(p)) delete p[k];
      p.enabled = false;
    });
    try {
      assert.equal((await server.get("/-/login")).status, 404);
    } finally {
      await server.close();
    }
  });
});

describe("/-/password-tool", () => {
  let server: TestServer;
  before(async () => {
    server = await seedServer((meta) => delete plugin(meta).http_basic_auth);
  });
  after(() => server.close());
  beforeEach(() => void freshGuard(server));

  test("the page: a labelled password field, its script from the plugin's static files, no inline script, not frameable", async () => {
    const html = await formPage(await server.get("/-/password-tool"));
    assert.match(html, /<script type="module" src="\/-\/static-plugins\/datasette-auth-passwords\/password-tool\.js"><\/script>/);
    assert.match(html, /<input type="password" id="tool-password" name="password" autocomplete="new-password" required>/);
    const script = await server.get("/-/static-plugins/datasette-auth-passwords/password-tool.js");
    assert.equal(script.status, 200);
    assert.match(await script.text(), /PBKDF2/);
  });

  test("without a script, the form posts and the server answers with a hash that verifies", async () => {
    const r = await server.get("/-/password-tool", form({ password: "pässwörd ✓" }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-store");
    const html = await r.text();
    const hash = /id="tool-hash" class="tool-hash" readonly value="([^"]+)"/.exec(html)?.[1];
    assert.ok(hash);
    assert.match(hash, /^pbkdf2_sha256\$480000\$[0-9a-f]{32}\$[A-Za-z0-9+/]{43}=$/);
    assert.ok(await verifyPassword("pässwörd ✓", hash));
    assert.doesNotMatch(html, /pässwörd/, "the password is not echoed");
    const empty = await server.get("/-/password-tool", form({ password: "" }));
    assert.match(await empty.text(), /Type a password to hash\./);
  });
});
