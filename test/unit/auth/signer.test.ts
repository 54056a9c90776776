/** @module Unit: signed values match Datasette's (itsdangerous) byte for byte — every vector of spec/auth.md. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { deflateSync } from "node:zlib";
import { BadSignature, SignatureExpired, Signer, signerFor } from "../../../src/auth/signer.js";

const signer = new Signer("secret");

const VECTORS: [string, unknown, string][] = [
  ["actor", { a: { id: "root" } }, "eyJhIjp7ImlkIjoicm9vdCJ9fQ.Nyuc5Q7xhxf1VMYzBUosCIdrdW0"],
  ["actor", { a: { id: "root" }, e: "BrDBeq" }, "eyJhIjp7ImlkIjoicm9vdCJ9LCJlIjoiQnJEQmVxIn0.z_L1tHxUNURVP30vGnBM6w0vDN4"],
  ["actor", { a: { id: "josé" } }, "eyJhIjp7ImlkIjoiam9zw6kifX0.HeQynyMsoeFGIkjmT863jGw0zEw"],
  ["default", { x: 1 }, "eyJ4IjoxfQ.iEa6raVP6C9cSGb39y7NkqnKOu0"],
  ["messages", [["You are now logged out", 2]], "W1siWW91IGFyZSBub3cgbG9nZ2VkIG91dCIsMl1d.Xz1GySSi6EM5x4CTSI2Rjirk3mU"],
];

for (const [namespace, value, expected] of VECTORS) {
  test(`sign ${JSON.stringify(value)} in "${namespace}" as Datasette does`, () => {
    assert.equal(signer.sign(value, namespace), expected);
    assert.deepEqual(signer.unsign(expected, namespace), value);
  });
}

test("the default namespace is \"default\"", () => {
  assert.equal(signer.sign({ x: 1 }), "eyJ4IjoxfQ.iEa6raVP6C9cSGb39y7NkqnKOu0");
  assert.deepEqual(signer.unsign("eyJ4IjoxfQ.iEa6raVP6C9cSGb39y7NkqnKOu0"), { x: 1 });
});

test("a compressed value made by Datasette verifies", () => {
  const token = ".eJyrVkpUsqpWykxRslIqLU4tUtJRykvMTQXyKugAgLYV5eekFitZRSsVlySmpQEFqEPH1tYCALyXVBA.jomNM96wvzIEbJFWagc4PV7cw7w";
  assert.deepEqual(signer.unsign(token, "actor"), { a: { id: "user", name: "x".repeat(100), roles: Array(10).fill("staff") } });
});

test("values that compress well are signed compressed and round-trip", () => {
  const value = [["x".repeat(200), 1]];
  const token = signer.sign(value, "messages");
  assert.ok(token.startsWith(".eJ"), token);
  assert.deepEqual(signer.unsign(token, "messages"), value);
});

test("another namespace, another secret, or a changed payload or signature is refused", () => {
  const token = signer.sign({ a: { id: "root" } }, "actor");
  assert.throws(() => signer.unsign(token, "messages"), BadSignature);
  assert.throws(() => new Signer("other").unsign(token, "actor"), BadSignature);
  const [payload, sig] = token.split(".");
  const forged = Buffer.from(JSON.stringify({ a: { id: "admin" } })).toString("base64url");
  assert.throws(() => signer.unsign(`${forged}.${sig}`, "actor"), BadSignature);
  assert.throws(() => signer.unsign(`${payload}.${sig.slice(0, -2)}`, "actor"), BadSignature);
  assert.throws(() => signer.unsign(`${payload}.${sig}!`, "actor"), BadSignature);
  assert.throws(() => signer.unsign(payload, "actor"), BadSignature);
  assert.throws(() => signer.unsign("", "actor"), BadSignature);
});

test("a signed value that is not JSON, or inflates past the limit, is refused", () => {
  const notJson = Buffer.from("not json").toString("base64url");
  const sign = (text: string) => `${text}.${Buffer.from(createHmacFor("actor", text)).toString("base64url")}`;
  assert.throws(() => signer.unsign(sign(notJson), "actor"), /not JSON/);
  const bomb = "." + deflateSync(Buffer.from(`"${"a".repeat(2 * 1024 * 1024)}"`)).toString("base64url");
  assert.throws(() => signer.unsign(sign(bomb), "actor"), /decompress/);
});

test("timed values use URLSafeTimedSerializer's format and honour maxAge", () => {
  // Made with itsdangerous 2.2: URLSafeTimedSerializer("secret", salt="messages").dumps(...) at time 1700000000.
  const datasetteMade = "W1siaGVsbG8iLDFdXQ.ZVPxAA.8nxwU4B__Tl_gwSGacr-wSmoHCU";
  assert.equal(signer.sign([["hello", 1]], "messages", { timed: true, now: 1_700_000_000 }), datasetteMade);
  assert.deepEqual(signer.unsign(datasetteMade, "messages", { maxAge: 60, now: 1_700_000_030 }), [["hello", 1]]);
  assert.deepEqual(signer.unsign(datasetteMade, "messages", { timed: true }), [["hello", 1]]);
  assert.throws(() => signer.unsign(datasetteMade, "messages", { maxAge: 60, now: 1_700_000_061 }), SignatureExpired);
  // An untimed value has no timestamp to check; a timed one is not a plain value.
  assert.throws(() => signer.unsign(signer.sign([1], "messages"), "messages", { maxAge: 60 }), BadSignature);
  assert.throws(() => signer.unsign(datasetteMade, "messages"), BadSignature);
});

test("signerFor keeps one signer per holder of a secret", () => {
  const holder = { secret: "secret" };
  assert.equal(signerFor(holder), signerFor(holder));
  assert.equal(signerFor(holder).sign({ x: 1 }), "eyJ4IjoxfQ.iEa6raVP6C9cSGb39y7NkqnKOu0");
  assert.throws(() => new Signer(""), /secret/);
});

/** A signature made by hand (the same derivation), to sign payloads the Signer would never produce. */
function createHmacFor(namespace: string, text: string): Buffer {
  const key = createHash("sha1").update(namespace + "signer" + "secret").digest();
  return createHmac("sha1", key).update(text).digest();
}
