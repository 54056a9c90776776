/**
 * @module The `_extra=` blocks: one registry of what each extra is and how it is computed. The table, row
 * and query pages each list the extras they offer (in Datasette's order) and add their own to the shared ones.
 */
import type { Almanac } from "../app.js";
import type { Database, TableInfo } from "../db/index.js";
import type { AlmanacRequest } from "../http/request.js";
import { columnDetails } from "./schema-info.js";
import { databaseColor, requestExtra, urlWithArgs } from "./common.js";
import { pluginCells } from "../render/cells.js";

/** What every extra may read. Pages extend it with what only they know (a table plan, a count…). */
export interface ExtraContext {
  almanac: Almanac;
  req: AlmanacRequest;
  db: Database;
  table: TableInfo | null;
  /** Columns returned by the page's query. */
  columns: string[];
  rowCount: number;
  /** The page's rows as objects (as the JSON carries them). */
  rows(): Record<string, unknown>[];
  /** The key columns that address a row (empty for queries and views). */
  pks: string[];
  sql: string;
  params: unknown;
  /** What the URL resolved to (the `debug` extra). */
  resolved: Record<string, unknown>;
  metadata(): unknown;
  /** Visible to this actor but not to an anonymous one. */
  isPrivate(): boolean;
  /** Extras this request selected, and all that this page offers. */
  selected: Set<string>;
  offered: readonly string[];
}

export interface Extra<C extends ExtraContext = ExtraContext> {
  description: string;
  value(ctx: C): unknown;
}

/** A table's configured column types as `{type, config}` (config `column_types: {col: "url" | {type, config}}`). */
export function columnType(almanac: Almanac, db: string, table: string | undefined, column: string): { type: string; config: unknown } | null {
  if (!table) return null;
  const t = (almanac.tableConfig(db, table).column_types ?? {})[column] as unknown;
  if (typeof t === "string") return { type: t, config: null };
  if (t && typeof t === "object" && typeof (t as { type?: unknown }).type === "string") {
    return { type: (t as { type: string }).type, config: (t as { config?: unknown }).config ?? null };
  }
  return null;
}

/** Extras that mean the same on every page that offers them. */
export const COMMON_EXTRAS: Record<string, Extra> = {
  columns: { description: "Column names returned by this query", value: (c) => c.columns },
  primary_keys: { description: "Primary keys for this table", value: (c) => c.table?.primaryKeys ?? [] },
  column_details: { description: "Type, nullability and key details for each column", value: (c) => (c.table ? columnDetails(c.table) : {}) },
  // Per row, `{column: html}` for the cells a plugin's render_cell rendered (an empty object per row without such plugins).
  render_cell: {
    description: "Rendered HTML for cells where plugins change it",
    value: async (c) =>
      (await pluginCells(c.almanac, c.req, { database: c.db.name, table: c.table?.name ?? null, pks: c.pks, columns: c.columns, rows: c.rows() })) ??
      Array.from({ length: c.rowCount }, () => ({})),
  },
  debug: { description: "Extra debug information", value: (c) => ({ url_vars: c.req.params, resolved: c.resolved }) },
  request: { description: "Full information about the request", value: (c) => requestExtra(c.almanac, c.req) },
  query: { description: "Details of the underlying SQL query", value: (c) => ({ sql: c.sql, params: c.params }) },
  column_types: {
    description: "Column types assigned to columns",
    value: (c) => Object.fromEntries(c.columns.map((col) => [col, columnType(c.almanac, c.db.name, c.table?.name, col)]).filter(([, t]) => t)),
  },
  metadata: { description: "Metadata about this table, query or database", value: (c) => c.metadata() },
  extras: {
    description: "Available ?_extra= blocks",
    value: (c) =>
      c.offered.map((e) => {
        const toggled = c.selected.has(e) ? [...c.selected].filter((x) => x !== e) : [...c.selected, e];
        return { name: e, description: describe(e), toggle_url: urlWithArgs(c.almanac, c.req, { _extra: toggled.join(",") || null }), selected: c.selected.has(e) };
      }),
  },
  database: { description: "Database name", value: (c) => c.db.name },
  table: { description: "Table name", value: (c) => c.table?.name ?? null },
  database_color: { description: "Color assigned to the database", value: (c) => databaseColor(c.db) },
  private: { description: "Whether this is private: visible to you but not to anonymous visitors", value: (c) => c.isPrivate() },
};

const descriptions = new Map<string, string>(Object.entries(COMMON_EXTRAS).map(([k, v]) => [k, v.description]));

/** Register page-specific extras (their descriptions feed the `extras` extra). */
export function defineExtras<C extends ExtraContext>(extras: Record<string, Extra<C>>): Record<string, Extra<C>> {
  for (const [k, v] of Object.entries(extras)) descriptions.set(k, v.description);
  return extras;
}

function describe(name: string): string {
  return descriptions.get(name) ?? name;
}

/**
 * The selected extras' values, in the page's offered order. `implied` adds extras that come along with
 * another (Datasette's `count` brings `count_truncated`).
 */
export async function collectExtras<C extends ExtraContext>(ctx: C, registry: Record<string, Extra<C>>, implied: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const wanted = new Set(ctx.selected);
  for (const [extra, by] of Object.entries(implied)) if (ctx.selected.has(by)) wanted.add(extra);
  for (const name of ctx.offered) {
    if (!wanted.has(name)) continue;
    const extra = registry[name] ?? (COMMON_EXTRAS[name] as unknown as Extra<C>);
    out[name] = await extra.value(ctx);
  }
  return out;
}
