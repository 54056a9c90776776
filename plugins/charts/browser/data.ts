/**
 * Where a chart's rows come from: the page's JSON twin (the `<link rel="alternate">` every table and query page
 * has), so the chart sees exactly the page's filters, search and parameters — but all of the result, not the
 * page shown. Table pages follow `next_url` with `_size=max` up to the cap; `?sql=` pages past
 * `max_returned_rows` page through by wrapping the SQL in `LIMIT … OFFSET`. Counts per value can come from the
 * server (the table's facet API, or a GROUP BY on `?sql=` pages) when the cap stopped the rows short.
 */
import type { Row } from "./model.js";
// Almanac's one identifier-quoting function, bundled into the browser code.
import { quoteIdentifier } from "../../../src/sql/quote.js";

export interface Source {
  kind: "table" | "query";
  /** The JSON twin, on this page's origin. */
  json: URL;
  /** The SQL of a `?sql=` page (which may be wrapped); null for tables and stored queries. */
  sql: string | null;
}

export interface Loaded {
  columns: string[];
  rows: Row[];
  /** Rows in the whole result, when the server said (table pages); `totalAtLeast` when it stopped counting. */
  total: number | null;
  totalAtLeast: boolean;
  /** The cap (max_rows) stopped the rows short. */
  capped: boolean;
  /** A query's rows stopped at max_returned_rows and could not be paged further (stored queries). */
  queryTruncated: boolean;
}

export interface ServerCounts {
  values: { value: unknown; count: number }[];
  /** Not every value is listed (the facet or row limit). */
  truncated: boolean;
}

/** The page's source of data, or null on pages without a JSON twin. */
export function pageSource(doc: Document = document): Source | null {
  const link = doc.querySelector<HTMLLinkElement>('link[rel="alternate"][type="application/json+datasette"]');
  const kind = doc.body.classList.contains("table") ? "table" : doc.body.classList.contains("query") ? "query" : null;
  if (!link || !kind) return null;
  const twin = new URL(link.href, location.href);
  // The server writes absolute URLs from the Host header; stay on the origin the page came from.
  const json = new URL(twin.pathname + twin.search, location.origin);
  return { kind, json, sql: kind === "query" ? json.searchParams.get("sql") : null };
}

/** A URL on this page's origin, from one the server wrote (next_url is absolute). */
function onThisOrigin(href: string): URL {
  const u = new URL(href, location.href);
  return new URL(u.pathname + u.search, location.origin);
}

async function getJson(url: URL, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin", signal });
  let body: Record<string, unknown> | null = null;
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    // not JSON: reported below
  }
  if (!response.ok || !body || body.ok === false) {
    const message = body && typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body;
}

/** Arguments of the table page that only shape the HTML page or its JSON, never which rows match. */
const PAGE_ONLY = new Set(["_size", "_next", "_extra", "_shape", "_col", "_nocol", "_labels", "_json", "_nl", "_facet_size"]);

function tableUrl(source: Source): URL {
  const url = new URL(source.json);
  for (const key of [...url.searchParams.keys()]) if (PAGE_ONLY.has(key) || key.startsWith("_facet")) url.searchParams.delete(key);
  return url;
}

/** SQL wrapped so it can be paged or counted; a trailing semicolon would end the subquery early. */
export function wrapSql(sql: string, outer: (inner: string) => string): string {
  const inner = sql.trim().replace(/;+\s*$/, "");
  // The newlines keep a trailing `-- comment` from swallowing the closing parenthesis.
  return outer(`(\n${inner}\n)`);
}

/** All of the result's rows, up to `maxRows`; `progress` is told as pages arrive. */
export async function loadRows(source: Source, maxRows: number, progress: (loaded: number, total: number | null) => void, signal?: AbortSignal): Promise<Loaded> {
  return source.kind === "table" ? loadTableRows(source, maxRows, progress, signal) : loadQueryRows(source, maxRows, progress, signal);
}

