/** @module What every data page shares: resolving names against the schema, formats, extras, time limits, caching. */
import { createHash } from "node:crypto";
import type { Almanac } from "../app.js";
import type { Database, TableInfo, QueryResult } from "../db/index.js";
import { QueryError } from "../db/index.js";
import { BadRequest, Forbidden, HttpError, NotFound } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { argIsTrue } from "../http/request.js";
import { tildeDecode } from "../http/tilde.js";
import type { Action, Actor } from "../auth/permissions.js";
import type { CellOptions } from "../render/json.js";
import { json, jsonBody, type Reply } from "../http/response.js";

export const TIME_LIMIT_MESSAGE = "SQL query took too long. The time limit is controlled by the sql_time_limit_ms setting.";

/**
 * The output format of a data route: "html" when there is no suffix, "json"; anything else is 404 here.
 * Table, row and query pages ask `dataOutput` (pages/renderers.ts), which adds exports and plugins' formats.
 */
export function dataFormat(req: AlmanacRequest): "json" | "html" {
  const f = req.params.format;
  if (f === undefined) return "html";
  if (f === "json") return "json";
  throw new NotFound("Format not found");
}

/** `.csv` or `.blob` on a table, row or query route (pages/export.ts), else null. */
export function exportFormat(req: AlmanacRequest): "csv" | "blob" | null {
  const f = req.params.format;
  return f === "csv" || f === "blob" ? f : null;
}

/** Permission first, so a refusal never reveals whether the thing exists. */
export function ensure(almanac: Almanac, req: AlmanacRequest, action: Action, database?: string, child?: string, message?: string): void {
  if (!almanac.permissions.allowed(req.actor, action, { database, child })) throw new Forbidden(message ?? action);
}

export function resolveDatabase(almanac: Almanac, req: AlmanacRequest): Database {
  const name = tildeDecode(req.params.db);
  ensure(almanac, req, "view-database", name, undefined, "You do not have permission to view this database");
  const db = almanac.databases.get(name);
  if (!db) throw new NotFound("Database not found");
  return db;
}

/**
 * The database of a table, view, row or stored-query URL. Those pages check only their own permission
 * (view-table, view-query: Datasette 1.0), so a table allowed inside a database that is not is still shown.
 * A missing database is refused exactly as a protected one would be, so the answer never tells a visitor
 * whether a private name exists.
 */
export function resolveDatabaseOfChild(almanac: Almanac, req: AlmanacRequest): Database {
  const name = tildeDecode(req.params.db);
  const db = almanac.databases.get(name);
  if (db) return db;
  ensure(almanac, req, "view-database", name, undefined, "You do not have permission to view this database");
  throw new NotFound("Database not found");
}

export function resolveTable(almanac: Almanac, req: AlmanacRequest, db: Database): TableInfo | null {
  const name = tildeDecode(req.params.table);
  const table = db.schema().resolve(name);
  if (!table) {
    ensure(almanac, req, "view-table", db.name, name, "You do not have permission to view this table");
    return null;
  }
  if (!canViewTable(almanac, req.actor, db, table.name)) throw new Forbidden("You do not have permission to view this table");
  return table;
}

/** Whether the actor may view a table, including whatever guards it (see resolveTable). */
export function canViewTable(almanac: Almanac, actor: Actor, db: Database, name: string): boolean {
  const schema = db.schema();
  const seen = new Set<string>();
  let t = schema.resolve(name);
  if (!t) return almanac.permissions.allowed(actor, "view-table", { database: db.name, child: name });
  for (; t && !seen.has(t.name); t = t.guardedBy ? schema.resolve(t.guardedBy) : undefined) {
    seen.add(t.name);
    if (!almanac.permissions.allowed(actor, "view-table", { database: db.name, child: t.name })) return false;
  }
  return true;
}

/** `_extra` values: repeatable and comma-separated; unknown names are a 400 for data formats. */
export function parseExtras(req: AlmanacRequest, allowed: readonly string[], strict: boolean): Set<string> {
  const out = new Set<string>();
  for (const v of req.argList("_extra")) {
    for (const name of v.split(",").map((s) => s.trim()).filter(Boolean)) {
      if (!allowed.includes(name)) {
        if (strict) throw new BadRequest(`Unknown _extra: ${name}`);
        continue;
      }
      out.add(name);
    }
  }
  return out;
}

