/**
 * @module Database: one served SQLite database — its name, open mode, schema cache and query entry point.
 * Queries go to the shared QueryRunner (worker pool); the schema is read on the main thread, where it is quick.
 */
import BetterSqlite3 from "better-sqlite3";
import { statSync } from "node:fs";
import { sha256File } from "./files.js";
import { Forbidden } from "../http/errors.js";
import { introspect } from "./introspect.js";
import type { Schema } from "./types.js";
import type { QueryRequest, QueryResult } from "./executor.js";
import type { QueryError, QueryRunner } from "./pool.js";
import type { ExportRunner, ExportStream } from "./stream.js";
import type { RenderSpec } from "../render/csv.js";

export interface DatabaseOptions {
  name: string;
  /** null for `_memory`. */
  path: string | null;
  immutable: boolean;
  /** Precomputed by `almanac inspect` (immutable databases only). */
  inspected?: { hash?: string; size?: number; tables?: Record<string, { count: number | null }> };
  /** Plugins' prepare_connection, run on the schema-reading connection too (a view may use a plugin's function). */
  prepare?: (conn: BetterSqlite3.Database, database: string) => void;
}

export class Database {
  readonly name: string;
  readonly path: string | null;
  readonly isMemory: boolean;
  /** Mutable databases may change under us: their schema is re-read when schema_version moves. */
  readonly isMutable: boolean;
  private schemaCache: Schema | null = null;
  private schemaCheckedAt = 0;
  private readonly meta: BetterSqlite3.Database;
  private hashPromise: Promise<string> | null = null;
  /** Exact counts of an immutable database's tables, computed once. */
  readonly cachedCounts = new Map<string, number>();

  constructor(
    opts: DatabaseOptions,
    private readonly runner: QueryRunner,
    /** Runs on the event loop's thread: only for queries whose cost is bounded (see execute). */
    private readonly inline: QueryRunner = runner,
    /** The one write connection (mutable files only). */
    private readonly writer: QueryRunner | null = null,
    /** The export pool (db/stream.ts): streams never share the read pool's connections. */
    private readonly exporter: ExportRunner | null = null,
  ) {
    this.name = opts.name;
    this.path = opts.path;
    this.isMemory = opts.path === null;
    this.isMutable = !opts.immutable && !this.isMemory;
    this.meta = opts.path === null ? new BetterSqlite3(":memory:") : new BetterSqlite3(opts.path, { readonly: true, fileMustExist: true });
    try {
      opts.prepare?.(this.meta, this.name);
    } catch (err) {
      this.meta.close();
      throw err;
    }
    if (opts.inspected && opts.immutable) {
      if (opts.inspected.hash) this.hashPromise = Promise.resolve(opts.inspected.hash);
      for (const [t, v] of Object.entries(opts.inspected.tables ?? {})) if (typeof v.count === "number") this.cachedCounts.set(t, v.count);
    }
  }

  /** The current schema; for mutable files re-read at most once a second, and only if it changed. */
  schema(): Schema {
    const now = Date.now();
    if (this.schemaCache && (!this.isMutable || now - this.schemaCheckedAt < 1000)) return this.schemaCache;
    this.schemaCheckedAt = now;
    if (this.schemaCache) {
      const version = this.meta.pragma("schema_version", { simple: true }) as number;
      if (version === this.schemaCache.version) return this.schemaCache;
    }
    this.schemaCache = introspect(this.meta);
    return this.schemaCache;
  }

  /**
   * A token that changes whenever the file's contents may have: constant for immutable databases; for mutable
   * ones SQLite's `data_version` on this process's own reading connection, which never writes, so it moves
   * whenever any other connection (ours or another process's) commits, schema changes included. Cheap: it
   * reads a counter, not the data.
   */
  dataVersion(): string {
    if (!this.isMutable) return "immutable";
    return String(this.meta.pragma("data_version", { simple: true }));
  }

  /** Check the schema now (used after writes and by tests). */
  refreshSchema(): Schema {
    this.schemaCheckedAt = 0;
    if (this.schemaCache) this.schemaCache = { ...this.schemaCache, version: -1 };
    return this.schema();
  }

  /**
   * Run a read query under a time limit. `inline: true` skips the worker round trip for statements whose
   * cost is bounded by an index and a small LIMIT (a row by primary key, a first or keyset page in key
   * order): they still have the time limit, and the event loop is held for well under a millisecond.
   */
  execute(sql: string, params: QueryRequest["params"] = {}, opts: { timeLimitMs?: number; maxRows?: number; inline?: boolean } = {}): Promise<QueryResult> {
    const runner = opts.inline ? this.inline : this.runner;
    return runner.run({ db: this.name, sql, params, timeLimitMs: opts.timeLimitMs, maxRows: opts.maxRows, schemaVersion: this.schemaCache?.version });
  }

  /**
   * Render a query's rows as CSV or NDJSON text in the worker (cells keep their SQLite type: 3.0 stays a
   * REAL). `maxRows` cuts the result (`truncated`); `limitBytes` caps the text (max_csv_mb).
   */
  render(sql: string, params: QueryRequest["params"], render: RenderSpec, opts: { timeLimitMs?: number; maxRows?: number; limitBytes?: number; inline?: boolean } = {}): Promise<QueryResult> {
    const runner = opts.inline ? this.inline : this.runner;
    return runner.run({ db: this.name, sql, params, timeLimitMs: opts.timeLimitMs, maxRows: opts.maxRows, limitBytes: opts.limitBytes, render, schemaVersion: this.schemaCache?.version });
  }

  /**
   * Stream every row of a query, rendered, on the export pool. Resolves once the first chunk is ready (so SQL
   * errors and the first time limit still reject here); `timeLimitMs` applies to each chunk.
   */
  stream(sql: string, params: QueryRequest["params"], render: RenderSpec, opts: { timeLimitMs?: number; limitBytes?: number; errorLine: (err: QueryError) => string }): Promise<ExportStream> {
    if (!this.exporter) throw new Error("no export pool");
    return this.exporter.open({ db: this.name, sql, params, timeLimitMs: opts.timeLimitMs, limitBytes: opts.limitBytes, render }, opts.errorLine);
  }

  /**
   * Run a statement on the write connection. Only mutable files have one; the schema is re-read afterwards
   * so the next request sees any table the statement created.
   */
  async executeWrite(sql: string, params: QueryRequest["params"] = {}, opts: { timeLimitMs?: number } = {}): Promise<QueryResult> {
    if (!this.isMutable || !this.writer) throw new Forbidden("Database is immutable");
    const result = await this.writer.run({ db: this.name, sql, params, timeLimitMs: opts.timeLimitMs, mode: "run" });
    this.refreshSchema();
    return result;
  }

  /** File size in bytes (0 for memory). */
  size(): number {
    if (!this.path) return 0;
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /** SHA-256 of the file; only computed for immutable databases (Datasette's `hash`). */
  hash(): Promise<string | null> {
    if (this.isMutable || !this.path) return Promise.resolve(null);
    if (!this.hashPromise) {
      this.hashPromise = sha256File(this.path);
    }
    return this.hashPromise;
  }

  close(): void {
    this.meta.close();
  }
}
