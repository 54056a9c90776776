/** @module The row page: `/<db>/<table>/<pks>(.json)` — one row by primary key (or rowid), with related-row counts. */
import type { Almanac } from "../app.js";
import type { Database, TableInfo } from "../db/index.js";
import { NotFound } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";
import { decodePrimaryKeyPath, tildeEncode } from "../http/tilde.js";
import { quoteIdentifier } from "../sql/index.js";
import { bindKeyValue } from "../query/table-plan.js";
import { rowsToObjects } from "../render/json.js";
import { renderDataPage } from "../render/html.js";
import { cacheHeaders, cellOptions, dataFormat, dataJson, databaseColor, extrasList, parseExtras, requestExtra, resolveDatabase, resolveTable, runSql, timeLimit } from "./common.js";
import { columnDetails } from "./schema-info.js";

export const ROW_EXTRAS = [
  "columns", "primary_keys", "column_details", "render_cell", "debug", "request", "query", "column_types", "metadata",
  "extras", "database", "table", "database_color", "private", "foreign_key_tables",
] as const;

const EXTRA_DESCRIPTIONS: Record<string, string> = {
  columns: "Column names returned by this query",
  primary_keys: "Primary keys for this table",
  column_details: "Type, nullability and key details for each column",
  render_cell: "Rendered HTML for cells where plugins change it",
  debug: "Extra debug information",
  request: "Full information about the request",
  query: "Details of the underlying SQL query",
  column_types: "Column types assigned to columns",
  metadata: "Metadata about the table and its columns",
  extras: "Available ?_extra= blocks",
  database: "Database name",
  table: "Table name",
  database_color: "Color assigned to the database",
  private: "Whether this is a private table",
  foreign_key_tables: "Tables with foreign keys pointing to this row, with counts",
};

/** The look-up SQL depends only on the (immutable, per schema version) table: build it once. */
const rowSqlCache = new WeakMap<TableInfo, string>();
function rowSql(table: TableInfo, keys: string[]): string {
  let sql = rowSqlCache.get(table);
  if (sql === undefined) {
    const columns = table.usesRowid ? ["rowid", ...table.columns.map((c) => c.name)] : table.columns.map((c) => c.name);
    const where = keys.map((k, i) => `${quoteIdentifier(k)} = :p${i}`).join(" and ");
    sql = `select ${columns.map(quoteIdentifier).join(", ")} from ${quoteIdentifier(table.name)} where ${where}`;
    rowSqlCache.set(table, sql);
  }
  return sql;
}

export async function rowPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const format = dataFormat(req);
  const db = resolveDatabase(almanac, req);
  const table = resolveTable(almanac, req, db);
  if (!table || table.isView) throw new NotFound("Table not found");
  const keys = table.usesRowid ? ["rowid"] : table.primaryKeys;
  const values = decodePrimaryKeyPath(req.params.pks);
  if (values.length !== keys.length) throw new NotFound("Row not found");
  const extras = parseExtras(req, ROW_EXTRAS, format === "json");

  const params: Record<string, unknown> = {};
  keys.forEach((k, i) => (params[`p${i}`] = bindKeyValue(table, k, values[i])));
  const sql = rowSql(table, keys);
  const limit = timeLimit(almanac, req);
  const started = performance.now();
  // A primary-key (or rowid) look-up on an ordinary table is bounded by its index: run it inline.
  const result = await runSql(db, sql, params, { timeLimitMs: limit, inline: !table.isVirtual });
  const queryMs = performance.now() - started;
  if (result.rows.length === 0) throw new NotFound("Row not found");
  const rows = rowsToObjects(result.columns, result.rows, cellOptions(req));

  if (format === "html") {
    return renderDataPage(almanac, req, { title: `${table.name}: ${values.join(", ")}`, kind: "row", database: db.name, table: table.name, columns: result.columns, rows, keyColumns: keys });
  }

  const out: Record<string, unknown> = {
    ok: true,
    database: db.name,
    table: table.name,
    rows,
    // Datasette reports ["rowid"] for rowid tables (row_sql_params_pks).
    primary_keys: keys,
    primary_key_values: values,
    query_ms: queryMs,
  };
  const config = almanac.tableConfig(db.name, table.name);
  for (const name of ROW_EXTRAS) {
    if (!extras.has(name)) continue;
    switch (name) {
      case "columns":
        out.columns = result.columns;
        break;
      case "primary_keys":
        out.primary_keys = keys;
        break;
      case "column_details":
        out.column_details = columnDetails(table);
        break;
      case "render_cell":
        out.render_cell = rows.map(() => ({}));
        break;
      case "debug":
        out.debug = { url_vars: req.params, resolved: { database: db.name, table: table.name, pks: values } };
        break;
      case "request":
        out.request = requestExtra(almanac, req);
        break;
      case "query":
        out.query = { sql, params };
        break;
      case "column_types": {
        const types = (config.column_types ?? {}) as Record<string, unknown>;
        out.column_types = Object.fromEntries(
          Object.entries(types).map(([c, t]) => [c, typeof t === "string" ? { type: t, config: null } : { type: (t as { type?: string }).type, config: (t as { config?: unknown }).config ?? null }]),
        );
        break;
      }
      case "metadata": {
        const meta = almanac.tableMetadata(db.name, table.name);
        out.metadata = { ...meta, columns: meta.columns ?? {} };
        break;
      }
      case "extras":
        out.extras = extrasList(almanac, req, ROW_EXTRAS, EXTRA_DESCRIPTIONS, extras);
        break;
      case "database":
        out.database = db.name;
        break;
      case "table":
        out.table = table.name;
        break;
      case "database_color":
        out.database_color = await databaseColor(db);
        break;
      case "private":
        out.private = !almanac.permissions.allowed(null, "view-table", { database: db.name, child: table.name });
        break;
      case "foreign_key_tables":
        out.foreign_key_tables = await foreignKeyTables(almanac, req, db, table, rows[0], limit);
        break;
    }
  }
  out.truncated = false;
  return dataJson(out, cellOptions(req), 200, { ...cacheHeaders(almanac, req), "referrer-policy": "no-referrer" });
}

/** Rows of other tables that point at this one, counted per relationship (single-column keys only). */
async function foreignKeyTables(almanac: Almanac, req: AlmanacRequest, db: Database, table: TableInfo, row: Record<string, unknown>, limit: number): Promise<unknown[]> {
  if (table.primaryKeys.length > 1) return [];
  const out: unknown[] = [];
  for (const fk of table.foreignKeys.incoming) {
    // Counts are values of the other table: only for tables the actor may view.
    if (!almanac.permissions.allowed(req.actor, "view-table", { database: db.name, child: fk.otherTable })) continue;
    const value = row[fk.column];
    const r = await runSql(db, `select count(*) from ${quoteIdentifier(fk.otherTable)} where ${quoteIdentifier(fk.otherColumn)} = ?`, [value], { timeLimitMs: limit });
    // A column starting with `_` would be a special argument: Datasette links it as `col__exact`.
    const key = fk.otherColumn.startsWith("_") ? `${fk.otherColumn}__exact` : fk.otherColumn;
    const link = almanac.path(`/${tildeEncode(db.name)}/${tildeEncode(fk.otherTable)}?${new URLSearchParams({ [key]: String(value) }).toString()}`);
    out.push({ other_table: fk.otherTable, column: fk.column, other_column: fk.otherColumn, count: Number(r.rows[0][0]), link });
  }
  return out;
}
