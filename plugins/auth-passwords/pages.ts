/**
 * @module The plugin's pages: `/-/login` (the form; a success signs the actor in with the ds_actor cookie and
 * goes to a safe same-origin `next` or the instance's root) and `/-/password-tool` (a password turned into a
 * hash for the configuration — in the browser with WebCrypto by browser/password-tool.ts, or on the server
 * when the page's script cannot run). Both forms refuse to be framed (clickjacking); the core refuses
 * cross-site posts (CSRF).
 */
import { INFO, NO_FRAMING, addMessage, hashPassword, redirect, renderTemplate, signIn, type Almanac, type AlmanacRequest, type Reply } from "../../src/plugins/api.js";
import { NAME, clientAddress, type PasswordConfig } from "./config.js";
import { FailureLog, clientKey, tooManyAttempts, type PasswordGuard } from "./guard.js";

export interface PluginState {
  config: PasswordConfig;
  guard: PasswordGuard;
  /** Server-side hashes per client address (the password tool's fallback costs PBKDF2 on the server). */
  toolUse: FailureLog;
}

export const INVALID = "Invalid username or password";
/** Server-side hashes a client address may ask the password tool for within 15 minutes. */
export const TOOL_HASHES_PER_ADDRESS = 30;
export const TOOL_WINDOW_MS = 15 * 60 * 1000;

/** Pages with a form that signs in or handles a password may not be framed by any site. */

/**
 * `next` if it is a path on this site (a single leading `/`, no `//` or backslash, no control character, no
 * scheme), else null: a login link can never send someone elsewhere (attack class 7).
 */
export function safeNext(value: string | null | undefined): string | null {
  if (!value || value.length > 4096) return null;
  if (!value.startsWith("/") || value.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(value)) return null;
  try {
    const base = "http://almanac.invalid";
    if (new URL(value, base).origin !== base) return null;
  } catch {
    return null;
  }
  return value;
}

function staticUrl(almanac: Almanac, file: string): string {
  return almanac.path(`/-/static-plugins/${NAME}/${file}`);
}

async function page(almanac: Almanac, req: AlmanacRequest, template: string, context: Record<string, unknown>, status = 200, headers: Record<string, string> = {}): Promise<Reply> {
  const reply = await renderTemplate(almanac, req, template, { stylesheet: staticUrl(almanac, "auth-passwords.css"), ...context }, status);
  Object.assign(reply.headers, NO_FRAMING, headers);
  return reply;
}

function displayName(actor: Record<string, unknown>, username: string): string {
  for (const key of ["display", "name", "username", "login", "id"]) if (typeof actor[key] === "string" && actor[key]) return actor[key] as string;
  return username;
}

/** `GET/POST /-/login`. A failed attempt shows the form again (status 200, as Datasette's plugin does). */
export async function loginPage(req: AlmanacRequest, almanac: Almanac, state: PluginState): Promise<Reply> {
  const hasAccounts = state.config.accounts.size > 0;
  const form = req.method === "POST" ? await req.form(almanac.settings.max_post_body_bytes) : null;
  const next = safeNext(form?.get("next") ?? req.arg("next"));
  const render = (context: Record<string, unknown>, status = 200, headers: Record<string, string> = {}) =>
    page(almanac, req, "login.html", { title: "Log in", action: almanac.path("/-/login"), has_accounts: hasAccounts, next, username: "", error: null, ...context }, status, headers);
  if (!form || !hasAccounts) return render({});

  const username = form.get("username") ?? "";
  const password = form.get("password") ?? "";
  // The typed username is shown again; the response to a post is never stored by a cache.
  const posted = { "cache-control": "no-store" };
  if (!username || !password) return render({ username, error: "Enter your username and password." }, 200, posted);
  const outcome = await state.guard.attempt(username, password, clientAddress(req, state.config.trustedProxyHops));
  if ("limited" in outcome) {
    const err = tooManyAttempts(outcome.limited);
    return render({ username, error: err.message }, 429, { ...posted, ...err.headers });
  }
  if (!outcome.ok) return render({ username, error: INVALID }, 200, posted);

  const reply = signIn(almanac, req, redirect(next ?? almanac.path("/")), outcome.actor);
  addMessage(almanac, req, `You are now logged in as ${displayName(outcome.actor, outcome.username)}`, INFO);
  await almanac.trackEvent("login", outcome.actor, {});
  return reply;
}

/** `GET/POST /-/password-tool`: the form, and the server-side hash for browsers whose script cannot hash. */
export async function passwordToolPage(req: AlmanacRequest, almanac: Almanac, state: PluginState): Promise<Reply> {
  const render = (context: Record<string, unknown>, status = 200, headers: Record<string, string> = {}) =>
    page(almanac, req, "password_tool.html", { title: "Password hash tool", action: almanac.path("/-/password-tool"), script: staticUrl(almanac, "password-tool.js"), hash: null, error: null, ...context }, status, headers);
  if (req.method !== "POST") return render({});
  const form = await req.form(almanac.settings.max_post_body_bytes);
  const password = form.get("password") ?? "";
  const posted = { "cache-control": "no-store" };
  if (!password) return render({ error: "Type a password to hash." }, 200, posted);
  const client = clientKey(clientAddress(req, state.config.trustedProxyHops));
  const now = state.guard.now();
  const wait = state.toolUse.retryAfter(client, now);
  if (wait > 0) {
    const err = tooManyAttempts(wait);
    return render({ error: `Too many passwords hashed on the server from your address. Try again in ${Math.ceil(wait / 60)} minutes.` }, 429, { ...posted, ...err.headers });
  }
  state.toolUse.add(client, now);
  return render({ hash: await hashPassword(password), hashed_on: "server" }, 200, posted);
}
