/**
 * @module The query page's HTML, for `?sql=` and stored queries: built from the same data object as the JSON
 * twin (rows, truncated, columns). The SQL is editable for `?sql=` (the editor) and read-only for stored
 * queries (with a show/hide toggle); named parameters get form fields; a query that fails is shown in the form
 * with its SQL kept, so it can be fixed.
 */
import { createHash } from "node:crypto";
import type { Almanac } from "../../app.js";
import type { QueryConfig } from "../../config/options.js";
import { argIsTrue, type AlmanacRequest } from "../../http/request.js";
import type { Reply } from "../../http/response.js";
import { displayCell, pluginCells } from "../cells.js";
import { jsonTwin, metadataContext, renderPage, urlsFor } from "../html.js";
import { cssClass } from "../templates.js";
import { plural, sqlEditorContext } from "./editor.js";
import { pageSlots } from "../slots.js";

/** The JSON twin's data, as far as the page shows it. */
export interface QueryData {
  rows: Record<string, unknown>[];
  truncated: boolean;
  columns: string[];
}

export interface QueryViewInput {
  database: string;
  /** Stored query name and definition; null for `?sql=`. */
  name: string | null;
  definition: QueryConfig | null;
  sql: string;
  /** The values bound to the SQL's parameters (magic ones included). */
  params: Record<string, unknown>;
  /** The parameters a person fills in (magic `_…` ones never have a field), with the request's values. */
  parameters: { name: string; value: string }[];
  /** Null when nothing ran (no SQL yet, or an error). */
  data: QueryData | null;
  /** Plugin output formats to link to (`{extension: url}`). */
  formats: Record<string, string>;
  /** A query failure (400): shown in the form. */
  error: string | null;
  /** Table → columns for completion; present only when the actor may execute SQL. */
  tableColumns?: Record<string, string[]>;
  canExecuteSql: boolean;
  /** Visible to this actor but not to anonymous visitors. */
  private: boolean;
  queryMs?: number;
  headers?: Record<string, string>;
}

/** The request's query string with some arguments replaced (null removes), as a URL on this page's path. */
function pageUrl(almanac: Almanac, req: AlmanacRequest, changes: Record<string, string | null>, suffix = ""): string {
  const args = new URLSearchParams(req.queryString);
  for (const [k, v] of Object.entries(changes)) {
    args.delete(k);
    if (v !== null) args.set(k, v);
  }
  const qs = args.toString();
  return almanac.path(req.path + suffix) + (qs ? `?${qs}` : "");
}

/** Whether the SQL is shown: stored queries may hide it by default (`hide_sql`), and either can be toggled. */
function sqlVisibility(almanac: Almanac, req: AlmanacRequest, definition: QueryConfig | null) {
  const hiddenByDefault = !!definition?.hide_sql;
  const shown = hiddenByDefault ? argIsTrue(req.arg("_show_sql")) : !argIsTrue(req.arg("_hide_sql"));
  const toggle: Record<string, string | null> = hiddenByDefault ? { _show_sql: shown ? null : "1" } : { _hide_sql: shown ? "1" : null };
  // The form keeps whichever argument is in force, so running the query again keeps the choice.
  const keep = hiddenByDefault ? (shown ? { name: "_show_sql", value: "1" } : null) : shown ? null : { name: "_hide_sql", value: "1" };
  return { shown, toggle_href: pageUrl(almanac, req, toggle), toggle_label: shown ? "Hide SQL" : "Show SQL", keep };
}

