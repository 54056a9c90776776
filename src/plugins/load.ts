/**
 * @module Finding and importing plugins: `--plugins-dir` files (for now). Each module is checked against
 * the hook list before anything runs, and every failure names the plugin.
 */
import { readdirSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { StartupError } from "../http/errors.js";
import { HOOK_NAMES, type AlmanacPlugin, type HookName } from "./types.js";

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
}

const PLUGIN_FILE = /\.(m?js)$/;

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
    out.push({ ...checkPlugin(module.default, name, path), modulePath: path });
  }
  return out;
}

/** Two plugins may not share a name (their configuration and static URLs are keyed by it). */
export function checkUniqueNames(plugins: LoadedPlugin[]): void {
  const seen = new Set<string>();
  for (const p of plugins) {
    if (seen.has(p.name)) throw new StartupError(`two plugins are named ${p.name}: names must be unique`);
    seen.add(p.name);
  }
}
