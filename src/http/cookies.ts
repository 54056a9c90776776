/** @module Cookies: reading the `Cookie` header and writing `Set-Cookie` values (Datasette's defaults: `Path=/`, `SameSite=Lax`). */
import type { AlmanacRequest } from "./request.js";

/** The request's cookies by name (the first of a repeated name wins, as browsers send the most specific first). */
export function readCookies(req: AlmanacRequest): Map<string, string> {
  const out = new Map<string, string>();
  const header = req.header("cookie");
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!name || out.has(name)) continue;
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

export interface CookieOptions {
  /** Delete the cookie: empty value, expired in the past. */
  expire?: boolean;
  httpOnly?: boolean;
  /** Seconds; omitted → a session cookie. */
  maxAge?: number;
  /** Only over https (set for requests that arrived over https or under force_https_urls). */
  secure?: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A `Set-Cookie` header value. Cookies stay at `Path=/` whatever base_url is, as Datasette's do. */
export function setCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!TOKEN.test(name)) throw new Error(`invalid cookie name ${JSON.stringify(name)}`);
  const parts = [`${name}=${options.expire ? "" : encodeURIComponent(value)}`];
  if (options.expire) parts.push("expires=Thu, 01 Jan 1970 00:00:00 GMT", "Max-Age=0");
  else if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAge)}`);
  parts.push("Path=/", "SameSite=Lax");
  if (options.httpOnly) parts.push("HttpOnly");
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}
