/**
 * @module What plugins register for the data pages, asked once at start-up and checked there: output
 * renderers (`register_output_renderer`), facet types (`register_facet_classes`) and magic parameters
 * (`register_magic_parameters`). Kept per instance (tests run several apps with different plugins in one
 * process); a malformed registration or a name clash stops start-up naming the plugin(s).
 */
import type { Almanac } from "../app.js";
import { HttpError, StartupError } from "../http/errors.js";
import { QueryError } from "../db/index.js";
import type { PluginManager } from "../plugins/manager.js";
import { PluginError } from "../plugins/manager.js";
import type { LoadedPlugin } from "../plugins/load.js";
import type { HookName } from "../plugins/types.js";
import { BUILTIN_FACETS, FacetRegistry, facetTypeProblem, type FacetType } from "../query/facets.js";
import { BUILTIN_FORMATS, rendererProblem, type PluginRenderer } from "./renderers.js";
import { BUILTIN_MAGIC, MAGIC_PREFIX, type MagicEntry } from "./magic.js";

export interface PageRegistries {
  /** Plugin output formats by extension. */
  renderers: ReadonlyMap<string, PluginRenderer>;
  /** Built-in facet types, then plugins'. */
  facets: FacetRegistry;
  /** Magic parameter prefixes: built-ins, then plugins'. */
  magic: ReadonlyMap<string, MagicEntry>;
}

const BUILTIN: PageRegistries = {
  renderers: new Map(),
  facets: BUILTIN_FACETS,
  magic: new Map(BUILTIN_MAGIC.map((m) => [m.prefix, m])),
};

const built = new WeakMap<PluginManager, PageRegistries>();

/** This instance's registries (the built-ins alone until `collectRegistrations` has run). */
export function registries(almanac: Almanac): PageRegistries {
  return built.get(almanac.plugins) ?? BUILTIN;
}

type RegistrationHook = Extract<HookName, "register_output_renderer" | "register_facet_classes" | "register_magic_parameters">;

/** Each plugin's answer to a registration hook, as a list (a renderer may come alone). */
async function answers(almanac: Almanac, hook: RegistrationHook, single: boolean): Promise<{ p: LoadedPlugin; item: unknown }[]> {
  const out: { p: LoadedPlugin; item: unknown }[] = [];
  for (const p of almanac.plugins.implementing(hook)) {
    const fn = p.plugin[hook] as (ctx: { almanac: Almanac }) => unknown;
    const answer = await almanac.plugins.atStartup(p, hook, () => fn.call(p.plugin, { almanac }));
    if (answer === null || answer === undefined) continue;
    if (!Array.isArray(answer) && !single) throw new StartupError(`plugin ${p.name}: ${hook} must return a list`);
    for (const item of Array.isArray(answer) ? answer : [answer]) out.push({ p, item });
  }
  return out;
}

/**
 * A plugin's facet type with every call guarded: a failure is the plugin's, named. An HttpError is an answer,
 * and a query of its `suggest` that fails or runs out of time (QueryError) counts as it does for the built-ins.
 */
function guardedFacetType(plugin: string, t: FacetType): FacetType {
  const step = `facet type ${t.type}`;
  const fail = (err: unknown): never => {
    if (err instanceof HttpError || err instanceof PluginError || err instanceof QueryError) throw err;
    throw new PluginError(plugin, step, err);
  };
  const call = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A): R => {
    try {
      return fn.apply(t, args);
    } catch (err) {
      return fail(err);
    }
  };
  return {
    type: t.type,
    arg: t.arg,
    sql: (input) => {
      const q = call(t.sql)(input);
      if (!q || typeof q.sql !== "string" || !q.params || typeof q.params !== "object") fail(new Error("sql() must return {sql, params}"));
      return q;
    },
    value: t.value && call(t.value),
    selectPair: call(t.selectPair),
    selectedPairs: call(t.selectedPairs),
    selectedValues: call(t.selectedValues),
    suggest: t.suggest && ((input) => Promise.resolve().then(() => t.suggest!.call(t, input)).catch(fail)),
  };
}

/** Ask the registration hooks (start-up, after `startup`): renderers, facet types, magic parameters. */
export async function collectRegistrations(almanac: Almanac): Promise<void> {
  const renderers = new Map<string, PluginRenderer>();
  for (const { p, item } of await answers(almanac, "register_output_renderer", true)) {
    const problem = rendererProblem(item);
    if (problem) throw new StartupError(`plugin ${p.name}: register_output_renderer: ${problem}`);
    const r = item as PluginRenderer;
    if (BUILTIN_FORMATS.includes(r.extension.toLowerCase())) throw new StartupError(`plugin ${p.name}: renderer .${r.extension} clashes with Almanac's own .${r.extension.toLowerCase()}`);
    const other = renderers.get(r.extension);
    if (other) throw new StartupError(`plugin ${p.name}: renderer .${r.extension} is already registered by plugin ${other.plugin}`);
    renderers.set(r.extension, { plugin: p.name, extension: r.extension, render: r.render.bind(r), can_render: r.can_render?.bind(r) });
  }

  const facetTypes: FacetType[] = BUILTIN_FACETS.all();
  const facetOwners = new Map<string, string>();
  for (const { p, item } of await answers(almanac, "register_facet_classes", false)) {
    const problem = facetTypeProblem(item);
    if (problem) throw new StartupError(`plugin ${p.name}: register_facet_classes: ${problem}`);
    const t = item as FacetType;
    if (BUILTIN_FACETS.has(t.type)) throw new StartupError(`plugin ${p.name}: facet type ${t.type} clashes with Almanac's own`);
    const owner = facetOwners.get(t.type);
    if (owner) throw new StartupError(`plugin ${p.name}: facet type ${t.type} is already registered by plugin ${owner}`);
    facetOwners.set(t.type, p.name);
    facetTypes.push(guardedFacetType(p.name, t));
  }

  const magic = new Map(BUILTIN.magic);
  for (const { p, item } of await answers(almanac, "register_magic_parameters", false)) {
    const m = item as Partial<MagicEntry> | null;
    if (!m || typeof m !== "object" || typeof m.prefix !== "string" || !MAGIC_PREFIX.test(m.prefix) || typeof m.resolve !== "function") {
      throw new StartupError(`plugin ${p.name}: register_magic_parameters: each item must be {prefix, resolve(key, request)} with a prefix of letters and digits`);
    }
    const other = magic.get(m.prefix);
    if (other) throw new StartupError(`plugin ${p.name}: magic parameter prefix _${m.prefix}_ is already ${other.plugin === null ? "built in" : `registered by plugin ${other.plugin}`}`);
    magic.set(m.prefix, { plugin: p.name, prefix: m.prefix, resolve: m.resolve.bind(m) });
  }

  built.set(almanac.plugins, { renderers, facets: new FacetRegistry(facetTypes), magic });
}
