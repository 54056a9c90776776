/**
 * @module The index page's HTML: built from the same data object as `/.json` — each database the actor may see
 * with its colour, a one-line summary of what it holds, and its first tables and views.
 */
import type { Almanac } from "../../app.js";
import type { AlmanacRequest } from "../../http/request.js";
import type { Reply } from "../../http/response.js";
import { bodyClass, jsonTwin, metadataContext, renderPage, urlsFor } from "../html.js";
import { plural, safeColor } from "./editor.js";
import { pageSlots } from "../slots.js";

/** One database as `/.json` describes it (the fields the page shows). */
export interface IndexDatabase {
  name: string;
  color: string;
  tables_and_views_truncated: { name: string; private: boolean; columns?: string[] }[];
  tables_and_views_more: boolean;
  tables_count: number;
  table_rows_sum: number;
  show_table_row_counts: boolean;
  hidden_tables_count: number;
  views_count: number;
  private: boolean;
}

export interface IndexData {
  databases: IndexDatabase[];
  metadata: Record<string, unknown>;
}

/** "1,234 rows in 5 tables, 2 hidden tables, 1 view": each part only when there is something to count. */
export function databaseSummary(d: IndexDatabase): string {
  const parts: string[] = [];
  if (d.tables_count) parts.push(`${d.show_table_row_counts ? `${plural(d.table_rows_sum, "row")} in ` : ""}${plural(d.tables_count, "table")}`);
  if (d.hidden_tables_count) parts.push(plural(d.hidden_tables_count, "hidden table"));
  if (d.views_count) parts.push(plural(d.views_count, "view"));
  return parts.length ? parts.join(", ") : "No tables";
}

export async function renderIndexView(almanac: Almanac, req: AlmanacRequest, data: IndexData, opts: { private: boolean; defaultTemplate: boolean }): Promise<Reply> {
  const urls = urlsFor(almanac);
  const meta = data.metadata ?? {};
  const databases = data.databases.map((d) => ({
    name: d.name,
    href: urls.database(d.name),
    color: safeColor(d.color),
    private: d.private,
    summary: databaseSummary(d),
    // Views carry no columns in the summary: that is how the page tells them apart.
    tables: d.tables_and_views_truncated.map((t) => ({ name: t.name, href: urls.table(d.name, t.name), private: t.private, is_view: t.columns === undefined })),
    more: d.tables_and_views_more,
  }));
  return renderPage(almanac, req, {
    // `/-/` is always the built-in page, whatever --template-dir says (Datasette's escape hatch).
    templates: [opts.defaultTemplate ? "default:index.html" : "index.html"],
    context: {
      title: typeof meta.title === "string" && meta.title ? meta.title : "Almanac",
      private: opts.private,
      metadata: metadataContext(meta),
      databases,
      noindex: opts.defaultTemplate,
      ...(await pageSlots(almanac, req, { kind: "index" })),
    },
    bodyClass: bodyClass("index"),
    jsonUrl: jsonTwin(almanac, req),
  });
}
