/**
 * @module What the database and query pages share: the SQL editor's context (the form field the browser
 * enhances with CodeMirror, the schema it completes from, the parameters route) and the small wording helpers
 * for counts.
 */
import type { Almanac } from "../../app.js";
import { tildeEncode } from "../../http/tilde.js";

export interface SqlEditorContext {
  /** The SQL in the field: what the user ran (kept after an error, so it can be fixed). */
  sql: string;
  /** Table → columns the actor may see, as JSON for a `data-` attribute (the template escapes it). */
  schema_json: string;
  /** `/<db>/-/query/parameters`: the editor refreshes the parameter fields from it. */
  parameters_url: string;
}

export function sqlEditorContext(almanac: Almanac, database: string, sql: string, tableColumns: Record<string, string[]> | undefined): SqlEditorContext {
  return {
    sql,
    schema_json: JSON.stringify(tableColumns ?? {}),
    parameters_url: almanac.path(`/${tildeEncode(database)}/-/query/parameters`),
  };
}

/** `1 row`, `2,345 rows`: English plurals with thousands separators. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? singular : pluralForm}`;
}

/** A database colour is six hex digits (from a hash); anything else falls back to the accent colour. */
export function safeColor(color: unknown): string | null {
  return typeof color === "string" && /^[0-9a-fA-F]{6}$/.test(color) ? color : null;
}

// SQLite's keywords (https://sqlite.org/lang_keywords.html): a name that is one must be quoted.
const SQLITE_KEYWORDS = new Set(
  ("abort action add after all alter always analyze and as asc attach autoincrement before begin between by cascade case cast check " +
    "collate column commit conflict constraint create cross current current_date current_time current_timestamp database default " +
    "deferrable deferred delete desc detach distinct do drop each else end escape except exclude exclusive exists explain fail filter " +
    "first following for foreign from full generated glob group groups having if ignore immediate in index indexed initially inner " +
    "insert instead intersect into is isnull join key last left like limit match materialized natural no not nothing notnull null " +
    "nulls of offset on or order others outer over partition plan pragma preceding primary query raise range recursive references " +
    "regexp reindex release rename replace restrict returning right rollback row rows savepoint select set table temp temporary then " +
    "ties to transaction trigger unbounded union unique update using vacuum values view virtual when where window with without").split(" "),
);

/** A name as a person would type it in SQL: bare when that is unambiguous, double-quoted otherwise. */
export function sqlName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !SQLITE_KEYWORDS.has(name.toLowerCase())) return name;
  return `"${name.replaceAll('"', '""')}"`;
}
