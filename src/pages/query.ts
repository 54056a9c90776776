/** @module Query pages: arbitrary read-only SQL at `/<db>/-/query(.json)` and stored queries at `/<db>/<name>(.json)`. */
import type { Almanac } from "../app.js";
import type { Database, QueryResult } from "../db/index.js";
import type { QueryConfig } from "../config/options.js";
import { BadRequest, HttpError, NotFound } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { argIsTrue } from "../http/request.js";
import { json, jsonError, type Reply } from "../http/response.js";
import { tildeDecode } from "../http/tilde.js";
import { extractNamedParameters, validateReadOnlySql } from "../sql/index.js";
import { parseShape, rowsToArrays, rowsToObjects, encodeCell } from "../render/json.js";
import { renderQueryView, type QueryData } from "../render/views/query.js";
import { tableColumns } from "./database.js";
import { cacheHeaders, cellOptions, dataJson, newlineJson, ensure, parseExtras, resolveDatabase, runSql, timeLimit } from "./common.js";
import { collectExtras } from "./extras.js";
import { magicValue } from "./magic.js";
import { dataOutput, rendererLinks, renderWith, type PluginRenderer } from "./renderers.js";
import type { RenderContext } from "../plugins/types.js";
import { registries } from "./registries.js";
import { exportQuery } from "./export.js";

export const QUERY_EXTRAS = ["columns", "render_cell", "debug", "request", "query", "metadata", "extras", "database", "database_color", "private"] as const;


interface QueryRun {
  db: Database;
  sql: string;
  params: Record<string, unknown>;
  /** Stored query name and definition, or null for `?sql=`. */
  name: string | null;
  definition: QueryConfig | null;
}

export async function sqlQueryPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const { format, renderer } = dataOutput(registries(almanac).renderers, req);
  const db = resolveDatabase(almanac, req);
  ensure(almanac, req, "execute-sql", db.name, undefined, "You do not have permission to execute SQL");
  const sql = req.arg("sql") ?? "";
  const params: Record<string, unknown> = {};
  for (const p of extractNamedParameters(sql)) params[p] = req.arg(p) ?? "";
  const run: QueryRun = { db, sql, params, name: null, definition: null };
  if (!sql.trim()) {
    if (format !== "html") throw new BadRequest("Missing SQL: pass ?sql=");
    return queryHtml(req, almanac, run, { data: null, error: null });
  }
  // On the HTML page a refused statement is shown in the form, like any other query error.
  const refused = format === "html" ? await pageError(() => validateReadOnlySql(sql)) : (validateReadOnlySql(sql), null);
  if (refused) return queryHtml(req, almanac, run, { data: null, error: refused });
  return runQuery(req, almanac, run, format, renderer);
}

/** Run `fn`; a 400 it throws becomes the message the query form shows (anything else propagates). */
async function pageError(fn: () => void | Promise<void>): Promise<string | null> {
  try {
    await fn();
    return null;
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) return err.messages.join("; ");
    throw err;
  }
}

/** Normalise a configured query: a bare SQL string or an object with `sql`. */
function queryDefinition(raw: unknown): QueryConfig | null {
  if (typeof raw === "string") return { sql: raw };
  if (raw && typeof raw === "object" && typeof (raw as QueryConfig).sql === "string") return raw as QueryConfig;
  return null;
}

