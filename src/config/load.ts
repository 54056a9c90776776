/** @module Reading configuration from outside: setting values from the command line, JSON/YAML files, inspect files. */
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import YAML from "yaml";
import { StartupError } from "../http/errors.js";
import { SETTINGS, SETTING_NAMES, type Settings, type SettingValue } from "./settings.js";
import type { InspectData, InstanceConfig, Metadata } from "./options.js";
import { isPlainObject } from "./migrate.js";

const DEFAULTS: ReadonlyMap<string, SettingValue> = new Map(SETTINGS.map((s) => [s.name, s.default]));

function unknownSetting(name: string, where: string): StartupError {
  return new StartupError(`unknown setting '${name}'${where}; valid settings: ${SETTINGS.map((s) => s.name).join(", ")}`);
}

/** `base_url` is joined to paths everywhere, so it always starts and ends with exactly one `/`. */
export function normaliseBaseUrl(value: string): string {
  const trimmed = value.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "/" : `/${trimmed}/`;
}

/** Parses `--setting NAME VALUE` (or `-s settings.NAME VALUE`) the way Datasette's CLI does. */
export function parseSettingValue(name: string, raw: string): SettingValue {
  const fallback = DEFAULTS.get(name);
  if (fallback === undefined) throw unknownSetting(name, "");
  if (typeof fallback === "boolean") {
    const lower = raw.trim().toLowerCase();
    if (["on", "true", "1"].includes(lower)) return true;
    if (["off", "false", "0"].includes(lower)) return false;
    throw new StartupError(`setting '${name}' should be on/off/true/false/1/0, got '${raw}'`);
  }
  if (typeof fallback === "number") {
    if (!/^\d+$/.test(raw.trim())) throw new StartupError(`setting '${name}' should be an integer, got '${raw}'`);
    return Number(raw.trim());
  }
  return name === "base_url" ? normaliseBaseUrl(raw) : raw;
}

/**
 * Checks the `settings:` block of a config file: known names only, each value of its default's type
 * (`null` means "use the default" and is dropped). Returns the valid, normalised subset.
 */
export function validateSettings(obj: unknown, source = "config file"): Partial<Settings> {
  if (obj === undefined || obj === null) return {};
  if (!isPlainObject(obj)) throw new StartupError(`'settings' in ${source} must be an object of setting names to values`);
  const out: Record<string, SettingValue> = {};
  for (const [name, value] of Object.entries(obj)) {
    if (!SETTING_NAMES.has(name)) throw new StartupError(`Invalid setting '${name}' in ${source}`);
    if (value === null) continue;
    const fallback = DEFAULTS.get(name)!;
    const ok = typeof fallback === "number" ? Number.isInteger(value) : typeof value === typeof fallback;
    if (!ok) throw new StartupError(`Setting '${name}' in ${source} has incorrect type (expected ${typeof fallback === "number" ? "integer" : typeof fallback})`);
    out[name] = name === "base_url" ? normaliseBaseUrl(value as string) : (value as SettingValue);
  }
  return out as Partial<Settings>;
}

/** Where a JSON.parse error happened, as "line L, column C", when the engine reports a position. */
function jsonErrorLocation(text: string, err: Error): string | undefined {
  const lineCol = /line (\d+) column (\d+)/.exec(err.message);
  if (lineCol) return `line ${lineCol[1]}, column ${lineCol[2]}`;
  const pos = /at position (\d+)/.exec(err.message);
  if (!pos) return undefined;
  const before = text.slice(0, Number(pos[1]));
  const line = before.split("\n").length;
  return `line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
}

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/:\s*$/, "").trim();
}

/** Parses JSON or YAML text (JSON tried first); returns undefined for an empty document. */
export function parseJsonOrYaml(text: string, label: string): unknown {
  const clean = text.replace(/^\uFEFF/, "");
  if (clean.trim() === "") return undefined;
  let jsonError: Error;
  try {
    return JSON.parse(clean);
  } catch (err) {
    jsonError = err as Error;
  }
  try {
    return YAML.parse(clean);
  } catch (err) {
    // A file that looks like JSON is reported as JSON when the engine gives a position; otherwise the
    // YAML parser's message (which always has one) is the better guide, since JSON is a subset of YAML.
    const where = /^\s*[[{]/.test(clean) ? jsonErrorLocation(clean, jsonError) : undefined;
    if (where) {
      const reason = firstLine(jsonError.message).replace(/ in JSON at position \d+.*$/, "").replace(/, ".*$/, "");
      throw new StartupError(`invalid JSON in ${label} at ${where}: ${reason}`);
    }
    throw new StartupError(`could not parse ${label} as JSON or YAML: ${firstLine((err as Error).message)}`);
  }
}

/** Reads a JSON/YAML file whose top level must be an object; an empty file is `{}`. */
export function loadObjectFile(path: string, kind: string): Record<string, unknown> {
  const label = `${kind} ${basename(path)}`;
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new StartupError(`${kind} ${path} is a directory, not a file`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof StartupError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new StartupError(`${kind} not found: ${path}`);
    throw new StartupError(`cannot read ${kind} ${path}: ${(err as Error).message}`);
  }
  const data = parseJsonOrYaml(text, label);
  if (data === undefined || data === null) return {};
  if (!isPlainObject(data)) throw new StartupError(`${label} must contain an object at the top level, not ${Array.isArray(data) ? "a list" : typeof data}`);
  return data;
}

/** Loads `datasette.yaml`/`datasette.json` (`-c/--config`). */
export function loadConfigFile(path: string): InstanceConfig {
  return loadObjectFile(path, "config file") as InstanceConfig;
}

/** Loads `metadata.json`/`metadata.yaml` (`-m/--metadata`); run migrateMetadata() on the result. */
export function loadMetadataFile(path: string): Metadata {
  return loadObjectFile(path, "metadata file") as Metadata;
}

/** Loads an `almanac inspect` / `datasette inspect` output file (`--inspect-file`, `inspect-data.json`). */
export function loadInspectFile(path: string): InspectData {
  const data = loadObjectFile(path, "inspect file");
  for (const [name, entry] of Object.entries(data)) {
    if (!isPlainObject(entry)) throw new StartupError(`inspect file ${basename(path)}: entry '${name}' must be an object`);
  }
  return data as InspectData;
}
