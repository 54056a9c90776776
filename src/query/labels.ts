/** @module Foreign-key label expansion: which columns expand, which column labels a table, and the look-up SQL. */
import type { Schema, TableInfo } from "../db/types.js";
import type { TableConfig } from "../config/options.js";
import { quoteIdentifier } from "../sql/index.js";

export interface Expandable {
  column: string;
  otherTable: string;
  otherColumn: string;
  labelColumn: string | null;
}

/** Datasette's rules: configured label_column; one unique TEXT column; a `name`/`title` column; the other column of an (id, x) table. */
export function labelColumnFor(table: TableInfo, config: TableConfig): string | null {
  if (config.label_column && table.columns.some((c) => c.name === config.label_column)) return config.label_column;
  // A primary key is the value being labelled, never its label (Datasette's fixtures label simple_primary_key by content).
  const uniqueText = table.columns.filter((c) => c.pkPosition === 0 && table.uniqueColumns.includes(c.name) && /text|char|clob/i.test(c.type));
  if (uniqueText.length === 1) return uniqueText[0].name;
  const named = table.columns.find((c) => ["name", "title"].includes(c.name.toLowerCase()));
  if (named) return named.name;
  if (table.columns.length === 2) {
    const idIndex = table.columns.findIndex((c) => ["id", "pk"].includes(c.name.toLowerCase()));
    if (idIndex >= 0) return table.columns[1 - idIndex].name;
  }
  return null;
}

export function expandableColumns(table: TableInfo, schema: Schema, tableConfig: (name: string) => TableConfig): Expandable[] {
  const out: Expandable[] = [];
  for (const fk of table.foreignKeys.outgoing) {
    const other = schema.resolve(fk.otherTable);
    if (!other) continue;
    out.push({ column: fk.column, otherTable: other.name, otherColumn: fk.otherColumn, labelColumn: labelColumnFor(other, tableConfig(other.name)) });
  }
  return out;
}

/** SQL that maps key values to labels for one expandable column; values are bound. */
export function labelLookupSql(e: Expandable, count: number): string {
  const placeholders = Array.from({ length: count }, () => "?").join(", ");
  return `select ${quoteIdentifier(e.otherColumn)}, ${quoteIdentifier(e.labelColumn!)} from ${quoteIdentifier(e.otherTable)} where ${quoteIdentifier(e.otherColumn)} in (${placeholders})`;
}
