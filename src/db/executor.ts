/**
 * @module Runs SQL on better-sqlite3 connections under a hard time limit. The same code runs inside each
 * worker thread of the pool and, with num_sql_threads=0, in-process.
 */
import BetterSqlite3 from "better-sqlite3";
import { loadExtension, parseExtensionSpec } from "./files.js";
import { PluginError } from "../plugins/manager.js";
import { createRowFormatter, type RenderSpec, type RowFormatter } from "../render/csv.js";

/** How one database is opened for reading (or writing, on the write executor). */
export interface ConnectionSpec {
  name: string;
  /** File path; null for a private in-memory database (`_memory`). */
  path: string | null;
  readonly: boolean;
  /** Databases attached to this connection (cross-database queries on `_memory`). */
  attach?: { name: string; path: string }[];
}

/**
 * A plugin whose prepare_connection runs on every connection an executor opens. Workers receive this (functions
 * cannot cross threads) and import the module themselves (plugins/load.ts connectionHooks).
 */
export interface ConnectionPlugin {
  name: string;
  modulePath: string;
  /** The plugin's instance-level configuration, `$env`/`$file` resolved. */
  config: unknown;
}

/** A prepare_connection ready to call, with the configuration it is given. */
export interface ConnectionHook {
  name: string;
  prepare(ctx: { conn: BetterSqlite3.Database; database: string; config: unknown }): unknown;
  config: unknown;
}

/**
 * Run the plugins' prepare_connection on a connection that has just opened (before it is locked down, so a
 * plugin may still set a PRAGMA). A hook that throws, or returns a promise (it must be synchronous: the
 * connection is used as soon as it returns), is a PluginError naming it.
 */
export function prepareConnection(conn: BetterSqlite3.Database, database: string, hooks: readonly ConnectionHook[]): void {
  for (const hook of hooks) {
    let answer: unknown;
    try {
      answer = hook.prepare({ conn, database, config: hook.config });
    } catch (err) {
      throw new PluginError(hook.name, "prepare_connection", err);
    }
    if (answer && typeof (answer as Promise<unknown>).then === "function") {
      (answer as Promise<unknown>).then(undefined, () => undefined);
      throw new PluginError(hook.name, "prepare_connection", new Error("it must be synchronous (it returned a promise)"));
    }
  }
}

export interface ExecutorInit {
  databases: ConnectionSpec[];
  /** Plugins implementing prepare_connection, in plugin order. */
  plugins?: ConnectionPlugin[];
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
  /** Format the rows here (CSV or NDJSON) and return them as `text` instead of `rows`. */
  render?: RenderSpec;
  /** With `render`: stop at this many bytes of output and append the format's limit line (0 = no cap). */
  limitBytes?: number;
}

/** Opens an export stream (db/stream.ts): the rows are rendered in chunks of about `chunkChars` characters. */
export interface StreamRequest extends QueryRequest {
  render: RenderSpec;
  chunkChars?: number;
}

/** One piece of an export: rendered text, how many rows it holds, and whether the export is complete. */
export interface StreamChunk {
  text: string;
  rows: number;
  done: boolean;
  /** Column names (first chunk only). */
  columns?: string[];
}

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
  changes?: number;
  lastInsertRowid?: number | bigint;
  /** With `render`: the rendered rows, and how many there were. */
  text?: string;
  rowCount?: number;
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

/** An export in progress: the statement's iterator is held open between chunks (db/stream.ts). */
interface OpenStream {
  db: string;
  iterator: IterableIterator<unknown[]>;
  formatter: RowFormatter;
  columns: string[];
  timeLimitMs: number;
  chunkChars: number;
  limitBytes: number;
  /** Bytes produced so far (for the max_csv_mb cap). */
  bytes: number;
  started: boolean;
  /** The statement failed after some rows of a chunk: they go out first, the failure with the next request. */
  failure?: unknown;
}

const DEFAULT_CHUNK_CHARS = 64 * 1024;

export class Executor {
  private readonly connections = new Map<string, { conn: Connection; arm: BetterSqlite3.Statement }>();
  private readonly streams = new Map<number, OpenStream>();
  private readonly statementCache = new Map<string, Map<string, Prepared>>();
  /** The schema version each database's cached statements were prepared under. */
  private readonly cacheVersion = new Map<string, number>();

