/** @module The table (and view) page: `/<db>/<table>(.json)`. Plans with query/table-plan, runs, shapes the data. */
import type { Almanac } from "../app.js";
import type { Database, TableInfo } from "../db/index.js";
import { BadRequest } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { argIsTrue } from "../http/request.js";
import { redirect, type Reply } from "../http/response.js";
import { planTableQuery, nextToken, type TablePlan } from "../query/table-plan.js";
import { expandableColumns, type Expandable } from "../query/labels.js";
import { rowsToObjects, rowsToArrays, parseShape, encodeCell, setKey } from "../render/json.js";
import { renderTablePage, tablePartialNames } from "../render/views/table.js";
import { tildeEncode } from "../http/tilde.js";
import { resolveDatabaseOfChild, cacheHeaders, cellOptions, dataJson, newlineJson, parseExtras, resolveTable, runSql, timeLimit, urlWithArgs, urlWithQuery, canViewTable } from "./common.js";
import { tableDefinition } from "./schema-info.js";
import { collectExtras, columnType, defineExtras, type ExtraContext } from "./extras.js";
import { labelsFor } from "./labels.js";
import { countRows, COUNT_LIMIT } from "./counts.js";
import { storedQueryPage } from "./query.js";
import { exportTable } from "./export.js";
import { FACET_EXTRAS, prepareFacets, type FacetOutcome } from "./facets.js";
import { dataOutput, formatUrl, rendererLinks, renderWith } from "./renderers.js";
import { registries } from "./registries.js";
import type { RenderContext } from "../plugins/types.js";

export const TABLE_EXTRAS = [
  "count", "count_truncated", "count_sql", "facet_results", "facets_timed_out", "suggested_facets", "human_description_en", "columns", "all_columns", "primary_keys",
  "column_details", "display_columns", "render_cell", "debug", "request", "query", "column_types",
  "set_column_type_ui", "metadata", "extras", "database", "table", "database_color", "renderers",
  "custom_table_templates", "sorted_facet_results", "table_definition", "view_definition", "is_view", "private", "expandable_columns",
  "form_hidden_args",
] as const;

interface TableExtraContext extends ExtraContext {
  table: TableInfo;
  plan: TablePlan;
  count: number | null;
  expandable: Expandable[];
  facets: FacetOutcome;
}

/**
 * `_`-prefixed arguments the filter form does NOT carry as hidden fields: it sends sort and search itself,
 * and a new filter starts from the first page. Everything else (`_facet`, `_size`, `_col`, `_where`,
 * `_search_<col>`…) survives a submission, as in Datasette.
 */
const NOT_HIDDEN_ARGS = new Set(["_sort", "_sort_desc", "_sort_by_desc", "_next", "_search"]);

const TABLE_ONLY_EXTRAS = defineExtras<TableExtraContext>({
  count: { description: "Total count of rows matching these filters (capped at 10,000)", value: (c) => c.count },
  count_truncated: {
    description: "Whether the count hit the 10,000 cap",
    value: (c) => c.count !== null && c.count > COUNT_LIMIT && !(c.db.cachedCounts.has(c.table.name) && !c.plan.isFiltered),
  },
  count_sql: { description: "SQL used to count rows", value: (c) => c.plan.countSql },
  human_description_en: { description: "Human-readable description of the filters", value: (c) => c.plan.humanDescription },
  all_columns: { description: "All columns in the table", value: (c) => c.plan.allColumns },
  display_columns: {
    description: "Columns as shown in the HTML table",
    value: (c) => {
      const config = c.almanac.tableConfig(c.db.name, c.table.name);
      const meta = c.almanac.tableMetadata(c.db.name, c.table.name);
      return c.columns.map((name) => {
        const col = c.table.columns.find((x) => x.name === name);
        const ct = columnType(c.almanac, c.db.name, c.table.name, name);
        return {
          name,
          sortable: !config.sortable_columns || config.sortable_columns.includes(name),
          is_pk: c.table.primaryKeys.includes(name) || (name === "rowid" && c.table.usesRowid),
          type: col?.type ?? "",
          notnull: col?.notnull ?? false,
          description: meta.columns?.[name] ?? null,
          column_type: ct?.type ?? null,
          column_type_config: ct?.config ?? null,
        };
      });
    },
  },
  set_column_type_ui: {
    description: "Options for assigning column types",
    value: (c) =>
      c.almanac.permissions.allowed(c.req.actor, "set-column-type", { database: c.db.name, child: c.table.name })
        ? { path: c.almanac.path(`/${tildeEncode(c.db.name)}/${tildeEncode(c.table.name)}/-/set-column-type`), columns: {} }
        : null,
  },
  renderers: { description: "Available output formats and their URLs", value: (c) => ({ json: formatUrl(c.almanac, c.req, "json") }) },
  custom_table_templates: {
    description: "Template names that can customise this table",
    value: (c) => tablePartialNames(c.db.name, c.table.name),
  },
  table_definition: { description: "SQL definition of this table", value: (c) => (c.table.isView ? null : tableDefinition(c.table)) },
  view_definition: { description: "SQL definition of this view", value: (c) => (c.table.isView ? tableDefinition(c.table) : null) },
  is_view: { description: "Whether this is a view", value: (c) => c.table.isView },
  expandable_columns: {
    description: "Foreign key columns that can be expanded with labels",
    value: (c) => c.expandable.map((e) => [{ column: e.column, other_table: e.otherTable, other_column: e.otherColumn }, e.labelColumn]),
  },
  form_hidden_args: {
    description: "Hidden arguments kept by the filter form",
    value: (c) => c.req.pairs.filter(([k]) => k.startsWith("_") && !k.includes("__") && !NOT_HIDDEN_ARGS.has(k) && !k.startsWith("_filter_")),
  },
});