/** sql_time_limit_ms, lowered (never raised) by `?_timelimit=`. */
export function timeLimit(almanac: Almanac, req: AlmanacRequest): number {
  const limit = almanac.settings.sql_time_limit_ms;
  const raw = req.arg("_timelimit");
  if (raw && /^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n > 0 && n < limit) return n;
  }
  return limit;
}

/** Run SQL, turning SQLite failures into Datasette's 400s. */
export async function runSql(
  db: Database,
  sql: string,
  params: Record<string, unknown> | unknown[],
  opts: { timeLimitMs: number; maxRows?: number; errorExtra?: Record<string, unknown>; inline?: boolean },
): Promise<QueryResult> {
  try {
    return await db.execute(sql, params, { timeLimitMs: opts.timeLimitMs, maxRows: opts.maxRows, inline: opts.inline });
  } catch (err) {
    sqlFailure(err, opts.errorExtra);
  }
}

/** A failed query as Datasette's 400 (SQLite's message, or the time-limit message); anything else rethrown. */
export function sqlFailure(err: unknown, extra: Record<string, unknown> = {}): never {
  if (err instanceof QueryError) {
    if (err.failure.kind === "timeout") throw new HttpError(400, TIME_LIMIT_MESSAGE, extra);
    if (err.failure.kind === "sql") throw new HttpError(400, err.failure.message, extra);
  }
  throw err;
}

export function cellOptions(req: AlmanacRequest): CellOptions {
  return { infinity: argIsTrue(req.arg("_json_infinity")), jsonColumns: new Set(req.argList("_json")) };
}

/** `Cache-Control` for table, row and stored-query responses: `_ttl` overrides default_cache_ttl. */
export function cacheHeaders(almanac: Almanac, req: AlmanacRequest): Record<string, string> {
  let ttl = almanac.settings.default_cache_ttl;
  const raw = req.arg("_ttl");
  if (raw !== undefined && /^\d+$/.test(raw)) ttl = Number(raw);
  return { "cache-control": ttl > 0 ? `max-age=${ttl}` : "no-cache" };
}

/** Six hex characters: the file hash for immutable databases, else md5 of the name (Datasette's colour). */
export async function databaseColor(db: Database): Promise<string> {
  const hash = await db.hash();
  return (hash ?? createHash("md5").update(db.name).digest("hex")).slice(0, 6);
}

/** The path of this request with some query-string arguments replaced (absolute, Host-relative). */
export function urlWithArgs(almanac: Almanac, req: AlmanacRequest, changes: Record<string, string | null>, path?: string): string {
  const args = new URLSearchParams(req.queryString);
  for (const [k, v] of Object.entries(changes)) {
    args.delete(k);
    if (v !== null) args.append(k, v);
  }
  return urlWithQuery(almanac, req, args, { path });
}

/** This page's URL (or `path`'s) with the given query string: absolute (Host, force_https_urls) or path only, base_url included. */
export function urlWithQuery(almanac: Almanac, req: AlmanacRequest, args: URLSearchParams, opts: { path?: string; absolute?: boolean } = {}): string {
  const qs = args.toString();
  const path = almanac.path(opts.path ?? req.path);
  return (opts.absolute === false ? path : req.absolute(path)) + (qs ? `?${qs}` : "");
}

/** Datasette's `request` extra. */
export function requestExtra(almanac: Almanac, req: AlmanacRequest): Record<string, unknown> {
  // No prototype: a query-string key may be anything, "__proto__" included.
  const args: Record<string, string[]> = Object.create(null);
  for (const [k, v] of req.pairs) (args[k] ??= []).push(v);
  const path = almanac.path(req.path);
  const full = path + (req.queryString ? `?${req.queryString}` : "");
  return { url: req.absolute(full), path, full_path: full, host: req.host, args };
}


/** A JSON reply whose cells may hold ±Infinity: `_json_infinity=on` writes them as bare literals (otherwise null). */
export function dataJson(value: unknown, opts: CellOptions, status = 200, headers: Record<string, string> = {}): Reply {
  return json(value, status, headers, opts.infinity);
}

/** `_nl=on`: one JSON object per line, text/plain (64-bit integers and infinities written like the JSON body). */
export function newlineJson(rows: unknown[], opts: CellOptions, headers: Record<string, string> = {}): Reply {
  return { status: 200, headers: { ...headers, "content-type": "text/plain; charset=utf-8" }, body: rows.map((o) => jsonBody(o, opts.infinity)).join("\n") };
}
