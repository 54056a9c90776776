/**
 * @module Facets (Datasette §11.2): the facet types (a registry per instance: the built-ins and its plugins'
 * own), how a table page's query string asks for facets, and the SQL each type runs over the filtered table.
 * Pure: no I/O (suggestion rules receive a `run` callback). Identifiers go through `quoteIdentifier`; values are always bound.
 */
import type { TableInfo } from "../db/types.js";
import type { TableConfig } from "../config/options.js";
import { BadRequest } from "../http/errors.js";
import { quoteIdentifier } from "../sql/index.js";
import { columnKey, resolveColumn } from "./filters.js";

/** How many rows of the filtered table a suggestion looks at (Datasette's `suggest_consider`). */
export const SUGGEST_CONSIDER = 1000;
/** How many rows the date and array suggestions sample. */
const SUGGEST_SAMPLE = 100;

/** SQL plus its bound parameters. */
export interface FacetQuery {
  sql: string;
  params: Record<string, unknown>;
}

/** The filtered table a facet counts over: the page's WHERE clause without ORDER BY or LIMIT. */
export interface FacetSource {
  table: TableInfo;
  /** `TablePlan.whereSql`: "" or a clause starting with "where ". */
  whereSql: string;
  whereParams: Record<string, unknown>;
}

export interface FacetSqlInput extends FacetSource {
  /** The column, already resolved against the table. */
  column: string;
  /** At most this many values are shown; the SQL fetches one more to tell whether the list is truncated. */
  size: number;
  /** Count only these values (selected values that fell outside the top `size`). */
  only?: string[];
}

/** What a suggestion rule may read and run. */
export interface SuggestInput extends FacetSource {
  column: string;
  facetSize: number;
  /** Rows among the first SUGGEST_CONSIDER of the filtered table. */
  rowCount: number;
  /** Runs a query under the suggestion time limit; rejects on timeout or SQL error. */
  run(query: FacetQuery): Promise<unknown[][]>;
}

export interface FacetType {
  /** "column", "array", "date", or a plugin's own type. */
  type: string;
  /** The query-string argument that asks for it: `_facet` for "column", otherwise `_facet_<type>`. */
  arg: string;
  /** SQL whose rows are `(value, count)`, most frequent first, at most `size + 1` rows. */
  sql(input: FacetSqlInput): FacetQuery;
  /** The JSON value of a value read by `sql` (array facets report strings, like Datasette). */
  value?(raw: unknown): unknown;
  /** The query-string pair that filters the table to rows having `value`. */
  selectPair(column: string, value: string): [string, string];
  /** The query-string pairs currently selecting `value` (empty when it is not selected). */
  selectedPairs(column: string, value: string, pairs: [string, string][]): [string, string][];
  /** Values the query string selects for this column, to show even when outside the top `size`. */
  selectedValues(column: string, pairs: [string, string][]): string[];
  /** Whether to suggest faceting `column` this way; absent means the type never suggests itself. */
  suggest?(input: SuggestInput): Promise<boolean>;
}

/** A facet asked for, by configuration or by the query string. */
export interface FacetRequest {
  type: string;
  column: string;
  /** Configured facets cannot be hidden. */
  source: "config" | "request";
  /** The query-string pair that asked for it (request facets), removed by the facet's toggle_url. */
  pair: [string, string] | null;
}

/** What a FacetType must have (checked when a plugin registers one). */
const FACET_FUNCTIONS = ["sql", "selectPair", "selectedPairs", "selectedValues"] as const;
const OPTIONAL_FACET_FUNCTIONS = ["value", "suggest"] as const;

/**
 * What is wrong with a would-be facet type, or null when it has the shape a FacetType needs: a `type` name of
 * letters, digits and `_` (not `size`: `_facet_size` is taken), `arg` equal to its query-string argument,
 * and the functions.
 */
export function facetTypeProblem(value: unknown): string | null {
  if (!value || typeof value !== "object") return "a facet type must be an object";
  const t = value as Record<string, unknown>;
  if (typeof t.type !== "string" || !/^[A-Za-z0-9_]+$/.test(t.type)) return `facet type name ${JSON.stringify(t.type)} must be letters, digits or _`;
  if (t.type === "size") return 'facet type name "size" is taken by _facet_size';
  if (t.arg !== facetArg(t.type)) return `facet type ${t.type}: arg must be "${facetArg(t.type)}" (got ${JSON.stringify(t.arg)})`;
  for (const f of FACET_FUNCTIONS) if (typeof t[f] !== "function") return `facet type ${t.type}: ${f} must be a function`;
  for (const f of OPTIONAL_FACET_FUNCTIONS) if (t[f] !== undefined && typeof t[f] !== "function") return `facet type ${t.type}: ${f} must be a function when given`;
  return null;
}

