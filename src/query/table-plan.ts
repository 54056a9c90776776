/**
 * @module The one place that turns a table page's URL parameters into SQL: columns, filters, `_where`,
 * `_through`, `_search`, sort and keyset (or, for views, offset) pagination. Pure: no I/O.
 */
import type { TableInfo, Schema } from "../db/types.js";
import type { TableConfig } from "../config/options.js";
import { BadRequest, Forbidden } from "../http/errors.js";
import { quoteIdentifier, escapeFts } from "../sql/index.js";
import { tildeEncode, tildeDecode } from "../http/tilde.js";
import { parseFilterArgs, buildFilterSql, humanDescriptionEn, resolveColumn } from "./filters.js";

export interface TablePlanInput {
  table: TableInfo;
  schema: Schema;
  pairs: [string, string][];
  config: TableConfig;
  defaultPageSize: number;
  maxReturnedRows: number;
  /** Whether the actor may run arbitrary SQL (needed for `_where`). */
  canExecuteSql: boolean;
  /**
   * Whether the actor may view another table of this database. `_through` and `_fts_table` name other
   * tables; one the actor may not see is answered exactly like one that does not exist.
   */
  canViewTable: (name: string) => boolean;
}

export interface SortSpec {
  column: string;
  descending: boolean;
}

export interface TablePlan {
  /** Columns selected, in output order (rowid first for rowid tables). */
  selectColumns: string[];
  /** Columns the SQL reads: selectColumns, plus the sort column when `_col` left it out (needed for `next`). */
  fetchColumns: string[];
  /** Every column of the table, ignoring `_col`/`_nocol`. */
  allColumns: string[];
  /** Key columns used for row URLs and keyset pagination: explicit PKs, or ["rowid"]. */
  keyColumns: string[];
  sql: string;
  params: Record<string, unknown>;
  /** Every matching row in the page's order, without keyset or LIMIT (streamed exports); binds `whereParams`. */
  allRowsSql: string;
  /** `select count(*) from t where …` without order or limit. */
  countSql: string;
  /** WHERE clause (with "where ") shared by rows, counts and (later) facets; "" when unfiltered. */
  whereSql: string;
  /** Params of `whereSql` only (pagination params excluded). */
  whereParams: Record<string, unknown>;
  pageSize: number;
  sort: SortSpec | null;
  /** True when the page uses offset pagination (views). */
  offset: number | null;
  humanDescription: string;
  isFiltered: boolean;
  /**
   * True when the SQL's cost is bounded by an index and the LIMIT: an unfiltered ordinary table read in
   * key order (a single-column key, or the first page of a compound one). Such pages may run inline.
   */
  boundedCost: boolean;
}

function specialValues(pairs: [string, string][], name: string): string[] {
  return pairs.filter(([k]) => k === name).map(([, v]) => v);
}

function specialValue(pairs: [string, string][], name: string): string | undefined {
  const v = specialValues(pairs, name);
  return v.length ? v[v.length - 1] : undefined;
}

/** `_size`: a positive integer ≤ max_returned_rows, or "max". */
export function parsePageSize(raw: string | undefined, fallback: number, maxReturnedRows: number): number {
  if (raw === undefined || raw === "") return Math.min(fallback, maxReturnedRows);
  if (raw === "max") return maxReturnedRows;
  if (!/^\d+$/.test(raw)) throw new BadRequest("_size must be a positive integer");
  const n = Number(raw);
  if (n > maxReturnedRows) throw new BadRequest(`_size must be <= ${maxReturnedRows}`);
  return n;
}

/** Integer-looking strings bind as integers against INTEGER columns (and rowid), so keyset comparisons use the index. */
export function bindKeyValue(table: TableInfo, column: string, value: string): unknown {
  if (!/^-?\d{1,15}$/.test(value)) return value;
  if (column === "rowid") return Number(value);
  const col = table.columns.find((c) => c.name === column);
  return col && /int/i.test(col.type) ? Number(value) : value;
}