/** Which expandable columns this request expands: `_labels=on` all, `_label=col` some (JSON default: none). */
function chosenLabels(req: AlmanacRequest, expandable: Expandable[], format: "json" | "html"): Expandable[] {
  const labels = req.arg("_labels");
  const all = labels === undefined ? format === "html" : argIsTrue(labels);
  const some = new Set(req.argList("_label"));
  // Columns whose table has no label column still expand, labelled with the value itself (Datasette: str(value)).
  return expandable.filter((e) => all || some.has(e.column));
}

/** Replace each expanded foreign-key value with `{value, label}` (the value itself when there is no label). */
export async function applyLabels(db: Database, expand: Expandable[], objects: Record<string, unknown>[], limit: number): Promise<void> {
  if (!expand.length) return;
  const labels = await labelsFor(db, expand.filter((e) => e.labelColumn), objects, limit);
  for (const e of expand) {
    const map = labels.get(e.column) ?? new Map<string, string>();
    for (const o of objects) {
      const v = o[e.column];
      if (v !== null && v !== undefined) o[e.column] = { value: v, label: map.get(String(v)) ?? String(v) };
    }
  }
}

/**
 * What the HTML page always shows, so it asks for these extras whatever `_extra` says (the JSON twin sends
 * them when asked). `count_truncated` comes along with `count`.
 */
const HTML_EXTRAS = [
  "count", "count_sql", "human_description_en", "facet_results", "facets_timed_out", "suggested_facets", "sorted_facet_results",
  "columns", "all_columns", "primary_keys", "column_details", "display_columns", "expandable_columns", "table_definition",
  "view_definition", "is_view", "metadata", "renderers", "form_hidden_args", "private", "query", "database", "table",
  "custom_table_templates",
] as const;

/** The filter-form field names (`_filter_column`, `_filter_op_2`, …) that the server turns into filters. */
const FILTER_FIELD = /^_filter_(column|op|value)(?:_(\d+))?$/;

/**
 * The filter form submits `_filter_column[_N]` / `_filter_op[_N]` / `_filter_value[_N]` and the sort select
 * with a `_sort_by_desc` checkbox; like Datasette, answer with a redirect to the equivalent `col__op=value`
 * and `_sort`/`_sort_desc` URL. Empty search and sort fields are dropped so the URL stays tidy. Null when
 * the request carries no form fields.
 */
