/**
 * @module Plugins' output formats (`register_output_renderer`): `.<ext>` on table, row and query pages
 * beside `.json` and `.csv`. The renderers are collected and checked once at start-up (pages/registries.ts);
 * here a page hands one its data and gets a checked reply back, and export links ask `can_render`.
 */
import type { Almanac } from "../app.js";
import { HttpError } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { replyProblem, type Reply } from "../http/response.js";
import { PluginError } from "../plugins/manager.js";
import type { OutputRenderer, RenderContext } from "../plugins/types.js";
import { dataFormat, exportFormat, urlWithArgs } from "./common.js";

/** Formats Almanac answers itself on data pages (`.db` is the database download). */
export const BUILTIN_FORMATS = ["json", "csv", "blob", "db"];

export interface PluginRenderer extends OutputRenderer {
  plugin: string;
}

/** What is wrong with a would-be renderer, or null: an extension of letters, digits and `_`, a `render` function. */
export function rendererProblem(value: unknown): string | null {
  if (!value || typeof value !== "object") return "a renderer must be an object {extension, render, can_render?}";
  const r = value as Record<string, unknown>;
  if (typeof r.extension !== "string" || !/^\w+$/.test(r.extension)) return `renderer extension ${JSON.stringify(r.extension)} must be letters, digits or _ (no dot)`;
  if (typeof r.render !== "function") return `renderer .${r.extension}: render must be a function`;
  if (r.can_render !== undefined && typeof r.can_render !== "function") return `renderer .${r.extension}: can_render must be a function when given`;
  return null;
}

/** The plugin renderer this request's `.<format>` names, or null (no format, a built-in one, or an unknown one). */
export function requestedRenderer(renderers: ReadonlyMap<string, PluginRenderer>, req: AlmanacRequest): PluginRenderer | null {
  const format = req.params.format;
  if (format === undefined || renderers.size === 0) return null;
  return renderers.get(format) ?? null;
}

/**
 * What a table, row or query request asks for: an export (`.csv`, `.blob`), a plugin's format (the page
 * builds its JSON data, then hands it to the renderer), `.json`, or HTML. Unknown formats are a 404.
 */
export function dataOutput(renderers: ReadonlyMap<string, PluginRenderer>, req: AlmanacRequest): { format: "html" | "json" | "csv" | "blob"; renderer: PluginRenderer | null } {
  const exported = exportFormat(req);
  if (exported) return { format: exported, renderer: null };
  const renderer = requestedRenderer(renderers, req);
  return { format: renderer ? "json" : dataFormat(req), renderer };
}

/** This page's URL with `.<ext>` in place of its format suffix (absolute, query string kept). */
export function formatUrl(almanac: Almanac, req: AlmanacRequest, ext: string): string {
  const format = req.params.format;
  const path = format === undefined ? req.path : req.path.slice(0, -(format.length + 1));
  return urlWithArgs(almanac, req, {}, `${path}.${ext}`);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Header names lower-cased; null when a name or value could not be sent (a line break, say). */
function cleanHeaders(headers: Record<string, string> | undefined): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(k) || !HEADER_VALUE.test(v)) return null;
    out[k.toLowerCase()] = v;
  }
  return out;
}

/**
 * A renderer's answer as a Reply, or what is wrong with it. Two forms: a Reply (`{status, headers, body}`,
 * checked like any reply a plugin hands back) or Datasette's dict (`{body, content_type?, status_code?,
 * headers?}`, body a string or bytes; content type text/plain by default).
 */
export function rendererReply(out: unknown): Reply | string {
  if (!out || typeof out !== "object") return `expected {body, content_type?, status_code?, headers?} or a reply (got ${out === null ? "null" : typeof out})`;
  const o = out as Record<string, unknown>;
  const dict = !("status" in o);
  let body = o.body;
  if (body instanceof Uint8Array && !Buffer.isBuffer(body)) body = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (dict) {
    if (typeof body !== "string" && !Buffer.isBuffer(body)) return "body must be a string or bytes";
    if (o.content_type !== undefined && (typeof o.content_type !== "string" || !HEADER_VALUE.test(o.content_type))) return "content_type must be a string";
  }
  const reply = { status: dict ? (o.status_code ?? 200) : o.status, headers: o.headers ?? {}, body };
  const problem = replyProblem(reply);
  if (problem) return problem;
  const headers = cleanHeaders(reply.headers as Record<string, string>);
  if (!headers) return "headers must be an object of header names and string values without line breaks";
  if (dict) headers["content-type"] = (o.content_type as string | undefined) ?? headers["content-type"] ?? "text/plain; charset=utf-8";
  return { status: reply.status as number, headers, body: body as Reply["body"] };
}

/**
 * Run a renderer on a page's data. A renderer that throws (an HttpError is its answer) or returns something
 * that is not a reply fails the request with a 500 whose log names the plugin.
 */
export async function renderWith(renderer: PluginRenderer, ctx: RenderContext): Promise<Reply> {
  const step = `renderer .${renderer.extension}`;
  let out: unknown;
  try {
    out = await renderer.render(ctx);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new PluginError(renderer.plugin, step, err);
  }
  const reply = rendererReply(out);
  if (typeof reply === "string") throw new PluginError(renderer.plugin, step, `returned bad output: ${reply}`);
  return reply;
}

/** The plugin formats to offer on a page (`can_render`, yes by default), as `{name: url}` in registration order. */
export async function rendererLinks(almanac: Almanac, renderers: ReadonlyMap<string, PluginRenderer>, ctx: RenderContext): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of renderers.values()) {
    let offer = true;
    if (r.can_render) {
      try {
        offer = Boolean(await r.can_render(ctx));
      } catch (err) {
        throw new PluginError(r.plugin, `renderer .${r.extension} can_render`, err);
      }
    }
    if (offer) out[r.extension] = formatUrl(almanac, ctx.request, r.extension);
  }
  return out;
}
