/** @module The database page: `/<db>(.json)` — tables with counts and keys, views, stored queries; `?sql=` redirects. */
import type { Almanac } from "../app.js";
import type { Database } from "../db/index.js";
import type { AlmanacRequest } from "../http/request.js";
import { json, redirect, type Reply } from "../http/response.js";
import { tildeEncode } from "../http/tilde.js";
import { renderDatabaseView } from "../render/views/database.js";
import type { Actor } from "../auth/permissions.js";
import { dataFormat, databaseColor, resolveDatabase, canViewTable } from "./common.js";
import { tableCount, COUNT_LIMIT } from "./counts.js";
import { canDownload, downloadDatabase } from "./download.js";

/** Per-table count budget on the database page (Datasette: 100 ms). */
const DATABASE_PAGE_COUNT_MS = 100;

function fkJson(fks: { column: string; otherTable: string; otherColumn: string }[]) {
  return fks.map((f) => ({ other_table: f.otherTable, column: f.column, other_column: f.otherColumn }));
}

/** Stored queries configured for a database, as objects, in configuration order. */
export function storedQueries(almanac: Almanac, db: Database): Record<string, unknown>[] {
  const queries = almanac.databaseConfig(db.name).queries ?? {};
  return Object.entries(queries)
    .map(([name, q]) => (typeof q === "string" ? { name, sql: q } : { name, ...q }))
    .filter((q) => typeof q.sql === "string");
}

export async function databasePage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  if (req.args.has("sql")) {
    const fmt = req.params.format ? `.${req.params.format}` : "";
    return redirect(almanac.path(`/${req.params.db}/-/query${fmt}?${req.queryString}`));
  }
  if (req.params.format === "db") return downloadDatabase(req, almanac, resolveDatabase(almanac, req));
  const format = dataFormat(req);
  const db = resolveDatabase(almanac, req);
  const data = await databaseData(almanac, req, db);
  if (format === "html") return renderDatabaseView(almanac, req, data as unknown as DatabaseData, { color: await databaseColor(db), download: canDownload(almanac, req.actor, db) });
  return json(data);
}

export async function databaseData(almanac: Almanac, req: AlmanacRequest, db: Database): Promise<Record<string, unknown>> {
  const schema = db.schema();
  const visible = schema.tables.filter((t) => canViewTable(almanac, req.actor, db, t.name));
  const tables = visible.filter((t) => !t.isView);
  const counts = await Promise.all(tables.map((t) => tableCount(db, t, DATABASE_PAGE_COUNT_MS)));
  const isPrivate = (child: string) => !canViewTable(almanac, null, db, child);
  const queries = storedQueries(almanac, db)
    .filter((q) => almanac.permissions.allowed(req.actor, "view-query", { database: db.name, child: q.name as string }))
    // Datasette marks queries anonymous visitors cannot see (🔒 on the page).
    .map((q) => ({ ...q, private: !almanac.permissions.allowed(null, "view-query", { database: db.name, child: q.name as string }) }));
  const canSql = almanac.permissions.allowed(req.actor, "execute-sql", { database: db.name });
  const data: Record<string, unknown> = {
    ok: true,
    database: db.name,
    private: !almanac.permissions.allowed(null, "view-database", { database: db.name }),
    path: almanac.path(`/${tildeEncode(db.name)}`),
    size: db.size(),
    tables: tables.map((t, i) => ({
      name: t.name,
      columns: t.columns.map((c) => c.name),
      primary_keys: t.primaryKeys,
      count: counts[i],
      count_truncated: counts[i] !== null && counts[i]! > COUNT_LIMIT && !db.cachedCounts.has(t.name),
      hidden: t.hidden || !!almanac.tableConfig(db.name, t.name).hidden,
      fts_table: t.ftsTable,
      foreign_keys: { incoming: fkJson(t.foreignKeys.incoming), outgoing: fkJson(t.foreignKeys.outgoing) },
      private: isPrivate(t.name),
    }))
      // Datasette sorts by (hidden, name): visible tables first, each group by name (code-point order).
      .sort((a, b) => Number(a.hidden) - Number(b.hidden) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    hidden_count: tables.filter((t) => t.hidden || almanac.tableConfig(db.name, t.name).hidden).length,
    views: visible.filter((t) => t.isView).map((t) => ({ name: t.name, private: isPrivate(t.name) })),
    queries: queries.slice(0, 5),
    queries_more: queries.length > 5,
    queries_count: queries.length,
    allow_execute_sql: canSql,
  };
  if (canSql) data.table_columns = tableColumns(almanac, req.actor, db);
  data.metadata = almanac.databaseMetadata(db.name);
  return data;
}

/** Every table and view the actor may see, with its columns: what the SQL editor completes. */
export function tableColumns(almanac: Almanac, actor: Actor, db: Database): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  for (const t of db.schema().tables) if (canViewTable(almanac, actor, db, t.name)) out[t.name] = t.columns.map((c) => c.name);
  return out;
}

/** The database page's data object as the HTML view reads it (the JSON twin carries the same). */
export interface DatabaseData {
  database: string;
  private: boolean;
  size: number;
  tables: { name: string; columns: string[]; count: number | null; count_truncated: boolean; hidden: boolean; private: boolean }[];
  hidden_count: number;
  views: { name: string; private: boolean }[];
  queries: (Record<string, unknown> & { name: string; private: boolean })[];
  queries_more: boolean;
  queries_count: number;
  allow_execute_sql: boolean;
  table_columns?: Record<string, string[]>;
  metadata: Record<string, unknown>;
}
