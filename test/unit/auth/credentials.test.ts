/** @module Unit: password hashes, the ds_actor cookie and API tokens against the vectors in spec/auth.md. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { hashPassword, parseHash, verifyPassword } from "../../../src/auth/passwords.js";
import { actorCookieValue, base62Decode, base62Encode, readActorCookie } from "../../../src/auth/actor-cookie.js";
import { actorFromToken, createToken } from "../../../src/auth/tokens.js";
import { Signer } from "../../../src/auth/signer.js";
import { HttpError } from "../../../src/http/errors.js";
import { defaultSettings } from "../../../src/config/settings.js";

const VECTORS: [string, string][] = [
  ["password!", "pbkdf2_sha256$260000$a9bb87a3e9d968847a36c50cf1a4ac3d$UO1DUqulWhRLj8UZrnViiu6KaKn0C5M9IZKWB4R9JX4="],
  ["password!", "pbkdf2_sha256$480000$0123456789abcdef0123456789abcdef$QOb6OP4qyVKYSPzrltfB3ME5iR+eU+f1ycVdOhGbJpc="],
  ["pässwörd ✓", "pbkdf2_sha256$480000$0123456789abcdef0123456789abcdef$rH8Y3XeLBwEcvWNPSipT7wg2dc/K6a/sqBbp12DLHZc="],
  ["hello", "pbkdf2_sha256$1$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0="],
];

test("password hashes: every spec vector is reproduced byte for byte and verifies; a wrong password does not", async () => {
  for (const [password, stored] of VECTORS) {
    const { iterations, salt } = parseHash(stored) as { iterations: number; salt: string };
    assert.equal(await hashPassword(password, { iterations, salt }), stored);
    assert.equal(await verifyPassword(password, stored), true);
    assert.equal(await verifyPassword(password + "x", stored), false);
  }
  assert.equal(await verifyPassword("hello", VECTORS[3][1] + "\n"), true, "a trailing newline (from an env var) still verifies");
});

test("new hashes: 480,000 iterations, 32 hex characters of salt, and they verify", async () => {
  const stored = await hashPassword("s3cret", { iterations: 1000 });
  assert.match(stored, /^pbkdf2_sha256\$1000\$[0-9a-f]{32}\$[A-Za-z0-9+/]{43}=$/);
  assert.equal(await verifyPassword("s3cret", stored), true);
  assert.equal(parseHash(await hashPassword("x", { iterations: 1 })).hasOwnProperty("problem"), false);
});

test("malformed stored hashes never verify and are described", async () => {
  for (const bad of ["", "plain text", "md5$1$abc$xyz", "pbkdf2_sha256$many$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=", "pbkdf2_sha256$1$abc", "pbkdf2_sha256$1$$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=", "pbkdf2_sha256$1$abc$short="]) {
    const parsed = parseHash(bad);
    assert.ok("problem" in parsed, bad);
    assert.equal(await verifyPassword("hello", bad), false);
  }
});

test("base62 expiry: Datasette's alphabet (0 → A, 1700000000 → BrDBeq)", () => {
  assert.equal(base62Encode(0), "A");
  assert.equal(base62Encode(1700000000), "BrDBeq");
  assert.equal(base62Decode("BrDBeq"), 1700000000);
  assert.equal(base62Decode("B!"), null);
});

test("ds_actor cookies: the spec's values read as their actors; expiry honoured; forged or foreign-secret cookies are anonymous", () => {
  const signer = new Signer("secret");
  assert.deepEqual(readActorCookie(signer, "eyJhIjp7ImlkIjoicm9vdCJ9fQ.Nyuc5Q7xhxf1VMYzBUosCIdrdW0"), { id: "root" });
  assert.deepEqual(readActorCookie(signer, "eyJhIjp7ImlkIjoiam9zw6kifX0.HeQynyMsoeFGIkjmT863jGw0zEw"), { id: "josé" });
  const expiring = "eyJhIjp7ImlkIjoicm9vdCJ9LCJlIjoiQnJEQmVxIn0.z_L1tHxUNURVP30vGnBM6w0vDN4";
  assert.deepEqual(readActorCookie(signer, expiring, 1699999999), { id: "root" });
  assert.equal(readActorCookie(signer, expiring, 1700000001), null);
  const compressed = ".eJyrVkpUsqpWykxRslIqLU4tUtJRykvMTQXyKugAgLYV5eekFitZRSsVlySmpQEFqEPH1tYCALyXVBA.jomNM96wvzIEbJFWagc4PV7cw7w";
  assert.deepEqual(readActorCookie(signer, compressed), { id: "user", name: "x".repeat(100), roles: Array(10).fill("staff") });
  assert.equal(readActorCookie(new Signer("other"), "eyJhIjp7ImlkIjoicm9vdCJ9fQ.Nyuc5Q7xhxf1VMYzBUosCIdrdW0"), null);
  assert.equal(readActorCookie(signer, "eyJhIjp7ImlkIjoicm9vdCJ9fQ.Nyuc5Q7xhxf1VMYzBUosCIdrdW0".replace("Nyuc", "Nyud")), null);
  assert.equal(readActorCookie(signer, "garbage"), null);
  assert.equal(actorCookieValue(signer, { id: "root" }), "eyJhIjp7ImlkIjoicm9vdCJ9fQ.Nyuc5Q7xhxf1VMYzBUosCIdrdW0");
  assert.equal(actorCookieValue(signer, { id: "root" }, 1700000000), expiring);
});

test("API tokens: round trip, restrictions, expiry capped by max_signed_tokens_ttl, 401 for bad ones", () => {
  const signer = new Signer("secret");
  const settings = defaultSettings();
  const bare = createToken(signer, "root", { now: 1700000000 });
  assert.match(bare, /^dstok_eyJh/, "a bare payload stays uncompressed");
  assert.deepEqual(actorFromToken(signer, bare, settings, 1800000000), { id: "root", token: "dstok" });
  const restricted = createToken(signer, "ana", { now: 1700000000, expiresAfter: 3600, restrictions: { d: { bigmac: ["vt", "vd"] } } });
  assert.deepEqual(actorFromToken(signer, restricted, settings, 1700000100), { id: "ana", token: "dstok", _r: { d: { bigmac: ["vt", "vd"] } }, token_expires: 1700003600 });
  const expectUnauthorized = (fn: () => unknown, message: RegExp) =>
    assert.throws(fn, (err: unknown) => err instanceof HttpError && err.status === 401 && message.test(err.message) && err.headers["www-authenticate"] === 'Bearer error="invalid_token"');
  expectUnauthorized(() => actorFromToken(signer, restricted, settings, 1700003601), /expired/);
  expectUnauthorized(() => actorFromToken(signer, bare, { ...settings, max_signed_tokens_ttl: 60 }, 1700000061), /expired/);
  expectUnauthorized(() => actorFromToken(new Signer("other"), bare, settings), /signature/);
  expectUnauthorized(() => actorFromToken(signer, bare, { ...settings, allow_signed_tokens: false }), /not enabled/);
  expectUnauthorized(() => actorFromToken(signer, "dstok_" + signer.sign({ a: "x" }, "token"), settings), /creation time/);
  expectUnauthorized(() => actorFromToken(signer, "dstok_" + signer.sign({ a: "x", t: 1, d: "long" }, "token"), settings), /duration/);
});