export async function renderQueryView(almanac: Almanac, req: AlmanacRequest, input: QueryViewInput): Promise<Reply> {
  const urls = urlsFor(almanac);
  const db = input.database;
  const stored = input.name !== null;
  const heading = input.definition?.title || input.name || db;
  const visibility = sqlVisibility(almanac, req, input.definition);
  const editable = !stored && input.canExecuteSql;
  const data = input.data;

  // BLOB cells link to `.blob` with the cell's hash, which the export route checks against the result.
  const blobBase = new URLSearchParams(req.queryString);
  blobBase.delete("_blob_column");
  blobBase.delete("_blob_hash");
  const truncateAt = almanac.settings.truncate_cells_html;
  const rendered = data ? await pluginCells(almanac, req, { database: input.database, table: null, pks: [], columns: data.columns, rows: data.rows }) : null;
  const rows = data
    ? data.rows.map((row, r) =>
        data.columns.map((column) => {
          const raw = row[column];
          return displayCell(raw, column, cssClass(column), truncateAt, {
            blob: () => {
              const encoded = (raw as { encoded?: unknown }).encoded;
              if (typeof encoded !== "string") return null;
              const args = new URLSearchParams(blobBase);
              args.set("_blob_column", column);
              args.set("_blob_hash", createHash("sha256").update(Buffer.from(encoded, "base64")).digest("hex"));
              return `${almanac.path(`${req.path}.blob`)}?${args.toString()}`;
            },
          }, rendered?.[r][column]);
        }),
      )
    : [];
  const count = data ? data.rows.length : 0;
  const kind = stored ? "Query" : "Custom SQL query";
  const summary = data ? `${kind} returning ${data.truncated ? `more than ${plural(count, "row")}` : plural(count, "row")}` : null;

  // Stored queries without magic parameters can be opened as editable SQL, keeping the values filled in.
  const usesMagic = stored && /:_[\p{L}\p{N}_]+/u.test(input.sql);
  const editHref =
    stored && input.canExecuteSql && !usesMagic
      ? `${urls.database(db)}/-/query?${new URLSearchParams([["sql", input.sql], ...input.parameters.map((p) => [p.name, p.value] as [string, string])]).toString()}`
      : null;

  const context = {
    title: stored || !input.sql.trim() ? heading : `${db}: ${input.sql.length > 80 ? `${input.sql.slice(0, 80)}…` : input.sql}`,
    heading,
    database: db,
    query_name: input.name,
    private: input.private,
    stored,
    metadata: stored ? metadataContext(input.definition as Record<string, unknown>) : metadataContext(undefined),
    form_action: stored ? urls.query(db, input.name!) : `${urls.database(db)}/-/query`,
    sql: input.sql,
    sql_shown: visibility.shown,
    sql_toggle: input.sql.trim() ? { href: visibility.toggle_href, label: visibility.toggle_label } : null,
    sql_keep_arg: visibility.keep,
    sql_editor: editable && visibility.shown ? sqlEditorContext(almanac, db, input.sql, input.tableColumns) : null,
    parameters: input.parameters.map((p, i) => ({ ...p, id: `qp-${i}` })),
    error: input.error,
    edit_href: editHref,
    columns: data ? data.columns : [],
    rows,
    summary,
    truncated: data?.truncated ?? false,
    stream_all_href: data?.truncated && almanac.settings.allow_csv_stream ? pageUrl(almanac, req, { _stream: "on", _dl: "on" }, ".csv") : null,
    export_links: data
      ? [
          { label: "JSON", href: jsonTwin(almanac, req) },
          ...Object.entries(input.formats).map(([label, href]) => ({ label, href })),
          { label: "CSV", href: pageUrl(almanac, req, {}, ".csv") },
          { label: "CSV download", href: pageUrl(almanac, req, { _dl: "on" }, ".csv") },
        ]
      : [],
    ...(await pageSlots(almanac, req, { kind: "query", database: db, sql: input.sql, params: input.params, queryName: input.name })),
  };
  const dbClass = cssClass(db);
  return renderPage(almanac, req, {
    templates: stored ? [`query-${dbClass}-${cssClass(input.name!)}.html`, `query-${dbClass}.html`, "query.html"] : [`query-${dbClass}.html`, "query.html"],
    context,
    bodyClass: `query db-${dbClass}${stored ? ` query-${cssClass(input.name!)}` : ""}`,
    jsonUrl: stored || input.sql.trim() ? jsonTwin(almanac, req) : null,
    columns: data ? data.columns : undefined,
    database: db,
    footerMetadata: almanac.databaseMetadata(db),
    queryMs: input.queryMs,
    status: input.error ? 400 : 200,
    headers: input.headers,
  });
}
