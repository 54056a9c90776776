/**
 * @module Who is asking, from Almanac's own credentials: an `Authorization: Bearer dstok_…` API token, then the
 * `ds_actor` cookie. Plugins' actor_from_request hooks are asked after these (the server does that).
 */
import type { Almanac } from "../app.js";
import { readCookies, setCookie } from "../http/cookies.js";
import { addCookie, type Reply } from "../http/response.js";
import type { AlmanacRequest } from "../http/request.js";
import { ACTOR_COOKIE, actorCookieValue, readActorCookie } from "./actor-cookie.js";
import type { Actor } from "./permissions.js";
import { signerFor } from "./signer.js";
import { TOKEN_PREFIX, actorFromToken } from "./tokens.js";

/** The bearer token of the request, if it sent one (the `Bearer` prefix is case-sensitive, as in Datasette). */
export function bearerToken(req: AlmanacRequest): string | null {
  const header = req.header("authorization");
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : null;
}

/**
 * The actor from a dstok_ token or the actor cookie, with where it came from; throws a 401 for a dstok_ token
 * that is ours but bad.
 */
export function builtinActor(almanac: Almanac, req: AlmanacRequest): [Actor, "token" | "cookie" | null] {
  const token = bearerToken(req);
  if (token?.startsWith(TOKEN_PREFIX)) return [actorFromToken(signerFor(almanac), token, almanac.settings), "token"];
  const cookie = req.header("cookie") ? readCookies(req).get(ACTOR_COOKIE) : undefined;
  const actor = cookie ? readActorCookie(signerFor(almanac), cookie) : null;
  return actor ? [actor, "cookie"] : [null, null];
}

/** How long a sign-in lasts unless the caller says otherwise. */
export const DEFAULT_SESSION_SECONDS = 7 * 24 * 3600;

/**
 * Sign `actor` in: a `ds_actor` cookie on the reply (HttpOnly, SameSite=Lax, Secure under https), expiring
 * after `expiresAfter` seconds (the cookie carries the expiry, so a copied cookie dies too).
 */
export function signIn(almanac: Almanac, req: AlmanacRequest, reply: Reply, actor: Record<string, unknown>, expiresAfter = DEFAULT_SESSION_SECONDS): Reply {
  const value = actorCookieValue(signerFor(almanac), actor, Math.floor(Date.now() / 1000) + expiresAfter);
  return addCookie(reply, setCookie(ACTOR_COOKIE, value, { httpOnly: true, secure: req.scheme === "https", maxAge: expiresAfter }));
}

/** Sign out: the cookie emptied and expired. */
export function signOut(req: AlmanacRequest, reply: Reply): Reply {
  return addCookie(reply, setCookie(ACTOR_COOKIE, "", { expire: true, httpOnly: true, secure: req.scheme === "https" }));
}
