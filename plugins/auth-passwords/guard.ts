/**
 * @module Checking a username and password, for the login form and for Basic credentials alike: rate limits
 * per account and per client address (attack class 11), the same work and answer for an unknown username
 * as for a wrong password, and — for Basic credentials, which scripts send on every request — a short-lived
 * cache of successful verifications keyed by a SHA-256 of the header, with concurrent first requests sharing
 * one verification. PBKDF2 runs on libuv's thread pool (verifyPassword), never on the event loop. The clock
 * and the verifier are fields, so tests replace them instead of sleeping.
 */
import { createHash, randomBytes } from "node:crypto";
import { HttpError, verifyPassword } from "../../src/plugins/api.js";
import type { Account, PasswordConfig } from "./config.js";

export type Actor = Record<string, unknown>;
export type Clock = () => number;
export type Verifier = (password: string, stored: string) => Promise<boolean>;

/** What a login attempt came to. */
export type Outcome = { ok: true; actor: Actor; username: string } | { ok: false } | { limited: number };

/** Keys each table keeps at most: an attacker spraying usernames or addresses cannot grow memory without end. */
const MAX_KEYS = 10_000;
/** Successful Basic verifications remembered at most. */
const MAX_CACHED = 1_000;

export const CHALLENGE = 'Basic realm="Almanac", charset="UTF-8"';

/** A Map used as a bounded LRU: touching a key moves it to the end; past `cap`, the oldest go. */
function touch<V>(map: Map<string, V>, key: string, value: V, cap: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > cap) map.delete(map.keys().next().value as string);
}

/** Failures per key within a sliding window: after `max` of them, the key waits until the oldest leaves it. */
export class FailureLog {
  private readonly entries = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly cap = MAX_KEYS,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = this.entries.get(key);
    if (!list) return [];
    const kept = list.filter((t) => t > now - this.windowMs);
    if (kept.length === 0) this.entries.delete(key);
    else if (kept.length !== list.length) this.entries.set(key, kept);
    return kept;
  }

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, now: number): number {
    if (this.max === 0 || this.windowMs === 0) return 0;
    const list = this.recent(key, now);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.max] + this.windowMs - now) / 1000));
  }

  add(key: string, now: number): void {
    if (this.max === 0 || this.windowMs === 0) return;
    const list = [...this.recent(key, now), now].slice(-this.max);
    this.sweep(now);
    touch(this.entries, key, list, this.cap);
  }

  /** Take back one failure recorded at `at` (a reservation that turned out to be a success). */
  removeOne(key: string, at: number): void {
    const list = this.entries.get(key);
    const i = list?.lastIndexOf(at) ?? -1;
    if (!list || i === -1) return;
    list.splice(i, 1);
    if (list.length === 0) this.entries.delete(key);
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Drop keys whose failures have all left the window. Keys sit in the order they were last added to, so
   * those are at the front: this costs one look per key dropped. Past `cap`, touch() drops the oldest.
   */
  private sweep(now: number): void {
    for (const [key, list] of this.entries) {
      if (list[list.length - 1] > now - this.windowMs) break;
      this.entries.delete(key);
    }
  }
}

/**
 * Which "client" an address is for rate limiting: IPv4 as it is (IPv4-mapped IPv6 unwrapped), IPv6 by its
 * /64 — one subscriber usually holds a whole /64, so counting single IPv6 addresses would count nothing.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(":")) return address;
  const [head, tail = ""] = address.split("%")[0].toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = address.includes("::") && tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The credentials in an `Authorization: Basic` header; a header that is not well formed is a 401. */
export function parseBasic(header: string): { username: string; password: string } {
  const malformed = (why: string) => new HttpError(401, `Malformed Basic credentials: ${why}`, {}, { "www-authenticate": CHALLENGE });
  const m = /^Basic[ \t]+(.*)$/is.exec(header);
  if (!m) throw malformed("the header must be \"Basic \" followed by base64");
  const token = m[1].trim();
  if (!token || token.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw malformed("the credentials are not base64");
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(token, "base64"));
  } catch {
    throw malformed("the credentials are not UTF-8 text");
  }
  const colon = text.indexOf(":");
  if (colon === -1) throw malformed("the credentials must be username:password");
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** A 429 whose Retry-After says when to try again. */
export function tooManyAttempts(seconds: number): HttpError {
  const minutes = Math.ceil(seconds / 60);
  const when = seconds < 90 ? `${seconds} seconds` : `${minutes} minutes`;
  return new HttpError(429, `Too many failed login attempts. Try again in ${when}.`, {}, { "retry-after": String(seconds) });
}

/** The iteration count most accounts use (the highest on a tie): unknown usernames are checked at that cost. */
function commonIterations(accounts: Iterable<Account>): number {
  const counts = new Map<number, number>();
  for (const a of accounts) counts.set(a.iterations, (counts.get(a.iterations) ?? 0) + 1);
  let best = 480_000;
  let seen = 0;
  for (const [iterations, n] of counts) if (n > seen || (n === seen && iterations > best)) [best, seen] = [iterations, n];
  return best;
}

