/** @module Almanac: wires configuration, databases, permissions and the HTTP server together. */
import { randomBytes } from "node:crypto";
import { PluginError, PluginManager } from "./plugins/manager.js";
import { loadPlugins, type LoadedPlugin } from "./plugins/load.js";
import { pluginConfig } from "./config/secrets.js";
import { collectRegistrations } from "./pages/registries.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./paths.js";
import type { AppOptions, DatabaseConfig, InstanceConfig, Metadata, TableConfig } from "./config/options.js";
import type { Settings } from "./config/settings.js";
import { StartupError } from "./http/errors.js";
import type { AlmanacRequest } from "./http/request.js";
import type { Reply } from "./http/response.js";
import { Database, InProcessRunner, WorkerPool, WriteRunner, databaseNames, type QueryRunner } from "./db/index.js";
import { QueryError } from "./db/pool.js";
import { prepareConnection, type ConnectionHook, type ConnectionPlugin, type ConnectionSpec, type ExecutorInit } from "./db/executor.js";
import { ExportPool } from "./db/stream.js";
import { PermissionResolver } from "./auth/permissions.js";
import { createHttpServer, handleInProcess, type HttpServer } from "./http/server.js";

export const VERSION = "0.1.0";

/** The compiled time-limit extension: build/ sits beside src/ and dist/. */
export function interruptExtensionPath(): string {
  const file = process.platform === "darwin" ? "almanac_interrupt.dylib" : "almanac_interrupt.so";
  const path = join(PACKAGE_ROOT, "build", file);
  if (!existsSync(path)) {
    throw new StartupError(`the time-limit extension ${path} is missing: run "npm run build" (it needs a C compiler)`);
  }
  return path;
}

function withoutKey<T extends object>(value: T, key: string): T {
  const copy = { ...value } as Record<string, unknown>;
  delete copy[key];
  return copy as T;
}

/** Everything a page needs: the instance's state, shared across requests. */
export class Almanac {
  readonly databases = new Map<string, Database>();
  readonly permissions: PermissionResolver;
  readonly secret: string;
  readonly startedAt = Date.now();
  /** Loaded plugins and what their hooks registered (empty until createApp loads them). */
  plugins = new PluginManager([]);

  constructor(
    readonly options: AppOptions,
    /** The worker pool every query uses unless it is provably cheap. */
    readonly runner: QueryRunner,
    /** In-process connections for cheap, index-bounded look-ups (Database.execute's `inline`). */
    readonly inline: QueryRunner = runner,
    /** The write connection (a worker started on first write). */
    readonly writer: QueryRunner | null = null,
    /** The export pool for `_stream=on` (workers started on first use). */
    readonly exporter: ExportPool | null = null,
  ) {
    this.permissions = new PermissionResolver(options.settings, options.defaultDeny, options.config, options.root);
    this.secret = options.secret ?? randomBytes(32).toString("hex");
  }

  get settings(): Settings {
    return this.options.settings;
  }
  get config(): InstanceConfig {
    return this.options.config;
  }
  get metadata(): Metadata {
    return this.options.metadata;
  }

  databaseConfig(db: string): DatabaseConfig {
    return this.config.databases?.[db] ?? {};
  }

  tableConfig(db: string, table: string): TableConfig {
    return this.databaseConfig(db).tables?.[table] ?? {};
  }

  /**
   * A plugin's configuration (Datasette's `plugin_config`): with `table`, the table's block, else the
   * database's, else the instance's; with `database` alone, the database's, else the instance's. `$env` and
   * `$file` references are resolved. Undefined when there is none.
   */
  pluginConfig(name: string, where: { database?: string; table?: string } = {}): unknown {
    return pluginConfig(this.config, name, where);
  }

  /**
   * A page in the site's layout from a template (Datasette's `datasette.render_template`): looked up in
   * --template-dir, then plugins' templates/ folders, then Almanac's own; it usually extends base.html.
   */
  async renderTemplate(request: AlmanacRequest, template: string, context: Record<string, unknown> = {}, status = 200): Promise<Reply> {
    const { renderTemplate } = await import("./plugins/api.js");
    return renderTemplate(this, request, template, context, status);
  }

  /** Tell the plugins' track_event hooks that something happened (login, logout, create-token, or a plugin's own event). */
  trackEvent(name: string, actor: Record<string, unknown> | null, properties: Record<string, unknown> = {}): Promise<void> {
    return this.plugins.trackEvent(this, name, actor, properties);
  }

  /** Instance-level metadata (title, description, license, source, about) without the nested levels. */
  instanceMetadata(): Metadata {
    return withoutKey(this.metadata, "databases");
  }

  /** One database's metadata without its tables. */
  databaseMetadata(db: string): Metadata {
    return withoutKey(this.metadata.databases?.[db] ?? {}, "tables");
  }

  tableMetadata(db: string, table: string): Metadata & { columns?: Record<string, string> } {
    return this.metadata.databases?.[db]?.tables?.[table] ?? {};
  }

  /** base_url with leading and trailing slash. */
  get baseUrl(): string {
    return this.settings.base_url;
  }

  /** A path inside this instance (base_url prefixed). */
  path(p: string): string {
    return this.baseUrl.replace(/\/$/, "") + p;
  }

  async close(): Promise<void> {
    await this.runner.close();
    if (this.inline !== this.runner) await this.inline.close();
    await this.writer?.close();
    await this.exporter?.close();
    for (const db of this.databases.values()) db.close();
  }
}

