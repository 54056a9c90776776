/**
 * @module Finding and importing plugins: the built-ins, npm packages that declare themselves Almanac plugins
 * (`"almanac": {"plugin": "./index.js"}` in package.json) installed beside Almanac, and `--plugins-dir` files
 * (`.js`, `.mjs`, `.ts`, `.mts`). Each module is checked against the hook list before anything runs, and every
 * failure names the plugin.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { StartupError } from "../http/errors.js";
import type { InstanceConfig } from "../config/options.js";
import { PACKAGE_ROOT } from "../paths.js";
import { BUILTIN_PLUGINS, loadBuiltinPlugins } from "./builtin.js";
import { HOOK_NAMES, type AlmanacPlugin, type HookName } from "./types.js";
import type { ConnectionHook, ConnectionPlugin } from "../db/executor.js";

export interface LoadedPlugin {
  name: string;
  version: string | null;
  /** Where it came from (a file path, or the package's directory), for messages. */
  source: string;
  plugin: AlmanacPlugin;
  hooks: HookName[];
  /** The plugin's `static/` folder, served at `/-/static-plugins/<name>/`. */
  staticDir?: string | null;
  /** The plugin's `templates/` folder, searched after the user's and before the built-in ones. */
  templatesDir?: string | null;
  /** The module to import again inside worker threads (prepare_connection). */
  modulePath?: string;
  /** Where it was found (set by loadPlugins). */
  origin?: "builtin" | "package" | "file";
}

/** Plugin files in `--plugins-dir`: JavaScript modules and TypeScript (type declarations are not plugins). */
const PLUGIN_FILE = /^(?!.*\.d\.m?ts$).*\.(m?js|m?ts)$/;
const TYPESCRIPT_FILE = /\.[mc]?ts$/;

/** Edit distance, for "did you mean" (hook names are short). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function closestHook(key: string): string | null {
  let best: string | null = null;
  let bestDistance = 4; // farther than 3 edits is not a typo
  for (const hook of HOOK_NAMES) {
    const d = distance(key.toLowerCase(), hook);
    if (d < bestDistance) [best, bestDistance] = [hook, d];
  }
  return best;
}

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
      const near = closestHook(key);
      throw new StartupError(`plugin ${name} (${source}): unknown hook "${key}"${near ? ` (did you mean "${near}"?)` : ""}; the hooks are listed in docs/plugins.md`);
    }
    if (typeof value !== "function") throw new StartupError(`plugin ${name} (${source}): hook "${key}" must be a function`);
    hooks.push(key as HookName);
  }
  return { name, version: typeof plugin.version === "string" ? plugin.version : null, source, plugin, hooks: hooks.sort() };
}

const imported = new Map<string, Promise<unknown>>();

/**
 * A plugin module's default export. TypeScript goes through tsx (`tsImport`), which strips the types; a `.ts`
 * file outside an ES-module package is compiled as CommonJS, whose `export default` arrives one level down
 * and is unwrapped here. Imported once per process: the main thread's later imports (register_commands, then
 * serve) reuse the first. Worker threads have their own cache, so they import each plugin afresh.
 */
export function importPluginModule(path: string): Promise<unknown> {
  let module = imported.get(path);
  if (!module) {
    module = importFresh(path);
    imported.set(path, module);
  }
  return module;
}

async function importFresh(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  let namespace: { default?: unknown };
  if (TYPESCRIPT_FILE.test(path)) {
    const { tsImport } = await import("tsx/esm/api");
    namespace = (await tsImport(url, import.meta.url)) as { default?: unknown };
  } else {
    namespace = (await import(url)) as { default?: unknown };
  }
  const exported = namespace.default as { __esModule?: boolean; default?: unknown } | undefined;
  return exported && typeof exported === "object" && exported.__esModule && "default" in exported ? exported.default : exported;
}

function loadFailure(name: string, source: string, err: unknown): StartupError {
  return new StartupError(`plugin ${name} (${source}) failed to load: ${err instanceof Error ? err.message.replace(/\s*\n\s*/g, " ") : String(err)}`);
}

