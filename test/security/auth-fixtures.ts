/** @module Helpers for the authentication tests: signed cookies and tokens, a plugin that records events, a small database. */
import { join } from "node:path";
import { actorCookieValue } from "../../src/auth/actor-cookie.js";
import { Signer } from "../../src/auth/signer.js";
import { createToken, type TokenOptions } from "../../src/auth/tokens.js";
import { makeDatabase, pluginsDir, tempDir } from "../fixtures/server.js";

export const SECRET = "test-secret-of-the-auth-suite";

/** A `Cookie` header signing `actor` in, signed with `secret` (expiring at `expiresAt`, unix seconds, when given). */
export function cookieFor(actor: Record<string, unknown>, opts: { secret?: string; expiresAt?: number } = {}): string {
  return `ds_actor=${actorCookieValue(new Signer(opts.secret ?? SECRET), actor, opts.expiresAt ?? Math.floor(Date.now() / 1000) + 3600)}`;
}

/** Request headers carrying a signed-in actor's cookie. */
export function as(actor: Record<string, unknown>, extra: Record<string, string> = {}, secret = SECRET): { headers: Record<string, string> } {
  return { headers: { cookie: cookieFor(actor, { secret }), ...extra } };
}

/** An `Authorization: Bearer dstok_…` header for a token made with `secret`. */
export function bearer(actorId: string, options: TokenOptions = {}, secret = SECRET): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${createToken(new Signer(secret), actorId, options)}` } };
}

/** The value of the first `Set-Cookie` named `name` in a response, or undefined. */
export function setCookie(r: Response, name: string): string | undefined {
  return r.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

/** Events the track_event plugin saw, shared through globalThis (the server runs in this process). */
export function recordedEvents(): { name: string; actor: unknown; properties: Record<string, unknown> }[] {
  const g = globalThis as { __authTestEvents?: { name: string; actor: unknown; properties: Record<string, unknown> }[] };
  return (g.__authTestEvents ??= []);
}

/** A --plugins-dir with one plugin recording every track_event into recordedEvents(). */
export function eventsPluginDir(): string {
  return pluginsDir({
    "record-events.mjs": `export default {
      track_event({ event }) { (globalThis.__authTestEvents ??= []).push({ name: event.name, actor: event.actor, properties: event.properties }); },
    };`,
  });
}

/**
 * A database with a table everyone may read (`open`), one only "agent" may read (`secret`, with a full-text
 * index and a foreign key from `open`), and a second table for restriction tests (`other`).
 */
export function authDatabase(name = "db"): string {
  return makeDatabase(
    join(tempDir(), `${name}.db`),
    `create table secret (id integer primary key, name text, code text);
     insert into secret values (1, 'Agent Smith', 'X-1'), (2, 'Agent Jones', 'X-2');
     create virtual table secret_fts using fts5 (name, content="secret");
     insert into secret_fts (rowid, name) select id, name from secret;
     create table open (id integer primary key, title text, secret_id integer references secret(id));
     insert into open values (1, 'first', 1), (2, 'second', 2);
     create table other (id integer primary key, value text);
     insert into other values (1, 'other row');`,
  );
}
