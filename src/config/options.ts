/** @module What `almanac serve` (or a test) hands to createApp(): everything already parsed and validated. */
import type { Settings } from "./settings.js";

/** A database to serve. */
export interface DatabaseSource {
  /** Path of the SQLite file. */
  path: string;
  /** Open with `immutable=1` (no locking, counts and hash cached). */
  immutable: boolean;
}

/** Table-level configuration (datasette.yaml `databases.<db>.tables.<t>`, or migrated from metadata). */
export interface TableConfig {
  allow?: unknown;
  permissions?: Record<string, unknown>;
  plugins?: Record<string, unknown>;
  hidden?: boolean;
  sort?: string;
  sort_desc?: string;
  size?: number;
  sortable_columns?: string[];
  label_column?: string;
  facets?: unknown[];
  facet_size?: number | "max";
  fts_table?: string;
  fts_pk?: string;
  searchmode?: string;
  column_types?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface QueryConfig {
  sql: string;
  title?: string;
  description?: string;
  description_html?: string;
  params?: string[];
  hide_sql?: boolean;
  fragment?: string;
  write?: boolean;
  is_trusted?: boolean;
  allow?: unknown;
  permissions?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface DatabaseConfig {
  allow?: unknown;
  allow_sql?: unknown;
  permissions?: Record<string, unknown>;
  plugins?: Record<string, unknown>;
  queries?: Record<string, QueryConfig | string>;
  tables?: Record<string, TableConfig>;
  [key: string]: unknown;
}

/** The effective configuration: datasette.yaml's shape after migrating a 0.x metadata file. */
export interface InstanceConfig {
  settings?: Partial<Settings>;
  plugins?: Record<string, unknown>;
  allow?: unknown;
  allow_sql?: unknown;
  permissions?: Record<string, unknown>;
  extra_css_urls?: unknown[];
  extra_js_urls?: unknown[];
  databases?: Record<string, DatabaseConfig>;
  [key: string]: unknown;
}

/** Descriptive metadata (title, description, license, source, about, columns) at each level. */
export interface Metadata {
  title?: string;
  description?: string;
  description_html?: string;
  license?: string;
  license_url?: string;
  source?: string;
  source_url?: string;
  about?: string;
  about_url?: string;
  databases?: Record<string, Metadata & { tables?: Record<string, Metadata & { columns?: Record<string, string> }> }>;
  [key: string]: unknown;
}

/** Counts and hashes precomputed by `almanac inspect` (Datasette's inspect-data.json shape). */
export type InspectData = Record<string, { hash?: string; size?: number; file?: string; tables?: Record<string, { count: number | null }> }>;

export interface AppOptions {
  databases: DatabaseSource[];
  /** Serve the private in-memory `_memory` database. */
  memory: boolean;
  crossdb: boolean;
  nolock: boolean;
  settings: Settings;
  config: InstanceConfig;
  metadata: Metadata;
  /** Signing secret; undefined → random per process. */
  secret?: string;
  cors: boolean;
  staticMounts: { mount: string; dir: string }[];
  loadExtensions: string[];
  inspectData?: InspectData;
  versionNote?: string;
  templateDir?: string;
  pluginsDir?: string;
  /** Where packaged plugins are found: `<pluginPrefix>/node_modules` (ALMANAC_PLUGIN_PREFIX; default: the installation's). */
  pluginPrefix?: string;
  /** ALMANAC_LOAD_PLUGINS: load only these built-in and packaged plugins (undefined = all, [] = none). */
  loadPlugins?: string[];
  root: boolean;
  defaultDeny: boolean;
}
