/** @module Reads a database's schema (tables, views, columns, keys, FTS, hidden tables) into a Schema. */
import type BetterSqlite3 from "better-sqlite3";
import type { ColumnInfo, ForeignKey, Schema, TableInfo } from "./types.js";
import { quoteIdentifier } from "../sql/index.js";

/** SQLite folds identifier case for ASCII letters only; so do we. */
export function foldCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const SPATIALITE_TABLES = new Set(
  [
    "ElementaryGeometries", "SpatialIndex", "geometry_columns", "spatial_ref_sys", "spatialite_history",
    "sql_statements_log", "sqlite_sequence", "views_geometry_columns", "virts_geometry_columns",
    "data_licenses", "KNN", "KNN2",
  ].map(foldCase),
);

const FTS_SHADOW_SUFFIXES = ["_content", "_segments", "_segdir", "_docsize", "_stat", "_data", "_idx", "_config"];

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  rootpage: number;
  sql: string | null;
}

/** `content="t"`, `content='t'`, `content=[t]` or `content=t` in an FTS declaration. */
export function ftsContentTable(sql: string): string | null {
  const m = /content\s*=\s*(?:"((?:[^"]|"")*)"|'((?:[^']|'')*)'|\[([^\]]*)\]|`([^`]*)`|([^\s,)]+))/i.exec(sql);
  if (!m) return null;
  const value = m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2] !== undefined ? m[2].replace(/''/g, "'") : (m[3] ?? m[4] ?? m[5] ?? "");
  return value === "" ? null : value;
}

function isFtsSql(sql: string | null): boolean {
  return !!sql && /create\s+virtual\s+table[\s\S]*using\s+fts[345]?\b/i.test(sql);
}

