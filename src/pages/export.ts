/**
 * @module Exports: `.csv` on tables, views, rows, `?sql=` and stored queries; `_stream=on` (every row, on the
 * export pool, streamed with back-pressure) for CSV and — beyond Datasette — newline-delimited JSON on
 * queries; and `.blob` downloads of single cells. Pages resolve names and check permissions exactly as their
 * JSON twins do, then hand over here. Rows are rendered in the worker (render/csv.ts), never here.
 */
import type { Almanac } from "../app.js";
import type { Database, TableInfo, QueryResult } from "../db/index.js";
import type { QueryError } from "../db/index.js";
import type { ExportStream } from "../db/stream.js";
import { BadRequest, NotFound } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { argIsFalse, argIsTrue } from "../http/request.js";
import type { Reply } from "../http/response.js";
import { tildeEncode } from "../http/tilde.js";
import { planTableQuery } from "../query/table-plan.js";
import { cssClass } from "../render/templates.js";
import { expandableColumns } from "../query/labels.js";
import { resolveColumn } from "../query/filters.js";
import { quoteIdentifier } from "../sql/index.js";
import { blobBytes, sha256Hex, type BlobLinks, type CsvSpec, type RenderSpec } from "../render/csv.js";
import { TIME_LIMIT_MESSAGE, cacheHeaders, canViewTable, cellOptions, sqlFailure, timeLimit } from "./common.js";

export type ExportFormat = "csv" | "blob";

export const CSV_TYPE = "text/plain; charset=utf-8";
export const CSV_DOWNLOAD_TYPE = "text/csv; charset=utf-8";
/** Newline-delimited JSON (one object per line, `\n`): the type NDJSON/JSON Lines tools recognise. */
export const NDJSON_TYPE = "application/x-ndjson; charset=utf-8";
export const BLOB_TYPE = "application/binary";
export const BLOB_EXPIRED = "Link has expired - the requested binary content has changed or could not be found.";

const STREAM_DISABLED = "CSV streaming is disabled on this server (allow_csv_stream is off)";


/** max_csv_mb in bytes (0 = no cap): it caps every CSV, and NDJSON streams too. */
function limitBytes(almanac: Almanac): number {
  const mb = almanac.settings.max_csv_mb;
  return mb > 0 ? Math.floor(mb * 1024 * 1024) : 0;
}


/** The text an export ends with when its query fails after output has begun. */
function failureText(err: QueryError): string {
  return err.failure.kind === "timeout" ? TIME_LIMIT_MESSAGE : err.failure.kind === "sql" ? err.failure.message : "Export failed";
}


/** `attachment; filename="…"`: quotes, backslashes and non-ASCII never reach the header raw (RFC 6266 `filename*` carries UTF-8). */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  if (ascii === filename) return `attachment; filename="${filename}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())}`;
}

function csvHeaders(req: AlmanacRequest, name: string, extra: Record<string, string>): Record<string, string> {
  if (argIsTrue(req.arg("_dl"))) return { ...extra, "content-type": CSV_DOWNLOAD_TYPE, "content-disposition": attachment(`${name}.csv`) };
  return { ...extra, "content-type": CSV_TYPE };
}

function ndjsonHeaders(req: AlmanacRequest, name: string, extra: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { ...extra, "content-type": NDJSON_TYPE };
  if (argIsTrue(req.arg("_dl"))) headers["content-disposition"] = attachment(`${name}.ndjson`);
  return headers;
}

/** `_stream=on`: allowed only with allow_csv_stream. */
function wantsStream(almanac: Almanac, req: AlmanacRequest): boolean {
  if (!argIsTrue(req.arg("_stream"))) return false;
  if (!almanac.settings.allow_csv_stream) throw new BadRequest(STREAM_DISABLED);
  return true;
}