async function loadTableRows(source: Source, maxRows: number, progress: (loaded: number, total: number | null) => void, signal?: AbortSignal): Promise<Loaded> {
  const first = tableUrl(source);
  first.searchParams.set("_size", "max");
  first.searchParams.set("_extra", "count,columns");
  const rows: Row[] = [];
  let columns: string[] = [];
  let total: number | null = null;
  let totalAtLeast = false;
  let next: URL | null = first;
  let isFirst = true;
  while (next && rows.length < maxRows) {
    const data = await getJson(next, signal);
    const page = Array.isArray(data.rows) ? (data.rows as Row[]) : [];
    if (isFirst) {
      columns = Array.isArray(data.columns) ? (data.columns as string[]) : Object.keys(page[0] ?? {});
      total = typeof data.count === "number" ? data.count : null;
      totalAtLeast = data.count_truncated === true;
      isFirst = false;
    }
    rows.push(...page);
    progress(Math.min(rows.length, maxRows), total);
    if (typeof data.next_url === "string" && data.next_url) {
      next = onThisOrigin(data.next_url);
      next.searchParams.delete("_extra"); // the count and columns came with the first page
    } else {
      next = null;
    }
  }
  const capped = rows.length > maxRows || next !== null;
  rows.length = Math.min(rows.length, maxRows);
  return { columns, rows, total, totalAtLeast, capped, queryTruncated: false };
}

async function loadQueryRows(source: Source, maxRows: number, progress: (loaded: number, total: number | null) => void, signal?: AbortSignal): Promise<Loaded> {
  const url = new URL(source.json);
  url.searchParams.set("_extra", "columns");
  const data = await getJson(url, signal);
  const rows: Row[] = Array.isArray(data.rows) ? [...(data.rows as Row[])] : [];
  const columns = Array.isArray(data.columns) ? (data.columns as string[]) : Object.keys(rows[0] ?? {});
  let queryTruncated = data.truncated === true;
  let capped = false;
  progress(Math.min(rows.length, maxRows), null);
  if (queryTruncated && source.sql && rows.length) {
    // Past max_returned_rows: the same query, a page at a time.
    const pageSize = rows.length;
    let complete = false;
    try {
      while (rows.length < maxRows) {
        const page = new URL(url);
        page.searchParams.set("sql", wrapSql(source.sql, (inner) => `select * from ${inner} limit ${pageSize} offset ${rows.length}`));
        const more = await getJson(page, signal);
        const got = Array.isArray(more.rows) ? (more.rows as Row[]) : [];
        rows.push(...got);
        progress(Math.min(rows.length, maxRows), null);
        if (got.length < pageSize) {
          complete = true;
          break;
        }
      }
      queryTruncated = false;
      capped = !complete;
    } catch (err) {
      // The SQL could not be wrapped (not a plain SELECT): chart what the query page returned.
      if ((err as Error).name === "AbortError") throw err;
    }
  }
  if (rows.length > maxRows) capped = true;
  rows.length = Math.min(rows.length, maxRows);
  return { columns, rows, total: null, totalAtLeast: false, capped, queryTruncated };
}

/**
 * Rows per value of `column` over the whole result, counted by the server: the table's facet API (exact for any
 * number of rows, needs no SQL permission, shares the facet time limit), or a GROUP BY on `?sql=` pages. Null
 * where the server cannot count (a stored query, a facet that timed out).
 */
export async function serverCounts(source: Source, column: string, signal?: AbortSignal): Promise<ServerCounts | null> {
  if (source.kind === "table") {
    const url = tableUrl(source);
    url.searchParams.set("_facet", column);
    url.searchParams.set("_facet_size", "max");
    url.searchParams.set("_size", "0");
    const data = await getJson(url, signal);
    const facets = data.facet_results as { results?: Record<string, { results?: { value: unknown; count: number }[]; truncated?: boolean }>; timed_out?: string[] } | undefined;
    const facet = facets?.results?.[column];
    if (!facet || !Array.isArray(facet.results) || facets?.timed_out?.includes(column)) return null;
    return { values: facet.results.map((r) => ({ value: r.value, count: r.count })), truncated: facet.truncated === true };
  }
  if (!source.sql) return null;
  const url = new URL(source.json);
  url.searchParams.set("sql", wrapSql(source.sql, (inner) => `select ${quoteIdentifier(column)} as value, count(*) as count from ${inner} group by 1 order by 2 desc`));
  url.searchParams.delete("_extra");
  const data = await getJson(url, signal);
  const rows = Array.isArray(data.rows) ? (data.rows as { value: unknown; count: number }[]) : [];
  return { values: rows.map((r) => ({ value: r.value, count: Number(r.count) })), truncated: data.truncated === true };
}
