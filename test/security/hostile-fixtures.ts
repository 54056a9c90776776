/**
 * @module Shared helpers for the security suite: a database whose schema is built from hostile names, a file
 * checksum to prove nothing was written, and small HTTP helpers that never depend on timing.
 */
import { createHash } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { tildeEncode } from "../../src/http/tilde.js";

/** SQLite's own identifier quoting, written out independently of src/sql (the code under test). */
export function q(name: string): string {
  return `"${name.split('"').join('""')}"`;
}

/**
 * Table names (each table also has a TEXT column with the same name). Every one of them must be reachable
 * through its tilde-encoded URL.
 */
export const HOSTILE_NAMES: readonly string[] = [
  "sq]uare",
  "[bracketed]",
  'dq"uote',
  "back`tick",
  "single'quote",
  "trailing newline\n",
  "carriage\rreturn",
  "tab\there",
  "with space",
  " leading and trailing ",
  "dot.ted",
  "..",
  "sl/ash",
  "back\\slash",
  "per%cent",
  "%2F",
  "under_score",
  "til~de",
  "~2E",
  "plus+sign",
  "comma,name",
  "semi;colon",
  "amp&er?hash#",
  "-",
  "x\"; drop table victim; --",
  "x'); drop table victim; --",
  "select",
  "order by",
  "sеcret", // Cyrillic е (U+0435): a look-alike of "secret"
  "secret",
  "🦆 duck",
  "café", // NFC: é = U+00E9
  "cafe\u0301", // NFD: e + combining acute, a different name to SQLite
  "Straße",
  "__proto__",
  "constructor",
  "hasOwnProperty",
  "rowid",
  "a__exact",
  "<script>alert(1)</script>",
  "\u200bzero-width",
  "right\u202eleft",
  "x".repeat(1000),
];

/** Decoys: a `LIKE`-style look-up of `under_score` or `per%cent` would also match these. */
export const DECOY_NAMES: readonly string[] = ["underXscore", "per-anything-cent"];

/** The hostile value stored in row 1 of every hostile table (row 2 holds a plain value). */
export function hostileValue(name: string): string {
  return `value of ${name} ' " ] \` ; -- /* %_`;
}

export interface HostileDb {
  path: string;
  /** Table name → the name of the table its `link` column references. */
  linkTarget: Map<string, string>;
}

/**
 * One table per hostile name: `id integer primary key`, a unique TEXT column named like the table (so it is
 * the label column), and `link` referencing the next hostile table (label expansion across hostile names).
 * Plus a `victim` table that injected SQL would try to drop.
 */
export function buildHostileDatabase(dir = tempDir("almanac-hostile-")): HostileDb {
  const names = [...HOSTILE_NAMES, ...DECOY_NAMES];
  const linkTarget = new Map<string, string>();
  const statements: string[] = ["pragma foreign_keys = off", "create table victim (id integer primary key, v text)", "insert into victim values (1, 'still here')"];
  names.forEach((name, i) => {
    const target = names[(i + 1) % names.length];
    linkTarget.set(name, target);
    statements.push(`create table ${q(name)} (id integer primary key, ${q(name)} text unique, link integer references ${q(target)}(id))`);
  });
  const path = makeDatabase(join(dir, "hostile.db"), statements.join(";\n") + ";", (db) => {
    for (const name of names) {
      const ins = db.prepare(`insert into ${q(name)} (id, ${q(name)}, link) values (?, ?, ?)`);
      ins.run(1, hostileValue(name), 2);
      ins.run(2, "plain", 1);
    }
  });
  return { path, linkTarget };
}

/** `/db/<table>` with the table tilde-encoded. */
export function tablePath(db: string, table: string, suffix = ""): string {
  return `/${tildeEncode(db)}/${tildeEncode(table)}${suffix}`;
}

export function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function assertNoFile(path: string): void {
  assert.equal(existsSync(path), false, `${path} must not have been created`);
}

/** A JSON error in Datasette's shape. */
export function assertJsonError(r: { status: number; body: any }, status: number, message?: string | RegExp): void {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  assert.equal(typeof r.body, "object", `error body must be JSON: ${String(r.body).slice(0, 200)}`);
  assert.equal(r.body.ok, false);
  assert.equal(r.body.status, status);
  assert.ok(typeof r.body.error === "string" && r.body.error.length > 0, "error message present");
  assert.ok(Array.isArray(r.body.errors));
  if (typeof message === "string") assert.equal(r.body.error, message);
  else if (message) assert.match(r.body.error, message);
}

/** Status is a deliberate answer: 2xx, 3xx or 4xx — never 5xx. */
export function assertNot5xx(status: number, what: string): void {
  assert.ok(status < 500, `${what} answered ${status}`);
}

/** Runs `fn` over `items` with at most `width` in flight (keeps hundreds of requests quick and polite). */
export async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  });
  await Promise.all(workers);
}

export type { TestServer };