/** The request's query string minus `_blob_column`/`_blob_hash`, kept as sent (Datasette's path_with_format). */
function queryStringForBlobLinks(req: AlmanacRequest): string {
  if (!req.queryString) return "";
  return req.queryString
    .split("&")
    .filter((pair) => {
      if (!pair) return false;
      const key = pair.split("=")[0].replace(/\+/g, " ");
      let name = key;
      try {
        name = decodeURIComponent(key);
      } catch {
        // keep undecodable keys as they are
      }
      return name !== "_blob_column" && name !== "_blob_hash";
    })
    .join("&");
}

/** Open the stream (the first chunk is rendered before any header is sent) and wrap it as a reply. */
async function streamReply(db: Database, sql: string, params: Record<string, unknown> | unknown[], spec: RenderSpec, almanac: Almanac, req: AlmanacRequest, headers: Record<string, string>): Promise<Reply> {
  let stream: ExportStream;
  try {
    stream = await db.stream(sql, params, spec, { timeLimitMs: timeLimit(almanac, req), limitBytes: limitBytes(almanac), errorLine: (err) => errorLineFor(spec, failureText(err)) });
  } catch (err) {
    sqlFailure(err);
  }
  return { status: 200, headers, body: stream };
}

function errorLineFor(spec: RenderSpec, message: string): string {
  return spec.format === "csv" ? message : JSON.stringify({ ok: false, error: message }) + "\n";
}

// ---------------------------------------------------------------------------------------------- tables

/** `/<db>/<table>.csv` (and `.blob`, which needs a row): the same plan as the JSON page, no facets, no count. */
export async function exportTable(req: AlmanacRequest, almanac: Almanac, db: Database, table: TableInfo, format: ExportFormat): Promise<Reply> {
  if (format === "blob") throw new NotFound("Format not found");
  const stream = wantsStream(almanac, req);
  if (stream && req.arg("_next") !== undefined) throw new BadRequest("_next= cannot be combined with _stream=on");
  const schema = db.schema();
  // A stream ignores _size (it returns every row); other arguments mean what they mean on the JSON page.
  const pairs = stream ? req.pairs.filter(([k]) => k !== "_size") : req.pairs;
  const plan = planTableQuery({
    table,
    schema,
    pairs,
    config: almanac.tableConfig(db.name, table.name),
    defaultPageSize: almanac.settings.default_page_size,
    maxReturnedRows: almanac.settings.max_returned_rows,
    canExecuteSql: almanac.permissions.allowed(req.actor, "execute-sql", { database: db.name }),
    canViewTable: (name) => canViewTable(almanac, req.actor, db, name),
  });

  // `_labels=on` (CSV default: off) or `_label=col`: a `<col>_label` column after each expanded key column,
  // only for referenced tables the actor may view.
  const labelsArg = req.arg("_labels");
  const all = labelsArg !== undefined && argIsTrue(labelsArg);
  const some = new Set(req.argList("_label"));
  const expand = expandableColumns(table, schema, (t) => almanac.tableConfig(db.name, t)).filter(
    (e) => (all || some.has(e.column)) && plan.selectColumns.includes(e.column) && canViewTable(almanac, req.actor, db, e.otherTable),
  );

  let sql = stream ? plan.allRowsSql : plan.sql;
  const params = stream ? plan.whereParams : plan.params;
  const columns: CsvSpec["columns"] = [];
  const labelSql: string[] = [];
  for (const c of plan.selectColumns) {
    columns.push({ source: c, name: c });
    const e = expand.find((x) => x.column === c);
    if (!e) continue;
    const alias = `__almanac_label_${labelSql.length}__`;
    const value = `"__almanac_rows__".${quoteIdentifier(c)}`;
    // The label of a key that matches no row is empty (Datasette's CSV); a NULL label is the key itself.
    labelSql.push(
      e.labelColumn
        ? `(select coalesce(${quoteIdentifier(e.labelColumn)}, ${quoteIdentifier(e.otherColumn)}) from ${quoteIdentifier(e.otherTable)} where ${quoteIdentifier(e.otherColumn)} = ${value} limit 1) as ${quoteIdentifier(alias)}`
        : `${value} as ${quoteIdentifier(alias)}`,
    );
    columns.push({ source: alias, name: `${c}_label`, blob: false });
  }
  // SQLite runs the page query as a co-routine of this wrapper (or flattens it): rows keep the page's order.
  if (labelSql.length) sql = `select "__almanac_rows__".*, ${labelSql.join(", ")} from (${sql}) as "__almanac_rows__"`;

  const blobs: BlobLinks = table.isView || plan.keyColumns.length === 0
    ? { kind: "query", base: req.absolute(almanac.path(`/${tildeEncode(db.name)}/-/query.blob`)), query: new URLSearchParams({ sql: `select * from ${quoteIdentifier(table.name)}` }).toString() }
    : { kind: "row", base: req.absolute(almanac.path(`/${tildeEncode(db.name)}/${tildeEncode(table.name)}/`)), keyColumns: plan.keyColumns };
  const spec: CsvSpec = { format: "csv", header: !argIsFalse(req.arg("_header")), columns, blobs };
  const headers = csvHeaders(req, table.name, { ...cacheHeaders(almanac, req), "referrer-policy": "no-referrer" });
  if (stream) return streamReply(db, sql, params, spec, almanac, req, headers);
  let result: QueryResult;
  try {
    result = await db.render(sql, params, spec, { timeLimitMs: timeLimit(almanac, req), maxRows: plan.pageSize, limitBytes: limitBytes(almanac), inline: plan.boundedCost && labelSql.length === 0 });
  } catch (err) {
    sqlFailure(err);
  }
  return { status: 200, headers, body: result.text ?? "" };
}


