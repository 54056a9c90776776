/**
 * @module The route table — every URL Almanac answers, in one place, first match wins (Datasette's order).
 * Paths are matched raw: names inside them are tilde-encoded, so `%2F` never becomes a `/`.
 */
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "./request.js";
import type { Reply } from "./response.js";
import { redirect } from "./response.js";
import { HttpError } from "./errors.js";
import { PluginError } from "../plugins/manager.js";
import { indexPage } from "../pages/index-page.js";
import { versionsPage, settingsPage, configPage, databasesPage, pluginsPage, actorPage, threadsPage } from "../pages/special.js";
import { databasePage } from "../pages/database.js";
import { tablePage } from "../pages/table.js";
import { rowPage } from "../pages/row.js";
import { sqlQueryPage, queryParametersPage } from "../pages/query.js";
import { jumpPage } from "../pages/jump.js";
import { pluginStaticFile, staticMountFile } from "../pages/static.js";
import { messagesDebugPage } from "../pages/messages-debug.js";
import { faviconPage, staticAssetPage } from "../pages/assets.js";
import { instanceSchemaPage, databaseSchemaPage, tableSchemaPage } from "../pages/schema.js";
import { authTokenPage, createTokenPage, logoutPage } from "../pages/auth.js";
import { actionsPage, allowDebugPage, allowedPage, checkPage, permissionsPage, rulesPage } from "../pages/permissions-debug.js";

export type Handler = (req: AlmanacRequest, almanac: Almanac) => Promise<Reply>;

export interface Route {
  name: string;
  pattern: RegExp;
  methods: string[];
  handler: Handler;
}

const GET = ["GET"];
const GET_POST = ["GET", "POST"];
/** `(?:\.(?<format>\w+))?` — an optional output format suffix. */
const FMT = String.raw`(?:\.(?<format>\w+))?`;
const JSON_ONLY = String.raw`(?<format>\.json)?`;

export const ROUTES: Route[] = [
  { name: "index", pattern: /^\/(?<format>\.json)?$/, methods: GET, handler: indexPage },
  { name: "index-default", pattern: /^\/-\/(?<format>\.json)?$/, methods: GET, handler: indexPage },
  { name: "dash", pattern: /^\/-$/, methods: GET, handler: async (_req, a) => redirect(a.path("/-/"), 301) },
  { name: "favicon", pattern: /^\/favicon\.ico$/, methods: GET, handler: faviconPage },
  { name: "static", pattern: /^\/-\/static\/(?<path>.+)$/, methods: GET, handler: staticAssetPage },
  { name: "static-plugins", pattern: /^\/-\/static-plugins\/(?<plugin>[^/]+)\/(?<path>.+)$/, methods: GET, handler: pluginStaticFile },
  { name: "memory-alias", pattern: /^\/:memory:(?<rest>.*)$/, methods: GET, handler: async (req, a) => redirect(a.path(`/_memory${req.params.rest}${req.queryString ? "?" + req.queryString : ""}`)) },
  { name: "versions", pattern: new RegExp(`^/-/versions${JSON_ONLY}$`), methods: GET, handler: versionsPage },
  { name: "plugins", pattern: new RegExp(`^/-/plugins${JSON_ONLY}$`), methods: GET, handler: pluginsPage },
  { name: "settings", pattern: new RegExp(`^/-/settings${JSON_ONLY}$`), methods: GET, handler: settingsPage },
  { name: "config", pattern: new RegExp(`^/-/config${JSON_ONLY}$`), methods: GET, handler: configPage },
  { name: "threads", pattern: new RegExp(`^/-/threads${JSON_ONLY}$`), methods: GET, handler: threadsPage },
  { name: "databases", pattern: new RegExp(`^/-/databases${JSON_ONLY}$`), methods: GET, handler: databasesPage },
  { name: "actor", pattern: new RegExp(`^/-/actor${JSON_ONLY}$`), methods: GET, handler: actorPage },
  { name: "auth-token", pattern: /^\/-\/auth-token$/, methods: GET, handler: authTokenPage },
  { name: "logout", pattern: /^\/-\/logout$/, methods: GET_POST, handler: logoutPage },
  { name: "create-token", pattern: /^\/-\/create-token$/, methods: GET_POST, handler: createTokenPage },
  { name: "permissions", pattern: /^\/-\/permissions$/, methods: GET_POST, handler: permissionsPage },
  { name: "allowed", pattern: new RegExp(`^/-/allowed${JSON_ONLY}$`), methods: GET, handler: allowedPage },
  { name: "rules", pattern: new RegExp(`^/-/rules${JSON_ONLY}$`), methods: GET, handler: rulesPage },
  { name: "check", pattern: new RegExp(`^/-/check${JSON_ONLY}$`), methods: GET, handler: checkPage },
  { name: "actions", pattern: new RegExp(`^/-/actions${JSON_ONLY}$`), methods: GET, handler: actionsPage },
  { name: "allow-debug", pattern: /^\/-\/allow-debug$/, methods: GET, handler: allowDebugPage },
  { name: "jump", pattern: new RegExp(`^/-/jump${JSON_ONLY}$`), methods: GET, handler: jumpPage },
  { name: "messages", pattern: /^\/-\/messages$/, methods: ["GET", "POST"], handler: messagesDebugPage },
  { name: "schema", pattern: /^\/-\/schema(?:\.(?<format>json|md))?$/, methods: GET, handler: instanceSchemaPage },
  { name: "database", pattern: new RegExp(`^/(?<db>[^/.]+)${FMT}$`), methods: GET, handler: databasePage },
  { name: "database-schema", pattern: /^\/(?<db>[^/.]+)\/-\/schema(?:\.(?<format>json|md))?$/, methods: GET, handler: databaseSchemaPage },
  { name: "query-parameters", pattern: /^\/(?<db>[^/.]+)\/-\/query\/parameters$/, methods: GET, handler: queryParametersPage },
  { name: "query", pattern: new RegExp(`^/(?<db>[^/.]+)/-/query${FMT}$`), methods: GET, handler: sqlQueryPage },
  { name: "table", pattern: new RegExp(`^/(?<db>[^/.]+)/(?<table>[^/.]+)${FMT}$`), methods: GET, handler: tablePage },
  { name: "table-schema", pattern: /^\/(?<db>[^/.]+)\/(?<table>[^/.]+)\/-\/schema(?:\.(?<format>json|md))?$/, methods: GET, handler: tableSchemaPage },
  { name: "row", pattern: new RegExp(`^/(?<db>[^/.]+)/(?<table>[^/]+?)/(?<pks>[^/]+?)${FMT}$`), methods: GET, handler: rowPage },
];