export async function storedQueryPage(req: AlmanacRequest, almanac: Almanac, db: Database): Promise<Reply> {
  const name = tildeDecode(req.params.table);
  ensure(almanac, req, "view-query", db.name, name, "You do not have permission to view this query");
  const definition = queryDefinition(almanac.databaseConfig(db.name).queries?.[name]);
  if (!definition) throw new NotFound("Table not found");
  const { format, renderer } = dataOutput(registries(almanac).renderers, req);
  if (definition.is_trusted === false) ensure(almanac, req, "execute-sql", db.name, undefined, "You do not have permission to execute SQL");
  if (definition.write) throw new BadRequest("This stored query writes to the database; it runs with a POST, which this server does not accept yet");
  const names = Array.isArray(definition.params) ? definition.params.map(String) : extractNamedParameters(definition.sql);
  const params: Record<string, unknown> = {};
  const magic = registries(almanac).magic;
  const fill = async () => {
    for (const p of extractNamedParameters(definition.sql)) {
      const value = p.startsWith("_") ? await magicValue(magic, p, req) : undefined;
      params[p] = value !== undefined ? value : (req.arg(p) ?? "");
    }
    for (const p of names) if (!(p in params)) params[p] = req.arg(p) ?? "";
  };
  const run: QueryRun = { db, sql: definition.sql, params, name, definition };
  if (format === "html") {
    // A magic parameter that cannot be filled (no signed-in actor) is shown in the form, like a failed query.
    const error = await pageError(fill);
    if (error) return queryHtml(req, almanac, run, { data: null, error });
  } else await fill();
  return runQuery(req, almanac, run, format, renderer);
}

/** The parameters a person fills in on the page: named ones (declared or used), never the magic `_…` ones. */
function formParameters(req: AlmanacRequest, q: QueryRun): { name: string; value: string }[] {
  const declared = Array.isArray(q.definition?.params) ? q.definition.params.map(String) : [];
  const names = [...new Set([...declared, ...extractNamedParameters(q.sql)])].filter((p) => !p.startsWith("_"));
  return names.map((name) => ({ name, value: req.arg(name) ?? "" }));
}

/** The HTML page from the same data as the JSON twin (or the error in its place). */
async function queryHtml(req: AlmanacRequest, almanac: Almanac, q: QueryRun, outcome: { data: QueryData | null; error: string | null; queryMs?: number; headers?: Record<string, string> }): Promise<Reply> {
  const canExecuteSql = almanac.permissions.allowed(req.actor, "execute-sql", { database: q.db.name });
  const renderers = registries(almanac).renderers;
  const data = outcome.data;
  const formats =
    data && renderers.size
      ? await rendererLinks(almanac, renderers, renderContext(almanac, req, q, { ...data, error: null, data: { ok: true, rows: data.rows, truncated: data.truncated } }))
      : {};
  return renderQueryView(almanac, req, {
    formats,
    database: q.db.name,
    name: q.name,
    definition: q.definition,
    sql: q.sql,
    params: q.params,
    parameters: formParameters(req, q),
    data: outcome.data,
    error: outcome.error,
    tableColumns: canExecuteSql ? tableColumns(almanac, req.actor, q.db) : undefined,
    canExecuteSql,
    private: q.name
      ? !almanac.permissions.allowed(null, "view-query", { database: q.db.name, child: q.name })
      : !almanac.permissions.allowed(null, "execute-sql", { database: q.db.name }),
    queryMs: outcome.queryMs,
    headers: outcome.headers,
  });
}

/** What a plugin renderer (and its `can_render`) is told about a query page. */
function renderContext(almanac: Almanac, req: AlmanacRequest, q: QueryRun, page: Pick<RenderContext, "columns" | "rows" | "truncated" | "error" | "data">): RenderContext {
  return { almanac, request: req, view_name: "query", database: q.db.name, table: null, query_name: q.name, sql: q.sql, ...page };
}