// ------------------------------------------------------------------------------------------------ rows

/**
 * `/<db>/<table>/<pks>.csv` and `.blob?_blob_column=col`. The row page has already checked view-table and
 * built the look-up; nothing here runs before that.
 */
export async function exportRow(
  req: AlmanacRequest,
  almanac: Almanac,
  db: Database,
  table: TableInfo,
  look: { sql: string; params: Record<string, unknown>; keys: string[]; inline: boolean },
  format: ExportFormat,
): Promise<Reply> {
  const limit = timeLimit(almanac, req);
  const headers = { ...cacheHeaders(almanac, req), "referrer-policy": "no-referrer" };
  if (format === "blob") {
    const column = blobColumn(req, (name) => {
      const c = resolveColumn(table, name);
      return c !== undefined && (c !== "rowid" || table.usesRowid || table.columns.some((x) => x.name === "rowid")) ? c : undefined;
    });
    let result: QueryResult;
    try {
      result = await db.execute(look.sql, look.params, { timeLimitMs: limit, inline: look.inline });
    } catch (err) {
      sqlFailure(err);
    }
    if (result.rows.length === 0) throw new NotFound("Row not found");
    const i = result.columns.lastIndexOf(column);
    if (i < 0) throw new BadRequest("_blob_column is not a valid column");
    const pks = req.params.pks.replace(/[^A-Za-z0-9_~+,.-]/g, "_");
    return blobReply(blobBytes(result.rows[0][i]), `${cssClass(table.name)}-${pks}-${cssClass(column)}.blob`, headers);
  }
  const spec: CsvSpec = {
    format: "csv",
    header: !argIsFalse(req.arg("_header")),
    blobs: { kind: "row", base: req.absolute(almanac.path(`/${tildeEncode(db.name)}/${tildeEncode(table.name)}/`)), keyColumns: look.keys },
  };
  let result: QueryResult;
  try {
    result = await db.render(look.sql, look.params, spec, { timeLimitMs: limit, limitBytes: limitBytes(almanac), inline: look.inline });
  } catch (err) {
    sqlFailure(err);
  }
  if (result.rowCount === 0) throw new NotFound("Row not found");
  return { status: 200, headers: csvHeaders(req, table.name, headers), body: result.text ?? "" };
}

// --------------------------------------------------------------------------------------------- queries

export interface ExportQuery {
  db: Database;
  sql: string;
  params: Record<string, unknown>;
  /** Stored query name, or null for `?sql=`. */
  name: string | null;
}

