/** @module The 22 column filter operators of `?col__op=value` (Datasette §2.7): one table, parsing, SQL building, English descriptions. */

import type { TableInfo } from "../db/types.js";
import { BadRequest } from "../http/errors.js";
import { quoteIdentifier } from "../sql/quote.js";

/** What the UI needs to know about an operator. */
export interface FilterOperator {
  key: string;
  /** Label shown in the HTML filter form's operator menu. */
  label: string;
  /** True for isnull/notnull/isblank/notblank: the value (conventionally `1`) is ignored. */
  noArgument: boolean;
}

/** One `col__op=value` filter, before the column is resolved against a table. */
export interface FilterClause {
  column: string;
  op: string;
  value: string;
}

/** WHERE fragments (to be AND-ed), their bound parameters and an English description of each. */
export interface BuiltFilters {
  where: string[];
  params: Record<string, unknown>;
  humanDescriptions: string[];
}

interface OperatorDefinition extends FilterOperator {
  /** Values to bind for the raw query-string value (empty for no-argument operators). */
  values(raw: string, clause: string): unknown[];
  /** SQL given the quoted column `c`, parameter references `p` (one per value) and quoted table `t`. */
  sql(c: string, p: string[], t: string): string;
  /** English description, Datasette's wording. */
  human(column: string, raw: string): string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * For gt/gte/lt/lte: `5`, `-5`, `1.5` become numbers so that comparisons against untyped columns are
 * numeric (Datasette converts digit-only strings to int). Integers outside the double-precision safe range
 * but inside SQLite's int64 become bigint to stay exact (e.g. snowflake IDs); anything else stays a string.
 */
function numericOrString(raw: string): string | number | bigint {
  if (/^-?[0-9]+$/.test(raw)) {
    const n = Number(raw);
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n; // no -0
    const big = BigInt(raw);
    return big >= INT64_MIN && big <= INT64_MAX ? big : n;
  }
  if (/^-?[0-9]+\.[0-9]+$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * The `in`/`notin` list: a JSON array when the value starts with `[`, else comma-separated with each item
 * trimmed. JSON items must be scalars; booleans bind as 1/0 like Python's sqlite3 does.
 */
function splitInValue(raw: string, clause: string): unknown[] {
  if (!raw.startsWith("[")) return raw.split(",").map((v) => v.trim());
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRequest(`Invalid JSON array for ${clause}`);
  }
  if (!Array.isArray(parsed)) throw new BadRequest(`Invalid JSON array for ${clause}`);
  return parsed.map((v) => {
    if (typeof v === "boolean") return v ? 1 : 0;
    if (v === null || typeof v === "string" || typeof v === "number") return v;
    throw new BadRequest(`${clause} values must be strings, numbers, booleans or null`);
  });
}

/** Python's `json.dumps` (default separators, `ensure_ascii=True`) for the scalar lists of `in`/`notin`. */
function pythonJsonDumps(values: unknown[]): string {
  const items = values.map((v) =>
    JSON.stringify(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  );
  return `[${items.join(", ")}]`;
}

const isDigits = (v: string): boolean => /^[0-9]+$/.test(v);
const single = (raw: string): unknown[] => [raw];
const none = (): unknown[] => [];

/** Operators whose SQL is `<column> <sqlOp> :p` with one bound value. */
function comparison(
  key: string,
  label: string,
  sqlOp: string,
  human: (c: string, v: string) => string,
  values: (raw: string) => unknown[] = single,
): OperatorDefinition {
  return { key, label, noArgument: false, values, sql: (c, p) => `${c} ${sqlOp} ${p[0]}`, human };
}

function noArgument(key: string, label: string, sql: (c: string) => string, phrase: string): OperatorDefinition {
  return { key, label, noArgument: true, values: none, sql: (c) => sql(c), human: (c) => `${c} ${phrase}` };
}

// Datasette's order, which is also the order of the HTML operator menu.
const DEFINITIONS: readonly OperatorDefinition[] = [
  comparison("exact", "=", "=", (c, v) => (isDigits(v) ? `${c} = ${v}` : `${c} = "${v}"`)),
  comparison("not", "!=", "!=", (c, v) => (isDigits(v) ? `${c} != ${v}` : `${c} != "${v}"`)),
  comparison("contains", "contains", "like", (c, v) => `${c} contains "${v}"`, (v) => [`%${v}%`]),
  comparison("notcontains", "does not contain", "not like", (c, v) => `${c} does not contain "${v}"`, (v) => [`%${v}%`]),
  comparison("endswith", "ends with", "like", (c, v) => `${c} ends with "${v}"`, (v) => [`%${v}`]),
  comparison("startswith", "starts with", "like", (c, v) => `${c} starts with "${v}"`, (v) => [`${v}%`]),
  comparison("gt", ">", ">", (c, v) => `${c} > ${v}`, (v) => [numericOrString(v)]),
  comparison("gte", "\u2265", ">=", (c, v) => `${c} \u2265 ${v}`, (v) => [numericOrString(v)]),
  comparison("lt", "<", "<", (c, v) => `${c} < ${v}`, (v) => [numericOrString(v)]),
  comparison("lte", "\u2264", "<=", (c, v) => `${c} \u2264 ${v}`, (v) => [numericOrString(v)]),
  comparison("like", "like", "like", (c, v) => `${c} like "${v}"`),
  comparison("notlike", "not like", "not like", (c, v) => `${c} not like "${v}"`),
  comparison("glob", "glob", "glob", (c, v) => `${c} glob "${v}"`),
  {
    key: "in",
    label: "in",
    noArgument: false,
    values: splitInValue,
    sql: (c, p) => `${c} in (${p.join(", ")})`,
    human: (c, v) => `${c} in ${pythonJsonDumps(splitInValue(v, `${c}__in`))}`,
  },
  {
    key: "notin",
    label: "not in",
    noArgument: false,
    values: splitInValue,
    sql: (c, p) => `${c} not in (${p.join(", ")})`,
    human: (c, v) => `${c} not in ${pythonJsonDumps(splitInValue(v, `${c}__notin`))}`,
  },
  {
    key: "arraycontains",
    label: "array contains",
    noArgument: false,
    values: single,
    sql: (c, p, t) => `${p[0]} in (select value from json_each(${t}.${c}))`,
    human: (c, v) => `${c} contains "${v}"`,
  },
  {
    key: "arraynotcontains",
    label: "array does not contain",
    noArgument: false,
    values: single,
    sql: (c, p, t) => `${p[0]} not in (select value from json_each(${t}.${c}))`,
    human: (c, v) => `${c} does not contain "${v}"`,
  },
  {
    key: "date",
    label: "date",
    noArgument: false,
    values: single,
    sql: (c, p) => `date(${c}) = ${p[0]}`,
    human: (c, v) => `"${c}" is on date ${v}`,
  },
  noArgument("isnull", "is null", (c) => `${c} is null`, "is null"),
  noArgument("notnull", "is not null", (c) => `${c} is not null`, "is not null"),
  // Datasette writes `= ""`, which only works while SQLite accepts double-quoted strings; better-sqlite3
  // is built with that misfeature off (`""` would be an empty identifier), so use a real string literal.
  noArgument("isblank", "is blank", (c) => `(${c} is null or ${c} = '')`, "is blank"),
  noArgument("notblank", "is not blank", (c) => `(${c} is not null and ${c} != '')`, "is not blank"),
];

const BY_KEY = new Map(DEFINITIONS.map((d) => [d.key, d]));

/** The 22 operators in Datasette's order, for the filter UI and `/-/…` introspection. */
export const FILTER_OPERATORS: readonly FilterOperator[] = Object.freeze(
  DEFINITIONS.map(({ key, label, noArgument }) => Object.freeze({ key, label, noArgument })),
);

/** The operator with this key, or undefined for an unknown one. */
export function getFilterOperator(key: string): FilterOperator | undefined {
  const d = BY_KEY.get(key);
  return d && { key: d.key, label: d.label, noArgument: d.noArgument };
}

/**
 * True when a query-string key is a filter rather than a special argument: keys starting with `_` are
 * special unless they contain `__` (so a `_`-prefixed column is filtered as `?_col__exact=`).
 */
export function isFilterKey(key: string): boolean {
  return !(key.startsWith("_") && !key.includes("__"));
}

// Python compares str by code point; JS `<` compares UTF-16 units, which differs above U+FFFF.
function compareCodePoints(a: string, b: string): number {
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done || q.done) return p.done && q.done ? 0 : p.done ? -1 : 1;
    const d = p.value.codePointAt(0)! - q.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * Pick the filters out of query-string pairs. Keys accepted by {@link isFilterKey} are filters: `col` alone
 * means `exact`, otherwise the key splits at its LAST `__` into `column__op` (so `a__b__exact` filters
 * column `a__b`). Pairs with an unknown op are silently dropped, as Datasette does.
 *
 * Order: Datasette sorts the raw `(key, value)` pairs (code-point order) before building SQL, which fixes
 * the `p0, p1, …` numbering; this function returns clauses in exactly that order.
 */
export function parseFilterArgs(pairs: [string, string][]): FilterClause[] {
  const sorted = pairs
    .filter(([key]) => isFilterKey(key))
    .sort((a, b) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]));
  const clauses: FilterClause[] = [];
  for (const [key, value] of sorted) {
    const split = key.lastIndexOf("__");
    const column = split === -1 ? key : key.slice(0, split);
    const op = split === -1 ? "exact" : key.slice(split + 2);
    if (BY_KEY.has(op)) clauses.push({ column, op, value });
  }
  return clauses;
}

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

/**
 * Resolve a user-supplied column name to the table's canonical spelling: exact match first, then
 * case-insensitive the way SQLite compares names (ASCII letters only — `É` and `é` are different columns),
 * then `rowid` for rowid tables. Undefined when there is no such column.
 */
export function resolveColumn(table: TableInfo, name: string): string | undefined {
  if (table.columns.some((c) => c.name === name)) return name;
  const folded = asciiLower(name);
  const match = table.columns.find((c) => asciiLower(c.name) === folded);
  if (match) return match.name;
  if (table.usesRowid && folded === "rowid") return "rowid";
  return undefined;
}

/**
 * Build WHERE fragments for `clauses` against `table`. Every column is resolved with {@link resolveColumn}
 * and quoted with `quoteIdentifier`; every value is a bound parameter named `p<N>` counting from
 * `opts.startIndex` (default 0). `opts.quotedTable` is how the table is referred to in the FROM clause
 * (default: its quoted name), used by `arraycontains`/`arraynotcontains`.
 *
 * Decision: an unknown column is a 400 `Cannot filter on unknown column: <name>` (Datasette would send the
 * SQL to SQLite and fail with "no such column", or with double-quoted-string fallback silently match
 * nothing). Unknown operators never reach here: {@link parseFilterArgs} drops them; if passed anyway they
 * are ignored the same way.
 *
 * @throws BadRequest for an unknown column or a malformed `in`/`notin` JSON list.
 */
export function buildFilterSql(
  table: TableInfo,
  clauses: FilterClause[],
  opts: { startIndex?: number; quotedTable?: string } = {},
): BuiltFilters {
  const quotedTable = opts.quotedTable ?? quoteIdentifier(table.name);
  let index = opts.startIndex ?? 0;
  const built: BuiltFilters = { where: [], params: {}, humanDescriptions: [] };
  for (const clause of clauses) {
    const def = BY_KEY.get(clause.op);
    if (!def) continue;
    const column = resolveColumn(table, clause.column);
    if (column === undefined) throw new BadRequest(`Cannot filter on unknown column: ${clause.column}`);
    const values = def.values(clause.value, `${column}__${def.key}`);
    const refs: string[] = [];
    for (const value of values) {
      const name = `p${index++}`;
      built.params[name] = value;
      refs.push(`:${name}`);
    }
    built.where.push(def.sql(quoteIdentifier(column), refs, quotedTable));
    built.humanDescriptions.push(def.human(column, clause.value));
  }
  return built;
}

/**
 * Datasette's English summary of a table page: `where a = 1, b contains "x" and c is null`, followed by
 * ` sorted by x` / ` sorted by x descending` when a sort is given. Extra descriptions (search, `_through`…)
 * are simply appended to `descriptions` by the caller. Returns "" when there is nothing to say.
 */
export function humanDescriptionEn(
  descriptions: string[],
  sort?: { column: string; descending?: boolean } | null,
): string {
  const head = descriptions.slice(0, -1);
  const tail = descriptions.slice(-1);
  const parts = [...(head.length ? [head.join(", ")] : []), ...tail];
  const where = parts.length ? `where ${parts.join(" and ")}` : "";
  const sorted = sort ? `sorted by ${sort.column}${sort.descending ? " descending" : ""}` : "";
  return [where, sorted].filter(Boolean).join(" ");
}

/** The query-string key filtering `column` for equality: `col`, or `col__exact` when the bare name would read as a special argument or an operator. */
export function columnKey(column: string): string {
  return column.startsWith("_") || column.includes("__") ? `${column}__exact` : column;
}