/** `(a > :k0) or (a = :k0 and b > :k1) …` — rows strictly after the given key. */
function keysetAfter(keys: string[], refs: string[]): string {
  const ors: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const eqs = keys.slice(0, i).map((k, j) => `${quoteIdentifier(k)} = ${refs[j]}`);
    ors.push(`(${[...eqs, `${quoteIdentifier(keys[i])} > ${refs[i]}`].join(" and ")})`);
  }
  return ors.length === 1 ? ors[0] : `(${ors.join(" or ")})`;
}

export function planTableQuery(input: TablePlanInput): TablePlan {
  const { table, config, pairs } = input;
  const quotedTable = quoteIdentifier(table.name);
  const allColumns = table.columns.map((c) => c.name);
  const keyColumns = table.isView ? [] : table.usesRowid ? ["rowid"] : table.primaryKeys;

  // Columns: `_col` chooses, `_nocol` hides; key columns always stay.
  const cols = specialValues(pairs, "_col");
  const nocols = specialValues(pairs, "_nocol");
  const resolveOrReject = (names: string[], arg: string, rejectKeys = false) => {
    const bad: string[] = [];
    const out = names.map((n) => {
      const r = resolveColumn(table, n);
      // Datasette: a `_nocol` naming a primary key is reported as an invalid column too.
      const implicitRowid = r === "rowid" && !table.columns.some((c) => c.name === "rowid");
      if (r === undefined || implicitRowid || (rejectKeys && table.primaryKeys.includes(r))) bad.push(n);
      return r ?? n;
    });
    if (bad.length) throw new BadRequest(`${arg}=${bad.join(", ")} - invalid columns`);
    return out;
  };
  let chosen = allColumns;
  if (cols.length) {
    const wanted = resolveOrReject(cols, "_col");
    chosen = [...table.primaryKeys, ...wanted.filter((c) => !table.primaryKeys.includes(c))];
    chosen = chosen.filter((c, i) => chosen.indexOf(c) === i);
  }
  if (nocols.length) {
    const hidden = resolveOrReject(nocols, "_nocol", true);
    chosen = chosen.filter((c) => !hidden.includes(c));
  }
  const selectColumns = table.usesRowid ? ["rowid", ...chosen.filter((c) => c !== "rowid")] : chosen;

  // Filters.
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const descriptions: string[] = [];
  const filters = buildFilterSql(table, parseFilterArgs(pairs), { quotedTable });
  where.push(...filters.where);
  Object.assign(params, filters.params);
  descriptions.push(...filters.humanDescriptions);

  const rawWheres = specialValues(pairs, "_where");
  if (rawWheres.length) {
    if (!input.canExecuteSql) throw new Forbidden("_where= is not allowed");
    for (const w of rawWheres) where.push(`(${w})`);
    descriptions.push(...rawWheres);
  }

  // _through={"table": …, "column": …, "value": …}: rows linked through a table that has a foreign key here.
  let n = 0;
  for (const raw of specialValues(pairs, "_through")) {
    let spec: { table?: unknown; column?: unknown; value?: unknown };
    try {
      spec = JSON.parse(raw);
    } catch {
      throw new BadRequest("Invalid _through - must be JSON with table, column and value");
    }
    if (!spec || typeof spec !== "object" || typeof spec.table !== "string" || typeof spec.column !== "string" || spec.value === undefined) {
      throw new BadRequest("Invalid _through - must be JSON with table, column and value");
    }
    const found = input.schema.resolve(spec.table);
    const through = found && input.canViewTable(found.name) ? found : undefined;
    const throughColumn = through ? resolveColumn(through, spec.column) : undefined;
    const fkToUs = through?.foreignKeys.outgoing.find((fk) => fk.otherTable === table.name);
    if (!through || !throughColumn || !fkToUs) throw new BadRequest("Invalid _through - could not find corresponding foreign key");
    const ref = `:t${n++}`;
    params[ref.slice(1)] = String(spec.value);
    where.push(
      `${quoteIdentifier(fkToUs.otherColumn)} in (select ${quoteIdentifier(fkToUs.column)} from ${quoteIdentifier(through.name)} where ${quoteIdentifier(throughColumn)} = ${ref})`,
    );
    descriptions.push(`${through.name} where ${throughColumn} = ${JSON.stringify(String(spec.value))}`);
  }

  // Full-text search.
  const searchPairs = pairs.filter(([k, v]) => (k === "_search" || k.startsWith("_search_")) && v !== "");
  if (searchPairs.length) {
    const ftsName = specialValue(pairs, "_fts_table") ?? config.fts_table ?? table.ftsTable;
    const found = ftsName ? input.schema.resolve(ftsName) : undefined;
    const fts = found && input.canViewTable(found.name) ? found : undefined;
    if (!fts || !fts.isFts) throw new BadRequest(ftsName ? "Invalid _fts_table - not a full-text search table" : "This table does not support full-text search");
    const ftsPkRaw = specialValue(pairs, "_fts_pk") ?? config.fts_pk ?? "rowid";
    const ftsPk = ftsPkRaw === "rowid" ? "rowid" : resolveColumn(table, ftsPkRaw);
    if (!ftsPk) throw new BadRequest("Invalid _fts_pk - no such column");
    const raw = (specialValue(pairs, "_searchmode") ?? config.searchmode) === "raw";
    for (const [k, v] of searchPairs) {
      const ref = `search${n++}`;
      params[ref] = raw ? v : escapeFts(v);
      if (k === "_search") {
        where.push(`${quoteIdentifier(ftsPk)} in (select rowid from ${quoteIdentifier(fts.name)} where ${quoteIdentifier(fts.name)} match :${ref})`);
        descriptions.push(`search matches ${JSON.stringify(v)}`);
      } else {
        const col = resolveColumn(fts, k.slice("_search_".length));
        if (!col) throw new BadRequest(`Cannot search by column ${k.slice("_search_".length)} - not in the full-text index`);
        where.push(`${quoteIdentifier(ftsPk)} in (select rowid from ${quoteIdentifier(fts.name)} where ${quoteIdentifier(col)} match :${ref})`);
        descriptions.push(`${col} search matches ${JSON.stringify(v)}`);
      }
    }
  }

  const whereParams = { ...params };
  const whereSql = where.length ? `where ${where.join(" and ")}` : "";

  // Sort: request, then configuration, then key order.
  const sortAsc = specialValue(pairs, "_sort");
  const sortDesc = specialValue(pairs, "_sort_desc");
  if (sortAsc && sortDesc) throw new BadRequest("Cannot use _sort and _sort_desc at the same time");
  let sort: SortSpec | null = null;
  const requested = sortAsc ?? sortDesc;
  if (requested) {
    const col = resolveColumn(table, requested);
    const sortable = config.sortable_columns;
    const allowed = col !== undefined && (!sortable || sortable.includes(col) || (col === "rowid" && table.usesRowid));
    if (!allowed) throw new BadRequest(`Cannot sort table by ${requested}`);
    sort = { column: col!, descending: !!sortDesc };
  } else if (config.sort || config.sort_desc) {
    const col = resolveColumn(table, (config.sort ?? config.sort_desc) as string);
    if (col) sort = { column: col, descending: !config.sort && !!config.sort_desc };
  }

  const pageSize = parsePageSize(specialValue(pairs, "_size"), config.size ?? input.defaultPageSize, input.maxReturnedRows);

  // Pagination.
  const next = specialValue(pairs, "_next");
  const pageWhere = [...where];
  let offset: number | null = null;
  if (table.isView || keyColumns.length === 0) {
    offset = 0;
    if (next) {
      if (!/^\d+$/.test(next)) throw new BadRequest("Invalid _next - must be an offset for views");
      offset = Number(next);
    }
  } else if (next) {
    const parts = next.split(",").map(tildeDecode);
    let keyParts = parts;
    if (sort) {
      if (parts.length !== keyColumns.length + 1) throw new BadRequest("Invalid _next token");
      const [sortValue, ...rest] = parts;
      keyParts = rest;
      const keyRefs = keyColumns.map((k, i) => {
        params[`k${i}`] = bindKeyValue(table, k, rest[i]);
        return `:k${i}`;
      });
      const after = keysetAfter(keyColumns, keyRefs);
      const s = quoteIdentifier(sort.column);
      const isNull = next.split(",")[0] === "$null";
      if (!isNull) params.s0 = bindKeyValue(table, sort.column, sortValue);
      // SQLite sorts NULL first ascending and last descending; the clauses follow that order.
      if (!sort.descending) {
        pageWhere.push(isNull ? `(${s} is not null or (${s} is null and ${after}))` : `(${s} > :s0 or (${s} = :s0 and ${after}))`);
      } else {
        pageWhere.push(isNull ? `(${s} is null and ${after})` : `(${s} < :s0 or (${s} = :s0 and ${after}) or ${s} is null)`);
      }
    } else {
      if (parts.length !== keyColumns.length) throw new BadRequest("Invalid _next token");
      const refs = keyColumns.map((k, i) => {
        params[`k${i}`] = bindKeyValue(table, k, keyParts[i]);
        return `:k${i}`;
      });
      pageWhere.push(keysetAfter(keyColumns, refs));
    }
  }

  const orderParts: string[] = [];
  if (sort) orderParts.push(`${quoteIdentifier(sort.column)}${sort.descending ? " desc" : ""}`);
  for (const k of keyColumns) if (!sort || sort.column !== k) orderParts.push(quoteIdentifier(k));
  const fetchColumns = sort && !selectColumns.includes(sort.column) ? [...selectColumns, sort.column] : selectColumns;
  // A view whose columns cannot be read (it refers to a missing table) selects `*`, so SQLite names the problem.
  const selectList = fetchColumns.length ? fetchColumns.map(quoteIdentifier).join(", ") : "*";
  const fullWhere = pageWhere.length ? ` where ${pageWhere.join(" and ")}` : "";
  const order = orderParts.length ? ` order by ${orderParts.join(", ")}` : "";
  const limit = ` limit ${pageSize + 1}${offset ? ` offset ${offset}` : ""}`;

  return {
    selectColumns,
    fetchColumns,
    allColumns: table.usesRowid ? ["rowid", ...allColumns] : allColumns,
    keyColumns,
    sql: `select ${selectList} from ${quotedTable}${fullWhere}${order}${limit}`,
    allRowsSql: `select ${selectList} from ${quotedTable}${whereSql ? " " + whereSql : ""}${order}`,
    params,
    countSql: `select count(*) from ${quotedTable}${whereSql ? " " + whereSql : ""}`,
    whereSql,
    whereParams,
    pageSize,
    sort,
    offset,
    humanDescription: humanDescriptionEn(descriptions, sort),
    isFiltered: where.length > 0,
    boundedCost:
      !table.isView &&
      !table.isVirtual &&
      where.length === 0 &&
      (keyColumns.length === 1 ? !sort || sort.column === keyColumns[0] : !sort && !next),
  };
}

/** The `_next` token for the page after one ending with `row` (an object of selected values). */
export function nextToken(plan: TablePlan, row: Record<string, unknown>, rowsSoFar: number): string {
  if (plan.offset !== null) return String(plan.offset + rowsSoFar);
  const keys = plan.keyColumns.map((k) => tildeEncode(String(row[k])));
  if (!plan.sort) return keys.join(",");
  const v = row[plan.sort.column];
  const sortPart = v === null || v === undefined ? "$null" : tildeEncode(typeof v === "object" ? JSON.stringify(v) : String(v));
  return [sortPart, ...keys].join(",");
}
