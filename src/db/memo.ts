/**
 * @module A small least-recently-used memo for derived results that depend only on a database's contents
 * (facet suggestions): each entry remembers the data version it was computed at and is ignored once the
 * database has changed (see Database.dataVersion). Read the version before computing: a value stored under an
 * older version can then only be newer than its label, never staler.
 */
import type { Database } from "./database.js";
export class Memo<V> {
  private readonly entries = new Map<string, { version: string; value: V }>();

  constructor(private readonly capacity: number) {}

  get(key: string, version: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    if (hit.version !== version) return undefined;
    this.entries.set(key, hit); // most recently used last
    return hit.value;
  }

  set(key: string, version: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { version, value });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** One memo per database (held weakly, so a closed app's memos go with it). */
export function perDatabase<V>(capacity: number): (db: Database) => Memo<V> {
  const memos = new WeakMap<Database, Memo<V>>();
  return (db) => {
    let memo = memos.get(db);
    if (!memo) memos.set(db, (memo = new Memo<V>(capacity)));
    return memo;
  };
}

/** A memo key from JSON-able parts (64-bit integers included). */
export function memoKey(...parts: unknown[]): string {
  return JSON.stringify(parts, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
}