export class PasswordGuard {
  /** Milliseconds since the epoch; tests move it instead of waiting. */
  now: Clock = Date.now;
  /** Checks a password against a stored hash; tests count its calls. */
  verify: Verifier = verifyPassword;

  private readonly byAccount: FailureLog;
  private readonly byAddress: FailureLog;
  /** `username\naddress` pairs that logged in recently: the account's lock does not shut them out. */
  private readonly trusted = new Map<string, number>();
  private readonly cache = new Map<string, { actor: Actor; username: string; expires: number }>();
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  /** Never matches: what an unknown username is checked against, at the accounts' cost. */
  private readonly dummyHash: string;
  private readonly windowMs: number;

  constructor(readonly config: PasswordConfig) {
    this.windowMs = config.failureWindowSeconds * 1000;
    this.byAccount = new FailureLog(config.maxFailuresPerAccount, this.windowMs);
    this.byAddress = new FailureLog(config.maxFailuresPerAddress, this.windowMs);
    this.dummyHash = `pbkdf2_sha256$${commonIterations(config.accounts.values())}$${randomBytes(16).toString("hex")}$${randomBytes(32).toString("base64")}`;
  }

  private pair(username: string, client: string): string {
    return `${username}\n${client}`;
  }

  /**
   * Seconds `username` must wait from this address (0: it may try now). The address's limit always applies;
   * the account's does not to an address that logged in as it within the window, so an attacker elsewhere
   * cannot lock a working script out.
   */
  retryAfter(username: string, address: string, now = this.now()): number {
    const client = clientKey(address);
    const byAddress = this.byAddress.retryAfter(client, now);
    const trusted = (this.trusted.get(this.pair(username, client)) ?? 0) > now;
    return Math.max(byAddress, trusted ? 0 : this.byAccount.retryAfter(username, now));
  }

  /**
   * Check a username and password. The failure is counted before the (slow) verification, so concurrent
   * guesses cannot all slip in under the limit; a success takes it back and resets the account's count.
   * An unknown username costs the same verification as a wrong password and counts the same.
   */
  async attempt(username: string, password: string, address: string): Promise<Outcome> {
    const now = this.now();
    const wait = this.retryAfter(username, address, now);
    if (wait > 0) return { limited: wait };
    const client = clientKey(address);
    this.byAccount.add(username, now);
    this.byAddress.add(client, now);
    const account = this.config.accounts.get(username);
    const matches = await this.verify(password, account?.hash ?? this.dummyHash);
    if (!matches || !account) return { ok: false };
    this.byAccount.clear(username);
    this.byAddress.removeOne(client, now);
    this.trust(username, client, this.now());
    return { ok: true, actor: account.actor, username };
  }

  /**
   * The actor for an `Authorization: Basic` header, or null for credentials that do not match. Malformed →
   * 401; rate-limited → 429. A successful verification is cached (by the header's SHA-256, never the
   * password) for basic_auth_cache_seconds; requests arriving while one is running wait for its answer.
   */
  async basic(header: string, address: string): Promise<Actor | null> {
    const now = this.now();
    const key = createHash("sha256").update(header).digest("base64");
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) {
      // The common case (a script's every request after its first): no parsing, no PBKDF2.
      const wait = this.retryAfter(hit.username, address, now);
      if (wait > 0) throw tooManyAttempts(wait);
      this.trust(hit.username, clientKey(address), now);
      return hit.actor;
    }
    if (hit) this.cache.delete(key);
    const { username, password } = parseBasic(header);
    const wait = this.retryAfter(username, address, now);
    if (wait > 0) throw tooManyAttempts(wait);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.attempt(username, password, address).then((outcome) => {
        const ttl = this.config.basicAuthCacheSeconds * 1000;
        if ("ok" in outcome && outcome.ok && ttl > 0) touch(this.cache, key, { actor: outcome.actor, username, expires: this.now() + ttl }, MAX_CACHED);
        return outcome;
      });
      const settled = pending.finally(() => this.inFlight.delete(key));
      settled.catch(() => undefined);
      this.inFlight.set(key, pending);
    }
    const outcome = await pending;
    if ("limited" in outcome) throw tooManyAttempts(outcome.limited);
    return outcome.ok ? outcome.actor : null;
  }

  /** Remember that `client` logged in as `username` (refreshed only past half the window: cheap on every request). */
  private trust(username: string, client: string, now: number): void {
    if (this.windowMs === 0) return;
    const pair = this.pair(username, client);
    const until = this.trusted.get(pair);
    if (until === undefined || until - now < this.windowMs / 2) touch(this.trusted, pair, now + this.windowMs, MAX_KEYS);
  }

  /** Sizes of the bounded tables (tests check they stay bounded). */
  sizes(): { accounts: number; addresses: number; trusted: number; cached: number } {
    return { accounts: this.byAccount.size, addresses: this.byAddress.size, trusted: this.trusted.size, cached: this.cache.size };
  }
}
