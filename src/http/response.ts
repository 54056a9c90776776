/** @module Responses as values: pages return one, the server writes it. */
import { randomBytes } from "node:crypto";

/**
 * A streamed body (exports): the server writes each piece as the socket accepts it, and calls the
 * iterator's `return()` if the client goes away or the request was a HEAD — which cancels the query.
 */
export type StreamedBody = AsyncIterable<string | Buffer> & AsyncIterator<string | Buffer>;

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer | StreamedBody;
  /** `Set-Cookie` values, each its own header (a `set-cookie` in `headers` is sent too). */
  cookies?: string[];
}

/** Add a `Set-Cookie` to a reply. */
export function addCookie(reply: Reply, cookie: string): Reply {
  (reply.cookies ??= []).push(cookie);
  return reply;
}

/** Every `Set-Cookie` value of a reply. */
export function replyCookies(reply: Reply): string[] {
  const fromHeader = reply.headers["set-cookie"];
  return [...(fromHeader ? [fromHeader] : []), ...(reply.cookies ?? [])];
}

/** Whether a reply's body is streamed (no Content-Length; chunked transfer encoding). */
export function isStreamed(body: Reply["body"]): body is StreamedBody {
  return typeof body !== "string" && !Buffer.isBuffer(body);
}

// A per-process nonce keeps a stored string from ever posing as a sentinel.
const NONCE = randomBytes(6).toString("hex");
const SENTINEL = `\u0000${NONCE}:`;
const SENTINEL_RE = new RegExp(`"\\\\u0000${NONCE}:(-?(?:\\d+|Infinity))"`, "g");

/**
 * JSON.stringify, plus: BigInt written as a bare number (64-bit integers keep every digit) and, with
 * `infinity`, ±Infinity written as bare `Infinity` the way Python's json module does (`_json_infinity=on`).
 */
export function toJson(value: unknown, infinity = false): string {
  const out = JSON.stringify(value, (_k, v) => {
    if (typeof v === "bigint") return SENTINEL + v.toString();
    if (infinity && typeof v === "number" && (v === Infinity || v === -Infinity)) return SENTINEL + String(v);
    return v;
  });
  return out.replace(SENTINEL_RE, "$1");
}

export function jsonBody(value: unknown, infinity = false): string {
  if (infinity) return toJson(value, true);
  // The fast path costs nothing: only a BigInt (a 64-bit integer) makes JSON.stringify throw.
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof TypeError && /BigInt/i.test(err.message)) return toJson(value);
    throw err;
  }
}

export function json(value: unknown, status = 200, headers: Record<string, string> = {}, infinity = false): Reply {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body: jsonBody(value, infinity) };
}

export function text(body: string, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers }, body };
}

export function html(body: string, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "content-type": "text/html; charset=utf-8", ...headers }, body };
}

/** For pages whose forms change state: no other site may frame them (clickjacking). */
export const NO_FRAMING: Readonly<Record<string, string>> = { "content-security-policy": "frame-ancestors 'none'", "x-frame-options": "DENY" };

/** A redirect to a same-site path: leading runs of `/` and `\` collapse so the target can never be another host. */
export function redirect(location: string, status = 302): Reply {
  const safe = location.replace(/^[/\\]+/, "/");
  return { status, headers: { location: safe }, body: "" };
}

/** Datasette's error object: `{"ok": false, "error", "errors", "status"}` plus context keys. */
export function jsonError(messages: string[], status: number, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Reply {
  // Key order as Datasette emits it: context such as "rows" first, "truncated" last.
  const { truncated, ...before } = extra;
  const body: Record<string, unknown> = { ok: false, ...before, error: messages.join("; "), errors: messages, status };
  if (truncated !== undefined) body.truncated = truncated;
  return json(body, status, headers);
}

/**
 * A reply a plugin handed back, checked before it is sent: a status from 100 to 599, headers of strings and
 * a string, Buffer or async-iterable body. Returns a description of what is wrong, or null when it is fine.
 */
export function replyProblem(value: unknown): string | null {
  if (!value || typeof value !== "object") return `not a reply object (got ${value === null ? "null" : typeof value})`;
  const r = value as Record<string, unknown>;
  if (typeof r.status !== "number" || !Number.isInteger(r.status) || r.status < 100 || r.status > 599) return `status must be an integer from 100 to 599 (got ${JSON.stringify(r.status)})`;
  if (r.headers !== undefined && (typeof r.headers !== "object" || r.headers === null || Object.values(r.headers).some((v) => typeof v !== "string"))) {
    return "headers must be an object of strings";
  }
  const body = r.body;
  const streamed = body !== null && typeof body === "object" && Symbol.asyncIterator in body && typeof (body as { next?: unknown }).next === "function";
  if (typeof body !== "string" && !Buffer.isBuffer(body) && !streamed) return "body must be a string, a Buffer or an async iterator";
  return null;
}
