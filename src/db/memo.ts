/**
 * @module A small least-recently-used memo for derived results that depend only on a database's contents
 * (facet suggestions): each entry remembers the data version it was computed at and is ignored once the
 * database has changed (see Database.dataVersion).
 */
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
