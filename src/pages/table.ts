/** @module The table (and view) page: `/<db>/<table>(.json)`. Plans with query/table-plan, runs, shapes the data. */
import type { Almanac } from "../app.js";
import type { Database, TableInfo } from "../db/index.js";
import { BadRequest } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { argIsTrue } from "../http/request.js";
import type { Reply } from "../http/response.js";
import { planTableQuery, nextToken, type TablePlan } from "../query/table-plan.js";
import { expandableColumns, type Expandable } from "../query/labels.js";
import { rowsToObjects, rowsToArrays, parseShape, encodeCell, setKey } from "../render/json.js";
import { renderDataPage } from "../render/html.js";
import { tildeEncode } from "../http/tilde.js";
import { cacheHeaders, cellOptions, dataFormat, dataJson, newlineJson, databaseColor, parseExtras, extrasList, requestExtra, resolveDatabase, resolveTable, runSql, timeLimit, urlWithArgs } from "./common.js";
import { columnDetails, tableDefinition } from "./schema-info.js";
import { labelsFor } from "./labels.js";
import { countRows } from "./counts.js";
import { storedQueryPage } from "./query.js";

export const TABLE_EXTRAS = [
  "count", "count_truncated", "count_sql", "human_description_en", "columns", "all_columns", "primary_keys",
  "column_details", "display_columns", "render_cell", "debug", "request", "query", "column_types",
  "set_column_type_ui", "metadata", "extras", "database", "table", "database_color", "renderers",
  "custom_table_templates", "table_definition", "view_definition", "is_view", "private", "expandable_columns",
  "form_hidden_args",
] as const;

const EXTRA_DESCRIPTIONS: Record<string, string> = {
  count: "Total count of rows matching these filters (capped at 10,000)",
  count_truncated: "Whether the count hit the 10,000 cap",
  count_sql: "SQL used to count rows",
  human_description_en: "Human-readable description of the filters",
  columns: "Column names returned by this query",
  all_columns: "All columns in the table",
  primary_keys: "Primary keys for this table",
  column_details: "Type, nullability and key details for each column",
  display_columns: "Columns as shown in the HTML table",
  render_cell: "Rendered HTML for cells where plugins change it",
  debug: "Extra debug information",
  request: "Full information about the request",
  query: "Details of the underlying SQL query",
  column_types: "Column types assigned to columns",
  set_column_type_ui: "Options for assigning column types",
  metadata: "Metadata about the table and its columns",
  extras: "Available ?_extra= blocks",
  database: "Database name",
  table: "Table name",
  database_color: "Color assigned to the database",
  renderers: "Available output formats and their URLs",
  custom_table_templates: "Template names that can customise this table",
  table_definition: "SQL definition of this table",
  view_definition: "SQL definition of this view",
  is_view: "Whether this is a view",
  private: "Whether this is a private table",
  expandable_columns: "Foreign key columns that can be expanded with labels",
  form_hidden_args: "Hidden arguments kept by the filter form",
};

/** Which expandable columns this request expands: `_labels=on` all, `_label=col` some (JSON default: none). */
function chosenLabels(req: AlmanacRequest, expandable: Expandable[], format: "json" | "html"): Expandable[] {
  const labels = req.arg("_labels");
  const all = labels === undefined ? format === "html" : argIsTrue(labels);
  const some = new Set(req.argList("_label"));
  // Columns whose table has no label column still expand, labelled with the value itself (Datasette: str(value)).
  return expandable.filter((e) => all || some.has(e.column));
}

export async function tablePage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const format = dataFormat(req);
  const db = resolveDatabase(almanac, req);
  const table = resolveTable(almanac, req, db);
  if (!table) return storedQueryPage(req, almanac, db);
  const data = await tableData(req, almanac, db, table, format);
  if (format === "html") return renderDataPage(almanac, req, data.html);
  return data.reply;
}

interface TableResult {
  reply: Reply;
  html: Parameters<typeof renderDataPage>[2];
}

