/**
 * @module What plugins import (`import { definePlugin, HttpError, json } from "almanac"`): the hook types,
 * the error classes a hook or route throws to answer with a status, reply helpers, HTML escaping and the
 * identifier quoting every SQL name must go through. Nothing else of Almanac's inside is promised to plugins.
 */
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";
import { renderPage } from "../render/html.js";
import type { AlmanacPlugin } from "./types.js";

export type * from "./types.js";
export type { Almanac } from "../app.js";
export { VERSION } from "../app.js";
export type { AlmanacRequest } from "../http/request.js";
export type { Reply, StreamedBody } from "../http/response.js";
export type { FacetType } from "../query/facets.js";
export { HttpError, BadRequest, NotFound, Forbidden } from "../http/errors.js";
export { json, text, html, redirect, NO_FRAMING } from "../http/response.js";
export { escapeHtml } from "../render/escape.js";
export { quoteIdentifier } from "../sql/index.js";
export { signIn, signOut, DEFAULT_SESSION_SECONDS } from "../auth/actors.js";
export { addMessage, INFO, WARNING, ERROR } from "../http/messages.js";
export { hashPassword, verifyPassword, parseHash } from "../auth/passwords.js";
export { actorMatchesAllow } from "../auth/allow.js";

/** Returns the plugin unchanged: in TypeScript it checks every hook's signature as you write it. */
export function definePlugin<T extends AlmanacPlugin>(plugin: T & AlmanacPlugin): T {
  return plugin;
}

/**
 * A page in the site's layout (header, menu, footer, theme) from a template of yours: `template` is looked
 * up in --template-dir, then plugins' templates/ folders, then Almanac's own; it usually extends base.html.
 */
export function renderTemplate(almanac: Almanac, request: AlmanacRequest, template: string, context: Record<string, unknown> = {}, status = 200): Promise<Reply> {
  return renderPage(almanac, request, { templates: [template], context, bodyClass: template.replace(/\.html$/, "").replace(/[^\w-]/g, "-"), status });
}
