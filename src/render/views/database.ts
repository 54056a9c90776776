/**
 * @module The database page's HTML: built from the same data object as `/<db>.json` — the SQL editor (when the
 * actor may run SQL), stored queries, tables with their columns and counts, hidden tables on request, views.
 */
import type { Almanac } from "../../app.js";
import type { AlmanacRequest } from "../../http/request.js";
import type { Reply } from "../../http/response.js";
import type { DatabaseData } from "../../pages/database.js";
import { argIsTrue } from "../../http/request.js";
import { bodyClass, jsonTwin, metadataContext, renderPage, urlsFor } from "../html.js";
import { cssClass } from "../templates.js";
import { plural, safeColor, sqlEditorContext, sqlName } from "./editor.js";
import { pageSlots } from "../slots.js";

/** "N rows", ">10,000 rows" when the count stopped at its cap, "Many rows" when it ran out of time. */
/** 1,234 bytes → "1.2 KB" (Datasette's format_bytes, in units of 1,024). */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value.toLocaleString("en")} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

export function tableCountText(count: number | null, truncated: boolean): string {
  if (count === null) return "Many rows";
  if (truncated) return `>${(10000).toLocaleString("en")} rows`;
  return plural(count, "row");
}

export async function renderDatabaseView(almanac: Almanac, req: AlmanacRequest, data: DatabaseData, opts: { color: string; download: boolean }): Promise<Reply> {
  const urls = urlsFor(almanac);
  const db = data.database;
  const showHidden = argIsTrue(req.arg("_show_hidden"));
  const visibleTables = data.tables.filter((t) => !t.hidden);
  const tables = (showHidden ? data.tables : visibleTables).map((t) => ({
    name: t.name,
    href: urls.table(db, t.name),
    private: t.private,
    hidden: t.hidden,
    columns: t.columns.join(", "),
    count_text: tableCountText(t.count, t.count_truncated),
  }));
  const withArg = (value: string | null) => {
    const args = new URLSearchParams(req.queryString);
    args.delete("_show_hidden");
    if (value !== null) args.set("_show_hidden", value);
    const qs = args.toString();
    return urls.database(db) + (qs ? `?${qs}` : "");
  };
  const first = visibleTables[0] ?? data.tables[0];
  const meta = data.metadata ?? {};
  const context = {
    title: typeof meta.title === "string" && meta.title ? meta.title : db,
    database: db,
    color: safeColor(opts.color),
    private: data.private,
    download: opts.download ? { href: `${urls.database(db)}.db`, name: `${db}.db`, size: formatBytes(data.size) } : null,
    metadata: metadataContext(meta),
    sql_editor: data.allow_execute_sql
      ? { action: `${urls.database(db)}/-/query`, ...sqlEditorContext(almanac, db, first ? `select * from ${sqlName(first.name)}` : "", data.table_columns) }
      : null,
    queries: data.queries.map((q) => ({
      name: q.name,
      title: typeof q.title === "string" && q.title ? q.title : q.name,
      href: urls.query(db, q.name) + (typeof q.fragment === "string" && q.fragment ? `#${encodeURIComponent(q.fragment)}` : ""),
      private: q.private,
    })),
    queries_more: data.queries_more ? data.queries_count - data.queries.length : 0,
    tables,
    hidden_count: data.hidden_count,
    show_hidden: showHidden,
    show_hidden_href: withArg("1"),
    hide_hidden_href: withArg(null),
    views: data.views.map((v) => ({ name: v.name, href: urls.table(db, v.name), private: v.private })),
    schema_href: `${urls.database(db)}/-/schema`,
    json_href: jsonTwin(almanac, req),
    ...(await pageSlots(almanac, req, { kind: "database", database: db })),
  };
  return renderPage(almanac, req, {
    templates: [`database-${cssClass(db)}.html`, "database.html"],
    context,
    bodyClass: bodyClass("database", db),
    jsonUrl: jsonTwin(almanac, req),
    database: db,
    footerMetadata: meta,
  });
}
