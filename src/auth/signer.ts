/**
 * @module Signed values in Datasette's format (itsdangerous' `URLSafeSerializer(secret, salt=namespace)`), so a
 * cookie or token made by Datasette with the same secret verifies here and the other way round:
 * `payload.signature`, payload = base64url(compact JSON) or `.` + base64url(zlib(JSON)) when that is shorter,
 * signature = base64url(HMAC-SHA1(SHA1(namespace + "signer" + secret), payload)). With `timed`, the format of
 * `URLSafeTimedSerializer`: `payload.timestamp.signature`, the timestamp (unix seconds, big-endian bytes,
 * base64url) covered by the signature, so `unsign(…, {maxAge})` can refuse old values.
 * Used for the `ds_messages` cookie now and, later, `ds_actor` and API tokens.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { deflateSync, inflateSync } from "node:zlib";

/** The signature does not match (tampered, another secret or another namespace) or the value is malformed. */
export class BadSignature extends Error {}

/** The signature is good but the value is older than `maxAge`. */
export class SignatureExpired extends BadSignature {}

export interface SignOptions {
  /** Add a timestamp (URLSafeTimedSerializer's format). */
  timed?: boolean;
  /** Unix seconds to stamp (tests); defaults to now. */
  now?: number;
}

export interface UnsignOptions {
  /** Expect a timestamped value; implied by `maxAge`. */
  timed?: boolean;
  /** Refuse timestamped values older than this many seconds. */
  maxAge?: number;
  /** Unix seconds to measure age against (tests); defaults to now. */
  now?: number;
}

/** Decompressed payloads larger than this are refused: a small cookie must not inflate into a huge string. */
const MAX_DECOMPRESSED_BYTES = 1024 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function b64encode(bytes: Buffer): string {
  return bytes.toString("base64url");
}

/** Strict base64url: Buffer.from() silently skips characters it does not know, itsdangerous refuses them. */
function b64decode(text: string): Buffer {
  if (!BASE64URL.test(text) || text.length % 4 === 1) throw new BadSignature("Invalid base64 in signed value");
  return Buffer.from(text, "base64url");
}

/** Python's `json.dumps(value, separators=(",", ":"), ensure_ascii=False)` for JSON-able values. */
function compactJson(value: unknown): Buffer {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("Only JSON-serialisable values can be signed");
  return Buffer.from(text, "utf8");
}

function encodePayload(value: unknown): string {
  const json = compactJson(value);
  const compressed = deflateSync(json);
  return compressed.length < json.length - 1 ? `.${b64encode(compressed)}` : b64encode(json);
}

function decodePayload(payload: string): unknown {
  const compressed = payload.startsWith(".");
  let bytes = b64decode(compressed ? payload.slice(1) : payload);
  if (compressed) {
    try {
      bytes = inflateSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    } catch {
      throw new BadSignature("Could not decompress the signed value");
    }
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new BadSignature("The signed value is not JSON");
  }
}

/** itsdangerous' int_to_bytes: big-endian, no leading zero bytes. */
function intToBytes(n: number): Buffer {
  const out: number[] = [];
  for (let v = Math.floor(n); v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Buffer.from(out);
}

function bytesToInt(bytes: Buffer): number {
  let n = 0;
  for (const b of bytes) n = n * 256 + b;
  return n;
}

export class Signer {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly secret: string) {
    if (!secret) throw new Error("A signing secret must not be empty");
  }

  /** itsdangerous' "django-concat" key derivation: SHA1(salt + "signer" + secret). */
  private key(namespace: string): Buffer {
    let key = this.keys.get(namespace);
    if (!key) {
      key = createHash("sha1").update(Buffer.from(namespace + "signer" + this.secret, "utf8")).digest();
      this.keys.set(namespace, key);
    }
    return key;
  }

  private signature(namespace: string, text: string): Buffer {
    return createHmac("sha1", this.key(namespace)).update(text, "utf8").digest();
  }

  /** Sign a JSON-able value in a namespace (Datasette's `datasette.sign(value, namespace)`). */
  sign(value: unknown, namespace = "default", options: SignOptions = {}): string {
    let text = encodePayload(value);
    if (options.timed) text += `.${b64encode(intToBytes(options.now ?? Date.now() / 1000))}`;
    return `${text}.${b64encode(this.signature(namespace, text))}`;
  }

  /** The value inside a signed string; throws BadSignature (or SignatureExpired) rather than trust it. */
  unsign(token: string, namespace = "default", options: UnsignOptions = {}): unknown {
    if (typeof token !== "string") throw new BadSignature("No signed value");
    const cut = token.lastIndexOf(".");
    if (cut === -1) throw new BadSignature("No signature in the signed value");
    const text = token.slice(0, cut);
    const given = b64decode(token.slice(cut + 1));
    const expected = this.signature(namespace, text);
    // Equal lengths first: timingSafeEqual needs them, and the expected length is no secret.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new BadSignature("Signature does not match");
    if (!options.timed && options.maxAge === undefined) return decodePayload(text);
    const stampAt = text.lastIndexOf(".");
    if (stampAt <= 0) throw new BadSignature("The signed value has no timestamp");
    const stamp = bytesToInt(b64decode(text.slice(stampAt + 1)));
    const value = decodePayload(text.slice(0, stampAt));
    if (options.maxAge !== undefined) {
      const age = (options.now ?? Date.now() / 1000) - stamp;
      if (age > options.maxAge) throw new SignatureExpired(`Signature age ${Math.floor(age)} > ${options.maxAge} seconds`);
    }
    return value;
  }
}

const signers = new WeakMap<object, Signer>();

/** The signer for an app's secret (one per app; the secret is random per process unless configured). */
export function signerFor(holder: { secret: string }): Signer {
  let signer = signers.get(holder);
  if (!signer) {
    signer = new Signer(holder.secret);
    signers.set(holder, signer);
  }
  return signer;
}
