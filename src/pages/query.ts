/** @module Query pages: arbitrary read-only SQL at `/<db>/-/query(.json)` and stored queries at `/<db>/<name>(.json)`. */
import { randomBytes } from "node:crypto";
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
import { cacheHeaders, cellOptions, dataFormat, dataJson, newlineJson, ensure, parseExtras, resolveDatabase, runSql, timeLimit } from "./common.js";
import { collectExtras } from "./extras.js";
import { exportFormat, exportQuery } from "./export.js";

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
  const format = exportFormat(req) ?? dataFormat(req);
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
  const refused = format === "html" ? pageError(() => validateReadOnlySql(sql)) : (validateReadOnlySql(sql), null);
  if (refused) return queryHtml(req, almanac, run, { data: null, error: refused });
  return runQuery(req, almanac, run, format);
}

/** Run `fn`; a 400 it throws becomes the message the query form shows (anything else propagates). */
function pageError(fn: () => void): string | null {
  try {
    fn();
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

/** Magic parameters of stored queries (`:_now_epoch`, `:_header_user_agent`, …). */
function magicParameter(name: string, req: AlmanacRequest): unknown {
  const m = /^_(actor|header|cookie|now|random)_(.+)$/.exec(name);
  if (!m) return undefined;
  const [, prefix, suffix] = m;
  switch (prefix) {
    case "actor":
      if (!req.actor || !(suffix in req.actor)) throw new BadRequest(`This query needs a signed-in actor with "${suffix}"`);
      return req.actor[suffix];
    case "header":
      return req.header(suffix.replace(/_/g, "-")) ?? "";
    case "cookie": {
      const cookies = (req.header("cookie") ?? "").split(";").map((c) => c.trim().split("="));
      const found = cookies.find(([k]) => k === suffix);
      return found ? decodeURIComponent(found.slice(1).join("=")) : "";
    }
    case "now": {
      const now = new Date();
      if (suffix === "epoch") return Math.floor(now.getTime() / 1000);
      if (suffix === "date_utc") return now.toISOString().slice(0, 10);
      if (suffix === "datetime_utc") return now.toISOString().slice(0, 19) + "Z";
      return undefined;
    }
    case "random": {
      const n = /^chars_(\d+)$/.exec(suffix);
      if (!n) return undefined;
      const count = Math.min(Number(n[1]), 1024);
      return randomBytes(Math.ceil(count / 2)).toString("hex").slice(0, count);
    }
  }
  return undefined;
}

export async function storedQueryPage(req: AlmanacRequest, almanac: Almanac, db: Database): Promise<Reply> {
  const name = tildeDecode(req.params.table);
  ensure(almanac, req, "view-query", db.name, name, "You do not have permission to view this query");
  const definition = queryDefinition(almanac.databaseConfig(db.name).queries?.[name]);
  if (!definition) throw new NotFound("Table not found");
  const format = exportFormat(req) ?? dataFormat(req);
  if (definition.is_trusted === false) ensure(almanac, req, "execute-sql", db.name, undefined, "You do not have permission to execute SQL");
  if (definition.write) throw new BadRequest("This stored query writes to the database; it runs with a POST, which this server does not accept yet");
  const names = Array.isArray(definition.params) ? definition.params.map(String) : extractNamedParameters(definition.sql);
  const params: Record<string, unknown> = {};
  const fill = () => {
    for (const p of extractNamedParameters(definition.sql)) {
      const magic = p.startsWith("_") ? magicParameter(p, req) : undefined;
      params[p] = magic !== undefined ? magic : (req.arg(p) ?? "");
    }
    for (const p of names) if (!(p in params)) params[p] = req.arg(p) ?? "";
  };
  const run: QueryRun = { db, sql: definition.sql, params, name, definition };
  if (format === "html") {
    // A magic parameter that cannot be filled (no signed-in actor) is shown in the form, like a failed query.
    const error = pageError(fill);
    if (error) return queryHtml(req, almanac, run, { data: null, error });
  } else fill();
  return runQuery(req, almanac, run, format);
}

/** The parameters a person fills in on the page: named ones (declared or used), never the magic `_…` ones. */
function formParameters(req: AlmanacRequest, q: QueryRun): { name: string; value: string }[] {
  const declared = Array.isArray(q.definition?.params) ? q.definition.params.map(String) : [];
  const names = [...new Set([...declared, ...extractNamedParameters(q.sql)])].filter((p) => !p.startsWith("_"));
  return names.map((name) => ({ name, value: req.arg(name) ?? "" }));
}

/** The HTML page from the same data as the JSON twin (or the error in its place). */
function queryHtml(req: AlmanacRequest, almanac: Almanac, q: QueryRun, outcome: { data: QueryData | null; error: string | null; queryMs?: number; headers?: Record<string, string> }): Promise<Reply> {
  const canExecuteSql = almanac.permissions.allowed(req.actor, "execute-sql", { database: q.db.name });
  return renderQueryView(almanac, req, {
    database: q.db.name,
    name: q.name,
    definition: q.definition,
    sql: q.sql,
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

async function runQuery(req: AlmanacRequest, almanac: Almanac, q: QueryRun, format: "json" | "html" | "csv" | "blob"): Promise<Reply> {
  if (format === "csv" || format === "blob" || (format === "json" && argIsTrue(req.arg("_stream")))) return exportQuery(req, almanac, q, format);
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
  const result = await run();
  if (shape === "array" || shape === "arrayfirst") {
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