  constructor(
    private readonly init: ExecutorInit,
    /** init.plugins' hooks: imported by the worker, or the loaded plugins' own functions in-process. */
    private readonly hooks: readonly ConnectionHook[] = [],
  ) {
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
    try {
      prepareConnection(conn, name, this.hooks);
    } catch (err) {
      conn.close();
      throw err;
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

  /**
   * Stop the watchdog. Once past its deadline it re-interrupts every few milliseconds until disarmed, so
   * the disarming statement itself can be interrupted: try again (it takes microseconds).
   */
  private disarm(arm: BetterSqlite3.Statement): void {
    for (let attempt = 0; ; attempt++) {
      try {
        arm.get(0, this.init.key);
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
      }
    }
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
      if (req.render) {
        // Rendered here, where the cells still say INTEGER (BigInt) or REAL (number).
        const columns = stmt.columns().map((c) => c.name);
        const state = this.newStream(req.db, stmt.iterate(params as never) as IterableIterator<unknown[]>, columns, req.render, 0, req.limitBytes ?? 0, Infinity);
        const chunk = this.fill(state, req.maxRows ?? Infinity, 0);
        if (!chunk.done) state.iterator.return?.(); // cut at maxRows (or the cap): leaving resets the statement
        return { columns, rows: [], truncated: chunk.more === true, text: chunk.text, rowCount: chunk.rows };
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
      if (limit) this.disarm(arm);
    }
  }

  private newStream(db: string, iterator: IterableIterator<unknown[]>, columns: string[], render: RenderSpec, timeLimitMs: number, limitBytes: number, chunkChars: number): OpenStream {
    return { db, iterator, columns, formatter: createRowFormatter(render, columns), timeLimitMs, chunkChars, limitBytes, bytes: 0, started: false };
  }

  /**
   * Render rows until the chunk holds `chunkChars` characters, `maxRows` rows, the rows run out, or (with
   * `flushAfterMs`) that much time has passed since the chunk began and it holds at least one row. The
   * max_csv_mb cap cuts at a row boundary and ends the export with the format's limit line.
   */
  private fill(state: OpenStream, maxRows: number, flushAfterMs: number): StreamChunk & { more?: boolean } {
    const parts: string[] = [];
    let chars = 0;
    let rows = 0;
    let done = false;
    let more = false;
    const format = state.formatter;
    const hasHeader = !state.started && format.header !== "";
    state.started = true;
    if (hasHeader) {
      parts.push(format.header);
      chars += format.header.length;
    }
    const started = flushAfterMs > 0 ? performance.now() : 0;
    const iterator = state.iterator;
    while (chars < state.chunkChars) {
      let next: IteratorResult<unknown[]>;
      try {
        next = iterator.next();
      } catch (err) {
        // Interrupted (or failed) after rendering some rows: send those; the next request reports the failure.
        if (rows === 0 || flushAfterMs === 0) throw err;
        state.failure = err;
        break;
      }
      if (next.done) {
        done = true;
        break;
      }
      if (rows >= maxRows) {
        more = true; // a row past maxRows: the result was cut
        break;
      }
      const line = format.row(next.value);
      parts.push(line);
      chars += line.length;
      rows++;
      if (flushAfterMs > 0 && performance.now() - started >= flushAfterMs) break;
    }
    const text = parts.join("");
    if (state.limitBytes > 0) {
      const bytes = Buffer.byteLength(text);
      if (state.bytes + bytes > state.limitBytes) {
        // Keep whole lines up to the cap: Datasette stops before the write that crosses it.
        let k = 0;
        for (; k < parts.length; k++) {
          const b = Buffer.byteLength(parts[k]);
          if (state.bytes + b > state.limitBytes) break;
          state.bytes += b;
        }
        if (!done) iterator.return?.();
        return { text: parts.slice(0, k).join("") + format.limitLine(state.limitBytes), rows: Math.max(0, k - (hasHeader ? 1 : 0)), done: true };
      }
      state.bytes += bytes;
    }
    return { text, rows, done, more };
  }

  /** Arm the watchdog for one piece of work on a connection, and always disarm it. */
  private withDeadline<T>(arm: BetterSqlite3.Statement, timeLimitMs: number, fn: () => T): T {
    const limit = timeLimitMs > 0 ? Math.ceil(timeLimitMs) : 0;
    if (limit) arm.get(limit, this.init.key);
    try {
      return fn();
    } finally {
      if (limit) this.disarm(arm);
    }
  }

  /**
   * Start an export: prepare the statement (never cached — its iterator stays open between chunks), and
   * render the first chunk under the time limit. One stream per connection: streams run on their own
   * executors (the export pool), never beside other statements.
   */
  openStream(id: number, req: StreamRequest): StreamChunk {
    if (this.streams.size > 0) this.closeStreams();
    const { conn, arm } = this.connection(req.db);
    return this.withDeadline(arm, req.timeLimitMs ?? 0, () => {
      const stmt = conn.prepare(req.sql);
      if (!stmt.reader) throw Object.assign(new Error("Only statements that return rows can be exported"), { kind: "sql" });
      stmt.raw(true).safeIntegers(true);
      const columns = stmt.columns().map((c) => c.name);
      const iterator = stmt.iterate((req.params ?? {}) as never) as IterableIterator<unknown[]>;
      const state = this.newStream(req.db, iterator, columns, req.render, req.timeLimitMs ?? 0, req.limitBytes ?? 0, req.chunkChars ?? DEFAULT_CHUNK_CHARS);
      this.streams.set(id, state);
      const chunk = this.chunk(id, state);
      return { ...chunk, columns };
    });
  }

  /** The next chunk of an open export, under its own time limit. */
  nextChunk(id: number): StreamChunk {
    const state = this.streams.get(id);
    if (!state) throw Object.assign(new Error("export stream is not open"), { kind: "internal" });
    const { arm } = this.connection(state.db);
    return this.withDeadline(arm, state.timeLimitMs, () => this.chunk(id, state));
  }

  private chunk(id: number, state: OpenStream): StreamChunk {
    try {
      if (state.failure !== undefined) throw state.failure;
      const chunk = this.fill(state, Infinity, state.timeLimitMs > 0 ? state.timeLimitMs / 2 : 0);
      if (chunk.done) this.streams.delete(id);
      return chunk;
    } catch (err) {
      this.closeStream(id);
      throw err;
    }
  }

  /** Stop an export: the iterator's return() resets the statement, and the connection is free again. */
  closeStream(id: number): void {
    const state = this.streams.get(id);
    if (!state) return;
    this.streams.delete(id);
    try {
      state.iterator.return?.();
    } catch {
      // already finished or failed: nothing to reset
    }
  }

  private closeStreams(): void {
    for (const id of [...this.streams.keys()]) this.closeStream(id);
  }

  close(): void {
    this.closeStreams();
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

/**
 * The export-stream protocol, worker side (the main side is db/stream.ts). Every message names its stream;
 * each request gets exactly one reply, in order:
 *   open   {stream: "open", sid, req}  → {sid, chunk}        first chunk (with column names), or {sid, failure}
 *   next   {stream: "next", sid}       → {sid, chunk}        the next chunk, or {sid, failure}
 *   cancel {stream: "cancel", sid}     → {sid, closed: true} statement reset, connection free
 * A chunk with `done: true`, and any failure, also closes the stream.
 */
export type StreamMessage = { stream: "open"; sid: number; req: StreamRequest } | { stream: "next"; sid: number } | { stream: "cancel"; sid: number };
export type StreamReply = { sid: number; chunk: StreamChunk } | { sid: number; failure: QueryFailure } | { sid: number; closed: true };

export function handleStreamMessage(executor: Executor, msg: StreamMessage): StreamReply {
  try {
    if (msg.stream === "cancel") {
      executor.closeStream(msg.sid);
      return { sid: msg.sid, closed: true };
    }
    const chunk = msg.stream === "open" ? executor.openStream(msg.sid, msg.req) : executor.nextChunk(msg.sid);
    return { sid: msg.sid, chunk };
  } catch (err) {
    executor.closeStream(msg.sid);
    return { sid: msg.sid, failure: describeFailure(err) };
  }
}
