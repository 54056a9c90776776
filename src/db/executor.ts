/**
 * @module Runs SQL on better-sqlite3 connections under a hard time limit. The same code runs inside each
 * worker thread of the pool and, with num_sql_threads=0, in-process.
 */
import BetterSqlite3 from "better-sqlite3";
import { loadExtension, parseExtensionSpec } from "./files.js";

/** How one database is opened for reading (or writing, on the write executor). */
export interface ConnectionSpec {
  name: string;
  /** File path; null for a private in-memory database (`_memory`). */
  path: string | null;
  readonly: boolean;
  /** Databases attached to this connection (cross-database queries on `_memory`). */
  attach?: { name: string; path: string }[];
}

export interface ExecutorInit {
  databases: ConnectionSpec[];
  /** Path of the compiled time-limit extension (native/interrupt.c). */
  extensionPath: string;
  /** Random key that arms/disarms the watchdog; user SQL never sees it. */
  key: string;
  loadExtensions: string[];
  cacheSizeKb: number;
  nolock: boolean;
}

export interface QueryRequest {
  db: string;
  sql: string;
  params?: Record<string, unknown> | unknown[];
  /** Milliseconds; 0 or undefined = no limit. */
  timeLimitMs?: number;
  /** Fetch at most this many rows (one more is read to know whether the result was truncated). */
  maxRows?: number;
  /** The schema version the caller planned against: cached statements are dropped when it moves. */
  schemaVersion?: number;
  /** "run" executes a statement that returns no rows (write connection only). */
  mode?: "rows" | "run";
}

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
  changes?: number;
  lastInsertRowid?: number | bigint;
}

export type QueryFailure = { kind: "timeout" | "sql" | "internal"; message: string; code?: string };

type Connection = BetterSqlite3.Database;

interface Prepared {
  stmt: BetterSqlite3.Statement;
  columns: string[];
}

/** Integers come back as BigInt (so 64-bit ids survive); those that fit a double become numbers again. */
function normaliseRows(rows: unknown[][]): void {
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (typeof v === "bigint" && v <= 9007199254740991n && v >= -9007199254740991n) row[i] = Number(v);
    }
  }
}

export class Executor {
  private readonly connections = new Map<string, { conn: Connection; arm: BetterSqlite3.Statement }>();
  private readonly statementCache = new Map<string, Map<string, Prepared>>();
  /** The schema version each database's cached statements were prepared under. */
  private readonly cacheVersion = new Map<string, number>();

  constructor(private readonly init: ExecutorInit) {
    if (init.nolock) {
      const scratch = new BetterSqlite3(":memory:");
      loadExtension(scratch, init.extensionPath, "sqlite3_almanacnolock_init");
      scratch.close();
    }
  }

  private connection(name: string) {
    const existing = this.connections.get(name);
    if (existing) return existing;
    const spec = this.init.databases.find((d) => d.name === name);
    if (!spec) throw Object.assign(new Error(`Unknown database: ${name}`), { kind: "internal" });
    const conn = spec.path === null ? new BetterSqlite3(":memory:") : new BetterSqlite3(spec.path, { readonly: spec.readonly, fileMustExist: true });
    loadExtension(conn, this.init.extensionPath, "sqlite3_almanacinterrupt_init");
    const arm = conn.prepare("select almanac_deadline(?, ?)");
    arm.get(0, this.init.key); // the first call fixes the key
    for (const ext of this.init.loadExtensions) {
      const { path, entryPoint } = parseExtensionSpec(ext);
      loadExtension(conn, path, entryPoint);
    }
    if (this.init.cacheSizeKb > 0) conn.pragma(`cache_size=-${Math.floor(this.init.cacheSizeKb)}`);
    for (const a of spec.attach ?? []) {
      // ATTACH takes the file name as a bound value; the schema name is quoted.
      conn.prepare(`attach database ? as "${a.name.replace(/"/g, '""')}"`).run(a.path);
    }
    if (spec.readonly) {
      conn.pragma("query_only = 1");
      // From here on the connection refuses ATTACH, DETACH and non-introspection PRAGMAs (native/interrupt.c),
      // so SQL that slips past validateReadOnlySql cannot undo query_only or create files with VACUUM INTO.
      conn.prepare("select almanac_lockdown(?)").get(this.init.key);
    }
    const entry = { conn, arm };
    this.connections.set(name, entry);
    this.statementCache.set(name, new Map());
    return entry;
  }

