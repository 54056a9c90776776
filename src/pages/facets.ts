/**
 * @module Facets on the table page: runs the requested and configured facets (each under its own
 * `facet_time_limit_ms`, concurrently with the page query), labels foreign-key values, builds toggle URLs,
 * computes suggestions, and provides the `facet_results`, `facets_timed_out`, `suggested_facets` and
 * `sorted_facet_results` extras. The SQL and the facet types live in query/facets.ts.
 */
import type { Almanac } from "../app.js";
import type { Database, TableInfo } from "../db/index.js";
import { QueryError } from "../db/index.js";
import { HttpError } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { argIsTrue } from "../http/request.js";
import type { TablePlan } from "../query/table-plan.js";
import { expandableColumns } from "../query/labels.js";
import {
  facetSize, isFacetArg, parseFacetRequests, suggestRowCountSql,
  type FacetQuery, type FacetRequest, type FacetSource, type FacetType,
} from "../query/facets.js";
import { PluginError } from "../plugins/manager.js";
import { registries } from "./registries.js";
import { encodeCell, setKey, type Shape } from "../render/json.js";
import { defineExtras, type ExtraContext } from "./extras.js";
import { labelsFor } from "./labels.js";
import { memoKey, perDatabase } from "../db/memo.js";
import { canViewTable, timeLimit, urlWithQuery } from "./common.js";

export const FACET_EXTRA_NAMES = ["facet_results", "facets_timed_out", "suggested_facets", "sorted_facet_results"] as const;

export interface FacetValue {
  value: unknown;
  label: unknown;
  count: number;
  toggle_url: string;
  selected: boolean;
}

export interface FacetResult {
  name: string;
  type: string;
  hideable: boolean;
  toggle_url: string;
  results: FacetValue[];
  truncated: boolean;
}

export interface SuggestedFacet {
  name: string;
  type?: string;
  toggle_url: string;
}

/** Everything the four facet extras report. */
export interface FacetOutcome {
  /** Keyed by facet name (`col`, or `col_2`… when two facets share a column), configured facets first. */
  results: Record<string, FacetResult>;
  timedOut: string[];
  suggested: SuggestedFacet[];
  /** Keys of `results` that came from the table's configuration, in configuration order. */
  configured: string[];
}

const EMPTY: FacetOutcome = { results: {}, timedOut: [], suggested: [], configured: [] };

export interface FacetInput {
  almanac: Almanac;
  req: AlmanacRequest;
  db: Database;
  table: TableInfo;
  plan: TablePlan;
  /** The request's `_extra` set; `facet_results` is added when any `_facet*` argument is present. */
  extras: Set<string>;
  shape: Shape;
}

export interface FacetRun {
  /** Starts the facet and suggestion queries; never rejects for a timeout. */
  run(): Promise<FacetOutcome>;
}

/**
 * Validate the request's facet arguments (400s for `allow_facet` off, unknown columns or types, a bad
 * `_facet_size`) and return a runner. Call it before the page query; call `run()` alongside it.
 */
export function prepareFacets(input: FacetInput): FacetRun {
  const { almanac, req, table, extras } = input;
  const settings = almanac.settings;
  const config = almanac.tableConfig(input.db.name, table.name);
  const pairs = req.pairs;
  const requests = parseFacetRequests(table, config, pairs, settings.allow_facet, registries(almanac).facets);
  const size = facetSize(req.arg("_facet_size"), config, settings.default_facet_size, settings.max_returned_rows);
  if (pairs.some(([k]) => isFacetArg(k))) extras.add("facet_results");

  const off = argIsTrue(req.arg("_nofacet")) || input.shape === "array" || input.shape === "object";
  const wantResults = !off && (extras.has("facet_results") || extras.has("facets_timed_out") || extras.has("sorted_facet_results"));
  const wantSuggestions =
    !off && extras.has("suggested_facets") && settings.suggest_facets && settings.allow_facet && !argIsTrue(req.arg("_nosuggest")) && !req.arg("_next");
  return {
    async run() {
      if (!wantResults && !wantSuggestions) return EMPTY;
      const [facets, suggested] = await Promise.all([
        wantResults ? runFacets(input, requests, size) : Promise.resolve({ ...EMPTY }),
        wantSuggestions ? suggestFacets(input, requests, size) : Promise.resolve([]),
      ]);
      return { ...facets, suggested };
    },
  };
}

/** A limit setting capped by the request's own limit (0 means "no separate limit"). */
function budget(setting: number, requestLimit: number): number {
  return setting > 0 ? Math.min(setting, requestLimit) : requestLimit;
}

function source(input: FacetInput): FacetSource {
  return { table: input.table, whereSql: input.plan.whereSql, whereParams: input.plan.whereParams };
}

