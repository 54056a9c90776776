/** @module Fetches foreign-key labels for the values on a page: one bound look-up per expanded column. */
import type { Database } from "../db/index.js";
import { labelLookupSql, type Expandable } from "../query/labels.js";
import { runSql } from "./common.js";

/** SQLite's default limit on bound variables is 32766; stay far below it. */
const CHUNK = 500;

export async function labelsFor(db: Database, expand: Expandable[], rows: Record<string, unknown>[], timeLimitMs: number): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  await Promise.all(
    expand.map(async (e) => {
      const map = new Map<string, string>();
      out.set(e.column, map);
      const values = [...new Set(rows.map((r) => r[e.column]).filter((v) => v !== null && v !== undefined))];
      for (let i = 0; i < values.length; i += CHUNK) {
        const chunk = values.slice(i, i + CHUNK);
        const result = await runSql(db, labelLookupSql(e, chunk.length), chunk, { timeLimitMs });
        for (const [k, label] of result.rows) map.set(String(k), label === null ? String(k) : String(label));
      }
    }),
  );
  return out;
}
