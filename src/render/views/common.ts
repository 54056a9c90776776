/**
 * @module Helpers the page views share: query-string edits that keep base_url, first-existing template
 * look-ups, row and foreign-key URLs, metadata for the templates, number formatting.
 */
import nunjucks from "nunjucks";
import type { Almanac } from "../../app.js";
import type { Database } from "../../db/index.js";
import type { AlmanacRequest } from "../../http/request.js";
import { tildeEncode } from "../../http/tilde.js";
import { columnKey } from "../../query/filters.js";
import type { DisplayCell } from "../cells.js";
import { urlWithQuery } from "../../pages/common.js";
import { metadataContext, templatesFor, urlsFor } from "../html.js";

/** How to change a query string: drop keys (or single key/value pairs), set keys to one value, append pairs. */
export interface ArgChanges {
  /** Keys to drop entirely. */
  remove?: string[];
  /** Exact pairs to drop (one `_facet=a` among several `_facet`s). */
  removePairs?: [string, string][];
  /** Keys set to exactly this value (replacing every earlier value). */
  set?: Record<string, string>;
  /** Pairs appended at the end. */
  append?: [string, string][];
}

/** Query-string pairs after the changes, order otherwise kept. */
export function changePairs(pairs: [string, string][], changes: ArgChanges): [string, string][] {
  const drop = new Set([...(changes.remove ?? []), ...Object.keys(changes.set ?? {})]);
  const dropPairs = changes.removePairs ?? [];
  const out = pairs.filter(([k, v]) => !drop.has(k) && !dropPairs.some(([dk, dv]) => dk === k && dv === v));
  for (const [k, v] of Object.entries(changes.set ?? {})) out.push([k, v]);
  out.push(...(changes.append ?? []));
  return out;
}

/** This page's path (base_url included, no host) with its query string changed. */
export function pathWithArgs(almanac: Almanac, req: AlmanacRequest, changes: ArgChanges, path?: string): string {
  return urlWithQuery(almanac, req, new URLSearchParams(changePairs(req.pairs, changes)), { absolute: false, path });
}

/** The first template of `names` that exists (user directory first), else the last: for `{% include %}`. */
export function firstTemplate(almanac: Almanac, names: string[]): string {
  const templates = templatesFor(almanac);
  return names.find((n) => templates.exists(n)) ?? names[names.length - 1];
}

/** Numbers as Datasette prints them: `1,234`. */
export function formatCount(n: number): string {
  return n.toLocaleString("en");
}

/** A cell value as it appears in a row URL: expanded foreign keys (`{value, label}`) by their value. */
export function keyValue(v: unknown): unknown {
  return v !== null && typeof v === "object" && "value" in (v as Record<string, unknown>) ? (v as { value: unknown }).value : v;
}

/**
 * The `<pks>` part of a row URL: key values tilde-encoded and joined with commas. Null when a key value
 * cannot be looked up through a URL — a NULL (allowed in a compound key) or a BLOB (as in FTS5's
 * `_idx` tables): such rows get no link rather than one that leads nowhere.
 */
export function rowKeyPath(keyColumns: string[], row: Record<string, unknown>): string | null {
  const values = keyColumns.map((k) => keyValue(row[k]));
  if (values.some((v) => v === null || v === undefined || typeof v === "object")) return null;
  return values.map((v) => tildeEncode(String(v))).join(",");
}

/**
 * Where the values of a foreign key lead: the referenced row when the key points at that table's primary key
 * (or rowid), otherwise the referenced table filtered to the value. Null when the table is gone. Made once per
 * column: the URL prefix is encoded once, not once per cell.
 */
export function foreignKeyLinker(almanac: Almanac, db: Database, otherTable: string, otherColumn: string): (value: unknown) => string | null {
  const urls = urlsFor(almanac);
  const other = db.schema().resolve(otherTable);
  if (!other) return () => null;
  const isKey =
    (other.primaryKeys.length === 1 && other.primaryKeys[0] === otherColumn) ||
    (other.usesRowid && otherColumn.toLowerCase() === "rowid");
  const tableUrl = urls.table(db.name, other.name);
  if (isKey) return (value) => `${tableUrl}/${tildeEncode(String(value))}`;
  const key = columnKey(otherColumn);
  return (value) => `${tableUrl}?${new URLSearchParams([[key, String(value)]]).toString()}`;
}

/**
 * A page's metadata for the templates: the raw keys (`title`, `columns`, …) plus what
 * `_description_source_license.html` reads (`description`, `description_html`, `links`).
 */
export function pageMetadata(raw: Record<string, unknown> | undefined): Record<string, unknown> {
  return { ...(raw ?? {}), ...metadataContext(raw) };
}

/**
 * Phone-width labels for the rows table: `td:nth-of-type(n)::before { content: "<name>" }` per column. Names
 * become CSS escapes (`\3c `) for everything but letters, digits, space, `_` and `-`, so the text can close
 * neither the string nor the <style> block, and needs no HTML escaping (which inside <style> would show).
 */
export function mobileLabelsCss(columns: string[]): nunjucks.runtime.SafeString {
  const rules = columns.map((name, i) => {
    const content = name.replace(/[^a-zA-Z0-9 _-]/gu, (c) => `\\${c.codePointAt(0)!.toString(16)} `);
    return `  .rows-and-columns td:nth-of-type(${i + 1})::before { content: "${content}"; }\n`;
  });
  return new nunjucks.runtime.SafeString(rules.join(""));
}

/** One cell as the rows table needs it: its class and escaped HTML (see cells.ts). */
export interface CellOut {
  cls: string;
  html: string;
}

/**
 * `display_rows` for templates that loop over cells themselves (Datasette's `_table.html` overrides): built
 * only when a template iterates it. `length` is known up front, so `{% if display_rows.length %}` costs nothing.
 */
export class DisplayRows implements Iterable<DisplayCell[]> {
  private built: DisplayCell[][] | undefined;

  constructor(
    readonly length: number,
    private readonly build: () => DisplayCell[][],
  ) {}

  [Symbol.iterator](): Iterator<DisplayCell[]> {
    this.built ??= this.build();
    return this.built[Symbol.iterator]();
  }
}

/** A CellOut as a template-facing DisplayCell. */
export function toDisplayCell(cell: CellOut, column: string, raw: unknown, type: string): DisplayCell {
  return { column, value: new nunjucks.runtime.SafeString(cell.html), raw, value_type: type, cls: cell.cls };
}

/**
 * The `<tr>`s of the rows table as one string. The cells are escaped HTML and the classes are CSS class
 * names, so nothing here needs escaping again; building it here rather than looping in the template keeps a
 * 100-row page fast. Templates that lay rows out differently loop over `display_rows`.
 */
export function rowsHtml(rows: Iterable<Iterable<CellOut>>): nunjucks.runtime.SafeString {
  let out = "";
  for (const row of rows) {
    out += "<tr>";
    for (const cell of row) out += `<td class="${cell.cls}">${cell.html}</td>`;
    out += "</tr>\n";
  }
  return new nunjucks.runtime.SafeString(out);
}
