/**
 * @module The row page in HTML: one row (foreign keys linked with their labels, nothing truncated), its
 * export links and the rows of other tables that point at it — built from the JSON twin's data object.
 */
import type { Almanac } from "../../app.js";
import type { Database, TableInfo } from "../../db/index.js";
import type { AlmanacRequest } from "../../http/request.js";
import type { Reply } from "../../http/response.js";
import { tildeEncode } from "../../http/tilde.js";
import type { Expandable } from "../../query/labels.js";
import { displayCell, plainRow, pluginCells, type DisplayCell } from "../cells.js";
import { pageSlots } from "../slots.js";
import { bodyClass, jsonTwin, renderPage, urlsFor } from "../html.js";
import { cssClass } from "../templates.js";
import { firstTemplate, foreignKeyLinker, formatCount, mobileLabelsCss, pageMetadata, rowsHtml, pathWithArgs } from "./common.js";
import type { HeaderColumn } from "./table.js";

export interface RowViewInput {
  db: Database;
  table: TableInfo;
  /** The JSON twin's body (rows, primary_keys, primary_key_values, extras) with foreign keys labelled. */
  data: Record<string, unknown>;
  /** Foreign-key columns whose values were labelled (targets the actor may view). */
  expandable: Expandable[];
  /** Plugin output formats to link to (`{extension: url}`). */
  formats: Record<string, string>;
  queryMs: number;
  headers: Record<string, string>;
}

/** Datasette's partial names for the row page's table (names through to_css_class). */
export function rowPartialNames(database: string, table: string): string[] {
  const d = cssClass(database);
  const t = cssClass(table);
  return [`_table-${d}-${t}.html`, `_table-row-${d}-${t}.html`, "_table.html"];
}

interface ForeignKeyTable {
  other_table: string;
  column: string;
  other_column: string;
  count: number;
  link: string;
}

export async function renderRowPage(almanac: Almanac, req: AlmanacRequest, input: RowViewInput): Promise<Reply> {
  const { db, table, data } = input;
  const urls = urlsFor(almanac);
  const row = (data.rows as Record<string, unknown>[])[0];
  const columnNames = data.columns as string[];
  const keys = data.primary_keys as string[];
  const values = data.primary_key_values as string[];
  const keyPath = urls.row(db.name, table.name, values.map((v) => tildeEncode(v)).join(","));
  const expandable = new Map(input.expandable.map((e) => [e.column, e]));

  const columns: HeaderColumn[] = columnNames.map((name) => {
    const info = table.columns.find((c) => c.name === name);
    return {
      name,
      sortable: false,
      is_pk: keys.includes(name),
      type: info?.type ?? "",
      notnull: info?.notnull ?? false,
      description: null,
      css: cssClass(name),
      is_link: false,
      sort_state: null,
      sort_url: null,
      menu: [],
    };
  });
  const rendered = (await pluginCells(almanac, req, { database: db.name, table: table.name, pks: keys, columns: columnNames, rows: [row] }))?.[0];
  const cells: DisplayCell[] = columns.map((col) => {
    const raw = row[col.name];
    const fk = expandable.get(col.name);
    const expanded = fk !== undefined && raw !== null && typeof raw === "object" && "label" in raw;
    // The row page shows every character: no truncation.
    const cell = displayCell(raw, col.name, col.css, 0, {
      foreignKey: expanded ? foreignKeyLinker(almanac, db, fk.otherTable, fk.otherColumn) : undefined,
      blob: () => `${keyPath}.blob?${new URLSearchParams([["_blob_column", col.name]]).toString()}`,
    }, rendered?.[col.name]);
    return col.is_pk ? { ...cell, cls: `${cell.cls} is-pk` } : cell;
  });

  const foreignKeyTables = ((data.foreign_key_tables as ForeignKeyTable[] | undefined) ?? []).map((f) => ({
    ...f,
    count_text: `${formatCount(f.count)} row${f.count === 1 ? "" : "s"}`,
  }));
  const title = `${table.name}: ${values.join(", ")}`;
  const partials = rowPartialNames(db.name, table.name);
  const context = {
    title,
    database: db.name,
    table: table.name,
    private: data.private === true,
    metadata: pageMetadata(data.metadata as Record<string, unknown>),
    primary_keys: keys,
    primary_key_values: values,
    renderers: { json: jsonTwin(almanac, req), ...input.formats },
    url_csv: pathWithArgs(almanac, req, {}, `${req.path}.csv`),
    display_columns: columns,
    mobile_labels_css: mobileLabelsCss(columnNames),
    display_rows: [cells],
    rows_html: rowsHtml([cells.map((c) => ({ cls: c.cls, html: c.value.toString() }))]),
    foreign_key_tables: foreignKeyTables,
    custom_table_templates: partials,
    table_partial: firstTemplate(almanac, partials),
    ...(await pageSlots(almanac, req, { kind: "row", database: db.name, table: table.name, row: plainRow(row) })),
  };
  return renderPage(almanac, req, {
    templates: [`row-${cssClass(db.name)}-${cssClass(table.name)}.html`, "row.html"],
    context,
    bodyClass: bodyClass("row", db.name, table.name),
    columns: columnNames,
    jsonUrl: jsonTwin(almanac, req),
    database: db.name,
    table: table.name,
    footerMetadata: { ...almanac.databaseMetadata(db.name), ...almanac.tableMetadata(db.name, table.name) },
    queryMs: input.queryMs,
    headers: input.headers,
  });
}
