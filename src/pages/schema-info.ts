/** @module Descriptions of a table's schema used by several pages: column details and CREATE statements. */
import type { TableInfo } from "../db/index.js";

/** SQLite's type affinity for a declared type (https://www.sqlite.org/datatype3.html §3.1). */
export function sqliteAffinity(declared: string): "INTEGER" | "TEXT" | "BLOB" | "REAL" | "NUMERIC" {
  const t = declared.toUpperCase();
  if (t.includes("INT")) return "INTEGER";
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return "TEXT";
  if (t === "" || t.includes("BLOB")) return "BLOB";
  if (t.includes("REAL") || t.includes("FLOA") || t.includes("DOUB")) return "REAL";
  return "NUMERIC";
}

export function columnDetails(table: TableInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of table.columns) {
    out[c.name] = {
      type: c.type.toLowerCase(),
      sqlite_type: sqliteAffinity(c.type),
      notnull: c.notnull,
      default: c.defaultValue,
      is_pk: c.pkPosition > 0,
      pk_position: c.pkPosition,
      hidden: c.hidden,
    };
  }
  return out;
}

/** `CREATE TABLE …;` followed by its index statements, each ending with `;`. */
export function tableDefinition(table: TableInfo): string {
  const end = (s: string) => (s.trimEnd().endsWith(";") ? s.trimEnd() : s.trimEnd() + ";");
  return [table.sql, ...table.indexSql].filter(Boolean).map(end).join("\n");
}
