/**
 * @module The password plugin's configuration (`plugins."datasette-auth-passwords"`, instance level), read
 * and checked once at start-up: every `<username>_password_hash` key is an account, `actors` gives an
 * account its actor, `http_basic_auth` locks the whole site behind Basic credentials, and Almanac's own
 * rate-limit and cache options (Datasette's plugin ignores keys it does not know, so a file using them still
 * works there). Anything wrong is one clear line naming the key; a malformed hash is never found at login.
 */
import { parseHash } from "../../src/plugins/api.js";

export const NAME = "datasette-auth-passwords";
const HASH_SUFFIX = "_password_hash";

export interface Account {
  username: string;
  /** The stored hash, surrounding whitespace (a trailing newline from `$env`/`$file`) removed. */
  hash: string;
  iterations: number;
  actor: Record<string, unknown>;
}

export interface PasswordConfig {
  accounts: Map<string, Account>;
  httpBasicAuth: boolean;
  /** Failed logins allowed per account, and per client address, within the window (0 = no limit). */
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  failureWindowSeconds: number;
  /** How long a successful Basic verification is remembered (0 = verify every request). */
  basicAuthCacheSeconds: number;
  /** How many reverse proxies in front of Almanac append to X-Forwarded-For (0: use the socket's peer). */
  trustedProxyHops: number;
  /** Problems worth a line on stderr that do not stop start-up. */
  warnings: string[];
}

/** Almanac's options beside Datasette's keys, with their defaults (docs/protect-your-data.md). */
export const DEFAULTS = {
  max_failures_per_account: 5,
  max_failures_per_address: 20,
  failure_window_seconds: 15 * 60,
  basic_auth_cache_seconds: 5 * 60,
  /** Behind N reverse proxies (Cloud Run: 1), the client is the Nth address from the right of X-Forwarded-For. */
  trusted_proxy_hops: 0,
} as const;
type NumberOption = keyof typeof DEFAULTS;
const NUMBER_OPTIONS = Object.keys(DEFAULTS) as NumberOption[];
/** A day: a longer window or cache would only be a mistake. */
const MAX_SECONDS = 86_400;
const MAX_COUNT = 1_000_000;
const KNOWN_KEYS = ["actors", "http_basic_auth", "enabled", ...NUMBER_OPTIONS];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The known key sharing the longest start (4+ characters) with `key`: a mistyped http_basic_auth would leave a site open. */
function nearestKey(key: string): string | undefined {
  const shared = (k: string) => {
    let n = 0;
    while (n < k.length && n < key.length && k[n] === key[n].toLowerCase()) n++;
    return n;
  };
  const best = [...KNOWN_KEYS].sort((a, b) => shared(b) - shared(a))[0];
  return shared(best) >= 4 ? best : undefined;
}

function numberOption(config: Record<string, unknown>, key: NumberOption): number {
  const value = config[key];
  if (value === undefined || value === null) return DEFAULTS[key];
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  const max = key.endsWith("_seconds") ? MAX_SECONDS : MAX_COUNT;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > max) {
    throw new Error(`${key} must be a whole number from 0 to ${max.toLocaleString("en")} (0 turns it off), not ${JSON.stringify(value)}`);
  }
  return n;
}

function booleanOption(config: Record<string, unknown>, key: string): boolean {
  const value = config[key];
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  // `-s plugins.datasette-auth-passwords.http_basic_auth true` and `$env` values arrive as text.
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  throw new Error(`${key} must be true or false, not ${JSON.stringify(value)}`);
}

/**
 * The configuration as the plugin uses it; throws an Error whose message is the one line start-up prints
 * (the manager adds "plugin datasette-auth-passwords: startup failed: ").
 */
export function readConfig(raw: unknown): PasswordConfig {
  const config: Record<string, unknown> = raw === undefined || raw === null ? {} : (raw as Record<string, unknown>);
  if (!isObject(config)) throw new Error(`its configuration must be an object of settings, not ${JSON.stringify(raw)}`);
  const warnings: string[] = [];
  const actors = config.actors ?? {};
  if (!isObject(actors)) throw new Error(`actors must map usernames to actor objects, e.g. {"someusername": {"id": "someusername"}}`);

  const accounts = new Map<string, Account>();
  for (const [key, value] of Object.entries(config)) {
    if (!key.endsWith(HASH_SUFFIX)) {
      if (KNOWN_KEYS.includes(key)) continue;
      const near = nearestKey(key);
      const hint = near ? ` (did you mean ${JSON.stringify(near)}?)` : /pass|hash/i.test(key) ? ` (an account's key ends in ${HASH_SUFFIX})` : "";
      throw new Error(`unknown configuration key ${JSON.stringify(key)}${hint}: accounts are <username>${HASH_SUFFIX}; the other keys are ${KNOWN_KEYS.join(", ")}`);
    }
    const username = key.slice(0, -HASH_SUFFIX.length);
    if (!username) throw new Error(`"${key}" has no username before ${HASH_SUFFIX}`);
    if (typeof value !== "string") throw new Error(`the password hash for account ${JSON.stringify(username)} (${key}) must be a string, not ${JSON.stringify(value)?.slice(0, 60)}`);
    const parsed = parseHash(value);
    if ("problem" in parsed) {
      throw new Error(`the password hash for account ${JSON.stringify(username)} (${key}) is malformed: ${parsed.problem}; make one with "almanac hash-password" or /-/password-tool`);
    }
    const actor = actors[username] ?? { id: username };
    if (!isObject(actor)) throw new Error(`actors.${username} must be an actor object such as {"id": ${JSON.stringify(username)}}, not ${JSON.stringify(actor)?.slice(0, 60)}`);
    accounts.set(username, { username, hash: value.trim(), iterations: parsed.iterations, actor });
  }
  for (const name of Object.keys(actors)) {
    if (!accounts.has(name)) warnings.push(`actors.${name} has no ${name}${HASH_SUFFIX}, so no one can log in as it`);
  }

  const httpBasicAuth = booleanOption(config, "http_basic_auth");
  if (httpBasicAuth && accounts.size === 0) {
    throw new Error(`http_basic_auth is on but no accounts are configured (add <username>${HASH_SUFFIX}), so no request could ever be let in`);
  }
  return {
    accounts,
    httpBasicAuth,
    maxFailuresPerAccount: numberOption(config, "max_failures_per_account"),
    maxFailuresPerAddress: numberOption(config, "max_failures_per_address"),
    failureWindowSeconds: numberOption(config, "failure_window_seconds"),
    basicAuthCacheSeconds: numberOption(config, "basic_auth_cache_seconds"),
    trustedProxyHops: numberOption(config, "trusted_proxy_hops"),
    warnings,
  };
}

/**
 * The client's address for rate limiting. Directly connected, it is the socket's peer. Behind `hops` trusted
 * proxies, each of which appends the address it saw to X-Forwarded-For, it is the `hops`-th entry from the
 * right: entries further left were written by the client and prove nothing.
 */
export function clientAddress(request: { remoteAddress: string; header(name: string): string | undefined }, hops: number): string {
  if (hops <= 0) return request.remoteAddress;
  const entries = (request.header("x-forwarded-for") ?? "").split(",").map((e) => e.trim()).filter(Boolean);
  return entries.length >= hops ? entries[entries.length - hops] : request.remoteAddress;
}
