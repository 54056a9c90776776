/**
 * @module What plugins put at the top of a page: an actions menu (`homepage_actions`, `database_actions`,
 * `table_actions`, `view_actions`, `row_actions`, `query_actions`) and HTML slots (`top_homepage`,
 * `top_database`, `top_table`, `top_row`, `top_query`, `top_stored_query`). Each view asks once, with the
 * page's own context; pages whose plugins implement neither hook ask nothing.
 */
import nunjucks from "nunjucks";
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "../http/request.js";
import { PluginError } from "../plugins/manager.js";
import type { AlmanacPlugin, HookName } from "../plugins/types.js";

/** The page a view is rendering, with what its hooks are told. */
export type SlotPage =
  | { kind: "index" }
  | { kind: "database"; database: string }
  | { kind: "table"; database: string; table: string; isView: boolean }
  | { kind: "row"; database: string; table: string; row: Record<string, unknown> }
  | { kind: "query"; database: string; sql: string; params: Record<string, unknown>; queryName: string | null };

/** One item of the actions menu, checked: a link (http(s) or a path) or, without `href`, a button for the page's scripts. */
export interface ActionLink {
  label: string;
  href: string | null;
  description: string | null;
}

type ActionHook = Extract<HookName, `${string}_actions`>;
type TopHook = Extract<HookName, `top_${string}`>;
type Arg<K extends HookName> = Parameters<NonNullable<AlmanacPlugin[K]>>[0];

/** A scheme other than http(s) is refused; relative URLs, paths, `?…` and `#…` are fine. */
function safeHref(href: string): boolean {
  // Browsers ignore control characters and spaces inside a scheme (`java\tscript:`), so the check does too.
  const squeezed = href.replace(/[\u0000-\u0020\u007f]/g, "");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(squeezed);
  return !scheme || /^https?$/i.test(scheme[1]);
}

const optionalString = (v: unknown) => v === undefined || v === null || typeof v === "string";

/** A plugin's items, checked. A malformed item fails the page (the plugin's bug, named); an unsafe link is left out with a warning. */
function actionLinks(plugin: string, hook: ActionHook, answer: unknown): ActionLink[] {
  if (!Array.isArray(answer)) throw new PluginError(plugin, hook, new Error("must return a list of {label, href?, description?}"));
  const out: ActionLink[] = [];
  for (const item of answer) {
    const i = item as Record<string, unknown> | null;
    if (!i || typeof i !== "object" || typeof i.label !== "string" || !i.label.trim() || !optionalString(i.href) || !optionalString(i.description)) {
      throw new PluginError(plugin, hook, new Error("each item must be {label: string, href?: string, description?: string}"));
    }
    const href = typeof i.href === "string" ? i.href : null;
    if (href !== null && !safeHref(href)) {
      process.stderr.write(`almanac: plugin ${plugin}: ${hook}: left out "${i.label}": only http(s) URLs and paths are linked (got ${JSON.stringify(href.slice(0, 40))})\n`);
      continue;
    }
    out.push({ label: i.label, href, description: typeof i.description === "string" && i.description ? i.description : null });
  }
  return out;
}

async function ask<A extends ActionHook, T extends TopHook>(almanac: Almanac, actionHook: A, actionCtx: Arg<A>, topHook: T, topCtx: Arg<T>) {
  const plugins = almanac.plugins;
  const [actions, tops] = await Promise.all([plugins.collect(actionHook, actionCtx), plugins.collect(topHook, topCtx)]);
  const links = actions.flatMap((a) => actionLinks(a.plugin, actionHook, a.value));
  const html = tops.map((t) => {
    if (typeof t.value !== "string") throw new PluginError(t.plugin, topHook, new Error("must return a string of HTML (or null)"));
    return t.value;
  });
  return { links, html: html.join("\n") };
}

const TITLES = { index: "Homepage actions", database: "Database actions", table: "Table actions", view: "View actions", row: "Row actions", query: "Query actions" };

/**
 * The template variables for a page's actions menu and top slot: `action_title`, `action_links` (the
 * checked items), `top_html` (markup from plugins, concatenated, or null), and Datasette's template
 * functions of the same data (`table_actions()`, `top_table()`, …) for templates written for Datasette.
 */
export async function pageSlots(almanac: Almanac, req: AlmanacRequest, page: SlotPage): Promise<Record<string, unknown>> {
  const base = { almanac, request: req };
  const who = { ...base, actor: req.actor };
  let hooks: [ActionHook, TopHook];
  let title: string;
  let asking: () => Promise<{ links: ActionLink[]; html: string }>;
  switch (page.kind) {
    case "index":
      hooks = ["homepage_actions", "top_homepage"];
      title = TITLES.index;
      asking = () => ask(almanac, "homepage_actions", who, "top_homepage", base);
      break;
    case "database":
      hooks = ["database_actions", "top_database"];
      title = TITLES.database;
      asking = () => ask(almanac, "database_actions", { ...who, database: page.database }, "top_database", { ...base, database: page.database });
      break;
    case "table": {
      const { database, table } = page;
      hooks = [page.isView ? "view_actions" : "table_actions", "top_table"];
      title = page.isView ? TITLES.view : TITLES.table;
      asking = page.isView
        ? () => ask(almanac, "view_actions", { ...who, database, view: table }, "top_table", { ...base, database, table })
        : () => ask(almanac, "table_actions", { ...who, database, table }, "top_table", { ...base, database, table });
      break;
    }
    case "row": {
      const { database, table, row } = page;
      hooks = ["row_actions", "top_row"];
      title = TITLES.row;
      asking = () => ask(almanac, "row_actions", { ...who, database, table, row }, "top_row", { ...base, database, table, row });
      break;
    }
    case "query": {
      const { database, sql, params, queryName } = page;
      hooks = ["query_actions", queryName === null ? "top_query" : "top_stored_query"];
      title = TITLES.query;
      const actionCtx = { ...who, database, query_name: queryName, sql, params };
      asking =
        queryName === null
          ? () => ask(almanac, "query_actions", actionCtx, "top_query", { ...base, database, sql })
          : () => ask(almanac, "query_actions", actionCtx, "top_stored_query", { ...base, database, query_name: queryName });
      break;
    }
  }
  const { links, html } = almanac.plugins.implements(hooks) ? await asking() : { links: [], html: "" };
  const top = html.trim() ? new nunjucks.runtime.SafeString(html) : null;
  return {
    action_title: title,
    action_links: links,
    top_html: top,
    // Datasette's templates call these.
    [hooks[0]]: () => links,
    [hooks[1]]: () => top ?? "",
  };
}
