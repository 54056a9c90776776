/** @module The introspected shape of a database: what every other module resolves names against. */

export interface ColumnInfo {
  cid: number;
  name: string;
  /** Declared type as written in the schema (may be ""). */
  type: string;
  notnull: boolean;
  /** The default value's SQL text, or null. */
  defaultValue: string | null;
  /** 1-based position in the primary key, 0 when not part of it. */
  pkPosition: number;
  /** table_xinfo hidden flag: 0 normal, 1 hidden (virtual), 2/3 generated. */
  hidden: number;
}

/** A single-column foreign-key relationship, seen from either end. */
export interface ForeignKey {
  /** The table holding the referencing column (for outgoing keys, this table). */
  table: string;
  column: string;
  otherTable: string;
  otherColumn: string;
}

export interface TableInfo {
  name: string;
  isView: boolean;
  columns: ColumnInfo[];
  /** Explicit primary key columns in key order; empty for rowid tables and views. */
  primaryKeys: string[];
  /** True when rows are addressed by rowid (a table without an explicit primary key whose rowid no column shadows). */
  usesRowid: boolean;
  hidden: boolean;
  /** The FTS table that indexes this table, if any. */
  ftsTable: string | null;
  /** True when this object is itself an FTS virtual table. */
  isFts: boolean;
  isVirtual: boolean;
  foreignKeys: { incoming: ForeignKey[]; outgoing: ForeignKey[] };
  /** CREATE statement from sqlite_master. */
  sql: string;
  /** CREATE INDEX statements for this table (explicit indexes only). */
  indexSql: string[];
  /**
   * The table whose visibility governs this one: an FTS index's content table, a shadow table's FTS table.
   * Whoever may not view the guard may not view this either (it holds the same data).
   */
  guardedBy?: string;
  /** Names of columns covered by a single-column UNIQUE index or constraint. */
  uniqueColumns: string[];
}

export interface Schema {
  /** Tables, then views, each in creation order (sqlite_master order). */
  tables: TableInfo[];
  /** Resolve a user-supplied name: exact match first, then case-insensitive. */
  resolve(name: string): TableInfo | undefined;
  /** `PRAGMA schema_version` when this was read. */
  version: number;
}
