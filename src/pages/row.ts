/** @module The row page: `/<db>/<table>/<pks>(.json)` — one row by primary key (or rowid), with related-row counts. */
import type { Almanac } from "../app.js";
import type { Database, TableInfo } from "../db/index.js";
import { NotFound } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";
import { decodePrimaryKeyPath, tildeEncode } from "../http/tilde.js";
import { quoteIdentifier } from "../sql/index.js";
import { bindKeyValue } from "../query/table-plan.js";
import { columnKey } from "../query/filters.js";
import { rowsToObjects } from "../render/json.js";
import { renderRowPage } from "../render/views/row.js";
import { expandableColumns } from "../query/labels.js";
import { applyLabels } from "./table.js";
import { resolveDatabaseOfChild, cacheHeaders, cellOptions, dataJson, parseExtras, resolveTable, runSql, timeLimit, canViewTable } from "./common.js";
import { collectExtras, defineExtras, type ExtraContext } from "./extras.js";
import { exportRow } from "./export.js";
import { dataOutput, rendererLinks, renderWith } from "./renderers.js";
import { registries } from "./registries.js";
import type { RenderContext } from "../plugins/types.js";

export const ROW_EXTRAS = [
  "columns", "primary_keys", "column_details", "render_cell", "debug", "request", "query", "column_types", "metadata",
  "extras", "database", "table", "database_color", "private", "foreign_key_tables",
] as const;

interface RowExtraContext extends ExtraContext {
  table: TableInfo;
  keys: string[];
  row: Record<string, unknown>;
  limit: number;
}

const ROW_ONLY_EXTRAS = defineExtras<RowExtraContext>({
  // Datasette reports ["rowid"] for rowid tables here (row_sql_params_pks).
  primary_keys: { description: "Primary keys for this table", value: (c) => c.keys },
  foreign_key_tables: {
    description: "Tables with foreign keys pointing to this row, with counts",
    value: (c) => foreignKeyTables(c.almanac, c.req, c.db, c.table, c.row, c.limit),
  },
});

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
  const { format, renderer } = dataOutput(registries(almanac).renderers, req);
  const db = resolveDatabaseOfChild(almanac, req);
  const table = resolveTable(almanac, req, db);
  if (!table || table.isView) throw new NotFound("Table not found");
  const keys = table.usesRowid ? ["rowid"] : table.primaryKeys;
  const values = decodePrimaryKeyPath(req.params.pks);
  if (values.length !== keys.length) throw new NotFound("Row not found");
  const extras = parseExtras(req, ROW_EXTRAS, format !== "html");
  // What the HTML page always shows, whatever `_extra` says.
  if (format === "html") for (const e of ["columns", "primary_keys", "metadata", "private", "foreign_key_tables", "database", "table"]) extras.add(e);

  const params: Record<string, unknown> = {};
  keys.forEach((k, i) => (params[`p${i}`] = bindKeyValue(table, k, values[i])));
  const sql = rowSql(table, keys);
  if (format === "csv" || format === "blob") return exportRow(req, almanac, db, table, { sql, params, keys, inline: !table.isVirtual }, format);
  const limit = timeLimit(almanac, req);
  const started = performance.now();
  // A primary-key (or rowid) look-up on an ordinary table is bounded by its index: run it inline.
  const result = await runSql(db, sql, params, { timeLimitMs: limit, inline: !table.isVirtual });
  const queryMs = performance.now() - started;
  if (result.rows.length === 0) throw new NotFound("Row not found");
  const rows = rowsToObjects(result.columns, result.rows, cellOptions(req));

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
  const meta = almanac.tableMetadata(db.name, table.name);
  Object.assign(
    out,
    await collectExtras<RowExtraContext>(
      {
        almanac, req, db, table, keys, limit,
        row: rows[0],
        columns: result.columns,
        rowCount: rows.length,
        rows: () => rows,
        pks: keys,
        sql,
        params,
        resolved: { database: db.name, table: table.name, pks: values },
        metadata: () => ({ ...meta, columns: meta.columns ?? {} }),
        isPrivate: () => !canViewTable(almanac, null, db, table.name),
        selected: extras,
        offered: ROW_EXTRAS,
      },
      ROW_ONLY_EXTRAS,
    ),
  );
  out.truncated = false;
  const headers = { ...cacheHeaders(almanac, req), "referrer-policy": "no-referrer" };
  const renderers = registries(almanac).renderers;
  const render: RenderContext = { almanac, request: req, view_name: "row", database: db.name, table: table.name, query_name: null, sql, columns: result.columns, rows, truncated: false, error: null, data: out };
  if (renderer) return renderWith(renderer, render);
  if (format === "json") return dataJson(out, cellOptions(req), 200, headers);
  const formats = renderers.size ? await rendererLinks(almanac, renderers, render) : {};

  // HTML: foreign keys labelled (from tables the actor may view), as the table page shows them.
  const expandable = expandableColumns(table, db.schema(), (t) => almanac.tableConfig(db.name, t)).filter((e) => canViewTable(almanac, req.actor, db, e.otherTable));
  await applyLabels(db, expandable, rows, limit);
  return renderRowPage(almanac, req, { db, table, data: out, expandable, formats, queryMs: performance.now() - started, headers });
}

/** Rows of other tables that point at this one, counted per relationship (single-column keys only). */
async function foreignKeyTables(almanac: Almanac, req: AlmanacRequest, db: Database, table: TableInfo, row: Record<string, unknown>, limit: number): Promise<unknown[]> {
  if (table.primaryKeys.length > 1) return [];
  const out: unknown[] = [];
  for (const fk of table.foreignKeys.incoming) {
    // Counts are values of the other table: only for tables the actor may view.
    if (!canViewTable(almanac, req.actor, db, fk.otherTable)) continue;
    const value = row[fk.column];
    const r = await runSql(db, `select count(*) from ${quoteIdentifier(fk.otherTable)} where ${quoteIdentifier(fk.otherColumn)} = ?`, [value], { timeLimitMs: limit });
    const key = columnKey(fk.otherColumn);
    const link = almanac.path(`/${tildeEncode(db.name)}/${tildeEncode(fk.otherTable)}?${new URLSearchParams({ [key]: String(value) }).toString()}`);
    out.push({ other_table: fk.otherTable, column: fk.column, other_column: fk.otherColumn, count: Number(r.rows[0][0]), link });
  }
  return out;
}
