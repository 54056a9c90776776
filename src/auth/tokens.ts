/**
 * @module API tokens (Datasette §7.3): `dstok_` + `sign({"a": actor_id, "t": created, "d"?: seconds, "_r"?: …},
 * "token")`, sent as `Authorization: Bearer dstok_…`. A token that is not ours is not our business (another
 * source may claim it); one that is ours but bad, expired or disabled is a 401.
 */
import { HttpError } from "../http/errors.js";
import type { Settings } from "../config/settings.js";
import { BadSignature, type Signer } from "./signer.js";

export const TOKEN_PREFIX = "dstok_";
const NAMESPACE = "token";

export interface TokenOptions {
  /** Seconds until it expires; omitted → no expiry of its own (max_signed_tokens_ttl may still cap it). */
  expiresAfter?: number;
  /** `_r`: what the token is limited to. */
  restrictions?: Record<string, unknown>;
  /** Unix seconds (tests). */
  now?: number;
}

export function createToken(signer: Signer, actorId: string, options: TokenOptions = {}): string {
  const payload: Record<string, unknown> = { a: actorId, t: Math.floor(options.now ?? Date.now() / 1000) };
  if (options.expiresAfter !== undefined) payload.d = Math.floor(options.expiresAfter);
  if (options.restrictions && Object.keys(options.restrictions).length) payload._r = options.restrictions;
  return TOKEN_PREFIX + signer.sign(payload, NAMESPACE);
}

function invalid(message: string): HttpError {
  return new HttpError(401, message, {}, { "www-authenticate": 'Bearer error="invalid_token"' });
}

/** The actor a `dstok_` token stands for; throws a 401 HttpError when it is bad, expired or tokens are off. */
export function actorFromToken(signer: Signer, token: string, settings: Settings, now = Date.now() / 1000): Record<string, unknown> {
  if (!settings.allow_signed_tokens) throw invalid("Signed tokens are not enabled for this instance");
  let payload: unknown;
  try {
    payload = signer.unsign(token.slice(TOKEN_PREFIX.length), NAMESPACE);
  } catch (err) {
    if (err instanceof BadSignature) throw invalid("Invalid token signature");
    throw err;
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) throw invalid("Invalid token");
  const p = payload as Record<string, unknown>;
  if (!Number.isInteger(p.t)) throw invalid("Invalid token: no creation time");
  if (p.d !== undefined && !Number.isInteger(p.d)) throw invalid("Invalid token: bad duration");
  if (typeof p.a !== "string" && typeof p.a !== "number") throw invalid("Invalid token: no actor");
  let duration = p.d as number | undefined;
  const cap = settings.max_signed_tokens_ttl;
  if (cap > 0) duration = duration === undefined ? cap : Math.min(duration, cap);
  const actor: Record<string, unknown> = { id: p.a, token: "dstok" };
  if (p._r !== undefined) actor._r = p._r;
  if (duration !== undefined) {
    const expires = (p.t as number) + duration;
    if (expires < now) throw invalid("Token has expired");
    actor.token_expires = expires;
  }
  return actor;
}
