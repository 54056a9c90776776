/**
 * @module What a plugin is: a module whose default export names its hooks. Hook names are Datasette's, so a
 * Datasette plugin's docs translate line for line; each hook receives one object holding the arguments
 * Datasette passes by name (`almanac` where Datasette passes `datasette`). Every hook may be async unless
 * its comment says otherwise. A plugin naming a hook that does not exist is refused at start-up, so a typo
 * never fails silently.
 *
 * How answers combine (Datasette's rules): list hooks are concatenated in plugin order; "first answer wins"
 * hooks (actor_from_request, render_cell, forbidden, handle_exception) take the first non-null answer.
 */
import type { Database as SqliteConnection } from "better-sqlite3";
import type { Command } from "commander";
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";
import type { FacetType } from "../query/facets.js";

export type Awaitable<T> = T | Promise<T>;
type Maybe<T> = T | null | undefined;
export type Actor = Record<string, unknown> | null;

/** A route a plugin adds; matched before Almanac's own routes, against the path without base_url. */
export interface PluginRoute {
  /** A regular expression for the whole path (named groups become `req.params`), or an exact path. */
  path: RegExp | string;
  /** Defaults to GET (HEAD included). */
  methods?: string[];
  handler(req: AlmanacRequest, almanac: Almanac): Awaitable<Reply>;
}

/** What the page hooks are told: which page is being rendered, for whom. */
export interface PageHookContext {
  almanac: Almanac;
  request: AlmanacRequest;
  actor: Actor;
  /** The template chosen for the page (e.g. `table.html`). */
  template: string;
  /** Datasette's view names: index, database, table, row, query, … */
  view_name: string;
  database: string | null;
  table: string | null;
  /** The columns shown, on pages with rows (table, row, query); null elsewhere. */
  columns: string[] | null;
}

/** An extra stylesheet or script: a URL, or `{url, sri, module}`. */
export type ExtraUrl = string | { url: string; sri?: string; module?: boolean };

/** An item in a page's actions menu: a link (`href`), or a button the page's own script handles. */
export interface ActionItem {
  label: string;
  href?: string;
  description?: string;
}

/**
 * One permission rule (the form Datasette 1.0's `permission_resources_sql` rows take): for an action, allow
 * or deny at a level — global (no database), a database (no child), or a child of it (table, view or stored
 * query). The resolver picks the most specific level with a rule; at that level a deny beats an allow; no
 * rule at all is a deny.
 */
export interface PermissionRule {
  database?: string | null;
  child?: string | null;
  allow: boolean;
  /** Shown by the permission debug pages. */
  reason?: string;
}

/** An event (Datasette §11.12): `login`, `logout`, `create-token`, … or a plugin's own. */
export interface AlmanacEvent {
  name: string;
  actor: Actor;
  /** ISO 8601, set when the event is tracked. */
  created: string;
  properties: Record<string, unknown>;
}

/** Middleware around the whole app (Datasette's `asgi_wrapper`): gets the next handler, returns a new one. */
export type Middleware = (next: (req: AlmanacRequest) => Promise<Reply>) => (req: AlmanacRequest) => Promise<Reply>;

/** What a renderer's `render` (and `can_render`) is told: the page's data in Datasette's names. */
export interface RenderContext {
  almanac: Almanac;
  request: AlmanacRequest;
  /** table, row, query (stored queries too: `query_name` is set), database */
  view_name: string;
  database: string;
  table: string | null;
  query_name: string | null;
  sql: string | null;
  columns: string[];
  /** Rows as objects keyed by column. */
  rows: Record<string, unknown>[];
  truncated: boolean;
  error: string | null;
  /** The page's whole JSON object (what `.json` would return). */
  data: Record<string, unknown>;
}

/** A renderer's answer: a Reply, or Datasette's dict form. */
export type RendererOutput = Reply | { body: string | Buffer; content_type?: string; status_code?: number; headers?: Record<string, string> };