/**
 * The facet types one instance knows: the built-ins, then the types its plugins registered, in that order
 * (which is also the order of suggestions). Per instance, so apps with different plugins can share a process.
 */
export class FacetRegistry {
  private readonly types = new Map<string, FacetType>();

  /** @throws Error for a malformed type or a name given twice. */
  constructor(types: FacetType[]) {
    for (const t of types) {
      const problem = facetTypeProblem(t);
      if (problem) throw new Error(problem);
      if (this.types.has(t.type)) throw new Error(`facet type ${t.type} is registered twice`);
      this.types.set(t.type, t);
    }
  }

  get(type: string): FacetType | undefined {
    return this.types.get(type);
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  /** Every type, built-ins first. */
  all(): FacetType[] {
    return [...this.types.values()];
  }
}

/** The query-string argument for a type: `_facet` for "column", else `_facet_<type>`. */
export function facetArg(type: string): string {
  return type === "column" ? "_facet" : `_facet_${type}`;
}

/** True for `_facet`, `_facet_size` and every `_facet_<type>`: the arguments `allow_facet` governs. */
export function isFacetArg(key: string): boolean {
  return key === "_facet" || key.startsWith("_facet_");
}

/** The filtered table's condition, parenthesised, ready to be AND-ed with more. */
function condition(source: FacetSource): string[] {
  return source.whereSql ? [`(${source.whereSql.replace(/^where /, "")})`] : [];
}

function whereOf(parts: string[]): string {
  return parts.length ? ` where ${parts.join(" and ")}` : "";
}

/** `:facet_only_0, …` for the values of `only`, added to `params`. */
function onlyList(only: string[], params: Record<string, unknown>): string {
  return only
    .map((v, i) => {
      params[`facet_only_${i}`] = v;
      return `:facet_only_${i}`;
    })
    .join(", ");
}

/** A limit clause for `size + 1` rows (positive integers only reach SQL). */
function limitOf(size: number): string {
  if (!Number.isSafeInteger(size) || size < 0) throw new Error("facet size must be a non-negative integer");
  return ` limit ${size + 1}`;
}

/** The filtered table without order or limit, as `select * …`. */
export function filteredTableSql(source: FacetSource): string {
  return `select * from ${quoteIdentifier(source.table.name)}${whereOf(condition(source))}`;
}

/**
 * `column` (as `v`) of the first SUGGEST_CONSIDER (or `n`) rows of the filtered table. The limit applies to
 * `select *`, so SQLite reads the table itself rather than a covering index on `column` (whose first rows
 * would all share one value).
 */
function limitedSource(source: FacetSource, column: string, n = SUGGEST_CONSIDER): string {
  return `select ${quoteIdentifier(column)} as v from (${filteredTableSql(source)} limit ${n})`;
}

/** How many of the first SUGGEST_CONSIDER rows the filtered table has (the suggestions' row count). */
export function suggestRowCountSql(source: FacetSource): FacetQuery {
  return { sql: `select count(*) from (${filteredTableSql(source)} limit ${SUGGEST_CONSIDER})`, params: { ...source.whereParams } };
}

const includes = (pairs: [string, string][], key: string, value: string) => pairs.some(([k, v]) => k === key && v === value);


/** Column facets: `_facet=col`, one bucket per distinct value. */
export const COLUMN_FACET: FacetType = {
  type: "column",
  arg: "_facet",
  sql(input) {
    const c = quoteIdentifier(input.column);
    const params = { ...input.whereParams };
    const where = [...condition(input), `${c} is not null`];
    if (input.only) where.push(`${c} in (${onlyList(input.only, params)})`);
    return {
      sql: `select ${c} as value, count(*) as count from ${quoteIdentifier(input.table.name)}${whereOf(where)} group by ${c} order by 2 desc, 1${limitOf(input.size)}`,
      params,
    };
  },
  selectPair: (column, value) => [columnKey(column), value],
  selectedPairs: (column, value, pairs) =>
    [...new Set([columnKey(column), `${column}__exact`])].filter((k) => includes(pairs, k, value)).map((k) => [k, value] as [string, string]),
  selectedValues: (column, pairs) => {
    const keys = new Set([columnKey(column), `${column}__exact`]);
    return [...new Set(pairs.filter(([k]) => keys.has(k)).map(([, v]) => v))];
  },
  // 1 < distinct non-null values < rows considered, distinct ≤ facet size, and some value occurs more than once.
  async suggest(input) {
    const c = "v";
    const rows = await input.run({
      sql: `select ${c} as value, count(*) as n from (${limitedSource(input, input.column)}) where ${c} is not null group by ${c}${limitOf(input.facetSize)}`,
      params: { ...input.whereParams },
    });
    const distinct = rows.length;
    return distinct > 1 && distinct < input.rowCount && distinct <= input.facetSize && rows.some((r) => Number(r[1]) > 1);
  },
};

/** Date facets: `_facet_date=col`, one bucket per `date(col)`. */
export const DATE_FACET: FacetType = {
  type: "date",
  arg: "_facet_date",
  sql(input) {
    const d = `date(${quoteIdentifier(input.column)})`;
    const params = { ...input.whereParams };
    const where = [...condition(input), `${d} is not null`];
    if (input.only) where.push(`${d} in (${onlyList(input.only, params)})`);
    return {
      sql: `select ${d} as value, count(*) as count from ${quoteIdentifier(input.table.name)}${whereOf(where)} group by ${d} order by 2 desc, 1${limitOf(input.size)}`,
      params,
    };
  },
  selectPair: (column, value) => [`${column}__date`, value],
  selectedPairs: (column, value, pairs) => (includes(pairs, `${column}__date`, value) ? [[`${column}__date`, value]] : []),
  selectedValues: (column, pairs) => [...new Set(pairs.filter(([k]) => k === `${column}__date`).map(([, v]) => v))],
  // Any of the first 100 rows looks like a date (glob `????-??-*`) that SQLite's date() understands.
  async suggest(input) {
    const rows = await input.run({
      sql: `select date(v) from (${limitedSource(input, input.column, SUGGEST_SAMPLE)}) where v glob '????-??-*'`,
      params: { ...input.whereParams },
    });
    return rows.some((r) => r[0] !== null && r[0] !== "");
  },
};

/** A valid JSON array, else NULL (json_each over NULL yields nothing; malformed JSON never raises). */
const arrayOrNull = (v: string) => `case when json_valid(${v}) then case when json_type(${v}) = 'array' then ${v} end end`;

/** Array facets: `_facet_array=col` over JSON arrays; a row counts once per distinct item. */
export const ARRAY_FACET: FacetType = {
  type: "array",
  arg: "_facet_array",
  sql(input) {
    const params = { ...input.whereParams };
    const where = ["j.type != 'null'", `j.key = (select min(k.key) from json_each(f.v) as k where k.value = j.value)`];
    if (input.only) where.push(`j.value in (${onlyList(input.only, params)})`);
    const inner = `select ${quoteIdentifier(input.column)} as v from ${quoteIdentifier(input.table.name)}${whereOf(condition(input))}`;
    return {
      sql: `select j.value as value, count(*) as count from (${inner}) as f join json_each(${arrayOrNull("f.v")}) as j${whereOf(where)} group by j.value order by 2 desc, 1${limitOf(input.size)}`,
      params,
    };
  },
  value: (raw) => (raw === null ? null : String(raw)),
  selectPair: (column, value) => [`${column}__arraycontains`, value],
  selectedPairs: (column, value, pairs) => (includes(pairs, `${column}__arraycontains`, value) ? [[`${column}__arraycontains`, value]] : []),
  selectedValues: (column, pairs) => [...new Set(pairs.filter(([k]) => k === `${column}__arraycontains`).map(([, v]) => v))],
  // Every non-empty value among the first 1000 rows is a JSON array, and the first 100 non-empty arrays hold only strings.
  async suggest(input) {
    const types = await input.run({
      sql: `select distinct json_type(v) from (${limitedSource(input, input.column)}) where v is not null and v != ''`,
      params: { ...input.whereParams },
    });
    const kinds = types.map((r) => r[0]).filter((t) => t !== null);
    if (kinds.length !== 1 || kinds[0] !== "array") return false;
    const sample = await input.run({
      sql: `select v from (select ${quoteIdentifier(input.column)} as v from ${quoteIdentifier(input.table.name)}${whereOf(condition(input))}) where v is not null and v != '' and json_array_length(v) > 0 limit ${SUGGEST_SAMPLE}`,
      params: { ...input.whereParams },
    });
    return sample.length > 0 && sample.every((r) => isArrayOfStrings(r[0]));
  },
};

function isArrayOfStrings(raw: unknown): boolean {
  if (typeof raw !== "string") return false;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === "string");
  } catch {
    return false;
  }
}