/** This page's URL with the query string replaced: absolute (Host, force_https_urls, base_url) or path only. */
function pageUrl(input: FacetInput, pairs: [string, string][], absolute: boolean): string {
  return urlWithQuery(input.almanac, input.req, new URLSearchParams(pairs), { absolute });
}

/** This page's absolute URL with one pair appended: the current query string is encoded once per facet, not per value. */
function appendPair(base: string, pair: [string, string]): string {
  return base + (base.includes("?") ? "&" : "?") + new URLSearchParams([pair]).toString();
}

const withoutPairs = (pairs: [string, string][], remove: [string, string][]) =>
  pairs.filter(([k, v]) => !remove.some(([rk, rv]) => rk === k && rv === v));

type Outcome = { ok: true; rows: unknown[][] } | { ok: false };

/** Runs one facet query: rows, or `{ok: false}` when it ran out of time. SQL errors are the page's 400. */
async function runFacetQuery(db: Database, query: FacetQuery, timeLimitMs: number): Promise<Outcome> {
  try {
    return { ok: true, rows: (await db.execute(query.sql, query.params, { timeLimitMs })).rows };
  } catch (err) {
    if (err instanceof QueryError && err.failure.kind === "timeout") return { ok: false };
    if (err instanceof QueryError && err.failure.kind === "sql") throw new HttpError(400, err.failure.message);
    throw err;
  }
}

async function runFacets(input: FacetInput, requests: FacetRequest[], size: number): Promise<Omit<FacetOutcome, "suggested">> {
  const limit = budget(input.almanac.settings.facet_time_limit_ms, timeLimit(input.almanac, input.req));
  const computed = await Promise.all(requests.map((f) => runFacet(input, f, size, limit)));
  const results: Record<string, FacetResult> = {};
  const timedOut: string[] = [];
  const configured: string[] = [];
  computed.forEach((r, i) => {
    if (r === null) {
      timedOut.push(requests[i].column);
      return;
    }
    let key = r.name;
    for (let n = 2; Object.prototype.hasOwnProperty.call(results, key); n++) key = `${r.name}_${n}`;
    setKey(results, key, r);
    if (requests[i].source === "config") configured.push(key);
  });
  return { results, timedOut, configured };
}

/** One facet's result, or null when its query ran out of time. */
async function runFacet(input: FacetInput, f: FacetRequest, size: number, limit: number): Promise<FacetResult | null> {
  const { req, db } = input;
  const type = registries(input.almanac).facets.get(f.type)!;
  const src = source(input);
  const first = await runFacetQuery(db, type.sql({ ...src, column: f.column, size }), limit);
  if (!first.ok) return null;
  const truncated = first.rows.length > size;
  const rows = first.rows.slice(0, size);

  // Selected values always show, even when they fall outside the top `size`.
  const shown = new Set(rows.map((r) => String(valueOf(type, r[0]))));
  const missing = type.selectedValues(f.column, req.pairs).filter((v) => !shown.has(v));
  if (missing.length) {
    const extra = await runFacetQuery(db, type.sql({ ...src, column: f.column, size: missing.length, only: missing }), limit);
    if (extra.ok) rows.push(...extra.rows.filter((r) => !shown.has(String(valueOf(type, r[0])))));
  }

  const values = rows.map((r) => valueOf(type, r[0]));
  const labels = f.type === "column" ? await labelValues(input, f.column, values, limit) : null;
  const pairs = req.pairs;
  const cells = { infinity: argIsTrue(req.arg("_json_infinity")), jsonColumns: new Set<string>() };
  const here = pageUrl(input, pairs, true);
  return {
    name: f.column,
    type: f.type,
    hideable: f.source !== "config",
    // Datasette: the facet's own toggle is a path (removing the argument that asked for it); values' are absolute.
    toggle_url: pageUrl(input, f.pair ? withoutPairs(pairs, [f.pair]) : pairs, false),
    results: rows.map((r, i) => {
      const value = values[i];
      const text = String(value);
      const selectedBy = type.selectedPairs(f.column, text, pairs);
      const encoded = encodeCell(value, f.column, cells);
      return {
        value: encoded,
        label: labels?.get(text) ?? encoded,
        count: Number(r[1]),
        toggle_url: selectedBy.length ? pageUrl(input, withoutPairs(pairs, selectedBy), true) : appendPair(here, type.selectPair(f.column, text)),
        selected: selectedBy.length > 0,
      };
    }),
    truncated,
  };
}

function valueOf(type: FacetType, raw: unknown): unknown {
  return type.value ? type.value(raw) : raw;
}

