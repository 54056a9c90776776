/**
 * @module The `/-/…` introspection pages: versions, settings, config (secrets redacted, and only the databases,
 * tables and queries the actor may see), databases, plugins, actor, threads.
 */
import type { Almanac } from "../app.js";
import { VERSION } from "../app.js";
import { argIsTrue, type AlmanacRequest } from "../http/request.js";
import { json, type Reply } from "../http/response.js";
import { tildeEncode } from "../http/tilde.js";
import { redactConfig } from "../config/index.js";
import { renderJsonPage } from "../render/html.js";
import { canViewTable, ensure } from "./common.js";
import type { Actor } from "../auth/permissions.js";
import type { InstanceConfig } from "../config/options.js";

function respond(req: AlmanacRequest, almanac: Almanac, title: string, data: unknown): Reply | Promise<Reply> {
  return req.params.format === "json" ? json(data) : renderJsonPage(almanac, req, title, data);
}

let sqliteInfo: Promise<Record<string, unknown>> | null = null;

/** SQLite's version, FTS modules and compile options, read once through the pool (the worker's SQLite is the one that runs queries). */
function readSqliteInfo(almanac: Almanac): Promise<Record<string, unknown>> {
  if (!sqliteInfo) {
    const db = [...almanac.databases.values()][0];
    sqliteInfo = (async () => {
      const version = (await db.execute("select sqlite_version()")).rows[0][0];
      const options = (await db.execute("select compile_options from pragma_compile_options")).rows.map((r) => String(r[0]));
      const modules = new Set((await db.execute("select name from pragma_module_list")).rows.map((r) => String(r[0])));
      const fts = ["FTS5", "FTS4", "FTS3"].filter((f) => modules.has(f.toLowerCase()));
      const json1 = (await db.execute("select count(*) from pragma_function_list where name = 'json_extract'")).rows[0][0];
      return { version, fts_versions: fts, extensions: { json1: Number(json1) > 0 }, compile_options: options };
    })();
    sqliteInfo.catch(() => (sqliteInfo = null));
  }
  return sqliteInfo;
}

export async function versionsPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  const almanacInfo: Record<string, unknown> = { version: VERSION };
  if (almanac.options.versionNote) almanacInfo.note = almanac.options.versionNote;
  const data = {
    ok: true,
    node: { version: process.versions.node, full: process.version },
    almanac: almanacInfo,
    sqlite: await readSqliteInfo(almanac),
  };
  return respond(req, almanac, "Versions", data);
}

export async function settingsPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  return respond(req, almanac, "Settings", { ok: true, ...almanac.settings });
}

export async function configPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  return respond(req, almanac, "Config", { ok: true, ...redactConfig(visibleConfig(almanac, req.actor)) });
}

/**
 * The configuration without the databases, tables and stored queries the actor may not see: their names (and
 * allow blocks) are not the actor's business.
 */
function visibleConfig(almanac: Almanac, actor: Actor): InstanceConfig {
  const config = almanac.config;
  if (!config.databases) return config;
  const can = almanac.permissions;
  const databases: NonNullable<InstanceConfig["databases"]> = {};
  for (const [name, dbConfig] of Object.entries(config.databases)) {
    if (!can.allowed(actor, "view-database", { database: name })) continue;
    const db = almanac.databases.get(name);
    const copy = { ...dbConfig };
    if (dbConfig.tables) {
      copy.tables = Object.fromEntries(
        Object.entries(dbConfig.tables).filter(([t]) => (db ? canViewTable(almanac, actor, db, t) : can.allowed(actor, "view-table", { database: name, child: t }))),
      );
    }
    if (dbConfig.queries) copy.queries = Object.fromEntries(Object.entries(dbConfig.queries).filter(([q]) => can.allowed(actor, "view-query", { database: name, child: q })));
    databases[name] = copy;
  }
  return { ...config, databases };
}

export async function databasesPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  const databases = [];
  for (const db of almanac.databases.values()) {
    if (!almanac.permissions.allowed(req.actor, "view-database", { database: db.name })) continue;
    databases.push({
      name: db.name,
      route: tildeEncode(db.name),
      path: db.path,
      size: db.size(),
      is_mutable: db.isMutable,
      is_memory: db.isMemory,
      hash: await db.hash(),
    });
  }
  return respond(req, almanac, "Databases", { ok: true, databases });
}

export async function pluginsPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  // A bare array, as Datasette sends; built-in plugins with ?all=1, as Datasette's default plugins.
  return respond(req, almanac, "Plugins", almanac.plugins.describe(argIsTrue(req.arg("all"))));
}

export async function actorPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  return respond(req, almanac, "Actor", { ok: true, actor: req.actor });
}

export async function threadsPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "permissions-debug");
  const pool = almanac.runner as { size?: number; pending?: number };
  const size = pool.size ?? 0;
  return respond(req, almanac, "Threads", {
    ok: true,
    num_threads: size,
    threads: Array.from({ length: size }, (_, i) => ({ name: `almanac-sql-${i + 1}`, ident: i + 1, daemon: true })),
    num_tasks: pool.pending ?? 0,
    tasks: [],
  });
}
