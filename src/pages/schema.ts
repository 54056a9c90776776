/**
 * @module Schema endpoints: `/-/schema`, `/<db>/-/schema`, `/<db>/<table>/-/schema` as JSON, Markdown or HTML —
 * the CREATE statements of what the actor may see, nothing else.
 */
import type { Almanac } from "../app.js";
import type { Database } from "../db/index.js";
import { NotFound } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { json, text, type Reply } from "../http/response.js";
import { renderJsonPage } from "../render/html.js";
import { canViewTable, ensure, resolveDatabase, resolveDatabaseOfChild, resolveTable } from "./common.js";
import { tableDefinition } from "./schema-info.js";

/** CREATE statements (each ending in `;`) of every table and view of `db` the actor may view. */
function databaseSchema(almanac: Almanac, req: AlmanacRequest, db: Database): string {
  return db
    .schema()
    .tables.filter((t) => canViewTable(almanac, req.actor, db, t.name))
    .map(tableDefinition)
    .filter(Boolean)
    .join("\n");
}

function markdown(title: string, sql: string): string {
  return `# Schema for ${title}\n\n\`\`\`sql\n${sql}\n\`\`\`\n`;
}

function respond(req: AlmanacRequest, almanac: Almanac, title: string, data: Record<string, unknown>, md: string): Reply | Promise<Reply> {
  const format = req.params.format;
  if (format === "json") return json(data);
  if (format === "md") return text(md, 200, { "content-type": "text/markdown; charset=utf-8" });
  if (format === undefined) return renderJsonPage(almanac, req, title, data);
  throw new NotFound("Format not found");
}

export async function instanceSchemaPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  const schemas = [...almanac.databases.values()]
    .filter((db) => almanac.permissions.allowed(req.actor, "view-database", { database: db.name }))
    .map((db) => ({ database: db.name, schema: databaseSchema(almanac, req, db) }));
  const md = schemas.map((s) => markdown(s.database, s.schema)).join("\n");
  return respond(req, almanac, "Schema", { ok: true, schemas }, md);
}

export async function databaseSchemaPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const db = resolveDatabase(almanac, req);
  const schema = databaseSchema(almanac, req, db);
  return respond(req, almanac, `Schema for ${db.name}`, { ok: true, database: db.name, schema }, markdown(db.name, schema));
}

export async function tableSchemaPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const db = resolveDatabaseOfChild(almanac, req);
  const table = resolveTable(almanac, req, db);
  if (!table) throw new NotFound("Table not found");
  const schema = tableDefinition(table);
  return respond(req, almanac, `Schema for ${table.name}`, { ok: true, database: db.name, table: table.name, schema }, markdown(`${db.name}.${table.name}`, schema));
}