/** Foreign-key labels for a column facet's values, when the column expands and the actor may view the other table. */
async function labelValues(input: FacetInput, column: string, values: unknown[], limit: number): Promise<Map<string, string> | null> {
  const { almanac, req, db, table } = input;
  const e = expandableColumns(table, db.schema(), (t) => almanac.tableConfig(db.name, t)).find((x) => x.column === column);
  if (!e || !e.labelColumn || !values.length) return null;
  if (!canViewTable(almanac, req.actor, db, e.otherTable)) return null;
  try {
    const labels = await labelsFor(db, [e], values.map((v) => ({ [column]: v })), limit);
    return labels.get(column) ?? null;
  } catch {
    // Out of time (or the other table is unreadable): values stand for themselves.
    return null;
  }
}

/**
 * Suggestions, per (database contents, table, filters, columns, facets already shown): one query per column
 * and facet type, so they are the costliest part of an HTML table page. Only complete answers are kept: a
 * check that timed out may succeed next time.
 */
type Suggestion = { column: string; type: FacetRequest["type"]; arg: string };
const suggestionMemo = perDatabase<Suggestion[]>(500);

/** Suggestions: never fail the page; a suggestion whose query times out or errors is simply dropped. */
async function suggestFacets(input: FacetInput, requests: FacetRequest[], facetSize: number): Promise<SuggestedFacet[]> {
  const { req, db, table, plan } = input;
  const columns = plan.selectColumns.filter((c) => table.columns.some((x) => x.name === c));
  const src = source(input);
  const version = db.dataVersion();
  const key = memoKey(table.name, src.whereSql, src.whereParams, columns, facetSize, requests.map((f) => [f.type, f.column]));
  let found = suggestionMemo(db).get(key, version);
  if (!found) {
    const computed = await findSuggestions(input, requests, facetSize, columns);
    found = computed.suggestions;
    if (computed.complete) suggestionMemo(db).set(key, version, found);
  }
  const here = pageUrl(input, req.pairs, true);
  return found.map((s) => ({ name: s.column, ...(s.type === "column" ? {} : { type: s.type }), toggle_url: appendPair(here, [s.arg, s.column]) }));
}

async function findSuggestions(input: FacetInput, requests: FacetRequest[], facetSize: number, columns: string[]) {
  const { almanac, req, db } = input;
  const limit = budget(almanac.settings.facet_suggest_time_limit_ms, timeLimit(almanac, req));
  const run = async (q: FacetQuery) => (await db.execute(q.sql, q.params, { timeLimitMs: limit })).rows;
  const src = source(input);
  let rowCount: number;
  try {
    rowCount = Number((await run(suggestRowCountSql(src)))[0][0]);
  } catch {
    return { suggestions: [], complete: false };
  }
  let complete = true;
  const checks: Promise<Suggestion | null>[] = [];
  for (const type of registries(almanac).facets.all()) {
    if (!type.suggest) continue;
    const already = new Set(requests.filter((f) => f.type === type.type).map((f) => f.column));
    for (const column of columns) {
      if (already.has(column)) continue;
      checks.push(
        type.suggest({ ...src, column, facetSize, rowCount, run }).then(
          (yes) => (yes ? { column, type: type.type, arg: type.arg } : null),
          (err) => {
            // A plugin's facet type failing is named, never a silent "no".
            if (err instanceof PluginError) throw err;
            // SQLite refusing the check (an array facet's JSON functions on plain text) is a firm no; a
            // timeout is not, and may go the other way next time.
            if (!(err instanceof QueryError && err.failure.kind === "sql")) complete = false;
            return null;
          },
        ),
      );
    }
  }
  const suggestions = (await Promise.all(checks)).filter((s) => s !== null);
  return { suggestions, complete };
}

/** What the facet extras read. The table page's extra context extends it. */
export interface FacetExtraContext extends ExtraContext {
  facets: FacetOutcome;
}

/** Configured facets first (configuration order), then the rest by number of values, then name, descending. */
export function sortedFacetResults(outcome: FacetOutcome): FacetResult[] {
  const configured = outcome.configured.map((k) => outcome.results[k]);
  const rest = Object.entries(outcome.results)
    .filter(([k]) => !outcome.configured.includes(k))
    .map(([, v]) => v)
    .sort((a, b) => b.results.length - a.results.length || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  return [...configured, ...rest];
}

export const FACET_EXTRAS = defineExtras<FacetExtraContext>({
  facet_results: { description: "Results of facets calculated against this data", value: (c) => ({ results: c.facets.results, timed_out: c.facets.timedOut }) },
  facets_timed_out: { description: "Facets that timed out", value: (c) => c.facets.timedOut },
  suggested_facets: { description: "Suggestions for facets that might return interesting results", value: (c) => c.facets.suggested },
  sorted_facet_results: { description: "Facet results sorted: configured facets first, then by number of results", value: (c) => sortedFacetResults(c.facets) },
});
