/**
 * @module Unit: the password plugin's parts — its configuration, the failure windows, client addresses,
 * Basic header parsing, the guard's rules (reservations, trusted addresses, bounded tables) and the
 * hash-password prompts. Clocks are plain numbers; verifiers are stubs that resolve when the test says so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { DEFAULTS, readConfig } from "../../plugins/auth-passwords/config.js";
import { FailureLog, PasswordGuard, clientKey, parseBasic } from "../../plugins/auth-passwords/guard.js";
import { safeNext } from "../../plugins/auth-passwords/pages.js";
import { chosenPassword, readSecrets } from "../../plugins/auth-passwords/cli.js";
import { HttpError } from "../../src/http/errors.js";

const HASH = "pbkdf2_sha256$1$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0="; // "hello"
const OLD = "pbkdf2_sha256$260000$a9bb87a3e9d968847a36c50cf1a4ac3d$UO1DUqulWhRLj8UZrnViiu6KaKn0C5M9IZKWB4R9JX4=";

test("configuration: accounts by key (underscores kept), actors, defaults, trimmed hashes, warnings", () => {
  const c = readConfig({ some_user_password_hash: `${HASH}\n`, Root_password_hash: OLD, actors: { Root: { id: "root", roles: ["admin"] }, ghost: { id: "ghost" } } });
  assert.deepEqual([...c.accounts.keys()], ["some_user", "Root"]);
  assert.deepEqual(c.accounts.get("some_user"), { username: "some_user", hash: HASH, iterations: 1, actor: { id: "some_user" } });
  assert.deepEqual(c.accounts.get("Root")?.actor, { id: "root", roles: ["admin"] });
  assert.equal(c.accounts.get("Root")?.iterations, 260000);
  assert.equal(c.httpBasicAuth, false);
  assert.equal(c.maxFailuresPerAccount, DEFAULTS.max_failures_per_account);
  assert.equal(c.failureWindowSeconds, 900);
  assert.equal(c.basicAuthCacheSeconds, 300);
  assert.deepEqual(c.warnings, ["actors.ghost has no ghost_password_hash, so no one can log in as it"]);
  assert.equal(readConfig(undefined).accounts.size, 0);
  assert.equal(readConfig({ a_password_hash: HASH, http_basic_auth: "true", max_failures_per_address: "0" }).httpBasicAuth, true);
  assert.equal(readConfig({ a_password_hash: HASH, max_failures_per_address: "0" }).maxFailuresPerAddress, 0);
});

test("configuration mistakes are one line each", () => {
  const bad: [unknown, RegExp][] = [
    ["nope", /must be an object of settings/],
    [{ _password_hash: HASH }, /has no username before _password_hash/],
    [{ a_password_hash: HASH, actors: [] }, /actors must map usernames to actor objects/],
    [{ a_password_hash: HASH, actors: { a: "a" } }, /actors\.a must be an actor object/],
    [{ a_password_hash: HASH, max_failures_per_acount: 3 }, /unknown configuration key "max_failures_per_acount" \(did you mean "max_failures_per_account"\?\)/],
    [{ a_passwordhash: HASH }, /unknown configuration key "a_passwordhash" \(an account's key ends in _password_hash\)/],
    [{ a_password_hash: HASH, failure_window_seconds: 1.5 }, /failure_window_seconds must be a whole number from 0 to 86,400/],
    [{ a_password_hash: HASH, basic_auth_cache_seconds: 90_000 }, /basic_auth_cache_seconds must be a whole number/],
    [{ a_password_hash: "pbkdf2_sha256$0$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=" }, /account "a" \(a_password_hash\) is malformed: the iteration count/],
    [{ a_password_hash: "pbkdf2_sha256$1$$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=" }, /the salt is empty/],
  ];
  for (const [config, message] of bad) assert.throws(() => readConfig(config), message, JSON.stringify(config));
});

test("FailureLog: max failures within the window, Retry-After until the oldest leaves it, take-backs and resets", () => {
  const log = new FailureLog(3, 60_000);
  for (const t of [0, 10_000, 20_000]) {
    assert.equal(log.retryAfter("k", t), 0);
    log.add("k", t);
  }
  assert.equal(log.retryAfter("k", 20_000), 40);
  assert.equal(log.retryAfter("k", 59_999), 1);
  assert.equal(log.retryAfter("k", 60_000), 0, "the first failure has left the window");
  log.add("k", 60_000);
  assert.equal(log.retryAfter("k", 60_000), 10);
  log.removeOne("k", 60_000);
  assert.equal(log.retryAfter("k", 60_000), 0);
  log.add("k", 60_000);
  log.clear("k");
  assert.equal(log.retryAfter("k", 60_000), 0);
  const off = new FailureLog(0, 60_000);
  for (let i = 0; i < 100; i++) off.add("k", i);
  assert.equal(off.retryAfter("k", 100), 0);
  assert.equal(off.size, 0);
});

test("FailureLog stays bounded: expired keys go first, then the least recently touched", () => {
  const log = new FailureLog(2, 1_000, 100);
  for (let i = 0; i < 1_000; i++) log.add(`user${i}`, i);
  assert.equal(log.size, 100);
  log.add("late", 10_000);
  assert.equal(log.size, 1, "every expired key was swept");
});

test("clientKey: IPv4 as it is, IPv4-mapped unwrapped, IPv6 by its /64", () => {
  assert.equal(clientKey("192.0.2.7"), "192.0.2.7");
  assert.equal(clientKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(clientKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  assert.equal(clientKey("2001:db8:1:2::9"), "2001:db8:1:2::/64");
  assert.equal(clientKey("2001:0db8:0001:0002:ffff::1"), "2001:db8:1:2::/64");
  assert.equal(clientKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(clientKey("::1"), "0:0:0:0::/64");
  assert.equal(clientKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(clientKey(""), "");
});

test("parseBasic: username up to the first colon, UTF-8 text; anything else a 401 with the challenge", () => {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
  assert.deepEqual(parseBasic(`Basic ${b64("alice:pa:ss")}`), { username: "alice", password: "pa:ss" });
  assert.deepEqual(parseBasic(`basic   ${b64("josé:pässwörd ✓")}`), { username: "josé", password: "pässwörd ✓" });
  assert.deepEqual(parseBasic(`Basic ${b64(":")}`), { username: "", password: "" });
  for (const header of ["Basic", "Basic ", "Bearer x", "Basic a", "Basic ab=c", "Basic ====", `Basic ${b64("nocolon")}`, `Basic ${b64(Buffer.from([0xc3, 0x28, 0x3a]))}`, "Basic é"]) {
    assert.throws(
      () => parseBasic(header),
      (err: unknown) => err instanceof HttpError && err.status === 401 && err.headers["www-authenticate"] === 'Basic realm="Almanac", charset="UTF-8"' && /^Malformed Basic credentials: /.test(err.message),
      header,
    );
  }
});

test("safeNext: same-site paths only", () => {
  for (const ok of ["/", "/db/table?x=1#y", "/-/login", "/a//b", "/%2F%2Fevil.example"]) assert.equal(safeNext(ok), ok);
  for (const bad of [null, undefined, "", "//evil.example", "/\\evil.example", "\\/evil.example", "https://evil.example", "http:/evil.example", "javascript:alert(1)", "evil", "/\t/evil.example", "/\n/evil.example", "/ok\\..", "/" + "a".repeat(5000)]) {
    assert.equal(safeNext(bad), null, JSON.stringify(bad));
  }
});

/** A guard over one account ("alice", password "right") whose verifier resolves only when the test releases it. */
function slowGuard(overrides: Record<string, unknown> = {}) {
  const guard = new PasswordGuard(readConfig({ alice_password_hash: HASH, ...overrides }));
  let now = 1_000_000;
  guard.now = () => now;
  const waiting: (() => void)[] = [];
  let calls = 0;
  guard.verify = (password) => {
    calls++;
    return new Promise((resolve) => waiting.push(() => resolve(password === "right")));
  };
  return {
    guard,
    advance: (ms: number) => (now += ms),
    release: () => waiting.splice(0).forEach((go) => go()),
    get calls() {
      return calls;
    },
  };
}

