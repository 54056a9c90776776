/**
 * @module The table (and view) page in HTML: the template context built from the same data object the JSON
 * twin sends (plus what only the form needs: sort, search, permissions), rendered through `table.html`.
 * Every URL here is a path with base_url; every name and value reaches the page through autoescaping or
 * displayCell.
 */
import type { Almanac } from "../../app.js";
import type { Database, TableInfo } from "../../db/index.js";
import type { AlmanacRequest } from "../../http/request.js";
import type { Reply } from "../../http/response.js";
import { tildeEncode } from "../../http/tilde.js";
import { FILTER_OPERATORS, getFilterOperator, isFilterKey } from "../../query/filters.js";
import type { SortSpec } from "../../query/table-plan.js";
import type { FacetResult, SuggestedFacet } from "../../pages/facets.js";
import { cellHtml, pluginCells } from "../cells.js";
import { bodyClass, jsonTwin, renderPage, urlsFor } from "../html.js";
import { cssClass } from "../templates.js";
import { pageSlots } from "../slots.js";
import { changePairs, firstTemplate, foreignKeyLinker, formatCount, keyValue, mobileLabelsCss, pageMetadata, pathWithArgs, rowKeyPath, rowsHtml, DisplayRows, toDisplayCell, type ArgChanges } from "./common.js";

/** What the table page hands to its view. */
export interface TableViewInput {
  db: Database;
  table: TableInfo;
  /** The JSON twin's body with the HTML's extras (display_columns, facet_results, count, …). */
  data: Record<string, unknown>;
  /** The sort in effect (requested or configured). */
  sort: SortSpec | null;
  canExecuteSql: boolean;
  /** Whether the table has a full-text index to search. */
  searchable: boolean;
  queryMs: number;
  headers: Record<string, string>;
}

/** A column as the data object's `display_columns` extra describes it. */
interface DataColumn {
  name: string;
  sortable: boolean;
  is_pk: boolean;
  type: string;
  notnull: boolean;
  description: string | null;
}

interface MenuItem {
  label: string;
  /** A link for items that are navigations; absent for items the browser code handles (`action`). */
  href?: string;
  action?: string;
}

/** A header cell: Datasette's display_columns entry plus what the header and its menu need. */
export interface HeaderColumn extends DataColumn {
  css: string;
  /** The special "Link" column of rowid and compound-key tables. */
  is_link: boolean;
  sort_state: "ascending" | "descending" | null;
  sort_url: string | null;
  menu: MenuItem[];
}

/** Datasette's partial names for the rows table of a table page (names through to_css_class). */
export function tablePartialNames(database: string, table: string): string[] {
  const d = cssClass(database);
  const t = cssClass(table);
  return [`_table-${d}-${t}.html`, `_table-table-${d}-${t}.html`, "_table.html"];
}

/** The operator menu: every operator, no-argument ones carrying their value (`isnull__1`) as Datasette's form does. */
export const FILTER_OPERATOR_OPTIONS = FILTER_OPERATORS.map((op) => ({ value: op.noArgument ? `${op.key}__1` : op.key, key: op.key, label: op.label, no_argument: op.noArgument }));

/** Query-string filters in the order they were given, each with a link that removes it. */
function activeFilters(almanac: Almanac, req: AlmanacRequest, columns: string[]) {
  const out = [];
  for (const [key, value] of req.pairs) {
    if (!isFilterKey(key)) continue;
    const split = key.lastIndexOf("__");
    const column = split === -1 ? key : key.slice(0, split);
    const op = getFilterOperator(split === -1 ? "exact" : key.slice(split + 2));
    if (!op) continue;
    // The select shows the table's spelling of a column matched case-insensitively.
    const known = columns.find((c) => c === column) ?? columns.find((c) => c.toLowerCase() === column.toLowerCase());
    out.push({
      index: out.length + 1,
      column: known ?? column,
      known: known !== undefined,
      op: op.key,
      op_label: op.label,
      no_argument: op.noArgument,
      value,
      remove_url: pathWithArgs(almanac, req, { removePairs: [[key, value]], remove: ["_next"] }),
    });
  }
  return out;
}

