/** @module Secrets in configuration: `$env`/`$file` references, redaction for `/-/config`, and `-s a.b.c value` overrides. */
import { readFileSync } from "node:fs";
import { StartupError } from "../http/errors.js";
import { SETTING_NAMES } from "./settings.js";
import type { InstanceConfig } from "./options.js";
import { parseSettingValue } from "./load.js";
import { deepCopy, deepMerge, isPlainObject, setOwn, type PlainObject } from "./migrate.js";

/** Where `$env` references are looked up; injectable for tests. */
export type Environment = Record<string, string | undefined>;

/** The one-key object `{"$env": "NAME"}` or `{"$file": "path"}`, if `value` is one. */
function secretReference(value: PlainObject): { kind: "$env" | "$file"; target: unknown } | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== "$env" && keys[0] !== "$file")) return undefined;
  return { kind: keys[0], target: value[keys[0]] };
}

/**
 * Returns a copy of `value` with every `{"$env": "NAME"}` replaced by that environment variable and every
 * `{"$file": "path"}` by the file's exact contents (as Datasette does: a trailing newline is kept).
 * Objects with any other key, or more than one key, are ordinary data. Missing variables/files throw.
 */
export function resolveSecrets(value: unknown, env: Environment = process.env): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveSecrets(v, env));
  if (!isPlainObject(value)) return value;
  const ref = secretReference(value);
  if (ref) {
    if (typeof ref.target !== "string") throw new StartupError(`"${ref.kind}" in configuration must name ${ref.kind === "$env" ? "an environment variable" : "a file"}`);
    if (ref.kind === "$env") {
      const found = env[ref.target];
      if (found === undefined) throw new StartupError(`environment variable ${ref.target} (referenced by {"$env": "${ref.target}"} in configuration) is not set`);
      return found;
    }
    try {
      return readFileSync(ref.target, "utf8");
    } catch (err) {
      throw new StartupError(`cannot read ${ref.target} (referenced by {"$file": ...} in configuration): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, resolveSecrets(v, env));
  return out;
}

/**
 * A plugin's configuration with secrets resolved (Datasette's `plugin_config()`): the table's, else the
 * database's, else the instance's (when `fallback`). Datasette resolves secrets only here, so the app should
 * call this rather than reading `config.plugins` directly; `serve` has already checked every reference resolves.
 */
export function pluginConfig(
  config: InstanceConfig,
  plugin: string,
  options: { database?: string; table?: string; fallback?: boolean; env?: Environment } = {},
): unknown {
  const { database, table, fallback = true, env = process.env } = options;
  const pluginsOf = (node: unknown): unknown => {
    const plugins = isPlainObject(node) ? node.plugins : undefined;
    return isPlainObject(plugins) && Object.hasOwn(plugins, plugin) ? plugins[plugin] : undefined;
  };
  const top = pluginsOf(config);
  let found: unknown;
  if (database === undefined && table === undefined) {
    found = top;
  } else {
    const db = isPlainObject(config.databases) ? config.databases[database ?? ""] : undefined;
    const tables = isPlainObject(db) ? db.tables : undefined;
    const tableLevel = table !== undefined && isPlainObject(tables) ? pluginsOf(tables[table]) : undefined;
    const dbLevel = pluginsOf(db);
    if (table !== undefined && tableLevel !== undefined) found = tableLevel;
    else if (!fallback) found = table !== undefined ? undefined : dbLevel;
    else found = dbLevel ?? top;
  }
  return resolveSecrets(found, env);
}

/** Resolves (and discards) every `$env`/`$file` under any `plugins` key, so a missing one stops start-up. */
export function checkSecrets(config: InstanceConfig, env: Environment = process.env): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    if (!isPlainObject(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "plugins") resolveSecrets(v, env);
      else visit(v);
    }
  };
  visit(config);
}

const SECRET_WORDS = ["secret", "key", "password", "token", "hash", "dsn"];

/** Keys whose children are names chosen by the user (databases, tables, queries, columns), not config keys. */
const NAME_CONTAINERS = new Set(["databases", "tables", "queries", "columns", "column_types"]);

function looksSecret(key: string): boolean {
  const lower = key.toLowerCase();
  return SECRET_WORDS.some((w) => lower.includes(w));
}

/**
 * A deep copy of `config` for display at `/-/config`: the value of any key containing secret, key, password,
 * token, hash or dsn (case-insensitive, at any depth, plugins included) becomes "***". A database, table,
 * query or column *name* (e.g. a table called `api_keys`) is not a secret, so its configuration is redacted
 * key by key rather than hidden whole.
 */
export function redactConfig<T>(config: T): T {
  const redact = (node: unknown, namesHere: boolean): unknown => {
    if (Array.isArray(node)) return node.map((v) => redact(v, false));
    if (!isPlainObject(node)) return node;
    const out: PlainObject = {};
    for (const [k, v] of Object.entries(node)) {
      setOwn(out, k, !namesHere && looksSecret(k) ? "***" : redact(v, !namesHere && NAME_CONTAINERS.has(k)));
    }
    return out;
  };
  return redact(config, false) as T;
}

/** Top-level config keys that a bare (undotted) `-s KEY VALUE` may set besides the settings themselves. */
const TOP_LEVEL_KEYS = new Set(["settings", "plugins", "allow", "allow_sql", "permissions", "extra_css_urls", "extra_js_urls", "databases"]);

const FORBIDDEN_SEGMENTS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Applies `-s/--setting KEY VALUE` to a config and returns the new config (the input is not modified).
 * A bare setting name (`-s sql_time_limit_ms 5000`) and `settings.NAME` are parsed like `--setting`
 * (on/off, digits, base_url normalised); any other dotted path gets the value parsed as JSON if it is
 * valid JSON, else the plain string, deep-merged over what is already there.
 */
export function setDottedPath(config: InstanceConfig, path: string, rawValue: string): InstanceConfig {
  let segments = path.split(".");
  if (segments.some((s) => s === "")) throw new StartupError(`invalid -s/--setting key '${path}': empty segment`);
  if (segments.some((s) => FORBIDDEN_SEGMENTS.has(s))) throw new StartupError(`invalid -s/--setting key '${path}'`);
  if (segments.length === 1 && !TOP_LEVEL_KEYS.has(path)) {
    if (!SETTING_NAMES.has(path)) parseSettingValue(path, rawValue); // throws, listing the valid names
    segments = ["settings", path];
  }
  let value: unknown;
  if (segments.length === 2 && segments[0] === "settings") {
    value = parseSettingValue(segments[1], rawValue);
  } else {
    try {
      value = JSON.parse(rawValue);
    } catch {
      value = rawValue;
    }
  }
  const patch: PlainObject = {};
  let node = patch;
  segments.slice(0, -1).forEach((s) => {
    const child: PlainObject = {};
    setOwn(node, s, child);
    node = child;
  });
  setOwn(node, segments[segments.length - 1], value);
  return deepMerge(deepCopy(config), patch) as InstanceConfig;
}
