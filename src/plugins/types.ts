/**
 * @module What a plugin is: a module whose default export names its hooks (Datasette's hook names, so its
 * plugin docs translate line for line). Every hook may be async. More hooks join this list as Almanac grows
 * them; a plugin naming a hook that does not exist is refused at start-up, so a typo never fails silently.
 */
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";

export type Awaitable<T> = T | Promise<T>;

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
  actor: Record<string, unknown> | null;
  /** The template chosen for the page (e.g. `table.html`). */
  template: string;
  /** Datasette's view names: index, database, table, row, query, … */
  view_name: string;
  database: string | null;
  table: string | null;
}

/** An extra stylesheet or script: a URL, or `{url, sri, module}`. */
export type ExtraUrl = string | { url: string; sri?: string; module?: boolean };

export interface AlmanacPlugin {
  /** Defaults to the file name (or the package name). */
  name?: string;
  version?: string;
  /** Once, after the databases are open and before the first request. */
  startup?(ctx: { almanac: Almanac }): Awaitable<void>;
  /** Routes to add, in front of Almanac's own. */
  register_routes?(ctx: { almanac: Almanac }): Awaitable<PluginRoute[] | null | undefined>;
  /** Links for the header menu, for this actor. */
  menu_links?(ctx: PageHookContext): Awaitable<{ href: string; label: string }[] | null | undefined>;
  /** Stylesheets to add to the page. */
  extra_css_urls?(ctx: PageHookContext): Awaitable<ExtraUrl[] | null | undefined>;
  /** Scripts to add to the page. */
  extra_js_urls?(ctx: PageHookContext): Awaitable<ExtraUrl[] | null | undefined>;
  /** Variables for the templates (the page's own names win over a plugin's). */
  extra_template_vars?(ctx: PageHookContext): Awaitable<Record<string, unknown> | null | undefined>;
  /** JavaScript to run at the end of the page: the code, or `{script, module}`. */
  extra_body_script?(ctx: PageHookContext): Awaitable<string | { script: string; module?: boolean } | null | undefined>;
}

export const HOOK_NAMES = ["startup", "register_routes", "menu_links", "extra_css_urls", "extra_js_urls", "extra_template_vars", "extra_body_script"] as const;

/** The hooks every HTML page asks (in one go, before its template renders). */
export const PAGE_HOOKS = ["menu_links", "extra_css_urls", "extra_js_urls", "extra_template_vars", "extra_body_script"] as const;
export type PageHookName = (typeof PAGE_HOOKS)[number];
export type HookName = (typeof HOOK_NAMES)[number];