/** Whether a column's values can be blank (null or ''): integer and real NOT NULL columns cannot. */
function canBeBlank(column: DataColumn): boolean {
  return !(column.notnull && /int|real|floa|doub|num/i.test(column.type));
}

/** The column menu's items: only those that apply to this column on this page. */
function columnMenu(
  almanac: Almanac,
  req: AlmanacRequest,
  column: DataColumn,
  opts: { sort: SortSpec | null; facetable: boolean; hideable: boolean; showAll: boolean; faceted: Set<string> },
): MenuItem[] {
  const items: MenuItem[] = [];
  const { name } = column;
  const go = (label: string, changes: ArgChanges) => items.push({ label, href: pathWithArgs(almanac, req, changes) });
  if (column.sortable) {
    const sorted = opts.sort?.column === name;
    if (!sorted || opts.sort!.descending) go("Sort ascending", { set: { _sort: name }, remove: ["_sort_desc", "_next"] });
    if (!sorted || !opts.sort!.descending) go("Sort descending", { set: { _sort_desc: name }, remove: ["_sort", "_next"] });
  }
  if (opts.facetable && !opts.faceted.has(name)) go("Facet by this", { append: [["_facet", name]], remove: ["_next"] });
  if (opts.hideable) {
    const chosen = req.argList("_col");
    // With `_col` in use, hiding drops the column from that list; otherwise `_nocol` hides it.
    if (chosen.length) go("Hide this column", { removePairs: chosen.filter((c) => c === name).map((c): [string, string] => ["_col", c]), append: chosen.includes(name) ? [] : [["_nocol", name]] });
    else go("Hide this column", { append: [["_nocol", name]] });
  }
  items.push({ label: "Choose columns", action: "choose-columns" });
  if (opts.showAll) go("Show all columns", { remove: ["_col", "_nocol"] });
  if (!column.is_pk && canBeBlank(column) && !req.pairs.some(([k]) => k === `${name}__notblank`)) go("Show not-blank rows", { append: [[`${name}__notblank`, "1"]], remove: ["_next"] });
  return items;
}

/** The text of a facet value (Datasette shows "-" for an empty one). */
function facetLabel(label: unknown): string {
  if (label === null || label === undefined || label === "") return "-";
  return typeof label === "object" ? JSON.stringify(label) : String(label);
}

function facetPanels(almanac: Almanac, req: AlmanacRequest, database: string, table: string, results: FacetResult[]) {
  const showingMax = req.arg("_facet_size") === "max";
  return results.map((f) => ({
    name: f.name,
    type: f.type,
    css: cssClass(f.name),
    panel_class: `facet-${cssClass(database)}-${cssClass(table)}-${cssClass(f.name)}`,
    hideable: f.hideable,
    toggle_url: f.toggle_url,
    truncated: f.truncated,
    total_text: `${f.truncated ? ">" : ""}${formatCount(f.results.length)}`,
    more_url: f.truncated && !showingMax ? pathWithArgs(almanac, req, { set: { _facet_size: "max" } }) : null,
    results: f.results.map((v) => ({ ...v, label_text: facetLabel(v.label), count_text: formatCount(v.count) })),
  }));
}

/** The column chooser: non-key columns, those shown first in their current order, then the hidden ones. */
function columnChooser(req: AlmanacRequest, table: TableInfo, tablePath: string, shown: string[]) {
  const keys = new Set(table.primaryKeys);
  const all = table.columns.map((c) => c.name).filter((c) => !keys.has(c));
  const visible = shown.filter((c) => all.includes(c));
  return {
    // A GET form replaces the action's query string with its fields: the rest of this page's arguments ride along hidden.
    action: tablePath,
    key_columns: table.primaryKeys,
    // `position` is the column's place in the table, so the browser can tell the default order apart.
    columns: [...visible.map((name) => ({ name, checked: true })), ...all.filter((c) => !visible.includes(c)).map((name) => ({ name, checked: false }))].map((c) => ({
      ...c,
      position: all.indexOf(c.name),
    })),
    hidden_args: changePairs(req.pairs, { remove: ["_col", "_nocol", "_next"] }),
  };
}