/** Every plugin file directly in `dir` (`.js`, `.mjs`, `.ts`, `.mts`), in name order, imported and checked. */
export async function loadPluginsDir(dir: string): Promise<LoadedPlugin[]> {
  const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile());
  // A Datasette plugins folder holds Python: say why those files are not loaded rather than pass them over.
  for (const e of entries.filter((e) => e.name.endsWith(".py")).sort((a, b) => a.name.localeCompare(b.name))) {
    process.stderr.write(`almanac: --plugins-dir: ${e.name} is not loaded — Datasette's Python plugins do not run in Almanac; plugins are JavaScript or TypeScript modules (docs/plugins.md)\n`);
  }
  const files = entries
    .filter((e) => PLUGIN_FILE.test(e.name))
    .map((e) => e.name)
    .sort();
  const out: LoadedPlugin[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const name = basename(file, extname(file));
    let exported: unknown;
    try {
      exported = await importPluginModule(path);
    } catch (err) {
      throw loadFailure(name, path, err);
    }
    out.push({ ...checkPlugin(exported, name, path), modulePath: path });
  }
  return out;
}

// ---- npm packages

/** A package whose package.json says it is an Almanac plugin (not imported yet). */
export interface PluginPackage {
  /** The package's name: the plugin's name. */
  name: string;
  version: string | null;
  dir: string;
  /** The module named by `almanac.plugin`. */
  entry: string;
  staticDir: string | null;
  templatesDir: string | null;
}

/**
 * The prefix `almanac install` installs plugins into, and whose `node_modules` is searched for them: the
 * project Almanac is installed in (`X` for `X/node_modules/almanac`), else Almanac's own folder (a checkout).
 */
export function installationPrefix(root: string = PACKAGE_ROOT): string {
  let parent = dirname(root);
  if (basename(parent).startsWith("@")) parent = dirname(parent);
  return basename(parent) === "node_modules" ? dirname(parent) : root;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory(); // follows symlinks: `npm install <folder>` links it
  } catch {
    return false;
  }
}

function subdirectories(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith(".") && isDirectory(join(dir, n)));
}

/** A folder named in package.json (`static`, `templates`), or the default one beside it if that exists. */
function packageFolder(pkg: string, dir: string, field: unknown, fallback: string): string | null {
  if (field === undefined) return isDirectory(join(dir, fallback)) ? join(dir, fallback) : null;
  if (typeof field !== "string" || field === "") throw new StartupError(`plugin ${pkg} (${dir}): "almanac.${fallback}" in package.json must be a folder name`);
  const path = resolve(dir, field);
  if (!isDirectory(path)) throw new StartupError(`plugin ${pkg} (${dir}): "almanac.${fallback}" names ${field}, which is not a folder`);
  return path;
}

/**
 * The plugin packages in `<prefix>/node_modules` (scoped ones included), by name. Only package.json files are
 * read: nothing is imported, so this is cheap enough to run before every command.
 */