test("failures are counted before verifying: concurrent guesses cannot exceed the limit", async () => {
  const g = slowGuard();
  const attempts = Array.from({ length: 12 }, (_, i) => g.guard.attempt("alice", `guess${i}`, "192.0.2.1"));
  g.release();
  const outcomes = await Promise.all(attempts);
  assert.equal(outcomes.filter((o) => "limited" in o).length, 7);
  assert.equal(g.calls, 5);
});

test("an address that logged in as the account is not locked out by others' failures; the address limit still holds", async () => {
  const g = slowGuard();
  const ok = g.guard.attempt("alice", "right", "192.0.2.1");
  g.release();
  assert.ok("ok" in (await ok) && (await ok as { ok: boolean }).ok);
  for (let i = 0; i < 5; i++) {
    const p = g.guard.attempt("alice", "wrong", `198.51.100.${i}`);
    g.release();
    await p;
  }
  assert.ok(g.guard.retryAfter("alice", "203.0.113.9") > 0, "locked for a stranger");
  assert.equal(g.guard.retryAfter("alice", "192.0.2.1"), 0, "not for the address that logged in");
  const again = g.guard.attempt("alice", "right", "192.0.2.1");
  g.release();
  assert.deepEqual(await again, { ok: true, actor: { id: "alice" }, username: "alice" });
  g.advance(15 * 60_000 + 1);
  assert.equal(g.guard.retryAfter("alice", "203.0.113.9"), 0);
});

