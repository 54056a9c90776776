/**
 * @module Server-rendered HTML: the layout every page shares (breadcrumbs, menu, jump button, messages,
 * footer, assets) around a page's own context, through the templates in `templates/` (overridable with
 * `--template-dir`, autoescaped). Pages build their context from the same data object their JSON twin sends.
 */
import { VERSION, type Almanac } from "../app.js";
import type { Metadata } from "../config/options.js";
import type { AlmanacRequest } from "../http/request.js";
import { html, type Reply } from "../http/response.js";
import { tildeEncode } from "../http/tilde.js";
import { staticUrl } from "./assets.js";
import { isSafeUrl } from "./cells.js";
import { Templates, cssClass } from "./templates.js";
import nunjucks from "nunjucks";
import { PAGE_HOOKS, type PageHookContext } from "../plugins/types.js";

type SafeString = nunjucks.runtime.SafeString;
import { canViewTable } from "../pages/common.js";
import { takeMessages } from "../http/messages.js";
import { jsonTree } from "./json-view.js";

/** What a page adds to the layout. */
export interface PageOptions {
  /** Template names, most specific first (Datasette's lookup order). */
  templates: string[];
  context: Record<string, unknown>;
  /** `<body class>`: Datasette's `index`, `db db-<db>`, `table db-<db> table-<t>`, … */
  bodyClass: string;
  /** The JSON twin (`<link rel=alternate>` and the `Link` header); null for pages without one. */
  jsonUrl?: string | null;
  /** Where the page sits, for the breadcrumbs. */
  database?: string;
  table?: string;
  /** The table a table page shows (its breadcrumbs stop at the database): what plugin hooks are told. */
  pageTable?: string;
  /** The columns a page with rows shows (plugin hooks are told). */
  columns?: string[];
  /** Metadata whose license / source / about links the footer shows (inherits from the levels above). */
  footerMetadata?: Metadata;
  /** Time spent in SQL for this page, shown in the footer. */
  queryMs?: number;
  status?: number;
  headers?: Record<string, string>;
}

export interface MetadataLink {
  label: string;
  href: string | null;
  text: string;
}

/** Description and license / source / about links for the templates (they escape; `description_html` is marked safe there). */
export function metadataContext(meta: Record<string, unknown> | undefined): { description_html: string | null; description: string | null; links: MetadataLink[] } {
  if (!meta) return { description_html: null, description: null, links: [] };
  const links: MetadataLink[] = [];
  for (const [key, label] of [["license", "Data license"], ["source", "Data source"], ["about", "About"]] as const) {
    const text = meta[key];
    const href = isSafeUrl(meta[`${key}_url`]) ? (meta[`${key}_url`] as string) : null;
    if (!text && !href) continue;
    links.push({ label, href, text: typeof text === "string" && text ? text : String(meta[`${key}_url`]) });
  }
  return {
    description_html: typeof meta.description_html === "string" ? meta.description_html : null,
    description: typeof meta.description === "string" ? meta.description : null,
    links,
  };
}

let engine: { key: string; templates: Templates } | null = null;

/** One engine per set of template directories (the app has one; tests may start several apps in one process). */
export function templatesFor(almanac: Almanac): Templates {
  const dir = almanac.options.templateDir;
  const pluginDirs = almanac.plugins.plugins.flatMap((p) => (p.templatesDir ? [p.templatesDir] : []));
  const key = pluginDirs.length ? [dir ?? "", ...pluginDirs].join("\0") : (dir ?? "");
  if (!engine || engine.key !== key) engine = { key, templates: new Templates(dir, pluginDirs) };
  return engine.templates;
}

/** The JSON twin of this page: same path plus `.json`, same query string; absolute unless `absolute: false`. */
export function jsonTwin(almanac: Almanac, req: AlmanacRequest, absolute = true): string {
  const path = almanac.path(req.path === "/" ? "/.json" : `${req.path}.json`);
  return (absolute ? req.absolute(path) : path) + (req.queryString ? `?${req.queryString}` : "");
}

