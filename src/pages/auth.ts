/**
 * @module Signing in and out, and API tokens (Datasette §7.3): `/-/auth-token` (the one-time `--root` link),
 * `/-/logout` (a form, then a POST that clears the `ds_actor` cookie) and `/-/create-token` (mint a `dstok_`
 * token for yourself, optionally restricted). Every form that changes state is sent with
 * `frame-ancestors 'none'`; the server refuses cross-site POSTs before they reach these pages.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Almanac } from "../app.js";
import { signIn, signOut } from "../auth/actors.js";
import { ACTION_KINDS, ACTIONS, buildRestrictions, type Restrictions } from "../auth/permissions.js";
import { abbreviate } from "../auth/restrictions.js";
import { signerFor } from "../auth/signer.js";
import { createToken, TOKEN_PREFIX } from "../auth/tokens.js";
import { Forbidden } from "../http/errors.js";
import { addMessage, INFO, WARNING } from "../http/messages.js";
import type { AlmanacRequest } from "../http/request.js";
import { NO_FRAMING, redirect, type Reply } from "../http/response.js";
import { tildeDecode, tildeEncode } from "../http/tilde.js";
import { renderPage, urlsFor } from "../render/html.js";
import { canViewTable } from "./common.js";
import { storedQueries } from "./database.js";

/** Headers for a page holding a form that changes state: it may not be framed (clickjacking). */

// ---------------------------------------------------------------------------------------------------------
// --root: a one-time sign-in link

/** The current root token per instance: a string until used, null once used; absent when none was issued. */
const rootTokens = new WeakMap<Almanac, string | null>();

/**
 * Issue the one-time root sign-in token (`almanac serve --root` prints the link). Issuing again replaces the
 * previous token. Only for instances started with `--root`.
 */
export function issueRootToken(almanac: Almanac): string {
  if (!almanac.options.root) throw new Error("root sign-in is not enabled (start with --root)");
  const token = randomBytes(32).toString("hex");
  rootTokens.set(almanac, token);
  return token;
}

/** The sign-in path for a token, base_url included. */
export function rootLoginPath(almanac: Almanac, token: string): string {
  return almanac.path(`/-/auth-token?token=${token}`);
}

/** Constant-time comparison of two strings of any length (both hashed first, so lengths leak nothing). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

export async function authTokenPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const home = urlsFor(almanac).instance();
  if (!almanac.options.root) throw new Forbidden("Root sign-in is not enabled on this instance (start Almanac with --root)");
  // Already root: nothing to do (the link may be opened twice, e.g. by a browser's preloading).
  if (req.actor?.id === "root") return redirect(home);
  const expected = rootTokens.get(almanac);
  if (expected === null) throw new Forbidden("Root token has already been used");
  if (expected === undefined || !sameSecret(req.arg("token") ?? "", expected)) throw new Forbidden("Invalid token");
  rootTokens.set(almanac, null);
  const actor = { id: "root" };
  const reply = signIn(almanac, req, redirect(home), actor);
  await almanac.trackEvent("login", actor);
  return reply;
}

// ---------------------------------------------------------------------------------------------------------
// /-/logout

/** Where the actor came from, in words, for actors that a logout cannot sign out. */
const SOURCES: Record<string, string> = {
  token: "an API token sent with each request",
  plugin: "credentials your browser or client sends with each request (for example HTTP Basic)",
  given: "the command line (--actor)",
};

export async function logoutPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const cookieSession = req.actorSource === "cookie" && req.actor !== null;
  if (req.method === "POST") {
    // The cookie is cleared whatever it held (an expired or foreign one included).
    const reply = signOut(req, redirect(urlsFor(almanac).instance()));
    if (cookieSession) {
      addMessage(almanac, req, "You are now logged out", WARNING);
      await almanac.trackEvent("logout", req.actor);
    } else {
      addMessage(almanac, req, "You were not logged in with a cookie", INFO);
    }
    return reply;
  }
  return renderPage(almanac, req, {
    templates: ["logout.html"],
    context: {
      title: "Log out",
      cookie_session: cookieSession,
      signed_in_by: req.actor && !cookieSession ? (SOURCES[req.actorSource ?? ""] ?? "a plugin") : null,
      action: almanac.path("/-/logout"),
    },
    bodyClass: "logout",
    headers: { ...NO_FRAMING },
  });
}

// ---------------------------------------------------------------------------------------------------------
// /-/create-token

/** Why this actor may not mint tokens (Datasette's four refusals, and a fifth for restricted actors), or null. */
function createTokenRefusal(almanac: Almanac, req: AlmanacRequest): string | null {
  if (!almanac.settings.allow_signed_tokens) return "Signed tokens are not enabled for this Almanac instance";
  if (!req.actor) return "You must be logged in to create a token";
  if (req.actor.id === undefined || req.actor.id === null || req.actor.id === "") return "You must be logged in as an actor with an ID to create a token";
  if (req.actor.token !== undefined) return "Token authentication cannot be used to create additional tokens";
  // A token made here would not carry the actor's restrictions: a restricted actor may not widen its own access.
  if (req.actor._r !== undefined) return "A restricted actor cannot create tokens";
  return null;
}