/** The literal text a route's pattern starts with (`^/-/versions…` → `/-/versions`): a cheap pre-check. */
function literalPrefix(pattern: RegExp): string {
  const m = /^\^((?:\\[/\-.]|[^\\()[\]{}?*+.|$^])*)/.exec(pattern.source);
  return (m ? m[1] : "").replace(/\\(.)/g, "$1");
}
const PREFIXES = new Map(ROUTES.map((r) => [r, literalPrefix(r.pattern)]));

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/**
 * Static mounts (`--static MOUNT:DIR`) are matched first: their prefixes are chosen by the operator. Then the
 * routes plugins registered (Datasette puts them before its own), then the core table.
 */
export function matchRoute(path: string, almanac?: Almanac): RouteMatch | null {
  if (almanac) {
    for (const m of almanac.options.staticMounts) {
      const prefix = `/${m.mount}/`;
      if (path.startsWith(prefix)) {
        return { route: { name: "static-mount", pattern: /^/, methods: GET, handler: staticMountFile(m.dir, path.slice(prefix.length)) }, params: {} };
      }
    }
    for (const r of almanac.plugins.routes) {
      let groups: Record<string, string | undefined>;
      if (typeof r.path === "string") {
        if (r.path !== path) continue;
        groups = {};
      } else {
        // The pattern must match the whole path, anchored or not.
        r.path.lastIndex = 0; // a /g or /y pattern keeps state between calls
        const m = r.path.exec(path);
        if (!m || m.index !== 0 || m[0] !== path) continue;
        groups = m.groups ?? {};
      }
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(groups)) if (v !== undefined) params[k] = v;
      const handler: Handler = async (req, a) => {
        try {
          return await r.handler(req, a);
        } catch (err) {
          // HttpErrors are answers (404, 403…); anything else is the plugin's failure, logged with its name.
          if (err instanceof HttpError) throw err;
          throw new PluginError(r.plugin, `route ${path}`, err);
        }
      };
      const route: Route = { name: `plugin:${r.plugin}`, pattern: /^/, methods: (r.methods ?? GET).map((x) => x.toUpperCase()), handler };
      return { route, params };
    }
  }
  for (const route of ROUTES) {
    if (!path.startsWith(PREFIXES.get(route)!)) continue;
    const m = route.pattern.exec(path);
    if (m) {
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) params[k] = k === "format" ? v.replace(/^\./, "") : v;
      return { route, params };
    }
  }
  return null;
}