export interface App {
  almanac: Almanac;
  listen(host: string, port: number): Promise<{ url: string; port: number }>;
  request(path: string, init?: { method?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, string>; body: Buffer }>;
  close(): Promise<void>;
}

/**
 * The plugins whose prepare_connection runs on every connection: for workers, what to import (their module
 * and configuration); in-process, the loaded functions themselves.
 */
function connectionPlugins(loaded: LoadedPlugin[], config: InstanceConfig): { specs: ConnectionPlugin[]; hooks: ConnectionHook[] } {
  const specs: ConnectionPlugin[] = [];
  const hooks: ConnectionHook[] = [];
  for (const p of loaded) {
    const prepare = p.plugin.prepare_connection;
    if (!prepare) continue;
    if (!p.modulePath) throw new StartupError(`plugin ${p.name}: implements prepare_connection but has no module file for the query workers to import`);
    const c = pluginConfig(config, p.name);
    specs.push({ name: p.name, modulePath: p.modulePath, config: c });
    hooks.push({ name: p.name, prepare: (ctx) => prepare.call(p.plugin, ctx), config: c });
  }
  return { specs, hooks };
}

export async function createApp(options: AppOptions): Promise<App> {
  const names = databaseNames(options.databases.map((d) => d.path));
  const memoryName = "_memory";
  const serveMemory = options.memory || options.crossdb || options.databases.length === 0;
  const specs: ConnectionSpec[] = options.databases.map((d, i) => ({ name: names[i], path: d.path, readonly: true }));
  if (serveMemory) {
    const attach = options.crossdb ? options.databases.slice(0, 10).map((d, i) => ({ name: names[i], path: d.path })) : [];
    if (options.crossdb && options.databases.length > 10) {
      process.stderr.write("almanac: --crossdb attaches at most 10 databases; the rest are not attached to _memory\n");
    }
    specs.push({ name: memoryName, path: null, readonly: true, attach });
  }
  // Plugins first: the query workers are told which modules to import for prepare_connection. A plugin that
  // fails to load stops start-up, named.
  const loaded = await loadPlugins({ config: options.config, prefix: options.pluginPrefix, only: options.loadPlugins, pluginsDir: options.pluginsDir });
  const connection = connectionPlugins(loaded, options.config);
  const init: ExecutorInit = {
    databases: specs,
    plugins: connection.specs,
    extensionPath: interruptExtensionPath(),
    key: randomBytes(24).toString("hex"),
    loadExtensions: options.loadExtensions,
    cacheSizeKb: options.settings.cache_size_kb,
    nolock: options.nolock,
  };
  const threads = options.settings.num_sql_threads;
  const inline = new InProcessRunner(init, connection.hooks);
  const runner: QueryRunner = threads > 0 ? new WorkerPool(init, threads) : inline;
  // Write connections get prepare_connection too (as in Datasette): a plugin's function works in any statement.
  const writer = new WriteRunner({ ...init, databases: specs.filter((s, i) => s.path !== null && !options.databases[i]?.immutable) });
  // Two export slots with their own connections; in-process ones when num_sql_threads is 0.
  const exporter = new ExportPool(init, 2, threads === 0, connection.hooks);
  const almanac = new Almanac(options, runner, inline, writer, exporter);
  almanac.plugins = new PluginManager(loaded);
  const prepare = connection.hooks.length ? (conn: Parameters<typeof prepareConnection>[0], db: string) => prepareConnection(conn, db, connection.hooks) : undefined;
  try {
    options.databases.forEach((d, i) => {
      almanac.databases.set(names[i], new Database({ name: names[i], path: d.path, immutable: d.immutable, inspected: options.inspectData?.[names[i]], prepare }, runner, inline, d.immutable ? null : writer, exporter));
    });
    if (serveMemory) almanac.databases.set(memoryName, new Database({ name: memoryName, path: null, immutable: false, prepare }, runner, inline, null, exporter));
    // Fail at start-up, not at the first request: every file must open and its schema must read.
    for (const db of almanac.databases.values()) db.schema();
    if (connection.specs.length === 0) await runner.run({ db: specs[0].name, sql: "select 1" });
    else {
      // prepare_connection runs as each connection opens: open one per database now, in a worker and
      // in-process, so a plugin that throws there (or will not load in a worker) stops start-up, named.
      try {
        for (const spec of specs) {
          await runner.run({ db: spec.name, sql: "select 1" });
          if (inline !== runner) await inline.run({ db: spec.name, sql: "select 1" });
        }
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        const names = connection.specs.map((p) => p.name).join(", ");
        throw new StartupError(err.message.startsWith("plugin ") ? err.message : `${err.message} (plugins with prepare_connection: ${names})`);
      }
    }
    // Last, with the databases open: startup hooks may use them.
    await almanac.plugins.start(almanac);
    // What plugins register for the data pages (renderers, facet types, magic parameters), checked now.
    await collectRegistrations(almanac);
  } catch (err) {
    await almanac.close().catch(() => undefined);
    if (err instanceof StartupError) throw err;
    if (err instanceof PluginError) throw new StartupError(err.message);
    throw new StartupError(`could not open database: ${(err as Error).message}`);
  }

  let server: HttpServer | null = null;
  return {
    almanac,
    async listen(host, port) {
      server = createHttpServer(almanac);
      return server.listen(host, port);
    },
    request(path, init = {}) {
      return handleInProcess(almanac, path, init);
    },
    async close() {
      if (server) await server.close();
      await almanac.close();
    },
  };
}
