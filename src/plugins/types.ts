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

export interface AlmanacPlugin {
  /** Defaults to the file name (or the package name). */
  name?: string;
  version?: string;
  /** Once, after the databases are open and before the first request. */
  startup?(ctx: { almanac: Almanac }): Awaitable<void>;
  /** Routes to add, in front of Almanac's own. */
  register_routes?(ctx: { almanac: Almanac }): Awaitable<PluginRoute[] | null | undefined>;
}

export const HOOK_NAMES = ["startup", "register_routes"] as const;
export type HookName = (typeof HOOK_NAMES)[number];