/** Datasette's `urls` helper: every URL a template builds, base_url included. */
export function urlsFor(almanac: Almanac) {
  const db = (d: string) => almanac.path(`/${tildeEncode(d)}`);
  return {
    instance: () => almanac.path("/"),
    path: (p: string) => almanac.path(p.startsWith("/") ? p : `/${p}`),
    database: db,
    table: (d: string, t: string) => `${db(d)}/${tildeEncode(t)}`,
    query: (d: string, q: string) => `${db(d)}/${tildeEncode(q)}`,
    row: (d: string, t: string, pks: string) => `${db(d)}/${tildeEncode(t)}/${pks}`,
    static: (p: string) => staticUrl(almanac, p),
    jump: () => almanac.path("/-/jump.json"),
  };
}

/** `extra_css_urls` / `extra_js_urls` entries: a URL string or `{url, sri, module}`. */
function extraUrls(list: unknown): { url: string; sri: string | null; module: boolean }[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((item) => (typeof item === "string" ? { url: item } : (item as Record<string, unknown>)))
    .filter((item) => item && typeof item.url === "string")
    .map((item) => ({ url: item.url as string, sri: typeof item.sri === "string" ? item.sri : null, module: item.module === true }));
}

/** Breadcrumbs: home, then the database and table, each only when the actor may view it. */
function crumbs(almanac: Almanac, req: AlmanacRequest, database?: string, table?: string): { href: string; label: string }[] {
  const urls = urlsFor(almanac);
  const out = [{ href: urls.instance(), label: "home" }];
  if (database === undefined) return out;
  if (!almanac.permissions.allowed(req.actor, "view-database", { database })) return out;
  out.push({ href: urls.database(database), label: database });
  const db = almanac.databases.get(database);
  if (table !== undefined && db && canViewTable(almanac, req.actor, db, table)) out.push({ href: urls.table(database, table), label: table });
  return out;
}

/** A display name for the signed-in actor (Datasette: display, name, username, login, id). */
function displayActor(actor: Record<string, unknown> | null): string | null {
  if (!actor) return null;
  for (const key of ["display", "name", "username", "login", "id"]) if (actor[key] !== undefined && actor[key] !== null) return String(actor[key]);
  return null;
}

/** Datasette's `request` in templates: what a custom page may read (path, query string, args, route variables). */
function requestContext(almanac: Almanac, req: AlmanacRequest) {
  return {
    method: req.method,
    path: almanac.path(req.path),
    query_string: req.queryString,
    full_path: almanac.path(req.path) + (req.queryString ? `?${req.queryString}` : ""),
    url: req.absolute(almanac.path(req.path)) + (req.queryString ? `?${req.queryString}` : ""),
    args: { get: (name: string) => req.arg(name) ?? null, getlist: (name: string) => req.argList(name) },
    url_vars: { ...req.params },
    actor: req.actor,
  };
}