async function runQuery(req: AlmanacRequest, almanac: Almanac, q: QueryRun, format: "json" | "html" | "csv" | "blob", renderer: PluginRenderer | null = null): Promise<Reply> {
  if (format === "csv" || format === "blob" || (format === "json" && !renderer && argIsTrue(req.arg("_stream")))) return exportQuery(req, almanac, q, format);
  const extras = parseExtras(req, QUERY_EXTRAS, format === "json");
  const shape = parseShape(req.arg("_shape"));
  if (shape === "object") throw new BadRequest("_shape=object is only available on tables");
  const max = almanac.settings.max_returned_rows;
  const opts = cellOptions(req);
  const headers = q.name ? cacheHeaders(almanac, req) : {};
  const run = () => runSql(q.db, q.sql, q.params, { timeLimitMs: timeLimit(almanac, req), maxRows: max, errorExtra: { rows: [], truncated: false } });
  if (format === "html") {
    const started = performance.now();
    let result: QueryResult;
    try {
      result = await run();
    } catch (err) {
      if (err instanceof HttpError && err.status === 400) return queryHtml(req, almanac, q, { data: null, error: err.messages.join("; "), headers });
      throw err;
    }
    const data: QueryData = { rows: rowsToObjects(result.columns, result.rows, opts), truncated: result.truncated, columns: result.columns };
    return queryHtml(req, almanac, q, { data, error: null, queryMs: performance.now() - started, headers });
  }
  let result: QueryResult;
  try {
    result = await run();
  } catch (err) {
    // A renderer is told of a failed query (Datasette's `error`) and answers for it.
    if (!(renderer && err instanceof HttpError && err.status === 400)) throw err;
    const error = err.messages.join("; ");
    return renderWith(renderer, renderContext(almanac, req, q, { columns: [], rows: [], truncated: false, error, data: { ok: false, error, rows: [], truncated: false } }));
  }
  if (!renderer && (shape === "array" || shape === "arrayfirst")) {
    const body = shape === "array" ? rowsToObjects(result.columns, result.rows, opts) : result.rows.map((r) => encodeCell(r[0], result.columns[0], opts));
    if (shape === "array" && argIsTrue(req.arg("_nl"))) {
      return newlineJson(body as unknown[], opts, headers);
    }
    return dataJson(body, opts, 200, headers);
  }
  const out: Record<string, unknown> = { ok: true };
  Object.assign(
    out,
    await collectExtras(
      {
        almanac, req,
        db: q.db,
        table: null,
        columns: result.columns,
        rowCount: result.rows.length,
        rows: () => rowsToObjects(result.columns, result.rows, opts),
        pks: [],
        sql: q.sql,
        params: q.params,
        resolved: { database: q.db.name, query: q.name },
        // Datasette returns the database's metadata for ?sql= and the query's definition for stored queries.
        metadata: () => (q.definition ? { name: q.name, ...q.definition } : almanac.databaseMetadata(q.db.name)),
        isPrivate: () =>
          q.name ? !almanac.permissions.allowed(null, "view-query", { database: q.db.name, child: q.name }) : !almanac.permissions.allowed(null, "execute-sql", { database: q.db.name }),
        selected: extras,
        offered: QUERY_EXTRAS,
      },
      {},
    ),
  );
  if (renderer) {
    const rows = rowsToObjects(result.columns, result.rows, opts);
    Object.assign(out, { rows, truncated: result.truncated });
    return renderWith(renderer, renderContext(almanac, req, q, { columns: result.columns, rows, truncated: result.truncated, error: null, data: out }));
  }
  out.rows = shape === "arrays" ? rowsToArrays(result.columns, result.rows, opts) : rowsToObjects(result.columns, result.rows, opts);
  out.truncated = result.truncated;
  return dataJson(out, opts, 200, headers);
}

/**
 * `/<db>/-/query/parameters?sql=`: the named parameters the query page would show fields for, so the editor can
 * refresh them as the SQL changes. Always JSON (errors too); `sql` is the only argument it takes.
 */
export async function queryParametersPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  try {
    const db = resolveDatabase(almanac, req);
    ensure(almanac, req, "execute-sql", db.name, undefined, "You do not have permission to execute SQL");
    const unknown = [...new Set(req.pairs.map(([k]) => k).filter((k) => k !== "sql"))];
    if (unknown.length) throw new BadRequest(`Only the sql argument is accepted here, not: ${unknown.join(", ")}`);
    const parameters = extractNamedParameters(req.arg("sql") ?? "").filter((p) => !p.startsWith("_"));
    return json({ ok: true, unstable: "The JSON format of this endpoint is not yet stable and may change", parameters });
  } catch (err) {
    if (err instanceof HttpError) return jsonError(err.messages, err.status, err.extra, err.headers);
    throw err;
  }
}