export function introspect(conn: BetterSqlite3.Database): Schema {
  const version = conn.pragma("schema_version", { simple: true }) as number;
  const master = conn
    // Creation order (sqlite_master's own), which is how Datasette lists views.
    .prepare("select type, name, tbl_name, rootpage, sql from sqlite_master where type in ('table', 'view', 'index') order by rowid")
    .all() as MasterRow[];
  let shadow = new Set<string>();
  try {
    const list = conn.prepare("select name, type from pragma_table_list where schema = 'main'").all() as { name: string; type: string }[];
    shadow = new Set(list.filter((r) => r.type === "shadow").map((r) => r.name));
  } catch {
    // pragma_table_list needs SQLite 3.37; without it the suffix rules below still hide FTS internals.
  }

  const objects = master.filter((r) => r.type === "table" || r.type === "view");
  const ftsTables = objects.filter((r) => r.type === "table" && isFtsSql(r.sql));
  const ftsNames = new Set(ftsTables.map((r) => foldCase(r.name)));
  // Shadow table (folded name) → the FTS table that owns it.
  const ftsShadowNames = new Map<string, string>();
  for (const f of ftsTables) for (const s of FTS_SHADOW_SUFFIXES) ftsShadowNames.set(foldCase(f.name + s), f.name);
  const indexesByTable = new Map<string, string[]>();
  for (const r of master) {
    if (r.type === "index" && r.sql) {
      const key = foldCase(r.tbl_name);
      indexesByTable.set(key, [...(indexesByTable.get(key) ?? []), r.sql]);
    }
  }

  const tables: TableInfo[] = [];
  for (const r of objects) {
    const isView = r.type === "view";
    const q = quoteIdentifier(r.name);
    let columns: ColumnInfo[] = [];
    try {
      const info = conn.prepare(`pragma table_xinfo(${q})`).all() as { cid: number; name: string; type: string; notnull: number; dflt_value: string | null; pk: number; hidden: number }[];
      columns = info
        .filter((c) => c.hidden !== 1)
        .map((c) => ({ cid: c.cid, name: c.name, type: c.type ?? "", notnull: !!c.notnull, defaultValue: c.dflt_value, pkPosition: c.pk, hidden: c.hidden }));
    } catch {
      // A view over a missing table, or a virtual table whose module is not loaded: keep it, without columns.
    }
    const isVirtual = !isView && !!r.sql && /^\s*create\s+virtual\s+table/i.test(r.sql);
    const withoutRowid = !isView && !!r.sql && /\)\s*without\s+rowid\s*;?\s*$/i.test(r.sql);
    const pkCols = columns.filter((c) => c.pkPosition > 0).sort((a, b) => a.pkPosition - b.pkPosition);
    // A lone INTEGER PRIMARY KEY is the rowid under another name; Datasette still reports it as the key.
    const primaryKeys = isView ? [] : pkCols.map((c) => c.name);
    // A column named `rowid` shadows the real rowid: addressing rows by "rowid" would then read that column
    // (duplicates, NULLs → wrong row pages, skipped pages). Such tables are paginated by offset, like views.
    const rowidShadowed = columns.some((c) => foldCase(c.name) === "rowid");
    const usesRowid = !isView && primaryKeys.length === 0 && !withoutRowid && !rowidShadowed;

    const outgoing: ForeignKey[] = [];
    if (!isView) {
      try {
        const fks = conn.prepare(`pragma foreign_key_list(${q})`).all() as { id: number; seq: number; table: string; from: string; to: string | null }[];
        const byId = new Map<number, typeof fks>();
        for (const fk of fks) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
        for (const group of byId.values()) {
          if (group.length !== 1) continue; // compound foreign keys are not expandable (Datasette ignores them)
          const fk = group[0];
          outgoing.push({ table: r.name, column: fk.from, otherTable: fk.table, otherColumn: fk.to ?? "" });
        }
      } catch {
        // ignore broken foreign key declarations
      }
    }

    const uniqueColumns: string[] = [];
    if (!isView) {
      try {
        const idx = conn.prepare(`pragma index_list(${q})`).all() as { name: string; unique: number; partial: number }[];
        for (const i of idx) {
          if (!i.unique || i.partial) continue;
          const cols = conn.prepare(`pragma index_info(${quoteIdentifier(i.name)})`).all() as { name: string | null }[];
          if (cols.length === 1 && cols[0].name) uniqueColumns.push(cols[0].name);
        }
      } catch {
        // virtual tables have no indexes
      }
    }

    const folded = foldCase(r.name);
    const isFts = ftsNames.has(folded);
    const ftsHasContent = isFts && !!ftsContentTable(r.sql ?? "");
    const hidden =
      r.name.startsWith("_") ||
      /^sqlite_stat\d$/i.test(r.name) ||
      folded === "sqlite_sequence" ||
      shadow.has(r.name) ||
      ftsShadowNames.has(folded) ||
      ftsHasContent ||
      SPATIALITE_TABLES.has(folded) ||
      /^idx_/i.test(r.name);

    tables.push({
      name: r.name,
      isView,
      columns,
      primaryKeys,
      usesRowid,
      hidden,
      ftsTable: isFts ? r.name : null,
      isFts,
      isVirtual,
      foreignKeys: { incoming: [], outgoing },
      sql: r.sql ?? "",
      indexSql: isView ? [] : (indexesByTable.get(folded) ?? []),
      uniqueColumns,
    });
  }

  const byName = new Map<string, TableInfo>();
  const byFolded = new Map<string, TableInfo>();
  for (const t of tables) {
    byName.set(t.name, t);
    if (!byFolded.has(foldCase(t.name))) byFolded.set(foldCase(t.name), t);
  }
  const resolve = (name: string) => byName.get(name) ?? byFolded.get(foldCase(name));

  // FTS tables that index another table: `content=` names it.
  for (const f of ftsTables) {
    const content = ftsContentTable(f.sql ?? "");
    const target = content ? resolve(content) : undefined;
    if (target && !target.ftsTable) target.ftsTable = f.name;
  }
  // Who guards what: an external-content FTS index is governed by its content table; shadow tables by their
  // FTS table (and so, in turn, by its content table).
  for (const f of ftsTables) {
    const content = ftsContentTable(f.sql ?? "");
    const target = content ? resolve(content) : undefined;
    const index = resolve(f.name);
    if (index && target && target !== index) index.guardedBy = target.name;
  }
  for (const t of tables) {
    const owner = ftsShadowNames.get(foldCase(t.name));
    if (owner && owner !== t.name) t.guardedBy = owner;
  }
  // Incoming keys, and implicit targets (REFERENCES t without a column means t's primary key).
  for (const t of tables) {
    for (const fk of t.foreignKeys.outgoing) {
      const other = resolve(fk.otherTable);
      if (!other) continue;
      fk.otherTable = other.name;
      if (!fk.otherColumn) fk.otherColumn = other.primaryKeys.length === 1 ? other.primaryKeys[0] : "rowid";
      other.foreignKeys.incoming.push({ table: other.name, column: fk.otherColumn, otherTable: t.name, otherColumn: fk.column });
    }
  }

  const sorted = [...tables.filter((t) => !t.isView), ...tables.filter((t) => t.isView)];
  return { tables: sorted, resolve, version };
}
