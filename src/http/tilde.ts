/** @module Datasette's tilde encoding of names and primary keys in URL path segments (`/` → `~2F`, space → `+`). */

const utf8 = new TextEncoder();
// Non-fatal: invalid byte sequences become U+FFFD, as Python's `unquote_plus` does.
const utf8Decoder = new TextDecoder("utf-8");

function isSafeByte(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x5f || // _
    b === 0x2d // -
  );
}

const HEX = "0123456789ABCDEF";
const ALL_SAFE = /^[A-Za-z0-9_-]*$/;

/**
 * Tilde-encode one path segment: every UTF-8 byte outside `A–Z a–z 0–9 _ -` becomes `~XX` (uppercase
 * hex) and space becomes `+`. `/` → `~2F`, `.` → `~2E`, `%` → `~25`, `~` → `~7E`, `+` → `~2B`.
 * A lone surrogate (not valid Unicode) is encoded as U+FFFD.
 */
export function tildeEncode(s: string): string {
  // Most names and keys need no encoding at all (row links call this for every row of a page).
  if (ALL_SAFE.test(s)) return s;
  let out = "";
  for (const b of utf8.encode(s)) {
    if (b === 0x20) out += "+";
    else if (isSafeByte(b)) out += String.fromCharCode(b);
    else out += `~${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * Decode a tilde-encoded segment: `+` → space, `~XX` (either hex case) → that byte, the bytes read as
 * UTF-8 (invalid sequences → U+FFFD). A literal `%` is kept as is — this is NOT percent-decoding, so a
 * `%2F` in a name stays `%2F`. A `~` not followed by two hex digits stays a literal `~`
 * (Datasette would turn it into `%`; a correctly encoded URL never contains one).
 */
export function tildeDecode(s: string): string {
  // Most names have nothing to decode; lone surrogates still take the slow path (they become U+FFFD).
  if (!/[~+\uD800-\uDFFF]/.test(s)) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) {
      bytes.push(0x20);
    } else if (c === 0x7e && hexValue(s.charCodeAt(i + 1)) >= 0 && hexValue(s.charCodeAt(i + 2)) >= 0) {
      // charCodeAt past the end is NaN, which hexValue rejects.
      bytes.push(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Copy a whole code point (both halves of a surrogate pair) as UTF-8.
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...utf8.encode(ch));
      i += ch.length - 1;
    }
  }
  return utf8Decoder.decode(Uint8Array.from(bytes));
}

/**
 * Build the row part of a URL from primary-key values: each value stringified, tilde-encoded, joined
 * with `,` (for rowid tables pass `[rowid]`). `null`/`undefined` stringify as `None`, as Datasette's
 * `str(None)` does, so links stay identical; other values use `String()`.
 */
export function encodePrimaryKeyPath(values: unknown[]): string {
  return values.map((v) => tildeEncode(v === null || v === undefined ? "None" : String(v))).join(",");
}

/** Split a row path on `,` and tilde-decode each part (Datasette's `urlsafe_components`). Always strings. */
export function decodePrimaryKeyPath(path: string): string[] {
  return path.split(",").map(tildeDecode);
}