/** A new output format (`.ext` URLs beside `.json` and `.csv`). */
export interface OutputRenderer {
  extension: string;
  render(ctx: RenderContext): Awaitable<RendererOutput>;
  /** Whether to offer a link to this format on the page; defaults to yes. */
  can_render?(ctx: RenderContext): Awaitable<boolean>;
}

/** `render_cell`'s answer: a string is text (escaped); `{html}` is markup, inserted as it is. */
export type CellOutput = string | { html: string };

export interface RenderCellContext {
  almanac: Almanac;
  request: AlmanacRequest;
  value: unknown;
  column: string;
  /** The row as an object keyed by column. */
  row: Record<string, unknown>;
  database: string;
  /** null on query pages. */
  table: string | null;
  pks: string[];
}

/** `register_magic_parameters`: `:_<prefix>_<key>` in a stored query is filled by `resolve(key, request)`. */
export interface MagicParameter {
  prefix: string;
  resolve(key: string, request: AlmanacRequest): Awaitable<unknown>;
}

interface RequestContext {
  almanac: Almanac;
  request: AlmanacRequest;
}

export interface AlmanacPlugin {
  /** Defaults to the file name (or the package name). */
  name?: string;
  version?: string;

  // ---- start-up
  /** Once, after the databases are open and before the first request. */
  startup?(ctx: { almanac: Almanac }): Awaitable<void>;
  /**
   * Every read connection, as it opens (in the worker threads as well as in-process): add SQL functions,
   * aggregates, collations. Synchronous. Runs in each worker with the module imported there afresh, so it
   * must not rely on state set up elsewhere; `config` is the plugin's instance-level configuration.
   */
  prepare_connection?(ctx: { conn: SqliteConnection; database: string; config: unknown }): void;
  /** Routes to add, in front of Almanac's own. */
  register_routes?(ctx: { almanac: Almanac }): Awaitable<Maybe<PluginRoute[]>>;
  /** Middleware around every request (outermost first, in plugin order). */
  asgi_wrapper?(ctx: { almanac: Almanac }): Awaitable<Maybe<Middleware>>;
  /** Output formats beside json and csv. */
  register_output_renderer?(ctx: { almanac: Almanac }): Awaitable<Maybe<OutputRenderer | OutputRenderer[]>>;
  /** Facet types beside column, array and date. */
  register_facet_classes?(ctx: { almanac: Almanac }): Awaitable<Maybe<FacetType[]>>;
  /** `:_<prefix>_<key>` parameters for stored queries. */
  register_magic_parameters?(ctx: { almanac: Almanac }): Awaitable<Maybe<MagicParameter[]>>;
  /** Commands for the `almanac` CLI (commander): add them to `program`. Packaged plugins only. */
  register_commands?(ctx: { program: Command }): void;
  /** Targets for `almanac publish` (commander): add a subcommand to `publish`. Packaged plugins only. */
  publish_subcommand?(ctx: { publish: Command }): void;

  // ---- every request
  /** Who is asking: an actor object, or null to let the next source decide. Throw an HttpError(401) for a bad credential. */
  actor_from_request?(ctx: RequestContext): Awaitable<Actor>;
  /** Rules for `action` and this actor (see PermissionRule). */
  permission_rules?(ctx: { almanac: Almanac; actor: Actor; action: string }): Awaitable<Maybe<PermissionRule[]>>;
  /** A custom answer for a 403 (e.g. a redirect to a login page); null for the default. */
  forbidden?(ctx: RequestContext & { message: string }): Awaitable<Maybe<Reply>>;
  /** A custom answer for an error (HttpError or an unexpected one); null for the default. */
  handle_exception?(ctx: RequestContext & { exception: unknown }): Awaitable<Maybe<Reply>>;
  /** Receives every tracked event. */
  track_event?(ctx: { almanac: Almanac; event: AlmanacEvent }): Awaitable<void>;