export function filterFormRedirect(almanac: Almanac, req: AlmanacRequest): string | null {
  const pairs = req.pairs;
  const hasForm = pairs.some(([k]) => FILTER_FIELD.test(k) || k === "_sort_by_desc");
  if (!hasForm) return null;
  const fields = new Map<string, { column?: string; op?: string; value?: string }>();
  const kept: [string, string][] = [];
  let sortByDesc = false;
  for (const [k, v] of pairs) {
    const m = FILTER_FIELD.exec(k);
    if (m) {
      const slot = fields.get(m[2] ?? "") ?? {};
      slot[m[1] as "column" | "op" | "value"] ??= v;
      fields.set(m[2] ?? "", slot);
    } else if (k === "_sort_by_desc") {
      sortByDesc = true; // a checkbox: present means ticked, whatever its value
    } else if (!((k === "_search" || k === "_sort" || k === "_sort_desc") && v === "")) {
      kept.push([k, v]);
    }
  }
  // Unnumbered first (the blank "add filter" row), then numbered rows in number order.
  const order = [...fields.keys()].sort((a, b) => (a === "" ? -1 : b === "" ? 1 : Number(a) - Number(b)));
  const added: [string, string][] = [];
  for (const slot of order) {
    const { column, op: rawOp, value: rawValue } = fields.get(slot)!;
    if (!column) continue;
    let op = rawOp || "exact";
    let value = rawValue ?? "";
    // No-argument operators arrive as `isnull__1`: the value rides along in the operator.
    const split = op.indexOf("__");
    if (split !== -1) [op, value] = [op.slice(0, split), op.slice(split + 2)];
    added.push([`${column}__${op}`, value]);
  }
  let out = kept;
  if (sortByDesc) {
    const sort = out.find(([k]) => k === "_sort")?.[1];
    out = out.filter(([k]) => k !== "_sort" && k !== "_sort_desc");
    if (sort) out.push(["_sort_desc", sort]);
  }
  // A changed filter starts again from the first page.
  out = [...out.filter(([k]) => k !== "_next"), ...added];
  return urlWithQuery(almanac, req, new URLSearchParams(out), { absolute: false });
}

export async function tablePage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const { format, renderer } = dataOutput(registries(almanac).renderers, req);
  const db = resolveDatabaseOfChild(almanac, req);
  const table = resolveTable(almanac, req, db);
  if (!table) return storedQueryPage(req, almanac, db);
  const formRedirect = filterFormRedirect(almanac, req);
  if (formRedirect) return redirect(formRedirect);
  if (format === "csv" || format === "blob") return exportTable(req, almanac, db, table, format);
  if (format === "html") {
    const data = await tableData(req, almanac, db, table, "html");
    const { link: _next, ...headers } = data.headers;
    return renderTablePage(almanac, req, {
      db,
      table,
      data: data.body,
      sort: data.plan.sort,
      canExecuteSql: almanac.permissions.allowed(req.actor, "execute-sql", { database: db.name }),
      searchable: Boolean(almanac.tableConfig(db.name, table.name).fts_table ?? table.ftsTable),
      queryMs: data.queryMs,
      headers,
    });
  }
  const data = await tableData(req, almanac, db, table, "json");
  if (renderer) return renderWith(renderer, renderContext(almanac, req, db, table, data.plan, data.objects, data.body));
  return tableJson(req, data);
}

/** What a plugin renderer (and its `can_render`) is told about a table page. */
function renderContext(almanac: Almanac, req: AlmanacRequest, db: Database, table: TableInfo, plan: TablePlan, rows: Record<string, unknown>[], data: Record<string, unknown>): RenderContext {
  return { almanac, request: req, view_name: "table", database: db.name, table: table.name, query_name: null, sql: plan.sql, columns: plan.selectColumns, rows, truncated: false, error: null, data };
}

/** What one table request computed: the page's rows, the JSON twin's default body, and how it got them. */
interface TableData {
  /** The JSON twin's default-shape body: `ok`, `next`, `next_url`, the selected extras, `rows`, `truncated`. */
  body: Record<string, unknown>;
  objects: Record<string, unknown>[];
  pageRows: unknown[][];
  resultColumns: string[];
  plan: TablePlan;
  headers: Record<string, string>;
  /** Time spent waiting for the page's SQL (rows, count, facets, labels). */
  queryMs: number;
}