const UNIT_SECONDS: Record<string, number> = { minutes: 60, hours: 3600, days: 86400 };

/** What the form offers: every action, and the databases, tables and queries the actor can see. */
function createTokenContext(almanac: Almanac, req: AlmanacRequest) {
  const kinds = (k: string) => ACTIONS.filter((a) => ACTION_KINDS[a] === k);
  const databases = [];
  for (const db of almanac.databases.values()) {
    if (db.name === "_memory" || !almanac.permissions.allowed(req.actor, "view-database", { database: db.name })) continue;
    const children = db
      .schema()
      .tables.filter((t) => canViewTable(almanac, req.actor, db, t.name))
      .map((t) => ({ name: t.name, encoded: tildeEncode(t.name), kind: "table" }));
    for (const q of storedQueries(almanac, db)) {
      const name = q.name as string;
      if (almanac.permissions.allowed(req.actor, "view-query", { database: db.name, child: name })) children.push({ name, encoded: tildeEncode(name), kind: "query" });
    }
    databases.push({ name: db.name, encoded: tildeEncode(db.name), children });
  }
  return {
    title: "Create an API token",
    action: almanac.path("/-/create-token"),
    actor_id: String(req.actor?.id ?? ""),
    all_actions: ACTIONS.map((a) => ({ name: a, abbr: abbreviate(a) })),
    database_actions: kinds("database"),
    table_actions: kinds("table"),
    query_actions: kinds("query"),
    databases,
    max_ttl: almanac.settings.max_signed_tokens_ttl,
    errors: [] as string[],
    token: null as string | null,
    token_bits: null as string | null,
  };
}

/** Parse a `_r` form field name, or null if it is not one. Names inside are tilde-encoded. */
function restrictionField(key: string): { kind: "all" | "database" | "resource"; parts: string[] } | null {
  const bits = key.split(":");
  if (bits[0] === "all" && bits.length === 2) return { kind: "all", parts: [bits[1]] };
  if (bits[0] === "database" && bits.length === 3) return { kind: "database", parts: [tildeDecode(bits[1]), bits[2]] };
  if (bits[0] === "resource" && bits.length === 4) return { kind: "resource", parts: [tildeDecode(bits[1]), tildeDecode(bits[2]), bits[3]] };
  return null;
}

export async function createTokenPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const refusal = createTokenRefusal(almanac, req);
  if (refusal) throw new Forbidden(refusal);
  const context = createTokenContext(almanac, req);
  const page = (status = 200) => renderPage(almanac, req, { templates: ["create_token.html"], context, bodyClass: "create-token", status, headers: { ...NO_FRAMING } });
  if (req.method !== "POST") return page();

  const form = await req.form(almanac.settings.max_post_body_bytes);
  const errors = context.errors;
  let expiresAfter: number | undefined;
  const unit = form.get("expire_type") ?? "";
  if (unit) {
    const duration = form.get("expire_duration") ?? "";
    if (!UNIT_SECONDS[unit]) errors.push("Invalid expire duration unit: choose minutes, hours or days");
    else if (!/^\d{1,9}$/.test(duration) || Number(duration) <= 0) errors.push("Invalid expire duration: give a whole number greater than 0");
    else expiresAfter = Number(duration) * UNIT_SECONDS[unit];
  }
  const all: string[] = [];
  const databases: [string, string][] = [];
  const resources: [string, string, string][] = [];
  for (const key of new Set(form.keys())) {
    const field = restrictionField(key);
    if (!field) continue;
    if (field.kind === "all") all.push(field.parts[0]);
    else if (field.kind === "database") databases.push([field.parts[0], field.parts[1]]);
    else resources.push([field.parts[0], field.parts[1], field.parts[2]]);
  }
  let restrictions: Restrictions | undefined;
  try {
    restrictions = buildRestrictions(all, databases, resources);
  } catch (err) {
    errors.push(`Invalid restriction: ${(err as Error).message}`);
  }
  // max_signed_tokens_ttl caps every token when it is checked; the token says so from the start.
  const cap = almanac.settings.max_signed_tokens_ttl;
  if (cap > 0 && (expiresAfter === undefined || expiresAfter > cap)) expiresAfter = cap;
  if (errors.length) return page(400);

  const signer = signerFor(almanac);
  const token = createToken(signer, String(req.actor!.id), { expiresAfter, restrictions: restrictions as Record<string, unknown> | undefined });
  context.token = token;
  context.token_bits = JSON.stringify(signer.unsign(token.slice(TOKEN_PREFIX.length), "token"), null, 2);
  await almanac.trackEvent("create-token", req.actor, {
    expires_after: expiresAfter ?? null,
    restrict_all: restrictions?.a ?? [],
    restrict_database: restrictions?.d ?? {},
    restrict_resource: restrictions?.r ?? {},
  });
  return page();
}