export function discoverPackages(prefix: string): PluginPackage[] {
  const root = join(prefix, "node_modules");
  const dirs: string[] = [];
  for (const name of subdirectories(root)) {
    if (name.startsWith("@")) for (const scoped of subdirectories(join(root, name))) dirs.push(join(root, name, scoped));
    else dirs.push(join(root, name));
  }
  const out: PluginPackage[] = [];
  for (const dir of dirs) {
    let pkg: { name?: unknown; version?: unknown; almanac?: unknown };
    try {
      pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    } catch {
      continue; // not a package (or not one npm could have installed): not ours to judge
    }
    if (!pkg || typeof pkg !== "object" || pkg.almanac === undefined) continue;
    const name = typeof pkg.name === "string" && pkg.name ? pkg.name : basename(dir);
    const field = pkg.almanac as { plugin?: unknown; static?: unknown; templates?: unknown };
    if (!field || typeof field !== "object" || typeof field.plugin !== "string" || field.plugin === "") {
      throw new StartupError(`plugin ${name} (${dir}): "almanac" in package.json must be {"plugin": "./index.js"} (the module that exports the hooks)`);
    }
    out.push({
      name,
      version: typeof pkg.version === "string" ? pkg.version : null,
      dir,
      entry: resolve(dir, field.plugin),
      staticDir: packageFolder(name, dir, field.static, "static"),
      templatesDir: packageFolder(name, dir, field.templates, "templates"),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Import and check one package: its name and version are the package's. */
export async function loadPackage(p: PluginPackage): Promise<LoadedPlugin> {
  if (!existsSync(p.entry)) throw new StartupError(`plugin ${p.name} (${p.dir}) failed to load: its entry point ${p.entry} does not exist`);
  let exported: unknown;
  try {
    exported = await importPluginModule(p.entry);
  } catch (err) {
    throw loadFailure(p.name, p.entry, err);
  }
  const checked = checkPlugin(exported, p.name, p.entry);
  return { ...checked, name: p.name, version: p.version ?? checked.version, source: p.dir, staticDir: p.staticDir, templatesDir: p.templatesDir, modulePath: p.entry };
}

/** Two plugins may not share a name (their configuration and static URLs are keyed by it). */
export function checkUniqueNames(plugins: LoadedPlugin[]): void {
  const seen = new Set<string>();
  for (const p of plugins) {
    if (seen.has(p.name)) throw new StartupError(`two plugins are named ${p.name}: names must be unique`);
    seen.add(p.name);
  }
}

export interface PluginSources {
  /** The instance configuration (built-ins may be turned off in it). */
  config?: InstanceConfig;
  /** Search `<prefix>/node_modules` for packages; defaults to the installation's prefix. */
  prefix?: string;
  /** ALMANAC_LOAD_PLUGINS: only these built-ins and packages (undefined = all). */
  only?: string[];
  pluginsDir?: string;
}

/** Which built-ins and packages `only` leaves in; a name that is neither stops start-up. */
function selection(only: string[] | undefined, packages: PluginPackage[]): ((name: string) => boolean) | undefined {
  if (!only) return undefined;
  const known = new Set([...BUILTIN_PLUGINS.map((b) => b.name), ...packages.map((p) => p.name)]);
  const unknown = only.filter((n) => !known.has(n));
  if (unknown.length) {
    const installed = packages.map((p) => p.name).join(", ") || "none";
    const builtin = BUILTIN_PLUGINS.map((b) => b.name).join(", ") || "none";
    throw new StartupError(`ALMANAC_LOAD_PLUGINS names ${unknown.join(", ")}, which is not a built-in or installed plugin (built in: ${builtin}; installed: ${installed})`);
  }
  const wanted = new Set(only);
  return (name) => wanted.has(name);
}

/**
 * Every plugin, in the order their hooks run: the built-ins, then packages (by name), then `--plugins-dir`
 * files (by file name). ALMANAC_LOAD_PLUGINS chooses among the first two; `--plugins-dir` files always load.
 */
export async function loadPlugins(sources: PluginSources): Promise<LoadedPlugin[]> {
  const packages = discoverPackages(sources.prefix ?? installationPrefix());
  const include = selection(sources.only, packages) ?? (() => true);
  const out: LoadedPlugin[] = [];
  for (const p of await loadBuiltinPlugins(sources.config ?? {}, include)) out.push({ ...p, origin: "builtin" });
  for (const p of packages) if (include(p.name)) out.push({ ...(await loadPackage(p)), origin: "package" });
  if (sources.pluginsDir) for (const p of await loadPluginsDir(sources.pluginsDir)) out.push({ ...p, origin: "file" });
  checkUniqueNames(out);
  return out;
}

/**
 * In a worker thread: import each plugin that implements prepare_connection (by the module path the main
 * thread loaded it from) and pair its hook with its configuration. A failure names the plugin.
 */
export async function connectionHooks(plugins: ConnectionPlugin[]): Promise<ConnectionHook[]> {
  const out: ConnectionHook[] = [];
  for (const p of plugins) {
    let exported: unknown;
    try {
      exported = await importPluginModule(p.modulePath);
    } catch (err) {
      throw loadFailure(p.name, p.modulePath, err);
    }
    const prepare = (exported as AlmanacPlugin | undefined)?.prepare_connection;
    if (typeof prepare !== "function") throw new StartupError(`plugin ${p.name} (${p.modulePath}): prepare_connection is missing when imported in a query worker`);
    out.push({ name: p.name, prepare: (ctx) => prepare.call(exported, ctx), config: p.config });
  }
  return out;
}
