/** @module Moving configuration out of a Datasette 0.x metadata file (spec §6.3), plus the small tree helpers it needs. */
import type { InstanceConfig, Metadata } from "./options.js";

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets an own property even when the key is `__proto__`: keys come from user files, and a plain
 * assignment with that key would replace the object's prototype instead of storing a value.
 */
export function setOwn(target: PlainObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A deep copy of JSON-like data (objects, arrays, scalars). */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => deepCopy(v)) as T;
  if (isPlainObject(value)) {
    const out: PlainObject = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, deepCopy(v));
    return out as T;
  }
  return value;
}

/** Merges `source` into a copy of `target`: objects merge key by key, anything else replaces. */
export function deepMerge(target: unknown, source: unknown): unknown {
  if (!isPlainObject(target) || !isPlainObject(source)) return deepCopy(source);
  const out = deepCopy(target);
  for (const [k, v] of Object.entries(source)) {
    setOwn(out, k, Object.hasOwn(out, k) ? deepMerge(out[k], v) : deepCopy(v));
  }
  return out;
}

/** Walks down `path`, creating (or replacing non-object values with) empty objects on the way. */
export function ensurePath(root: PlainObject, path: readonly string[]): PlainObject {
  let node = root;
  for (const step of path) {
    let next = Object.hasOwn(node, step) ? node[step] : undefined;
    if (!isPlainObject(next)) {
      next = {};
      setOwn(node, step, next);
    }
    node = next as PlainObject;
  }
  return node;
}

/** Removes every empty object at any depth (Datasette's prune_empty_dicts). */
export function pruneEmptyObjects(node: PlainObject): void {
  for (const [k, v] of Object.entries(node)) {
    if (isPlainObject(v)) {
      pruneEmptyObjects(v);
      if (Object.keys(v).length === 0) delete node[k];
    }
  }
}

/** Keys Datasette 1.0 moves from `databases.*.tables.*` in metadata to config. */
export const DATASETTE_TABLE_CONFIG_KEYS = [
  "hidden", "sort", "sort_desc", "size", "sortable_columns", "label_column", "facets", "fts_table", "fts_pk", "searchmode",
] as const;

/** Table keys Almanac moves as well (Datasette 1.0 silently ignores them in metadata). */
export const EXTRA_TABLE_CONFIG_KEYS = ["facet_size", "column_types"] as const;

export interface MigrationResult {
  config: InstanceConfig;
  metadata: Metadata;
  /** Dotted paths (in metadata) of the values that were moved, in the order they were moved. */
  moved: string[];
}

/**
 * Splits a 0.x-style metadata object into metadata and configuration. Pure: inputs are not modified.
 *
 * Datasette 1.0's algorithm (every `plugins`/`allow` key at any depth; the ten table keys) is applied exactly,
 * and migrated values overwrite what the config file already had. Almanac also carries what Datasette drops,
 * because dropping them changes behaviour silently: `databases.*.queries` (whole queries, so a query's `allow`
 * travels with its `sql`), `allow_sql` (root and database — dropping it would re-allow SQL), `permissions`
 * (any level), root `extra_css_urls`/`extra_js_urls`, and table `facet_size`/`column_types`.
 */
export function migrateMetadata(metadataIn: Metadata, configIn: InstanceConfig = {}): MigrationResult {
  const metadata = deepCopy(metadataIn) as PlainObject;
  const config = deepCopy(configIn) as PlainObject;
  const moved: string[] = [];

  const move = (src: PlainObject, key: string, path: readonly string[]): void => {
    setOwn(ensurePath(config, path), key, src[key]);
    delete src[key];
    moved.push([...path, key].join("."));
  };

  // Queries first, whole: otherwise the generic walk below would move a query's `allow` without its `sql`.
  const databases = metadata.databases;
  if (isPlainObject(databases)) {
    for (const [dbName, db] of Object.entries(databases)) {
      if (!isPlainObject(db) || !isPlainObject(db.queries)) continue;
      for (const queryName of Object.keys(db.queries)) move(db.queries, queryName, ["databases", dbName, "queries"]);
    }
  }

  // Datasette's move_plugins_and_allow, with `permissions` added. Only objects are walked (not lists).
  const walk = (node: PlainObject, path: string[]): void => {
    for (const [key, value] of Object.entries(node)) {
      // A key directly under `columns` is a column name; Almanac's own addition must not steal a column
      // called "permissions" (Datasette's plugins/allow rule is kept as it is, for compatibility).
      const isColumnName = path[path.length - 1] === "columns";
      if (key === "plugins" || key === "allow" || (key === "permissions" && !isColumnName)) {
        move(node, key, path);
      } else if (isPlainObject(value)) {
        walk(value, [...path, key]);
        if (Object.keys(value).length === 0) delete node[key];
      }
    }
  };
  walk(metadata, []);

  for (const key of ["allow_sql", "extra_css_urls", "extra_js_urls"]) {
    if (Object.hasOwn(metadata, key)) move(metadata, key, []);
  }

  if (isPlainObject(metadata.databases)) {
    for (const [dbName, db] of Object.entries(metadata.databases)) {
      if (!isPlainObject(db)) continue;
      if (Object.hasOwn(db, "allow_sql")) move(db, "allow_sql", ["databases", dbName]);
      if (!isPlainObject(db.tables)) continue;
      for (const [tableName, table] of Object.entries(db.tables)) {
        if (!isPlainObject(table)) continue;
        for (const key of [...DATASETTE_TABLE_CONFIG_KEYS, ...EXTRA_TABLE_CONFIG_KEYS]) {
          if (Object.hasOwn(table, key)) move(table, key, ["databases", dbName, "tables", tableName]);
        }
      }
    }
  }

  pruneEmptyObjects(metadata);
  return { config: config as InstanceConfig, metadata: metadata as Metadata, moved };
}

/**
 * The one line `serve` prints when a metadata file carried configuration, e.g.
 * `almanac: moved from metadata.json to configuration: plugins, databases.bigmac.allow`.
 */
export function describeMigration(fileName: string, moved: readonly string[], limit = 8): string | undefined {
  if (moved.length === 0) return undefined;
  const shown = moved.slice(0, limit).join(", ");
  const rest = moved.length > limit ? ` and ${moved.length - limit} more` : "";
  return `almanac: moved from ${fileName} to configuration: ${shown}${rest}`;
}