/**
 * `?sql=` and stored queries as `.csv`, `.blob`, or with `_stream=on` as CSV or NDJSON (`.json`). The query
 * page has already checked execute-sql (or view-query) and validated the SQL as read-only.
 */
export async function exportQuery(req: AlmanacRequest, almanac: Almanac, q: ExportQuery, format: ExportFormat | "json"): Promise<Reply> {
  const headers = q.name ? cacheHeaders(almanac, req) : {};
  const limit = timeLimit(almanac, req);
  if (format === "blob") {
    const hash = req.arg("_blob_hash");
    if (hash !== undefined && !/^[0-9a-fA-F]{64}$/.test(hash)) throw new BadRequest("_blob_hash must be a SHA-256 hex digest");
    const wanted = blobColumn(req, () => undefined, true);
    let result: QueryResult;
    try {
      // The rows a page of this query shows: the link was made from one of them.
      result = await q.db.execute(q.sql, q.params, { timeLimitMs: limit, maxRows: almanac.settings.max_returned_rows });
    } catch (err) {
      sqlFailure(err);
    }
    const i = result.columns.lastIndexOf(wanted);
    if (i < 0) throw new BadRequest("_blob_column is not a valid column");
    let bytes: Buffer | null = null;
    if (hash === undefined) {
      if (result.rows.length) bytes = blobBytes(result.rows[0][i]);
    } else {
      const target = hash.toLowerCase();
      for (const row of result.rows) {
        const b = blobBytes(row[i]);
        if (sha256Hex(b) === target) {
          bytes = b;
          break;
        }
      }
    }
    if (bytes === null) throw new BadRequest(BLOB_EXPIRED);
    const bits = [...(q.name ? [cssClass(q.name)] : []), cssClass(wanted), ...(hash ? [hash.toLowerCase().slice(0, 6)] : [])];
    return blobReply(bytes, `${bits.join("-")}.blob`, headers);
  }

  const stream = wantsStream(almanac, req);
  const filename = q.name ?? q.db.name;
  if (format === "json") {
    const opts = cellOptions(req);
    const spec: RenderSpec = { format: "ndjson", infinity: opts.infinity, jsonColumns: [...opts.jsonColumns] };
    return streamReply(q.db, q.sql, q.params, spec, almanac, req, ndjsonHeaders(req, filename, headers));
  }
  const spec: CsvSpec = {
    format: "csv",
    header: !argIsFalse(req.arg("_header")),
    blobs: { kind: "query", base: req.absolute(almanac.path(req.path.replace(/\.csv$/, ".blob"))), query: queryStringForBlobLinks(req) },
  };
  const out = csvHeaders(req, filename, headers);
  if (stream) return streamReply(q.db, q.sql, q.params, spec, almanac, req, out);
  let result: QueryResult;
  try {
    result = await q.db.render(q.sql, q.params, spec, { timeLimitMs: limit, maxRows: almanac.settings.max_returned_rows, limitBytes: limitBytes(almanac) });
  } catch (err) {
    sqlFailure(err);
  }
  return { status: 200, headers: out, body: result.text ?? "" };
}

// ------------------------------------------------------------------------------------------------ blobs

/** `_blob_column`: required; resolved against the table (rows) or checked against the result columns (queries). */
function blobColumn(req: AlmanacRequest, resolve: (name: string) => string | undefined, fromResult = false): string {
  const raw = req.arg("_blob_column");
  if (raw === undefined || raw === "") throw new BadRequest("?_blob_column= is required");
  if (fromResult) return raw;
  const c = resolve(raw);
  if (c === undefined) throw new BadRequest("_blob_column is not a valid column");
  return c;
}

/** The cell's bytes, always as an opaque download: the client cannot choose the type. */
function blobReply(bytes: Buffer, filename: string, headers: Record<string, string>): Reply {
  return {
    status: 200,
    headers: { ...headers, "content-type": BLOB_TYPE, "content-disposition": attachment(filename), "x-content-type-options": "nosniff" },
    body: bytes,
  };
}