/** The built-in types alone: column, date, array. */
export const BUILTIN_FACETS = new FacetRegistry([COLUMN_FACET, DATE_FACET, ARRAY_FACET]);

/** A column a facet may count: a real column of the table (not the implicit rowid). */
function facetColumn(table: TableInfo, name: string): string | undefined {
  const resolved = resolveColumn(table, name);
  return resolved !== undefined && table.columns.some((c) => c.name === resolved) ? resolved : undefined;
}

/** The column named by a `_facet*` value: a plain name, or JSON `{"column": "name"}`. */
function requestedColumn(arg: string, raw: string): string {
  if (!raw.startsWith("{")) return raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRequest(`Invalid ${arg}= - JSON configuration could not be parsed`);
  }
  const column = parsed && typeof parsed === "object" ? (parsed as { column?: unknown }).column : undefined;
  if (typeof column !== "string") throw new BadRequest(`Invalid ${arg}= - JSON configuration needs a "column" string`);
  return column;
}

/** One configured facet: `"col"`, `{"<type>": "col"}` or `{"<type>": {"column": "col"}}`. */
function configuredFacet(entry: unknown): { type: string; column: string } | null {
  if (typeof entry === "string") return { type: "column", column: entry };
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) return null;
  const keys = Object.keys(entry);
  if (keys.length !== 1) return null;
  const type = keys[0];
  const value = (entry as Record<string, unknown>)[type];
  if (typeof value === "string") return { type, column: value };
  if (value && typeof value === "object" && typeof (value as { column?: unknown }).column === "string") {
    return { type, column: (value as { column: string }).column };
  }
  return null;
}