/** A script for the end of the page: `</` can never close the script element early. */
function bodyScript(value: string | { script: string; module?: boolean }): { script: SafeString; module: boolean } {
  const text = typeof value === "string" ? value : String(value.script ?? "");
  return { script: new nunjucks.runtime.SafeString(text.replace(/<\//g, "<\\/")), module: typeof value === "object" && value.module === true };
}

/** What plugins add to a page (menu links, assets, template variables, scripts); nothing to ask when none implements a page hook. */
async function pluginContributions(almanac: Almanac, req: AlmanacRequest, opts: PageOptions, template: string) {
  const none = { menu_links: [], css: [], js: [], vars: {}, scripts: [] };
  if (!almanac.plugins.implements(PAGE_HOOKS)) return none;
  const kind = opts.bodyClass.split(" ")[0];
  const ctx: PageHookContext = {
    almanac,
    request: req,
    actor: req.actor,
    template,
    view_name: kind === "db" ? "database" : kind,
    database: opts.database ?? null,
    table: opts.pageTable ?? opts.table ?? null,
    columns: opts.columns ?? null,
  };
  const plugins = almanac.plugins;
  const [links, css, js, vars, scripts] = await Promise.all([
    plugins.values("menu_links", ctx),
    plugins.values("extra_css_urls", ctx),
    plugins.values("extra_js_urls", ctx),
    plugins.values("extra_template_vars", ctx),
    plugins.values("extra_body_script", ctx),
  ]);
  return {
    menu_links: links.flat().filter((l) => l && typeof l.href === "string" && typeof l.label === "string"),
    css: extraUrls(css.flat()),
    js: extraUrls(js.flat()),
    vars: Object.assign({}, ...vars) as Record<string, unknown>,
    scripts: scripts.map(bodyScript),
  };
}

/** Almanac's own menu items: "Create API token" for a signed-in actor who may make one (as in Datasette). */
function coreMenuLinks(almanac: Almanac, req: AlmanacRequest): { href: string; label: string }[] {
  const actor = req.actor;
  if (!actor || actor.id === undefined || "token" in actor || "_r" in actor || !almanac.settings.allow_signed_tokens) return [];
  return [{ href: almanac.path("/-/create-token"), label: "Create API token" }];
}

/** Render a page: the layout's context (breadcrumbs, menu, assets, footer, JSON twin) plus the page's own. */
export async function renderPage(almanac: Almanac, req: AlmanacRequest, opts: PageOptions): Promise<Reply> {
  const urls = urlsFor(almanac);
  const config = almanac.options.config;
  const footer = metadataContext({ ...almanac.instanceMetadata(), ...(opts.footerMetadata ?? {}) });
  const templates = templatesFor(almanac);
  const extra = await pluginContributions(almanac, req, opts, templates.choose(opts.templates));
  const page = templates.render(opts.templates, {
    // Plugins' variables first: the page's own names win.
    ...extra.vars,
    ...opts.context,
    urls,
    static: urls.static,
    base_url: almanac.baseUrl,
    crumb_items: crumbs(almanac, req, opts.database, opts.table),
    actor: req.actor,
    display_actor: displayActor(req.actor),
    menu_links: [...coreMenuLinks(almanac, req), ...extra.menu_links],
    body_scripts: extra.scripts,
    show_logout: req.actorSource === "cookie",
    messages: takeMessages(almanac, req),
    request: requestContext(almanac, req),
    extra_css_urls: [...extraUrls(config.extra_css_urls), ...extra.css],
    extra_js_urls: [...extraUrls(config.extra_js_urls), ...extra.js],
    body_class: opts.bodyClass,
    alternate_url_json: opts.jsonUrl ?? null,
    footer_links: footer.links,
    query_ms: opts.queryMs === undefined ? null : opts.queryMs.toFixed(1),
    almanac_version: VERSION,
  });
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.jsonUrl) headers.link = `<${opts.jsonUrl}>; rel="alternate"; type="application/json+datasette"`;
  return html(page, opts.status ?? 200, headers);
}

/** Datasette's body classes: `index`; `db db-<db>`; `table db-<db> table-<t>`; `row …`; `query db-<db>`. */
export function bodyClass(kind: "index" | "database" | "table" | "row" | "query", database?: string, table?: string): string {
  const db = database !== undefined ? `db-${cssClass(database)}` : "";
  const t = table !== undefined ? `table-${cssClass(table)}` : "";
  switch (kind) {
    case "index":
      return "index";
    case "database":
      return `db ${db}`;
    case "query":
      return `query ${db}`;
    default:
      return `${kind} ${db} ${t}`;
  }
}

/**
 * An error page: `<status>.html`, then `error.html` (Datasette's names), escaped like every page. The context
 * has Datasette's `error` (the messages joined), `status` and `title`, plus `errors` as a list; `messages`
 * is the layout's flash messages, as on every page.
 */
export async function renderErrorPage(almanac: Almanac, req: AlmanacRequest, status: number, title: string, messages: string[]): Promise<Reply> {
  const context = { title, status, error: messages.join("; "), errors: messages };
  return renderPage(almanac, req, { templates: [`${status}.html`, "error.html"], context, bodyClass: "error", status });
}

/**
 * `/-/…` pages as HTML (Datasette's show_json page): the data as definition lists and tables, escaped, with
 * the pretty-printed JSON and a link to the raw JSON beside it. The API's `"ok": true` is left out of the view.
 */
export async function renderJsonPage(almanac: Almanac, req: AlmanacRequest, title: string, data: unknown): Promise<Reply> {
  const shown = data !== null && typeof data === "object" && !Array.isArray(data) && (data as Record<string, unknown>).ok === true ? withoutKey(data as Record<string, unknown>, "ok") : data;
  const rawUrl = jsonTwin(almanac, req, false);
  return renderPage(almanac, req, {
    templates: ["show_json.html"],
    context: { title, tree: jsonTree(shown), json: JSON.stringify(data, null, 4), raw_url: rawUrl },
    bodyClass: "show-json",
    jsonUrl: jsonTwin(almanac, req),
  });
}

function withoutKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}
