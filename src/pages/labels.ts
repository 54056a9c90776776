/**
 * @module Fetches foreign-key labels for the values on a page: one bound look-up per expanded column,
 * remembered until the database's data changes (a table page asks for the same labels on every visit).
 */
import type { Database } from "../db/index.js";
import { memoKey, perDatabase } from "../db/memo.js";
import { labelLookupSql, type Expandable } from "../query/labels.js";
import { runSql } from "./common.js";

/** SQLite's default limit on bound variables is 32766; stay far below it. */
const CHUNK = 500;

const labelMemo = perDatabase<unknown[][]>(200);

export async function labelsFor(db: Database, expand: Expandable[], rows: Record<string, unknown>[], timeLimitMs: number): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  await Promise.all(
    expand.map(async (e) => {
      const map = new Map<string, string>();
      out.set(e.column, map);
      const values = [...new Set(rows.map((r) => r[e.column]).filter((v) => v !== null && v !== undefined))];
      for (let i = 0; i < values.length; i += CHUNK) {
        const chunk = values.slice(i, i + CHUNK);
        const sql = labelLookupSql(e, chunk.length);
        const version = db.dataVersion();
        const key = memoKey(sql, chunk);
        let rows = labelMemo(db).get(key, version);
        if (!rows) {
          rows = (await runSql(db, sql, chunk, { timeLimitMs })).rows;
          labelMemo(db).set(key, version, rows);
        }
        for (const [k, label] of rows) map.set(String(k), label === null ? String(k) : String(label));
      }
    }),
  );
  return out;
}