async function tableData(req: AlmanacRequest, almanac: Almanac, db: Database, table: TableInfo, format: "json" | "html"): Promise<TableData> {
  const extras = parseExtras(req, TABLE_EXTRAS, format === "json");
  if (format === "html") for (const e of HTML_EXTRAS) extras.add(e);
  // The HTML page is always the default shape; `_shape` only shapes JSON.
  const shape = format === "html" ? parseShape(undefined) : parseShape(req.arg("_shape"));
  if (shape === "object" && (table.isView || table.primaryKeys.length === 0) && !table.usesRowid) {
    throw new BadRequest("_shape=object not available for tables with no primary keys");
  }
  const config = almanac.tableConfig(db.name, table.name);
  const schema = db.schema();
  const plan = planTableQuery({
    table,
    schema,
    pairs: req.pairs,
    config,
    defaultPageSize: almanac.settings.default_page_size,
    maxReturnedRows: almanac.settings.max_returned_rows,
    canExecuteSql: almanac.permissions.allowed(req.actor, "execute-sql", { database: db.name }),
    canViewTable: (name) => canViewTable(almanac, req.actor, db, name),
  });
  const limit = timeLimit(almanac, req);
  const facetRun = prepareFacets({ almanac, req, db, table, plan, extras, shape });
  const wantCount = (extras.has("count") || extras.has("count_truncated")) && !argIsTrue(req.arg("_nocount")) && shape !== "array" && shape !== "object";
  const started = performance.now();
  const [result, count, facets] = await Promise.all([
    runSql(db, plan.sql, plan.params, { timeLimitMs: limit, inline: plan.boundedCost }),
    wantCount ? countRows(db, table, plan, limit) : Promise.resolve(null),
    facetRun.run(),
  ]);

  const hasMore = result.rows.length > plan.pageSize;
  const pageRows = hasMore ? result.rows.slice(0, plan.pageSize) : result.rows;
  const objects = rowsToObjects(result.columns, pageRows, cellOptions(req));
  let next: string | null = null;
  if (hasMore && objects.length) next = nextToken(plan, objects[objects.length - 1], objects.length);
  if (plan.fetchColumns.length > plan.selectColumns.length) for (const o of objects) delete o[plan.sort!.column];

  // Foreign-key labels, only from tables the actor may view.
  const expandable = expandableColumns(table, schema, (t) => almanac.tableConfig(db.name, t));
  const expand = chosenLabels(req, expandable, format).filter(
    (e) => plan.selectColumns.includes(e.column) && canViewTable(almanac, req.actor, db, e.otherTable),
  );
  await applyLabels(db, expand, objects, limit);
  const queryMs = performance.now() - started;

  const nextUrl = next === null ? null : urlWithArgs(almanac, req, { _next: next });
  const headers: Record<string, string> = { ...cacheHeaders(almanac, req), "referrer-policy": "no-referrer" };
  if (nextUrl) headers.link = `<${nextUrl}>; rel="next"`;

  const meta = almanac.tableMetadata(db.name, table.name);
  const extraValues = await collectExtras<TableExtraContext>(
    {
      almanac, req, db, table, plan, count, expandable, facets,
      columns: plan.selectColumns,
      rowCount: objects.length,
      rows: () => objects,
      pks: plan.keyColumns,
      sql: plan.sql,
      params: plan.params,
      resolved: { database: db.name, table: table.name, is_view: table.isView },
      metadata: () => ({ ...meta, columns: meta.columns ?? {} }),
      isPrivate: () => !canViewTable(almanac, null, db, table.name),
      selected: extras,
      offered: TABLE_EXTRAS,
    },
    { ...TABLE_ONLY_EXTRAS, ...FACET_EXTRAS },
    { count_truncated: "count" },
  );
  const body = { ok: true, next, next_url: nextUrl, ...extraValues, rows: objects, truncated: false };
  // Plugin formats join `renderers` once the page's data is whole: their `can_render` may read any of it.
  const renderers = registries(almanac).renderers;
  if (extras.has("renderers") && renderers.size) {
    Object.assign(extraValues.renderers as Record<string, string>, await rendererLinks(almanac, renderers, renderContext(almanac, req, db, table, plan, objects, body)));
  }
  return { body, objects, pageRows, resultColumns: result.columns, plan, headers, queryMs };
}

/** The JSON reply in the requested `_shape`. */
function tableJson(req: AlmanacRequest, data: TableData): Reply {
  const { plan, objects, headers } = data;
  const shape = parseShape(req.arg("_shape"));
  let body: unknown;
  if (shape === "array") {
    if (argIsTrue(req.arg("_nl"))) return newlineJson(objects, cellOptions(req), headers);
    body = objects;
  } else if (shape === "arrayfirst") {
    body = data.pageRows.map((r) => encodeCell(r[0], data.resultColumns[0], cellOptions(req)));
  } else if (shape === "object") {
    const keyed: Record<string, unknown> = {};
    for (const o of objects) setKey(keyed, plan.keyColumns.map((k) => tildeEncode(String(keyValue(o[k])))).join(","), o);
    body = keyed;
  } else if (shape === "arrays") {
    body = { ...data.body, rows: rowsToArrays(plan.selectColumns, objects.map((o) => plan.selectColumns.map((c) => o[c])), cellOptions(req)) };
  } else {
    body = data.body;
  }
  return dataJson(body, cellOptions(req), 200, headers);
}

function keyValue(v: unknown): unknown {
  return v !== null && typeof v === "object" && "value" in (v as Record<string, unknown>) ? (v as { value: unknown }).value : v;
}
