/**
 * @module Magic parameters of stored queries (Datasette §4.5): `:_<prefix>_<key>` filled from the request —
 * the built-in prefixes (`actor`, `header`, `cookie`, `now`, `random`) and those plugins add with
 * `register_magic_parameters` (collected at start-up, see pages/registries.ts). A resolver may be async.
 */
import { randomBytes } from "node:crypto";
import { BadRequest, HttpError } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { PluginError } from "../plugins/manager.js";

/** One prefix and how its keys are filled; `undefined` means "not magic" (the request's own value is used). */
export interface MagicEntry {
  /** The plugin that registered it; null for the built-ins. */
  plugin: string | null;
  prefix: string;
  resolve(key: string, req: AlmanacRequest): unknown;
}

/** A prefix is what sits between the leading `_` and the next `_`: letters and digits only. */
export const MAGIC_PREFIX = /^[A-Za-z0-9]+$/;

function cookie(req: AlmanacRequest, name: string): string {
  const cookies = (req.header("cookie") ?? "").split(";").map((c) => c.trim().split("="));
  const found = cookies.find(([k]) => k === name);
  return found ? decodeURIComponent(found.slice(1).join("=")) : "";
}

function now(key: string): unknown {
  const at = new Date();
  if (key === "epoch") return Math.floor(at.getTime() / 1000);
  if (key === "date_utc") return at.toISOString().slice(0, 10);
  if (key === "datetime_utc") return at.toISOString().slice(0, 19) + "Z";
  return undefined;
}

function random(key: string): unknown {
  const n = /^chars_(\d+)$/.exec(key);
  if (!n) return undefined;
  const count = Math.min(Number(n[1]), 1024);
  return randomBytes(Math.ceil(count / 2)).toString("hex").slice(0, count);
}

export const BUILTIN_MAGIC: MagicEntry[] = [
  {
    plugin: null,
    prefix: "actor",
    resolve: (key, req) => {
      if (!req.actor || !(key in req.actor)) throw new BadRequest(`This query needs a signed-in actor with "${key}"`);
      return req.actor[key];
    },
  },
  { plugin: null, prefix: "header", resolve: (key, req) => req.header(key.replace(/_/g, "-")) ?? "" },
  { plugin: null, prefix: "cookie", resolve: (key, req) => cookie(req, key) },
  { plugin: null, prefix: "now", resolve: (key) => now(key) },
  { plugin: null, prefix: "random", resolve: (key) => random(key) },
];

/**
 * The value of the magic parameter `name` (`_now_epoch` …), or undefined when it is not one. A built-in's
 * 400 (no signed-in actor) and an HttpError a plugin throws are answers; anything else a plugin's resolver
 * throws fails the request naming the plugin.
 */
export async function magicValue(table: ReadonlyMap<string, MagicEntry>, name: string, req: AlmanacRequest): Promise<unknown> {
  const m = /^_([A-Za-z0-9]+)_(.+)$/.exec(name);
  const entry = m ? table.get(m[1]) : undefined;
  if (!m || !entry) return undefined;
  if (entry.plugin === null) return entry.resolve(m[2], req);
  try {
    return await entry.resolve(m[2], req);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new PluginError(entry.plugin, `magic parameter _${entry.prefix}_`, err);
  }
}
