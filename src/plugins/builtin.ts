/**
 * @module Almanac's built-in plugins (top-level `plugins/`): ordinary plugins that use only the public hooks,
 * loaded before any other. Each is on by default; `plugins: {<name>: {enabled: false}}` in the configuration
 * (instance level) turns one off.
 */
import { join } from "node:path";
import { pluginConfig } from "../config/secrets.js";
import type { InstanceConfig } from "../config/options.js";
import { PACKAGE_ROOT } from "../paths.js";
import { checkPlugin, type LoadedPlugin } from "./load.js";

interface Builtin {
  name: string;
  /** Imports the plugin module (source under tsx, compiled under dist/). */
  load(): Promise<{ default: unknown }>;
  /** Its static files (built into dist/plugins/<folder>/static by scripts/build-assets.js: builtinStaticDir), if it has any. */
  staticDir?: string;
  /** Its templates (source files, used as they are: plugins/<folder>/templates), if it has any. */
  templatesDir?: string;
  /** The module's file, needed only by a built-in that implements prepare_connection (worker threads import it). */
  modulePath?: string;
}

/** Where a built-in's built browser files go: dist/plugins/<folder>/static (folder: its folder under plugins/). */
export function builtinStaticDir(folder: string): string {
  return join(PACKAGE_ROOT, "dist", "plugins", folder, "static");
}

export const BUILTIN_PLUGINS: Builtin[] = [
  // The chart builder on table and query pages (docs/charts.md). The import resolves to plugins/charts/index.ts
  // under tsx and to dist/plugins/charts/index.js in the build.
  { name: "almanac-charts", load: () => import("../../plugins/charts/index.js"), staticDir: builtinStaticDir("charts") },
  // Password accounts, /-/login, Basic credentials, /-/password-tool and `almanac hash-password`
  // (docs/protect-your-data.md), under Datasette's plugin name so its configuration and files carry over.
  {
    name: "datasette-auth-passwords",
    load: () => import("../../plugins/auth-passwords/index.js"),
    staticDir: builtinStaticDir("auth-passwords"),
    templatesDir: join(PACKAGE_ROOT, "plugins", "auth-passwords", "templates"),
  },
];

function enabled(config: InstanceConfig, name: string): boolean {
  const c = pluginConfig(config, name);
  return !(c && typeof c === "object" && (c as { enabled?: unknown }).enabled === false);
}

/** The built-ins the configuration leaves on (and `include` chooses: ALMANAC_LOAD_PLUGINS), imported and checked. */
export async function loadBuiltinPlugins(config: InstanceConfig, include: (name: string) => boolean = () => true): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  for (const b of BUILTIN_PLUGINS) {
    if (!include(b.name) || !enabled(config, b.name)) continue;
    const module = await b.load();
    out.push({ ...checkPlugin(module.default, b.name, `built-in ${b.name}`), staticDir: b.staticDir ?? null, templatesDir: b.templatesDir ?? null, modulePath: b.modulePath });
  }
  return out;
}