async function tableData(req: AlmanacRequest, almanac: Almanac, db: Database, table: TableInfo, format: "json" | "html"): Promise<TableResult> {
  const extras = parseExtras(req, TABLE_EXTRAS, format === "json");
  const shape = parseShape(req.arg("_shape"));
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
  });
  const limit = timeLimit(almanac, req);
  const wantCount = (extras.has("count") || extras.has("count_truncated")) && !argIsTrue(req.arg("_nocount")) && shape !== "array" && shape !== "object";
  const [result, count] = await Promise.all([
    runSql(db, plan.sql, plan.params, { timeLimitMs: limit, inline: plan.boundedCost }),
    wantCount ? countRows(db, table, plan, limit) : Promise.resolve(null),
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
    (e) => plan.selectColumns.includes(e.column) && almanac.permissions.allowed(req.actor, "view-table", { database: db.name, child: e.otherTable }),
  );
  if (expand.length) {
    const labels = await labelsFor(db, expand.filter((e) => e.labelColumn), objects, limit);
    for (const e of expand) {
      const map = labels.get(e.column) ?? new Map<string, string>();
      for (const o of objects) {
        const v = o[e.column];
        if (v !== null && v !== undefined) o[e.column] = { value: v, label: map.get(String(v)) ?? String(v) };
      }
    }
  }

  const nextUrl = next === null ? null : urlWithArgs(almanac, req, { _next: next });
  const headers: Record<string, string> = { ...cacheHeaders(almanac, req), "referrer-policy": "no-referrer" };
  if (nextUrl) headers.link = `<${nextUrl}>; rel="next"`;

  const extraValues = await tableExtras(req, almanac, db, table, plan, extras, {
    count,
    rowCount: objects.length,
    expandable,
    columns: plan.selectColumns,
  });

  let body: unknown;
  if (shape === "array") {
    body = objects;
    if (argIsTrue(req.arg("_nl"))) {
      return { reply: newlineJson(objects, cellOptions(req), headers), html: htmlData() };
    }
  } else if (shape === "arrayfirst") {
    body = pageRows.map((r) => encodeCell(r[0], result.columns[0], cellOptions(req)));
  } else if (shape === "object") {
    const keyed: Record<string, unknown> = {};
    for (const o of objects) setKey(keyed, plan.keyColumns.map((k) => tildeEncode(String(keyValue(o[k])))).join(","), o);
    body = keyed;
  } else {
    const rows = shape === "arrays" ? rowsToArrays(plan.selectColumns, objects.map((o) => plan.selectColumns.map((c) => o[c])), cellOptions(req)) : objects;
    body = { ok: true, next, next_url: nextUrl, ...extraValues, rows, truncated: false };
  }

  function htmlData() {
    return {
      title: table.name,
      kind: table.isView ? ("view" as const) : ("table" as const),
      database: db.name,
      table: table.name,
      description: plan.humanDescription,
      columns: plan.selectColumns,
      rows: objects,
      keyColumns: plan.keyColumns,
      nextUrl,
      count,
      jsonUrl: urlWithArgs(almanac, req, {}, req.path + ".json"),
    };
  }
  return { reply: dataJson(body, cellOptions(req), 200, headers), html: htmlData() };
}

function keyValue(v: unknown): unknown {
  return v !== null && typeof v === "object" && "value" in (v as Record<string, unknown>) ? (v as { value: unknown }).value : v;
}

