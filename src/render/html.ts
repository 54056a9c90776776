/**
 * @module Plain server-rendered HTML for every data page: the same data the JSON carries, escaped, with
 * links to the JSON twin. The full web interface (templates, facets, editor) builds on this.
 */
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "../http/request.js";
import { html, type Reply } from "../http/response.js";
import { tildeEncode } from "../http/tilde.js";
import { staticUrl } from "./assets.js";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export interface PageData {
  title: string;
  /** Descriptive metadata for this page's level (description, license, source, about). */
  metadata?: Record<string, unknown>;
  kind: "index" | "database" | "table" | "view" | "row" | "query";
  database?: string;
  table?: string;
  description?: string;
  columns: string[];
  rows: Record<string, unknown>[];
  /** Columns that identify a row (links to the row page). */
  keyColumns?: string[];
  nextUrl?: string | null;
  count?: number | null;
  sql?: string | null;
  truncated?: boolean;
  jsonUrl?: string;
}

/** A link is only ever made from an http(s) URL: anything else (javascript:, data:) is shown as text. */
function safeHref(url: unknown): string | null {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

/** Description (escaped; `description_html` as the operator wrote it) and license / source / about links. */
function metadataBlock(meta: Record<string, unknown> | undefined): string[] {
  if (!meta) return [];
  const out: string[] = [];
  if (typeof meta.description_html === "string") out.push(`<div class="metadata-description">${meta.description_html}</div>`);
  else if (typeof meta.description === "string" && meta.description) out.push(`<p class="metadata-description">${escapeHtml(meta.description)}</p>`);
  const links: string[] = [];
  for (const [key, label] of [["license", "Data license"], ["source", "Data source"], ["about", "About"]] as const) {
    const text = meta[key];
    const href = safeHref(meta[`${key}_url`]);
    if (!text && !href) continue;
    const shown = escapeHtml(typeof text === "string" && text ? text : String(meta[`${key}_url`]));
    links.push(`${label}: ${href ? `<a href="${escapeHtml(href)}">${shown}</a>` : shown}`);
  }
  if (links.length) out.push(`<p class="metadata-links">${links.join(" · ")}</p>`);
  return out;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '<span class="null">&nbsp;</span>';
  if (value instanceof Uint8Array) return `&lt;Binary: ${value.byteLength} bytes&gt;`;
  if (typeof value === "object" && value !== null && "label" in value) return escapeHtml((value as { label: unknown }).label);
  if (typeof value === "object" && value !== null && "$base64" in value) return "&lt;Binary data&gt;";
  return escapeHtml(typeof value === "object" ? JSON.stringify(value) : value);
}

function layout(almanac: Almanac, req: AlmanacRequest, title: string, body: string, jsonUrl: string | null, where: { database?: string; table?: string } = {}): Reply {
  const crumbs = [`<a href="${escapeHtml(almanac.path("/"))}">home</a>`];
  if (where.database !== undefined) crumbs.push(`<a href="${escapeHtml(almanac.path(`/${tildeEncode(where.database)}`))}">${escapeHtml(where.database)}</a>`);
  if (where.database !== undefined && where.table !== undefined) {
    crumbs.push(`<a href="${escapeHtml(almanac.path(`/${tildeEncode(where.database)}/${tildeEncode(where.table)}`))}">${escapeHtml(where.table)}</a>`);
  }
  const alternate = jsonUrl ? `<link rel="alternate" type="application/json+datasette" href="${escapeHtml(jsonUrl)}">` : "";
  const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${alternate}
<link rel="stylesheet" href="${escapeHtml(staticUrl(almanac, "app.css"))}">
<link rel="icon" href="${escapeHtml(almanac.path("/favicon.ico"))}">
</head>
<body class="${escapeHtml(req.params.format ?? "page")}">
<nav>${crumbs.join(" / ")}</nav>
${body}
${jsonUrl ? `<p>This data as <a href="${escapeHtml(jsonUrl)}">json</a></p>` : ""}
</body>
</html>
`;
  const headers: Record<string, string> = {};
  if (jsonUrl) headers.link = `<${jsonUrl}>; rel="alternate"; type="application/json+datasette"`;
  return html(page, 200, headers);
}

function jsonTwin(almanac: Almanac, req: AlmanacRequest): string {
  const path = req.path === "/" ? "/.json" : `${req.path}.json`;
  return req.absolute(almanac.path(path)) + (req.queryString ? `?${req.queryString}` : "");
}

export function renderDataPage(almanac: Almanac, req: AlmanacRequest, data: PageData): Reply {
  const parts: string[] = [`<h1>${escapeHtml(data.title)}</h1>`];
  parts.push(...metadataBlock(data.metadata));
  if (data.description) parts.push(`<p>${escapeHtml(data.description)}</p>`);
  if (data.count !== undefined && data.count !== null) parts.push(`<p>${data.count > 10000 ? "&gt;10,000" : data.count.toLocaleString("en")} rows</p>`);
  if (data.kind === "query") {
    parts.push(
      `<form method="get" action="${escapeHtml(almanac.path(`/${tildeEncode(data.database ?? "")}/-/query`))}"><label for="sql">SQL</label><textarea id="sql" name="sql" rows="6">${escapeHtml(data.sql ?? req.arg("sql") ?? "")}</textarea><p><button type="submit">Run SQL</button></p></form>`,
    );
  }
  const base = data.database !== undefined ? `/${tildeEncode(data.database)}` : "";
  const link = (row: Record<string, unknown>, col: string): string | null => {
    if (data.kind === "index" && col === "name") return almanac.path(`/${tildeEncode(String(row.name))}`);
    if (data.kind === "database" && col === "name") return almanac.path(`${base}/${tildeEncode(String(row.name))}`);
    if ((data.kind === "table" || data.kind === "view") && data.keyColumns?.length && col === data.keyColumns[0]) {
      const keys = data.keyColumns.map((k) => {
        const v = row[k];
        return tildeEncode(String(v !== null && typeof v === "object" && "value" in v ? (v as { value: unknown }).value : v));
      });
      return almanac.path(`${base}/${tildeEncode(data.table ?? "")}/${keys.join(",")}`);
    }
    return null;
  };
  if (data.columns.length) {
    const head = data.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("");
    const body = data.rows
      .map((row) => {
        const cells = data.columns.map((c) => {
          const href = link(row, c);
          const v = row[c];
          const content = href ? `<a href="${escapeHtml(href)}">${cell(v)}</a>` : cell(v);
          return `<td class="${typeof v === "number" ? "num" : ""}">${content}</td>`;
        });
        return `<tr>${cells.join("")}</tr>`;
      })
      .join("\n");
    parts.push(`<table><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`);
  } else if (data.kind !== "query") {
    parts.push("<p>Nothing to show.</p>");
  }
  if (data.truncated) parts.push("<p>Results were truncated at the row limit.</p>");
  if (data.nextUrl) parts.push(`<p><a href="${escapeHtml(data.nextUrl.replace(/\.json(\?|$)/, "$1"))}">Next page</a></p>`);
  const where = { database: data.kind === "database" ? undefined : data.database, table: data.kind === "row" ? data.table : undefined };
  return layout(almanac, req, data.title, parts.join("\n"), data.kind === "query" && !req.arg("sql") ? null : jsonTwin(almanac, req), where);
}

/** `/-/…` pages as HTML: the JSON, pretty-printed and escaped (Datasette's show_json page). */
export function renderJsonPage(almanac: Almanac, req: AlmanacRequest, title: string, data: unknown): Reply {
  return layout(almanac, req, title, `<h1>${escapeHtml(title)}</h1>\n<pre>${escapeHtml(JSON.stringify(data, null, 4))}</pre>`, jsonTwin(almanac, req));
}
