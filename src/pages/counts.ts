/**
 * @module Row counts that never hold a page: capped at 10,001 like Datasette, under their own short budget
 * (null when it runs out), and exact, computed once in the background, for immutable databases. Counts are
 * remembered per table and filters until the database's data changes (db/memo.ts).
 */
import type { Database, TableInfo } from "../db/index.js";
import { QueryError } from "../db/index.js";
import { quoteIdentifier } from "../sql/index.js";
import type { TablePlan } from "../query/table-plan.js";
import { memoKey, perDatabase } from "../db/memo.js";

const countMemo = perDatabase<number>(1000);

/** A count from the memo, or run and remembered (unknown counts — null — are not remembered). */
async function remembered(db: Database, key: string, run: () => Promise<number | null>): Promise<number | null> {
  const version = db.dataVersion();
  const memo = countMemo(db);
  const hit = memo.get(key, version);
  if (hit !== undefined) return hit;
  const n = await run();
  if (n !== null) memo.set(key, version, n);
  return n;
}

export const COUNT_LIMIT = 10000;
/** A count may take at most this long (or the request's own limit, if lower). */
export const COUNT_BUDGET_MS = 250;
/** Exact counts for immutable tables get a long budget: they run once, in the background. */
const EXACT_COUNT_BUDGET_MS = 60 * 60 * 1000;

const exactInFlight = new WeakMap<Database, Set<string>>();

function startExactCount(db: Database, table: TableInfo): void {
  let set = exactInFlight.get(db);
  if (!set) exactInFlight.set(db, (set = new Set()));
  if (set.has(table.name)) return;
  set.add(table.name);
  db.execute(`select count(*) from ${quoteIdentifier(table.name)}`, {}, { timeLimitMs: EXACT_COUNT_BUDGET_MS }).then(
    (r) => db.cachedCounts.set(table.name, Number(r.rows[0][0])),
    () => set!.delete(table.name),
  );
}

/** Count of rows matching the plan's filters, capped at COUNT_LIMIT + 1; null when over budget. */
export async function countRows(db: Database, table: TableInfo, plan: TablePlan, timeLimitMs: number): Promise<number | null> {
  if (!plan.isFiltered && !db.isMutable) {
    const cached = db.cachedCounts.get(table.name);
    if (cached !== undefined) return cached;
    startExactCount(db, table);
  }
  const sql = `select count(*) from (select 1 from ${quoteIdentifier(table.name)}${plan.whereSql ? " " + plan.whereSql : ""} limit ${COUNT_LIMIT + 1})`;
  return remembered(db, memoKey(sql, plan.whereParams), async () => {
    try {
      const r = await db.execute(sql, plan.whereParams, { timeLimitMs: Math.min(timeLimitMs, COUNT_BUDGET_MS) });
      return Number(r.rows[0][0]);
    } catch (err) {
      // Out of time, or an SQL error the page query reports itself (a bad _where): the count is just unknown.
      if (err instanceof QueryError && (err.failure.kind === "timeout" || err.failure.kind === "sql")) return null;
      throw err;
    }
  });
}

/** Capped count of a whole table for database and index pages, under a per-table budget. */
export async function tableCount(db: Database, table: TableInfo, budgetMs: number): Promise<number | null> {
  const cached = db.cachedCounts.get(table.name);
  if (cached !== undefined) return cached;
  if (!db.isMutable) startExactCount(db, table);
  const sql = `select count(*) from (select 1 from ${quoteIdentifier(table.name)} limit ${COUNT_LIMIT + 1})`;
  return remembered(db, memoKey(sql), async () => {
    try {
      const r = await db.execute(sql, {}, { timeLimitMs: budgetMs });
      return Number(r.rows[0][0]);
    } catch {
      return null;
    }
  });
}
