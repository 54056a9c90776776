/**
 * @module The plugin manager: loads plugins (`--plugins-dir` files for now), checks their shape, runs their
 * hooks and names the plugin in every error, so a broken plugin is never silently skipped.
 */
import { readdirSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Almanac } from "../app.js";
import { StartupError } from "../http/errors.js";
import { HOOK_NAMES, type AlmanacPlugin, type HookName, type PageHookContext, type PageHookName, type PluginRoute } from "./types.js";

export interface LoadedPlugin {
  name: string;
  version: string | null;
  /** Where it came from (a file path), for messages. */
  source: string;
  plugin: AlmanacPlugin;
  hooks: HookName[];
}

/** A plugin failed: the message names it and the hook (or load step) that failed. */
export class PluginError extends Error {
  constructor(
    readonly plugin: string,
    readonly step: string,
    cause: unknown,
  ) {
    super(`plugin ${plugin}: ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const PLUGIN_FILE = /\.(m?js)$/;

/** The plugin a module exports (its default export), checked: an object whose function members are known hooks. */
export function checkPlugin(exported: unknown, fallbackName: string, source: string): LoadedPlugin {
  if (!exported || typeof exported !== "object") {
    throw new StartupError(`plugin ${fallbackName} (${source}): its default export must be an object of hooks`);
  }
  const plugin = exported as AlmanacPlugin & Record<string, unknown>;
  const name = typeof plugin.name === "string" && plugin.name ? plugin.name : fallbackName;
  const hooks: HookName[] = [];
  for (const [key, value] of Object.entries(plugin)) {
    if (key === "name" || key === "version") continue;
    if (!(HOOK_NAMES as readonly string[]).includes(key)) {
      throw new StartupError(`plugin ${name} (${source}): unknown hook "${key}" (known: ${HOOK_NAMES.join(", ")})`);
    }
    if (typeof value !== "function") throw new StartupError(`plugin ${name} (${source}): hook "${key}" must be a function`);
    hooks.push(key as HookName);
  }
  return { name, version: typeof plugin.version === "string" ? plugin.version : null, source, plugin, hooks: hooks.sort() };
}

/** Every `.js`/`.mjs` file directly in `dir`, in name order, imported and checked. */
export async function loadPluginsDir(dir: string): Promise<LoadedPlugin[]> {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && PLUGIN_FILE.test(e.name))
    .map((e) => e.name)
    .sort();
  const out: LoadedPlugin[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const name = basename(file, extname(file));
    let module: { default?: unknown };
    try {
      module = await import(pathToFileURL(path).href);
    } catch (err) {
      throw new StartupError(`plugin ${name} (${path}) failed to load: ${err instanceof Error ? err.message : String(err)}`);
    }
    out.push(checkPlugin(module.default, name, path));
  }
  const seen = new Set<string>();
  for (const p of out) {
    if (seen.has(p.name)) throw new StartupError(`two plugins are named ${p.name}: names must be unique`);
    seen.add(p.name);
  }
  return out;
}

export class PluginManager {
  /** Routes from register_routes, matched before the core routes. */
  routes: (PluginRoute & { plugin: string })[] = [];

  constructor(readonly plugins: LoadedPlugin[]) {}

  /** Run `startup` and collect routes; a failure stops start-up with the plugin named. */
  async start(almanac: Almanac): Promise<void> {
    for (const p of this.plugins) {
      if (p.plugin.startup) await this.run(p, "startup", () => p.plugin.startup!({ almanac }));
    }
    for (const p of this.plugins) {
      if (!p.plugin.register_routes) continue;
      const routes = (await this.run(p, "register_routes", () => p.plugin.register_routes!({ almanac }))) ?? [];
      if (!Array.isArray(routes)) throw new StartupError(`plugin ${p.name}: register_routes must return a list of routes`);
      for (const r of routes) {
        if (!r || (typeof r.path !== "string" && !(r.path instanceof RegExp)) || typeof r.handler !== "function") {
          throw new StartupError(`plugin ${p.name}: register_routes returned a route without a path and a handler`);
        }
        this.routes.push({ ...r, plugin: p.name });
      }
    }
  }

  /** Whether any plugin implements one of `hooks` (pages skip the work when none does). */
  implements(hooks: readonly HookName[]): boolean {
    return this.plugins.some((p) => p.hooks.some((h) => hooks.includes(h)));
  }

  /**
   * One page hook's answers, plugin by plugin (null and undefined left out). A plugin that throws fails the
   * request with its name in the log: a hook that silently does nothing would be worse.
   */
  async collect<K extends PageHookName>(hook: K, ctx: PageHookContext): Promise<NonNullable<Awaited<ReturnType<NonNullable<AlmanacPlugin[K]>>>>[]> {
    const out: NonNullable<Awaited<ReturnType<NonNullable<AlmanacPlugin[K]>>>>[] = [];
    for (const p of this.plugins) {
      const fn = p.plugin[hook] as ((c: PageHookContext) => unknown) | undefined;
      if (!fn) continue;
      let value: unknown;
      try {
        value = await fn.call(p.plugin, ctx);
      } catch (err) {
        throw new PluginError(p.name, hook, err);
      }
      if (value !== null && value !== undefined) out.push(value as NonNullable<Awaited<ReturnType<NonNullable<AlmanacPlugin[K]>>>>);
    }
    return out;
  }

  private async run<T>(p: LoadedPlugin, step: string, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StartupError(new PluginError(p.name, step, err).message);
    }
  }

  /** `/-/plugins.json`: Datasette's shape. */
  describe(): { name: string; static: boolean; templates: boolean; version: string | null; hooks: string[] }[] {
    return this.plugins.map((p) => ({ name: p.name, static: false, templates: false, version: p.version, hooks: p.hooks }));
  }
}