  /**
   * A cached statement with its column names. Reading names costs more than a primary-key look-up
   * (better-sqlite3's columns() also resolves origin tables), so they are read once per statement and again
   * only when the caller reports a new schema version or a row arrives with a different width.
   */
  private prepare(db: string, conn: Connection, sql: string, schemaVersion: number | undefined): Prepared {
    const cache = this.statementCache.get(db)!;
    if (schemaVersion !== undefined && this.cacheVersion.get(db) !== schemaVersion) {
      cache.clear();
      this.cacheVersion.set(db, schemaVersion);
    }
    let entry = cache.get(sql);
    if (!entry) {
      const stmt = conn.prepare(sql);
      if (stmt.reader) stmt.raw(true).safeIntegers(true);
      entry = { stmt, columns: stmt.reader ? stmt.columns().map((c) => c.name) : [] };
      if (cache.size > 200) cache.delete(cache.keys().next().value as string);
      cache.set(sql, entry);
    }
    return entry;
  }

  execute(req: QueryRequest): QueryResult {
    const { conn, arm } = this.connection(req.db);
    const limit = req.timeLimitMs && req.timeLimitMs > 0 ? Math.ceil(req.timeLimitMs) : 0;
    if (limit) arm.get(limit, this.init.key);
    try {
      const prepared = this.prepare(req.db, conn, req.sql, req.schemaVersion);
      const stmt = prepared.stmt;
      const params = req.params ?? {};
      if (req.mode === "run" || !stmt.reader) {
        const info = stmt.run(params as never);
        return { columns: [], rows: [], truncated: false, changes: info.changes, lastInsertRowid: info.lastInsertRowid };
      }
      let rows: unknown[][];
      let truncated = false;
      if (req.maxRows !== undefined) {
        rows = [];
        for (const row of stmt.iterate(params as never) as IterableIterator<unknown[]>) {
          if (rows.length >= req.maxRows) {
            truncated = true;
            break; // leaving the loop resets the statement
          }
          rows.push(row);
        }
      } else {
        rows = stmt.all(params as never) as unknown[][];
      }
      normaliseRows(rows);
      if (rows.length && rows[0].length !== prepared.columns.length) prepared.columns = stmt.columns().map((c) => c.name);
      return { columns: prepared.columns, rows, truncated };
    } finally {
      if (limit) {
        try {
          arm.get(0, this.init.key);
        } catch {
          // The watchdog fired just as the query finished: the disarm statement itself was interrupted.
          arm.get(0, this.init.key);
        }
      }
    }
  }

  close(): void {
    for (const { conn } of this.connections.values()) conn.close();
    this.connections.clear();
  }
}

/** Turns a thrown SQLite error into a failure the caller can map to Datasette's messages. */
export function describeFailure(err: unknown): QueryFailure {
  const e = err as { code?: string; message?: string; kind?: QueryFailure["kind"] };
  if (e && e.code === "SQLITE_INTERRUPT") return { kind: "timeout", message: "interrupted", code: e.code };
  if (e && typeof e.code === "string" && e.code.startsWith("SQLITE_")) return { kind: "sql", message: e.message ?? String(err), code: e.code };
  if (e && e.kind) return { kind: e.kind, message: e.message ?? String(err) };
  if (e instanceof RangeError || e instanceof TypeError) return { kind: "sql", message: e.message };
  return { kind: "internal", message: e?.message ?? String(err) };
}
