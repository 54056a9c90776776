/**
 * @module The `ds_actor` cookie (Datasette §7.2): `sign({"a": actor, "e"?: base62(expiry)}, "actor")`, so a
 * Datasette secret and its cookies keep working. A bad signature or a past expiry reads as anonymous.
 */
import { BadSignature, type Signer } from "./signer.js";
import type { Actor } from "./permissions.js";

export const ACTOR_COOKIE = "ds_actor";
const NAMESPACE = "actor";
const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz";

/** Unix seconds in Datasette's base62 (0 → "A", 1700000000 → "BrDBeq"). */
export function base62Encode(n: number): string {
  let v = Math.floor(n);
  if (v <= 0) return BASE62[0];
  let out = "";
  while (v > 0) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

export function base62Decode(text: string): number | null {
  if (!text || text.length > 12) return null;
  let n = 0;
  for (const ch of text) {
    const digit = BASE62.indexOf(ch);
    if (digit === -1) return null;
    n = n * 62 + digit;
  }
  return n;
}

/** The cookie's value for `actor`, expiring at `expiresAt` (unix seconds) when given. */
export function actorCookieValue(signer: Signer, actor: Record<string, unknown>, expiresAt?: number): string {
  const value: Record<string, unknown> = { a: actor };
  if (expiresAt !== undefined) value.e = base62Encode(expiresAt);
  return signer.sign(value, NAMESPACE);
}

/** The actor a cookie value carries, or null when it is forged, malformed or expired. */
export function readActorCookie(signer: Signer, cookie: string, now = Date.now() / 1000): Actor {
  let value: unknown;
  try {
    value = signer.unsign(cookie, NAMESPACE);
  } catch (err) {
    if (err instanceof BadSignature) return null;
    throw err;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const { a: actor, e: expiry } = value as { a?: unknown; e?: unknown };
  if (!actor || typeof actor !== "object" || Array.isArray(actor)) return null;
  if (expiry !== undefined) {
    const at = typeof expiry === "string" ? base62Decode(expiry) : null;
    if (at === null || at < now) return null;
  }
  return actor as Record<string, unknown>;
}