test("Basic: concurrent first requests share one verification; the cache is bounded and expires", async () => {
  const g = slowGuard();
  const header = `Basic ${Buffer.from("alice:right").toString("base64")}`;
  const together = Array.from({ length: 10 }, () => g.guard.basic(header, "192.0.2.1"));
  g.release();
  for (const actor of await Promise.all(together)) assert.deepEqual(actor, { id: "alice" });
  assert.equal(g.calls, 1);
  assert.deepEqual(await g.guard.basic(header, "192.0.2.99"), { id: "alice" });
  assert.equal(g.calls, 1);
  g.advance(300_001);
  const later = g.guard.basic(header, "192.0.2.1");
  g.release();
  await later;
  assert.equal(g.calls, 2);
  const wrong = g.guard.basic(`Basic ${Buffer.from("alice:wrong").toString("base64")}`, "192.0.2.1");
  g.release();
  assert.equal(await wrong, null);
  const uncached = slowGuard({ basic_auth_cache_seconds: 0 });
  for (let i = 0; i < 3; i++) {
    const p = uncached.guard.basic(header, "192.0.2.1");
    uncached.release();
    await p;
  }
  assert.equal(uncached.calls, 3);
});

test("memory stays bounded when usernames and addresses are sprayed", async () => {
  const guard = new PasswordGuard(readConfig({ alice_password_hash: HASH, max_failures_per_address: 0 }));
  guard.verify = async () => false;
  for (let i = 0; i < 25_000; i++) await guard.attempt(`user${i}`, "x", `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const sizes = guard.sizes();
  assert.ok(sizes.accounts <= 10_000, JSON.stringify(sizes));
  assert.ok(sizes.addresses <= 10_000, JSON.stringify(sizes));
});

test("hash-password: the password chosen from the lines read", () => {
  assert.equal(chosenPassword(["secret", "secret"], true), "secret");
  assert.equal(chosenPassword(["secret"], false), "secret");
  assert.equal(chosenPassword([" spaced "], false), " spaced ");
  assert.throws(() => chosenPassword([], false), /no password was given/);
  assert.throws(() => chosenPassword([""], false), /the password is empty/);
  assert.throws(() => chosenPassword(["a", "b"], true), /the two passwords do not match/);
  assert.throws(() => chosenPassword(["a"], true), /was not confirmed/);
});

test("hash-password prompts: from a pipe, lines without prompts; at a terminal, prompts and no echo", async () => {
  const piped = new PassThrough();
  const prompts: string[] = [];
  piped.end("first\r\nsecond\nthird\n");
  assert.deepEqual(await readSecrets(["Password: ", "Confirm: "], { input: piped, prompt: (t) => prompts.push(t) }), ["first", "second"]);
  assert.deepEqual(prompts, []);

  const tty = Object.assign(new PassThrough(), { isTTY: true });
  const shown: string[] = [];
  const reading = readSecrets(["Password: ", "Confirm: "], { input: tty, prompt: (t) => shown.push(t) });
  tty.write("hunter2\r");
  tty.write("hunter2\r");
  assert.deepEqual(await reading, ["hunter2", "hunter2"]);
  assert.deepEqual(shown, ["Password: ", "\n", "Confirm: ", "\n"]);

  const ended = new PassThrough();
  ended.end("");
  assert.deepEqual(await readSecrets(["Password: "], { input: ended, prompt: () => undefined }), []);
});

test("clientAddress: the socket's peer, or behind N trusted proxies the Nth X-Forwarded-For entry from the right", async () => {
  const { clientAddress } = await import("../../plugins/auth-passwords/config.js");
  const req = (xff: string | undefined) => ({ remoteAddress: "10.0.0.1", header: (name: string) => (name === "x-forwarded-for" ? xff : undefined) });
  assert.equal(clientAddress(req("1.2.3.4"), 0), "10.0.0.1", "no proxies: the header is the client's word and ignored");
  assert.equal(clientAddress(req("6.6.6.6, 1.2.3.4"), 1), "1.2.3.4", "what the client wrote to the left is ignored");
  assert.equal(clientAddress(req("6.6.6.6, 1.2.3.4, 10.1.1.1"), 2), "1.2.3.4");
  assert.equal(clientAddress(req(undefined), 1), "10.0.0.1", "no header: the connection's address");
  assert.equal(clientAddress(req("1.2.3.4"), 2), "10.0.0.1", "fewer entries than proxies: not trusted");
  assert.equal(readConfig({ trusted_proxy_hops: 1 }).trustedProxyHops, 1);
  assert.equal(readConfig({}).trustedProxyHops, DEFAULTS.trusted_proxy_hops);
});
