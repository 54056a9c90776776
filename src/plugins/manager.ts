/**
 * @module The plugin manager: runs the loaded plugins' hooks and combines their answers the way Datasette
 * does, naming the plugin in every error, so a broken plugin is never silently skipped.
 */
import type { Almanac } from "../app.js";
import { StartupError } from "../http/errors.js";
import type { LoadedPlugin } from "./load.js";
import type { AlmanacPlugin, HookName, PluginRoute } from "./types.js";

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

type HookFn<K extends HookName> = NonNullable<AlmanacPlugin[K]>;
type HookArg<K extends HookName> = Parameters<HookFn<K>>[0];
/** A hook's answer, awaited, without null/undefined. */
export type HookAnswer<K extends HookName> = NonNullable<Awaited<ReturnType<HookFn<K>>>>;

export class PluginManager {
  /** Routes from register_routes, matched before the core routes. */
  routes: (PluginRoute & { plugin: string })[] = [];

  constructor(readonly plugins: LoadedPlugin[]) {}

  /** Run `startup` and collect routes; a failure stops start-up with the plugin named. */
  async start(almanac: Almanac): Promise<void> {
    for (const p of this.plugins) {
      if (p.plugin.startup) await this.atStartup(p, "startup", () => p.plugin.startup!({ almanac }));
    }
    for (const p of this.plugins) {
      if (!p.plugin.register_routes) continue;
      const routes = (await this.atStartup(p, "register_routes", () => p.plugin.register_routes!({ almanac }))) ?? [];
      if (!Array.isArray(routes)) throw new StartupError(`plugin ${p.name}: register_routes must return a list of routes`);
      for (const r of routes) {
        if (!r || (typeof r.path !== "string" && !(r.path instanceof RegExp)) || typeof r.handler !== "function") {
          throw new StartupError(`plugin ${p.name}: register_routes returned a route without a path and a handler`);
        }
        this.routes.push({ ...r, plugin: p.name });
      }
    }
  }

  /** Whether any plugin implements one of `hooks` (callers skip the work when none does). */
  implements(hooks: HookName | readonly HookName[]): boolean {
    const list: readonly HookName[] = typeof hooks === "string" ? [hooks] : hooks;
    return this.plugins.some((p) => p.hooks.some((h) => list.includes(h)));
  }

  /** The plugins implementing `hook`, in order. */
  implementing(hook: HookName): LoadedPlugin[] {
    return this.plugins.filter((p) => p.hooks.includes(hook));
  }

  /**
   * Every plugin's answer to `hook`, in plugin order (null and undefined left out). A plugin that throws fails
   * the request with its name in the log: a hook that silently does nothing would be worse.
   */
  async collect<K extends HookName>(hook: K, ctx: HookArg<K>): Promise<{ plugin: string; value: HookAnswer<K> }[]> {
    const out: { plugin: string; value: HookAnswer<K> }[] = [];
    for (const p of this.plugins) {
      const fn = p.plugin[hook] as ((c: HookArg<K>) => unknown) | undefined;
      if (!fn) continue;
      let value: unknown;
      try {
        value = await fn.call(p.plugin, ctx);
      } catch (err) {
        throw new PluginError(p.name, hook, err);
      }
      if (value !== null && value !== undefined) out.push({ plugin: p.name, value: value as HookAnswer<K> });
    }
    return out;
  }

  /** The answers alone, for hooks whose answers are simply combined. */
  async values<K extends HookName>(hook: K, ctx: HookArg<K>): Promise<HookAnswer<K>[]> {
    return (await this.collect(hook, ctx)).map((a) => a.value);
  }

  /** The first non-null answer ("firstresult" hooks: actor_from_request, render_cell, forbidden, handle_exception). */
  async first<K extends HookName>(hook: K, ctx: HookArg<K>): Promise<HookAnswer<K> | null> {
    for (const p of this.plugins) {
      const fn = p.plugin[hook] as ((c: HookArg<K>) => unknown) | undefined;
      if (!fn) continue;
      let value: unknown;
      try {
        value = await fn.call(p.plugin, ctx);
      } catch (err) {
        throw new PluginError(p.name, hook, err);
      }
      if (value !== null && value !== undefined) return value as HookAnswer<K>;
    }
    return null;
  }

  /** A start-up step of one plugin: its failure stops `serve` with one line naming it. */
  async atStartup<T>(p: LoadedPlugin, step: string, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StartupError) throw err;
      throw new StartupError(new PluginError(p.name, step, err).message);
    }
  }

  /** `/-/plugins.json`: Datasette's shape. */
  describe(): { name: string; static: boolean; templates: boolean; version: string | null; hooks: string[] }[] {
    return this.plugins.map((p) => ({ name: p.name, static: !!p.staticDir, templates: !!p.templatesDir, version: p.version, hooks: p.hooks }));
  }
}