/** A key value as plain text for an unlinked Link cell. */
function displayText(v: unknown): string {
  const value = keyValue(v);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return "<Binary>";
  return String(value);
}

/** Build the table page's context from its data object and render `table-<db>-<t>.html` / `table.html`. */
export async function renderTablePage(almanac: Almanac, req: AlmanacRequest, input: TableViewInput): Promise<Reply> {
  const { db, table, data, sort } = input;
  const urls = urlsFor(almanac);
  const settings = almanac.settings;
  const rows = data.rows as Record<string, unknown>[];
  const dataColumns = data.display_columns as DataColumn[];
  const expandable = new Map((data.expandable_columns as [{ column: string; other_table: string; other_column: string }, string | null][]).map(([e]) => [e.column, e]));
  const keyColumns = table.isView ? [] : table.usesRowid ? ["rowid"] : table.primaryKeys;
  // Single-key tables link from the key's own cell; rowid and compound-key tables get a "Link" column first.
  const linkColumn = keyColumns.length > 0 && !(keyColumns.length === 1 && !table.usesRowid);
  const tablePath = urls.table(db.name, table.name);
  const showAll = req.argList("_col").length > 0 || req.argList("_nocol").length > 0;
  // Columns already shown as a column facet (requested or configured) are not offered again.
  const facetResults = (data.facet_results as { results: Record<string, FacetResult> } | undefined)?.results ?? {};
  const faceted = new Set([...Object.values(facetResults).filter((f) => f.type === "column").map((f) => f.name), ...req.argList("_facet")]);

  const columns: HeaderColumn[] = [];
  if (linkColumn) {
    columns.push({ name: "Link", sortable: false, is_pk: true, type: "", notnull: true, description: null, css: "Link", is_link: true, sort_state: null, sort_url: null, menu: [] });
  }
  for (const c of dataColumns) {
    if (linkColumn && table.usesRowid && c.name === "rowid") continue;
    const state = sort?.column === c.name ? (sort.descending ? "descending" : "ascending") : null;
    const sortUrl = c.sortable
      ? pathWithArgs(almanac, req, state === "ascending" ? { set: { _sort_desc: c.name }, remove: ["_sort", "_next"] } : { set: { _sort: c.name }, remove: ["_sort_desc", "_next"] })
      : null;
    const realColumn = table.columns.some((x) => x.name === c.name);
    columns.push({
      ...c,
      css: cssClass(c.name),
      is_link: false,
      sort_state: state,
      sort_url: sortUrl,
      menu: columnMenu(almanac, req, c, { sort, facetable: settings.allow_facet && realColumn, hideable: realColumn && !c.is_pk, showAll, faceted }),
    });
  }

  const truncateAt = settings.truncate_cells_html;
  // What each column needs per cell, worked out once (a 100-row page has thousands of cells).
  const cellPlans = columns.map((col) => ({
    col,
    fk: expandable.has(col.name) ? foreignKeyLinker(almanac, db, expandable.get(col.name)!.other_table, expandable.get(col.name)!.other_column) : undefined,
    linksRow: !linkColumn && !col.is_link && col.name === keyColumns[0],
    blobQuery: new URLSearchParams([["_blob_column", col.name]]).toString(),
    clsPrefix: `col-${col.css} type-`,
  }));
  const noLinks = {};
  // Plugins' render_cell answers for the shown columns (null, without asking, when no plugin renders cells).
  const rendered = await pluginCells(almanac, req, {
    database: db.name,
    table: table.name,
    pks: keyColumns,
    columns: columns.filter((c) => !c.is_link).map((c) => c.name),
    rows,
  });
  // One cell's class, HTML and type; shared by rows_html (always) and display_rows (when a template loops).
  const cellOf = (row: Record<string, unknown>, r: number, keyPath: string | null, rowUrl: string | null, plan: (typeof cellPlans)[number]) => {
    const { col, fk, linksRow, blobQuery } = plan;
    if (col.is_link) {
      // Unaddressable keys (NULL, BLOB) show as their cells would, unlinked.
      const text = keyPath === null ? keyColumns.map((k) => displayText(row[k])).join(",") : keyColumns.map((k) => String(keyValue(row[k]))).join(",");
      return { cls: "col-Link type-pk", html: cellHtml(text, 0, { row: rowUrl }).html, type: "pk" };
    }
    const raw = row[col.name];
    let out: { html: string; type: string };
    const plugin = rendered?.[r][col.name];
    if (plugin !== undefined) {
      out = cellHtml(raw, truncateAt, noLinks, plugin);
    } else if (raw === null || typeof raw !== "object") {
      out = cellHtml(raw, truncateAt, linksRow && rowUrl !== null ? { row: rowUrl } : noLinks);
    } else {
      const expanded = fk !== undefined && "label" in raw;
      out = cellHtml(raw, truncateAt, {
        row: linksRow ? rowUrl : null,
        // Nested links are invalid: a key cell that is also a foreign key links to its own row.
        foreignKey: expanded && !(linksRow && rowUrl !== null) ? fk : undefined,
        blob: () => (rowUrl === null ? null : `${rowUrl}.blob?${blobQuery}`),
      });
    }
    return { cls: `${plan.clsPrefix}${out.type}`, html: out.html, type: out.type };
  };
  const rowCells = (row: Record<string, unknown>, r: number) => {
    const keyPath = keyColumns.length ? rowKeyPath(keyColumns, row) : null;
    const rowUrl = keyPath === null ? null : `${tablePath}/${keyPath}`;
    return cellPlans.map((plan) => cellOf(row, r, keyPath, rowUrl, plan));
  };
  const renderedRows = rowsHtml(rows.map(rowCells));
  const displayRows = new DisplayRows(rows.length, () =>
    rows.map((row, r) => rowCells(row, r).map((cell, i) => toDisplayCell(cell, cellPlans[i].col.name, cellPlans[i].col.is_link ? null : row[cellPlans[i].col.name], cell.type))),
  );

  const count = data.count as number | null | undefined;
  const countText =
    count === null || count === undefined ? null : data.count_truncated ? `>${formatCount(10000)} rows` : `${formatCount(count)} row${count === 1 ? "" : "s"}`;
  const meta = pageMetadata(data.metadata as Record<string, unknown>);
  const columnDescriptions = Object.entries((meta.columns as Record<string, string> | undefined) ?? {}).filter(([, d]) => typeof d === "string" && d);

  const sortableColumns = dataColumns.filter((c) => c.sortable).map((c) => c.name);
  if (sort && !sortableColumns.includes(sort.column)) sortableColumns.push(sort.column);

  const query = data.query as { sql: string; params: Record<string, unknown> };
  const queryUrl = (sql: string) =>
    `${urls.database(db.name)}/-/query?${new URLSearchParams([["sql", sql], ...Object.entries(query.params).map(([k, v]): [string, string] => [k, v === null ? "" : String(v)])]).toString()}`;
  const viewSqlUrl = input.canExecuteSql ? queryUrl(query.sql) : null;
  // Past 10,000 the page stops counting; whoever may run SQL can ask for the full count (under the time limit).
  const countAllUrl = input.canExecuteSql && data.count_truncated === true && typeof data.count_sql === "string" ? queryUrl(data.count_sql) : null;

  const csvPath = `/${tildeEncode(db.name)}/${tildeEncode(table.name)}.csv`;
  const jsonPath = `/${tildeEncode(db.name)}/${tildeEncode(table.name)}.json`;
  const hasLabels = expandable.size > 0;
  const csvArgs: ArgChanges = { remove: ["_next", "_labels", "_dl", "_stream"], set: { _size: "max" } };
  const jsonShape = (set: Record<string, string>) => pathWithArgs(almanac, req, { remove: ["_shape", "_nl"], set }, jsonPath);
  const nextToken = data.next as string | null;

  const sortedFacets = (data.sorted_facet_results as FacetResult[] | undefined) ?? [];
  const suggested = ((data.suggested_facets as SuggestedFacet[] | undefined) ?? []).map((s) => ({ ...s, anchor: `facet-${cssClass(s.name)}` }));
  const shownColumns = dataColumns.map((c) => c.name);

  const context = {
    title: `${db.name}: ${table.name}${countText ? `: ${countText}` : ""}${data.human_description_en ? ` ${data.human_description_en}` : ""}`,
    database: db.name,
    table: table.name,
    table_url: tablePath,
    is_view: table.isView,
    private: data.private === true,
    metadata: meta,
    column_descriptions: columnDescriptions.map(([name, description]) => ({ name, description })),
    count: count ?? null,
    count_truncated: data.count_truncated === true,
    count_text: countText,
    count_all_url: countAllUrl,
    human_description_en: data.human_description_en ?? "",
    supports_search: input.searchable,
    search: req.arg("_search") ?? "",
    filters: activeFilters(almanac, req, data.all_columns as string[]),
    filter_columns: data.all_columns,
    filter_operators: FILTER_OPERATOR_OPTIONS,
    is_sortable: sortableColumns.length > 0,
    sort_columns: sortableColumns,
    sort: sort && !sort.descending ? sort.column : null,
    sort_desc: sort && sort.descending ? sort.column : null,
    form_hidden_args: data.form_hidden_args,
    extra_wheres_for_ui: req.argList("_where").map((text) => ({ text, remove_url: pathWithArgs(almanac, req, { removePairs: [["_where", text]], remove: ["_next"] }) })),
    view_sql_url: viewSqlUrl,
    renderers: data.renderers,
    url_csv: pathWithArgs(almanac, req, { ...csvArgs, set: { _size: "max", ...(hasLabels ? { _labels: "on" } : {}) } }, csvPath),
    url_csv_path: almanac.path(csvPath),
    url_csv_hidden_args: changePairs(req.pairs, csvArgs),
    json_shapes: [
      { label: "default", url: jsonShape({}) },
      { label: "array", url: jsonShape({ _shape: "array" }) },
      { label: "newline-delimited", url: jsonShape({ _shape: "array", _nl: "on" }) },
      ...(keyColumns.length ? [{ label: "object", url: jsonShape({ _shape: "object" }) }] : []),
    ],
    expandable_columns: data.expandable_columns,
    csv_labels_option: hasLabels,
    csv_stream_option: nextToken !== null && settings.allow_csv_stream,
    suggested_facets: suggested,
    facets_timed_out: data.facets_timed_out ?? [],
    facet_results: data.facet_results,
    sorted_facet_results: facetPanels(almanac, req, db.name, table.name, sortedFacets),
    display_columns: columns,
    mobile_labels_css: mobileLabelsCss(columns.map((c) => c.name)),
    display_rows: displayRows,
    rows_html: renderedRows,
    primary_keys: data.primary_keys,
    column_chooser: columnChooser(req, table, tablePath, shownColumns),
    next: nextToken,
    next_url: nextToken === null ? null : pathWithArgs(almanac, req, { set: { _next: nextToken } }),
    table_definition: data.table_definition ?? null,
    view_definition: data.view_definition ?? null,
    custom_table_templates: data.custom_table_templates,
    table_partial: firstTemplate(almanac, data.custom_table_templates as string[]),
    allow_execute_sql: input.canExecuteSql,
    ...(await pageSlots(almanac, req, { kind: "table", database: db.name, table: table.name, isView: table.isView })),
  };
  return renderPage(almanac, req, {
    templates: [`table-${cssClass(db.name)}-${cssClass(table.name)}.html`, "table.html"],
    context,
    bodyClass: bodyClass("table", db.name, table.name),
    pageTable: table.name,
    columns: shownColumns,
    jsonUrl: jsonTwin(almanac, req),
    database: db.name,
    footerMetadata: { ...almanac.databaseMetadata(db.name), ...almanac.tableMetadata(db.name, table.name) },
    queryMs: input.queryMs,
    headers: input.headers,
  });
}