async function tableExtras(
  req: AlmanacRequest,
  almanac: Almanac,
  db: Database,
  table: TableInfo,
  plan: TablePlan,
  extras: Set<string>,
  ctx: { count: number | null; rowCount: number; expandable: Expandable[]; columns: string[] },
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const config = almanac.tableConfig(db.name, table.name);
  const meta = almanac.tableMetadata(db.name, table.name);
  const columnTypes = (config.column_types ?? {}) as Record<string, unknown>;
  const typeOf = (col: string): { type: string; config: unknown } | null => {
    const t = columnTypes[col];
    if (typeof t === "string") return { type: t, config: null };
    if (t && typeof t === "object" && typeof (t as { type?: unknown }).type === "string") return { type: (t as { type: string }).type, config: (t as { config?: unknown }).config ?? null };
    return null;
  };
  for (const name of TABLE_EXTRAS) {
    if (!extras.has(name) && !(name === "count_truncated" && extras.has("count"))) continue;
    switch (name) {
      case "count":
        out.count = ctx.count;
        break;
      case "count_truncated":
        out.count_truncated = ctx.count !== null && ctx.count > 10000 && !(db.cachedCounts.has(table.name) && !plan.isFiltered);
        break;
      case "count_sql":
        out.count_sql = plan.countSql;
        break;
      case "human_description_en":
        out.human_description_en = plan.humanDescription;
        break;
      case "columns":
        out.columns = ctx.columns;
        break;
      case "all_columns":
        out.all_columns = plan.allColumns;
        break;
      case "primary_keys":
        out.primary_keys = table.primaryKeys;
        break;
      case "column_details":
        out.column_details = columnDetails(table);
        break;
      case "display_columns":
        out.display_columns = ctx.columns.map((c) => {
          const col = table.columns.find((x) => x.name === c);
          const ct = typeOf(c);
          return {
            name: c,
            sortable: !config.sortable_columns || config.sortable_columns.includes(c),
            is_pk: table.primaryKeys.includes(c) || (c === "rowid" && table.usesRowid),
            type: col?.type ?? "",
            notnull: col?.notnull ?? false,
            description: meta.columns?.[c] ?? null,
            column_type: ct?.type ?? null,
            column_type_config: ct?.config ?? null,
          };
        });
        break;
      case "render_cell":
        // No plugin or column type renders cells differently yet: one empty object per row, as Datasette sends.
        out.render_cell = Array.from({ length: ctx.rowCount }, () => ({}));
        break;
      case "debug":
        out.debug = { url_vars: req.params, resolved: { database: db.name, table: table.name, is_view: table.isView } };
        break;
      case "request":
        out.request = requestExtra(almanac, req);
        break;
      case "query":
        out.query = { sql: plan.sql, params: plan.params };
        break;
      case "column_types":
        out.column_types = Object.fromEntries(ctx.columns.map((c) => [c, typeOf(c)]).filter(([, t]) => t));
        break;
      case "set_column_type_ui":
        out.set_column_type_ui = almanac.permissions.allowed(req.actor, "set-column-type", { database: db.name, child: table.name }) ? { path: almanac.path(`/${tildeEncode(db.name)}/${tildeEncode(table.name)}/-/set-column-type`), columns: {} } : null;
        break;
      case "metadata":
        out.metadata = { ...meta, columns: meta.columns ?? {} };
        break;
      case "extras":
        out.extras = extrasList(almanac, req, TABLE_EXTRAS, EXTRA_DESCRIPTIONS, extras);
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
      case "renderers":
        out.renderers = { json: urlWithArgs(almanac, req, {}, `${req.path.replace(/\.\w+$/, "")}.json`) };
        break;
      case "custom_table_templates":
        out.custom_table_templates = [`_table-${db.name}-${table.name}.html`, `_table-table-${db.name}-${table.name}.html`, "_table.html"];
        break;
      case "table_definition":
        out.table_definition = table.isView ? null : tableDefinition(table);
        break;
      case "view_definition":
        out.view_definition = table.isView ? tableDefinition(table) : null;
        break;
      case "is_view":
        out.is_view = table.isView;
        break;
      case "private":
        out.private = !almanac.permissions.allowed(null, "view-table", { database: db.name, child: table.name });
        break;
      case "expandable_columns":
        out.expandable_columns = ctx.expandable.map((e) => [{ column: e.column, other_table: e.otherTable, other_column: e.otherColumn }, e.labelColumn]);
        break;
      case "form_hidden_args":
        out.form_hidden_args = req.pairs.filter(([k]) => k.startsWith("_") && !k.includes("__") && !["_sort", "_sort_desc", "_sort_by_desc", "_next", "_search", "_where"].includes(k) && !k.startsWith("_search_") && !k.startsWith("_filter_"));
        break;
    }
  }
  return out;
}