  // ---- HTML pages
  /** Links for the header menu, for this actor. */
  menu_links?(ctx: PageHookContext): Awaitable<Maybe<{ href: string; label: string }[]>>;
  /** Stylesheets to add to the page. */
  extra_css_urls?(ctx: PageHookContext): Awaitable<Maybe<ExtraUrl[]>>;
  /** Scripts to add to the page. */
  extra_js_urls?(ctx: PageHookContext): Awaitable<Maybe<ExtraUrl[]>>;
  /** Variables for the templates (the page's own names win over a plugin's). */
  extra_template_vars?(ctx: PageHookContext): Awaitable<Maybe<Record<string, unknown>>>;
  /** JavaScript to run at the end of the page: the code, or `{script, module}`. */
  extra_body_script?(ctx: PageHookContext): Awaitable<Maybe<string | { script: string; module?: boolean }>>;
  /** A cell's display on table, row and query pages (first answer wins). */
  render_cell?(ctx: RenderCellContext): Awaitable<Maybe<CellOutput>>;
  /** Items for the actions menu of each page kind. */
  homepage_actions?(ctx: RequestContext & { actor: Actor }): Awaitable<Maybe<ActionItem[]>>;
  database_actions?(ctx: RequestContext & { actor: Actor; database: string }): Awaitable<Maybe<ActionItem[]>>;
  table_actions?(ctx: RequestContext & { actor: Actor; database: string; table: string }): Awaitable<Maybe<ActionItem[]>>;
  view_actions?(ctx: RequestContext & { actor: Actor; database: string; view: string }): Awaitable<Maybe<ActionItem[]>>;
  row_actions?(ctx: RequestContext & { actor: Actor; database: string; table: string; row: Record<string, unknown> }): Awaitable<Maybe<ActionItem[]>>;
  query_actions?(ctx: RequestContext & { actor: Actor; database: string; query_name: string | null; sql: string; params: Record<string, unknown> }): Awaitable<Maybe<ActionItem[]>>;
  /** HTML placed at the top of each page kind (markup, inserted as it is). */
  top_homepage?(ctx: RequestContext): Awaitable<Maybe<string>>;
  top_database?(ctx: RequestContext & { database: string }): Awaitable<Maybe<string>>;
  top_table?(ctx: RequestContext & { database: string; table: string }): Awaitable<Maybe<string>>;
  top_row?(ctx: RequestContext & { database: string; table: string; row: Record<string, unknown> }): Awaitable<Maybe<string>>;
  top_query?(ctx: RequestContext & { database: string; sql: string }): Awaitable<Maybe<string>>;
  top_stored_query?(ctx: RequestContext & { database: string; query_name: string }): Awaitable<Maybe<string>>;
}

export type HookName = Exclude<keyof AlmanacPlugin, "name" | "version">;

/** Every hook, as a value (the loader checks plugins against it). Kept in step with AlmanacPlugin by the type below. */
export const HOOK_NAMES = [
  "startup", "prepare_connection", "register_routes", "asgi_wrapper", "register_output_renderer", "register_facet_classes",
  "register_magic_parameters", "register_commands", "publish_subcommand",
  "actor_from_request", "permission_rules", "forbidden", "handle_exception", "track_event",
  "menu_links", "extra_css_urls", "extra_js_urls", "extra_template_vars", "extra_body_script", "render_cell",
  "homepage_actions", "database_actions", "table_actions", "view_actions", "row_actions", "query_actions",
  "top_homepage", "top_database", "top_table", "top_row", "top_query", "top_stored_query",
] as const satisfies readonly HookName[];
// Fails to compile if a hook is added to AlmanacPlugin but not to HOOK_NAMES.
type Missing = Exclude<HookName, (typeof HOOK_NAMES)[number]>;
const _everyHookListed: Missing extends never ? true : Missing = true;
void _everyHookListed;

/** The hooks every HTML page asks (in one go, before its template renders). */
export const PAGE_HOOKS = ["menu_links", "extra_css_urls", "extra_js_urls", "extra_template_vars", "extra_body_script"] as const;
export type PageHookName = (typeof PAGE_HOOKS)[number];
