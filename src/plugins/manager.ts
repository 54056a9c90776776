/**
 * @module The plugin manager: runs the loaded plugins' hooks and combines their answers the way Datasette
 * does, naming the plugin in every error, so a broken plugin is never silently skipped.
 */
import type { Almanac } from "../app.js";
import { HttpError, StartupError } from "../http/errors.js";
import type { LoadedPlugin } from "./load.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";
import type { Actor, AlmanacEvent, AlmanacPlugin, HookName, Middleware, PluginRoute } from "./types.js";

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
export interface Answer<K extends HookName> {
  plugin: string;
  value: HookAnswer<K>;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

export class PluginManager {
  /** Routes from register_routes, matched before the core routes. */
  routes: (PluginRoute & { plugin: string })[] = [];
  /** Middleware from asgi_wrapper, outermost first. */
  middleware: { plugin: string; wrap: Middleware }[] = [];
  /** The instance the plugins were started for (hooks that need it and are not handed it). */
  almanac: Almanac | null = null;

  constructor(readonly plugins: LoadedPlugin[]) {}

  /** Run `startup`, collect routes and middleware; a failure stops start-up with the plugin named. */
  async start(almanac: Almanac): Promise<void> {
    this.almanac = almanac;
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
    for (const p of this.plugins) {
      if (!p.plugin.asgi_wrapper) continue;
      const wrap = await this.atStartup(p, "asgi_wrapper", () => p.plugin.asgi_wrapper!({ almanac }));
      if (wrap === null || wrap === undefined) continue;
      if (typeof wrap !== "function") throw new StartupError(`plugin ${p.name}: asgi_wrapper must return a function (next) => handler`);
      this.middleware.push({ plugin: p.name, wrap });
    }
    // Compose once now, so a middleware that cannot wrap stops start-up rather than failing every request.
    await this.atStartup(this.plugins[0], "asgi_wrapper", () => this.wrap(async () => ({ status: 204, headers: {}, body: "" })));
  }

  /**
   * `inner` inside every plugin's middleware (the first plugin's outermost). A middleware that throws, or
   * hands back something that is not a handler, is named in the error.
   */
  wrap(inner: (req: AlmanacRequest) => Promise<Reply>): (req: AlmanacRequest) => Promise<Reply> {
    let handler = inner;
    for (const { plugin, wrap } of [...this.middleware].reverse()) {
      const next = handler;
      let wrapped: unknown;
      try {
        wrapped = wrap(next);
      } catch (err) {
        throw new PluginError(plugin, "asgi_wrapper", err);
      }
      if (typeof wrapped !== "function") throw new PluginError(plugin, "asgi_wrapper", new Error("the middleware must return a handler function"));
      const fn = wrapped as (req: AlmanacRequest) => Promise<Reply>;
      const named = (err: unknown): unknown => (err instanceof PluginError || err instanceof HttpError ? err : new PluginError(plugin, "asgi_wrapper", err));
      // No async wrapper per layer: one rejection handler names the plugin without an extra await.
      handler = (req) => {
        try {
          return Promise.resolve(fn(req)).then(undefined, (err) => Promise.reject(named(err)));
        } catch (err) {
          return Promise.reject(named(err));
        }
      };
    }
    return handler;
  }

  /** Tell every track_event hook about an event. A hook that throws is logged with its name; the action it reports has already happened. */
  async trackEvent(almanac: Almanac, name: string, actor: Actor, properties: Record<string, unknown> = {}): Promise<void> {
    if (!this.implements("track_event")) return;
    const event: AlmanacEvent = { name, actor, created: new Date().toISOString(), properties };
    for (const p of this.implementing("track_event")) {
      try {
        await p.plugin.track_event!({ almanac, event });
      } catch (err) {
        process.stderr.write(`almanac: ${new PluginError(p.name, "track_event", err).message}\n`);
      }
    }
  }

  /** Whether any plugin implements one of `hooks` (callers skip the work when none does). */
  implements(hooks: HookName | readonly HookName[]): boolean {
    if (typeof hooks === "string") return this.implementing(hooks).length > 0;
    return hooks.some((h) => this.implementing(h).length > 0);
  }

