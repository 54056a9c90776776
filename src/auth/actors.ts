/**
 * @module Who is asking, from Almanac's own credentials: an `Authorization: Bearer dstok_…` API token, then the
 * `ds_actor` cookie. Plugins' actor_from_request hooks are asked after these (the server does that).
 */
import type { Almanac } from "../app.js";
import { readCookies } from "../http/cookies.js";
import type { AlmanacRequest } from "../http/request.js";
import { ACTOR_COOKIE, readActorCookie } from "./actor-cookie.js";
import type { Actor } from "./permissions.js";
import { signerFor } from "./signer.js";
import { TOKEN_PREFIX, actorFromToken } from "./tokens.js";

/** The bearer token of the request, if it sent one (the `Bearer` prefix is case-sensitive, as in Datasette). */
export function bearerToken(req: AlmanacRequest): string | null {
  const header = req.header("authorization");
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : null;
}

/** The actor from a dstok_ token or the actor cookie; throws a 401 for a dstok_ token that is ours but bad. */
export function builtinActor(almanac: Almanac, req: AlmanacRequest): Actor {
  const token = bearerToken(req);
  if (token?.startsWith(TOKEN_PREFIX)) return actorFromToken(signerFor(almanac), token, almanac.settings);
  const cookie = req.header("cookie") ? readCookies(req).get(ACTOR_COOKIE) : undefined;
  return cookie ? readActorCookie(signerFor(almanac), cookie) : null;
}
