/** @module The one table of Datasette-compatible settings: names, defaults, types and help text. */

export type SettingValue = number | boolean | string;

export interface SettingSpec {
  name: string;
  default: SettingValue;
  help: string;
}

/** All 24 settings, in Datasette's order, with Datasette 1.0's defaults. */
export const SETTINGS: readonly SettingSpec[] = [
  { name: "default_page_size", default: 100, help: "Default page size for the table view" },
  { name: "max_returned_rows", default: 1000, help: "Maximum rows that can be returned from a table or custom query" },
  { name: "max_insert_rows", default: 100, help: "Maximum rows that can be inserted at a time using the bulk insert API" },
  { name: "max_post_body_bytes", default: 2097152, help: "Maximum size of a POST body in bytes (0 = unlimited)" },
  { name: "num_sql_threads", default: 3, help: "Number of threads in the thread pool for executing SQLite queries" },
  { name: "sql_time_limit_ms", default: 1000, help: "Time limit for a SQL query in milliseconds" },
  { name: "default_facet_size", default: 30, help: "Number of values to return for requested facets" },
  { name: "facet_time_limit_ms", default: 200, help: "Time limit for calculating a requested facet" },
  { name: "facet_suggest_time_limit_ms", default: 50, help: "Time limit for calculating a suggested facet" },
  { name: "allow_facet", default: true, help: "Allow users to specify columns to facet using ?_facet= parameter" },
  { name: "allow_download", default: true, help: "Allow users to download the original SQLite database files" },
  { name: "allow_signed_tokens", default: true, help: "Allow users to create and use signed API tokens" },
  { name: "default_allow_sql", default: true, help: "Allow anyone to run arbitrary SQL queries" },
  { name: "max_signed_tokens_ttl", default: 0, help: "Maximum allowed expiry time for signed API tokens (0 = no limit)" },
  { name: "suggest_facets", default: true, help: "Calculate and display suggested facets" },
  { name: "default_cache_ttl", default: 5, help: "Default HTTP cache TTL (used in Cache-Control: max-age= header)" },
  { name: "cache_size_kb", default: 0, help: "SQLite cache size in KB (0 == use SQLite default)" },
  { name: "allow_csv_stream", default: true, help: "Allow .csv?_stream=1 to download all rows (ignoring max_returned_rows)" },
  { name: "max_csv_mb", default: 100, help: "Maximum size allowed for CSV export in MB - set 0 to disable this limit" },
  { name: "truncate_cells_html", default: 2048, help: "Truncate cells longer than this in HTML table view - set 0 to disable" },
  { name: "force_https_urls", default: false, help: "Force URLs in API output to always use https:// protocol" },
  { name: "template_debug", default: false, help: "Allow display of template debug information with ?_context=1" },
  { name: "trace_debug", default: false, help: "Allow display of SQL trace debug information with ?_trace=1" },
  { name: "base_url", default: "/", help: "Datasette URLs should use this base path" },
];

export interface Settings {
  default_page_size: number;
  max_returned_rows: number;
  max_insert_rows: number;
  max_post_body_bytes: number;
  num_sql_threads: number;
  sql_time_limit_ms: number;
  default_facet_size: number;
  facet_time_limit_ms: number;
  facet_suggest_time_limit_ms: number;
  allow_facet: boolean;
  allow_download: boolean;
  allow_signed_tokens: boolean;
  default_allow_sql: boolean;
  max_signed_tokens_ttl: number;
  suggest_facets: boolean;
  default_cache_ttl: number;
  cache_size_kb: number;
  allow_csv_stream: boolean;
  max_csv_mb: number;
  truncate_cells_html: number;
  force_https_urls: boolean;
  template_debug: boolean;
  trace_debug: boolean;
  base_url: string;
}

export const SETTING_NAMES: ReadonlySet<string> = new Set(SETTINGS.map((s) => s.name));

export function defaultSettings(): Settings {
  return Object.fromEntries(SETTINGS.map((s) => [s.name, s.default])) as unknown as Settings;
}