  /** The plugins implementing `hook`, in order. */
  implementing(hook: HookName): LoadedPlugin[] {
    let list = this.byHook.get(hook);
    if (!list) this.byHook.set(hook, (list = this.plugins.filter((p) => p.hooks.includes(hook))));
    return list;
  }
  private readonly byHook = new Map<HookName, LoadedPlugin[]>();

  /**
   * One plugin's hook: its answer, or a promise of it when the hook is async (synchronous hooks cost no
   * promise — many plugins answer null to most calls). An HttpError is the plugin's answer (a 401, a 403…);
   * anything else it throws is its failure, named.
   */
  call<K extends HookName>(p: LoadedPlugin, hook: K, ctx: HookArg<K>): unknown {
    const fail = (err: unknown): never => {
      if (err instanceof HttpError) throw err;
      throw new PluginError(p.name, hook, err);
    };
    let value: unknown;
    try {
      value = (p.plugin[hook] as (c: HookArg<K>) => unknown).call(p.plugin, ctx);
    } catch (err) {
      fail(err);
    }
    return isThenable(value) ? value.then(undefined, fail) : value;
  }

  /**
   * Every plugin's answer to `hook`, in plugin order (null and undefined left out) — synchronously when every
   * hook answered synchronously, else a promise. A plugin that throws fails the request with its name in the
   * log: a hook that silently does nothing would be worse.
   */
  gather<K extends HookName>(hook: K, ctx: HookArg<K>): Answer<K>[] | Promise<Answer<K>[]> {
    const plugins = this.implementing(hook);
    const raw = plugins.map((p) => this.call(p, hook, ctx));
    const keep = (values: unknown[]): Answer<K>[] => {
      const out: Answer<K>[] = [];
      values.forEach((value, i) => {
        if (value !== null && value !== undefined) out.push({ plugin: plugins[i].name, value: value as HookAnswer<K> });
      });
      return out;
    };
    return raw.some(isThenable) ? Promise.all(raw).then(keep) : keep(raw);
  }

  async collect<K extends HookName>(hook: K, ctx: HookArg<K>): Promise<Answer<K>[]> {
    return this.gather(hook, ctx);
  }

  /** The answers alone, for hooks whose answers are simply combined. */
  async values<K extends HookName>(hook: K, ctx: HookArg<K>): Promise<HookAnswer<K>[]> {
    return (await this.gather(hook, ctx)).map((a) => a.value);
  }

  /** The first non-null answer ("firstresult" hooks: actor_from_request, render_cell, forbidden, handle_exception). */
  async first<K extends HookName>(hook: K, ctx: HookArg<K>): Promise<HookAnswer<K> | null> {
    return (await this.firstAnswer(hook, ctx))?.value ?? null;
  }

  /** The first non-null answer with the plugin that gave it (later plugins are not asked). */
  async firstAnswer<K extends HookName>(hook: K, ctx: HookArg<K>): Promise<Answer<K> | null> {
    for (const p of this.implementing(hook)) {
      let value = this.call(p, hook, ctx);
      if (isThenable(value)) value = await value;
      if (value !== null && value !== undefined) return { plugin: p.name, value: value as HookAnswer<K> };
    }
    return null;
  }

  /** A start-up step of one plugin: its failure stops `serve` with one line naming it. */
  async atStartup<T>(p: LoadedPlugin, step: string, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StartupError) throw err;
      throw new StartupError((err instanceof PluginError ? err : new PluginError(p.name, step, err)).message);
    }
  }

  /** `/-/plugins.json`: Datasette's shape; built-in plugins only with `all` (as Datasette shows its default plugins). */
  describe(all = true): { name: string; static: boolean; templates: boolean; version: string | null; hooks: string[] }[] {
    return this.plugins.filter((p) => all || p.origin !== "builtin").map((p) => ({ name: p.name, static: !!p.staticDir, templates: !!p.templatesDir, version: p.version, hooks: p.hooks }));
  }
}
