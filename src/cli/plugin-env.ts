/**
 * @module The two environment variables that steer plugin loading (read here, where the environment is):
 * `ALMANAC_PLUGIN_PREFIX` — where `almanac install` puts packaged plugins and where they are looked for
 * (`<prefix>/node_modules`; default: the project Almanac is installed in) — and `ALMANAC_LOAD_PLUGINS=a,b`,
 * which loads only those built-in and packaged plugins (`""`: none of them).
 */
import { resolve } from "node:path";
import type { Environment } from "../config/secrets.js";

/** ALMANAC_PLUGIN_PREFIX as an absolute path, or undefined for the installation's own prefix. */
export function prefixFromEnv(env: Environment): string | undefined {
  return env.ALMANAC_PLUGIN_PREFIX ? resolve(env.ALMANAC_PLUGIN_PREFIX) : undefined;
}

/** ALMANAC_LOAD_PLUGINS as names: unset → undefined (load every plugin); `""` → none; blanks ignored. */
export function loadPluginsFromEnv(env: Environment): string[] | undefined {
  const value = env.ALMANAC_LOAD_PLUGINS;
  if (value === undefined) return undefined;
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