/**
 * The facets a table page asks for: configured ones first (in configuration order; entries naming an
 * unknown type or column are skipped, so a stale configuration never breaks the page), then `_facet*`
 * arguments in query-string order. A facet asked for twice (same type and column) is counted once.
 *
 * @throws BadRequest when `allow_facet` is off and any `_facet*` argument is present (`_facet= is not
 * allowed`), for an unknown column (`Invalid column for facet: x`), an unknown type or bad JSON.
 */
export function parseFacetRequests(table: TableInfo, config: TableConfig, pairs: [string, string][], allowFacet: boolean, registry: FacetRegistry = BUILTIN_FACETS): FacetRequest[] {
  const out: FacetRequest[] = [];
  const seen = new Set<string>();
  const add = (f: FacetRequest) => {
    const key = `${f.type}\u0000${f.column}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  for (const entry of Array.isArray(config.facets) ? config.facets : []) {
    const f = configuredFacet(entry);
    const column = f && registry.has(f.type) ? facetColumn(table, f.column) : undefined;
    if (f && column !== undefined) add({ type: f.type, column, source: "config", pair: null });
  }
  const facetPairs = pairs.filter(([k]) => isFacetArg(k));
  if (facetPairs.length && !allowFacet) throw new BadRequest("_facet= is not allowed");
  for (const [key, raw] of facetPairs) {
    if (key === "_facet_size") continue;
    const type = key === "_facet" ? "column" : key.slice("_facet_".length);
    if (!registry.has(type)) throw new BadRequest(`Unknown facet type: ${key}`);
    if (raw === "") continue;
    const name = requestedColumn(key, raw);
    const column = facetColumn(table, name);
    if (column === undefined) throw new BadRequest(`Invalid column for facet: ${name}`);
    add({ type, column, source: "request", pair: [key, raw] });
  }
  return out;
}

/**
 * Values per facet: `_facet_size` (an integer or `max`) over the table's `facet_size` over
 * `default_facet_size`, never more than `max_returned_rows`.
 *
 * @throws BadRequest for a `_facet_size` that is neither digits nor `max`.
 */
export function facetSize(raw: string | undefined, config: TableConfig, defaultFacetSize: number, maxReturnedRows: number): number {
  let size = defaultFacetSize;
  const configured = config.facet_size;
  if (configured === "max") size = maxReturnedRows;
  else if (typeof configured === "number" && Number.isInteger(configured) && configured > 0) size = configured;
  if (raw !== undefined && raw !== "") {
    if (raw === "max") size = maxReturnedRows;
    else if (/^\d{1,9}$/.test(raw)) size = Number(raw);
    else throw new BadRequest("_facet_size must be a positive integer or max");
  }
  return Math.min(size, maxReturnedRows);
}
