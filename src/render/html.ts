/**
 * @module Server-rendered HTML for every data page: the same data the JSON carries, through the templates in
 * `templates/` (overridable with `--template-dir`), autoescaped, with links to the JSON twin.
 */
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "../http/request.js";
import { html, type Reply } from "../http/response.js";
import { tildeEncode } from "../http/tilde.js";
import { staticUrl } from "./assets.js";
import { Templates, cssClass } from "./templates.js";

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

/** Description and license / source / about links for the templates (they escape; `description_html` is marked safe there). */
function metadataContext(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return { links: [] };
  const links: { label: string; href: string | null; text: string }[] = [];
  for (const [key, label] of [["license", "Data license"], ["source", "Data source"], ["about", "About"]] as const) {
    const text = meta[key];
    const href = safeHref(meta[`${key}_url`]);
    if (!text && !href) continue;
    links.push({ label, href, text: typeof text === "string" && text ? text : String(meta[`${key}_url`]) });
  }
  return {
    description_html: typeof meta.description_html === "string" ? meta.description_html : null,
    description: typeof meta.description === "string" ? meta.description : null,
    links,
  };
}

/** What a cell shows: text (escaped by the template), or the null marker. */
function cellText(value: unknown): { text: string; is_null: boolean } {
  if (value === null || value === undefined) return { text: "", is_null: true };
  if (value instanceof Uint8Array) return { text: `<Binary: ${value.byteLength} bytes>`, is_null: false };
  if (typeof value === "object" && "label" in value) return { text: String((value as { label: unknown }).label), is_null: false };
  if (typeof value === "object" && "$base64" in value) return { text: "<Binary data>", is_null: false };
  return { text: typeof value === "object" ? JSON.stringify(value) : String(value), is_null: false };
}

let engine: { dir: string | undefined; templates: Templates } | null = null;

/** One engine per template directory (the app has one; tests may start several apps in one process). */
function templatesFor(almanac: Almanac): Templates {
  const dir = almanac.options.templateDir;
  if (!engine || engine.dir !== dir) engine = { dir, templates: new Templates(dir) };
  return engine.templates;
}

function jsonTwin(almanac: Almanac, req: AlmanacRequest): string {
  const path = req.path === "/" ? "/.json" : `${req.path}.json`;
  return req.absolute(almanac.path(path)) + (req.queryString ? `?${req.queryString}` : "");
}

/** Render a page: the layout's context (breadcrumbs, assets, JSON twin) plus the page's own. */
function renderPage(almanac: Almanac, req: AlmanacRequest, names: string[], context: Record<string, unknown>, jsonUrl: string | null, where: { database?: string; table?: string } = {}): Reply {
  const crumbs = [{ href: almanac.path("/"), label: "home" }];
  if (where.database !== undefined) crumbs.push({ href: almanac.path(`/${tildeEncode(where.database)}`), label: where.database });
  if (where.database !== undefined && where.table !== undefined) {
    crumbs.push({ href: almanac.path(`/${tildeEncode(where.database)}/${tildeEncode(where.table)}`), label: where.table });
  }
  const page = templatesFor(almanac).render(names, {
    ...context,
    crumbs,
    json_url: jsonUrl,
    app_css_url: staticUrl(almanac, "app.css"),
    favicon_url: almanac.path("/favicon.ico"),
    body_class: req.params.format ?? "page",
    base_url: almanac.baseUrl,
  });
  const headers: Record<string, string> = {};
  if (jsonUrl) headers.link = `<${jsonUrl}>; rel="alternate"; type="application/json+datasette"`;
  return html(page, 200, headers);
}

/** Template names, most specific first (Datasette's lookup order). */
function templateNames(data: PageData): string[] {
  const db = data.database !== undefined ? cssClass(data.database) : "";
  const table = data.table !== undefined ? cssClass(data.table) : "";
  switch (data.kind) {
    case "index":
      return ["index.html"];
    case "database":
      return [`database-${db}.html`, "database.html"];
    case "table":
    case "view":
      return [`table-${db}-${table}.html`, "table.html"];
    case "row":
      return [`row-${db}-${table}.html`, "row.html"];
    case "query":
      return [`query-${db}.html`, "query.html"];
  }
}

export function renderDataPage(almanac: Almanac, req: AlmanacRequest, data: PageData): Reply {
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
  const rows = data.rows.map((row) => data.columns.map((c) => ({ ...cellText(row[c]), href: link(row, c), cls: typeof row[c] === "number" ? "num" : "" })));
  const context = {
    ...data,
    title: data.title,
    metadata: metadataContext(data.metadata),
    count_text: data.count === undefined || data.count === null ? null : data.count > 10000 ? ">10,000" : data.count.toLocaleString("en"),
    query_form: data.kind === "query" ? { action: almanac.path(`/${tildeEncode(data.database ?? "")}/-/query`), sql: data.sql ?? req.arg("sql") ?? "" } : null,
    rows,
    next_href: data.nextUrl ? data.nextUrl.replace(/\.json(\?|$)/, "$1") : null,
  };
  const where = { database: data.kind === "database" ? undefined : data.database, table: data.kind === "row" ? data.table : undefined };
  return renderPage(almanac, req, templateNames(data), context, data.kind === "query" && !req.arg("sql") ? null : jsonTwin(almanac, req), where);
}

/** An error page: `<status>.html`, then `error.html` (Datasette's names), escaped like every page. */
export function renderErrorPage(almanac: Almanac, req: AlmanacRequest, status: number, title: string, messages: string[]): Reply {
  const reply = renderPage(almanac, req, [`${status}.html`, "error.html"], { title, status, messages }, null);
  return { ...reply, status };
}

/** `/-/…` pages as HTML: the JSON, pretty-printed and escaped (Datasette's show_json page). */
export function renderJsonPage(almanac: Almanac, req: AlmanacRequest, title: string, data: unknown): Reply {
  return renderPage(almanac, req, ["show_json.html"], { title, json: JSON.stringify(data, null, 4) }, jsonTwin(almanac, req));
}
