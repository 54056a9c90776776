/**
 * @module The permission debug pages (Datasette §7.7), all answered by the one resolver:
 * `/-/permissions` (the last 200 checks and a playground; view-instance + permissions-debug),
 * `/-/check(.json)` (one decision explained; permissions-debug), `/-/rules(.json)` (the rules for an action;
 * view-instance + permissions-debug), `/-/allowed(.json)` (what you may do an action on; open to everyone, as it
 * only lists what the asker can already reach — reasons only with permissions-debug), `/-/actions(.json)`
 * (the actions; permissions-debug) and `/-/allow-debug` (try an allow block against an actor; a pure function,
 * open to everyone).
 */
import type { Almanac } from "../app.js";
import { actorMatchesAllow } from "../auth/allow.js";
import { ACTION_KINDS, ACTIONS, alsoRequires, type Action, type Actor, type Resource } from "../auth/permissions.js";
import { abbreviate } from "../auth/restrictions.js";
import { BadRequest, HttpError, NotFound } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { NO_FRAMING, json, type Reply } from "../http/response.js";
import { renderJsonPage, renderPage } from "../render/html.js";
import { ensure } from "./common.js";
import { storedQueries } from "./database.js";

const DESCRIPTIONS: Record<Action, string> = {
  "view-instance": "View the instance (the home page and the /-/ pages)",
  "permissions-debug": "Use the permission debug pages",
  "debug-menu": "See the debug items in the menu",
  "view-database": "View a database",
  "view-database-download": "Download a database file",
  "execute-sql": "Run arbitrary read-only SQL against a database",
  "execute-write-sql": "Run SQL that writes to a database",
  "create-table": "Create tables",
  "create-view": "Create views",
  "store-query": "Store queries",
  "view-table": "View a table or view",
  "insert-row": "Insert rows",
  "delete-row": "Delete rows",
  "update-row": "Update rows",
  "alter-table": "Alter a table",
  "set-column-type": "Set a column's type",
  "drop-table": "Drop a table",
  "drop-view": "Drop a view",
  "view-query": "View and run a stored query",
  "update-query": "Update a stored query",
  "delete-query": "Delete a stored query",
};

const RESOURCE_CLASSES = { instance: null, database: "DatabaseResource", table: "TableResource", query: "QueryResource" } as const;

/** Datasette's resource path: `/`, `/<db>`, `/<db>/<child>` (names as they are). */
function resourcePath(parent: string | null, child: string | null): string {
  if (parent === null) return "/";
  return child === null ? `/${parent}` : `/${parent}/${child}`;
}

function isDebugger(almanac: Almanac, req: AlmanacRequest): boolean {
  return almanac.permissions.allowed(req.actor, "permissions-debug");
}

/** The action named by `?action=` (or a form field): 400 without one, 404 for one Almanac does not know. */
function actionArg(value: string | null | undefined): Action {
  if (!value) throw new BadRequest("action parameter is required");
  if (!(ACTIONS as readonly string[]).includes(value)) throw new NotFound(`Unknown action: ${value}`);
  return value as Action;
}

/** The resource an action is checked against, from `parent` and `child` as the action's kind takes them. */
function resourceFor(action: Action, parent: string | null, child: string | null): Resource {
  if (child && !parent) throw new BadRequest("parent is required when child is provided");
  const kind = ACTION_KINDS[action];
  if (kind === "instance") return {};
  if (!parent) throw new BadRequest(`${action} needs parent (a database name)`);
  if (kind === "database") return { database: parent };
  if (!child) throw new BadRequest(`${action} needs child (a ${kind === "query" ? "stored query" : "table or view"} name)`);
  return { database: parent, child };
}

/** An actor from JSON: an object or null; anything else is a 400 that says what was wrong. */
function parseActor(text: string, label = "actor"): Actor {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`${label} is not valid JSON: ${(err as Error).message}`);
  }
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) throw new BadRequest(`${label} must be a JSON object or null`);
  return value as Actor;
}

/** `_page`/`_size` (or Datasette's `page`/`page_size`): page from 1, size 1–200, default 50. */
function paging(req: AlmanacRequest): { page: number; size: number } {
  const raw = (a: string, b: string, fallback: string) => req.arg(a) ?? req.arg(b) ?? fallback;
  const pageText = raw("_page", "page", "1");
  const sizeText = raw("_size", "page_size", "50");
  if (!/^\d+$/.test(pageText) || !/^\d+$/.test(sizeText)) throw new BadRequest("page and page_size must be integers");
  const page = Number(pageText);
  const size = Number(sizeText);
  if (page < 1) throw new BadRequest("page must be >= 1");
  if (size < 1) throw new BadRequest("page_size must be >= 1");
  return { page, size: Math.min(size, 200) };
}

/** The envelope `/-/allowed` and `/-/rules` share: a page of items and links to its neighbours. */
function paged<T>(almanac: Almanac, req: AlmanacRequest, action: Action, items: T[]): Record<string, unknown> {
  const { page, size } = paging(req);
  const offset = (page - 1) * size;
  const link = (n: number) => {
    const args = new URLSearchParams();
    for (const [k, v] of req.pairs) if (!["_page", "_size", "page", "page_size"].includes(k)) args.append(k, v);
    args.set("_page", String(n));
    args.set("_size", String(size));
    return `${almanac.path(req.path)}?${args}`;
  };
  const out: Record<string, unknown> = {
    ok: true,
    action,
    actor_id: req.actor?.id ?? null,
    page,
    page_size: size,
    total: items.length,
    items: items.slice(offset, offset + size),
  };
  if (items.length > offset + size) out.next_url = link(page + 1);
  if (page > 1) out.previous_url = link(page - 1);
  return out;
}

/** Every resource of the action's kind, as (parent, child) pairs, in the order the pages list them. */
function resourcesOfKind(almanac: Almanac, action: Action): [string | null, string | null][] {
  const kind = ACTION_KINDS[action];
  if (kind === "instance") return [[null, null]];
  const out: [string | null, string | null][] = [];
  for (const db of almanac.databases.values()) {
    if (kind === "database") out.push([db.name, null]);
    else if (kind === "table") for (const t of db.schema().tables) out.push([db.name, t.name]);
    else for (const q of storedQueries(almanac, db)) out.push([db.name, q.name as string]);
  }
  return out;
}

/**
 * Whether the actor may do the action on one resource, as the pages decide it: a table is also guarded by
 * whatever guards it (an FTS index's shadow tables by the indexed table; see canViewTable). Not recorded
 * among the recent checks, so one listing does not push out every real check.
 */
function mayDo(almanac: Almanac, actor: Actor, action: Action, database: string | null, child: string | null): boolean {
  const resolver = almanac.permissions;
  if (database === null) return resolver.wouldAllow(actor, action);
  if (child === null) return resolver.wouldAllow(actor, action, { database });
  if (!resolver.wouldAllow(actor, action, { database, child })) return false;
  if (action !== "view-table") return true;
  const schema = almanac.databases.get(database)?.schema();
  const seen = new Set<string>([child]);
  for (let t = schema?.resolve(child); t?.guardedBy && !seen.has(t.guardedBy); t = schema?.resolve(t.guardedBy)) {
    seen.add(t.guardedBy);
    if (!resolver.wouldAllow(actor, action, { database, child: t.guardedBy })) return false;
  }
  return true;
}

function allowedPayload(almanac: Almanac, req: AlmanacRequest): Record<string, unknown> {
  const action = actionArg(req.arg("action"));
  const parent = req.arg("parent") || null;
  const child = req.arg("child") || null;
  if (child && !parent) throw new BadRequest("parent must be provided when child is specified");
  const withReasons = isDebugger(almanac, req);
  const items: Record<string, unknown>[] = [];
  for (const [p, c] of resourcesOfKind(almanac, action)) {
    if ((parent !== null && p !== parent) || (child !== null && c !== child)) continue;
    if (!mayDo(almanac, req.actor, action, p, c)) continue;
    const item: Record<string, unknown> = { parent: p, child: c, resource: resourcePath(p, c) };
    if (withReasons) item.reason = almanac.permissions.explain(req.actor, action, { database: p ?? undefined, child: c ?? undefined }).reason;
    items.push(item);
  }
  return paged(almanac, req, action, items);
}

/** Actions for the forms' drop-downs: the common ones first, then the rest by name (as Datasette lists them). */
function actionChoices(): string[] {
  const first = ["view-instance", "view-database", "view-table", "view-query", "execute-sql", "insert-row", "update-row", "delete-row"];
  return [...first, ...[...ACTIONS].filter((a) => !first.includes(a)).sort()];
}

function debugPage(almanac: Almanac, req: AlmanacRequest, template: string, context: Record<string, unknown>, status = 200): Promise<Reply> {
  return renderPage(almanac, req, {
    templates: [template],
    context: { actions: actionChoices(), ...context },
    bodyClass: `permissions-debug ${template.replace(/\.html$/, "").replace(/_/g, "-")}`,
    status,
    headers: { ...NO_FRAMING },
  });
}

/** An error as the HTML debug pages show it (on the page, beside the form) rather than an error page. */
async function orFormError<T>(work: () => T): Promise<{ value: T | null; error: string | null; status: number }> {
  try {
    return { value: work(), error: null, status: 200 };
  } catch (err) {
    if (err instanceof HttpError) return { value: null, error: err.messages.join("; "), status: err.status };
    throw err;
  }
}

export async function allowedPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  if (req.params.format === "json") return json(allowedPayload(almanac, req));
  const asked = req.arg("action") !== undefined;
  const result = asked ? await orFormError(() => allowedPayload(almanac, req)) : { value: null, error: null, status: 200 };
  return debugPage(
    almanac,
    req,
    "debug_allowed.html",
    {
      title: "Allowed resources",
      form: { action: req.arg("action") ?? "view-table", parent: req.arg("parent") ?? "", child: req.arg("child") ?? "" },
      result: result.value,
      error: result.error,
      with_reasons: isDebugger(almanac, req),
    },
    result.status,
  );
}

function rulesPayload(almanac: Almanac, req: AlmanacRequest): Record<string, unknown> {
  const action = actionArg(req.arg("action"));
  const rules = almanac.permissions
    .rules(req.actor, action)
    .map((r) => ({ parent: r.database, child: r.child, resource: resourcePath(r.database, r.child), allow: r.allow ? 1 : 0, reason: r.reason, source_plugin: r.source }))
    .sort((a, b) => b.allow - a.allow || Number(a.parent !== null) - Number(b.parent !== null) || cmp(a.parent, b.parent) || cmp(a.child, b.child));
  const out = paged(almanac, req, action, rules);
  if (req.actor?._r !== undefined) out.restrictions = req.actor._r;
  return out;
}

function cmp(a: string | null, b: string | null): number {
  const x = a ?? "";
  const y = b ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

export async function rulesPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  ensure(almanac, req, "permissions-debug", undefined, undefined, "Permission denied: you need permissions-debug");
  if (req.params.format === "json") return json(rulesPayload(almanac, req));
  const asked = req.arg("action") !== undefined;
  const result = asked ? await orFormError(() => rulesPayload(almanac, req)) : { value: null, error: null, status: 200 };
  return debugPage(almanac, req, "debug_rules.html", { title: "Permission rules", form: { action: req.arg("action") ?? "view-table" }, result: result.value, error: result.error }, result.status);
}

/** One decision explained, for the request's actor or (`actor` given) another. */
function checkPayload(almanac: Almanac, req: AlmanacRequest, input: { action?: string | null; parent?: string | null; child?: string | null; actor?: string | null }): Record<string, unknown> {
  const action = actionArg(input.action);
  const parent = input.parent || null;
  const child = input.child || null;
  const resource = resourceFor(action, parent, child);
  const actor = input.actor !== undefined && input.actor !== null && input.actor !== "" ? parseActor(input.actor) : req.actor;
  const explanation = almanac.permissions.explain(actor, action, resource);
  const out: Record<string, unknown> = {
    ok: true,
    unstable: "The JSON format of this page is not yet stable and may change",
    action,
    allowed: explanation.allowed,
    actor,
    resource: { parent: resource.database ?? null, child: resource.child ?? null, path: resourcePath(resource.database ?? null, resource.child ?? null) },
    explanation,
  };
  if (actor && "id" in actor) out.actor_id = actor.id;
  return out;
}

export async function checkPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "permissions-debug", undefined, undefined, "Permission denied: you need permissions-debug");
  const input = { action: req.arg("action"), parent: req.arg("parent"), child: req.arg("child"), actor: req.arg("actor") };
  if (req.params.format === "json") return json(checkPayload(almanac, req, input));
  const asked = input.action !== undefined;
  const result = asked ? await orFormError(() => checkPayload(almanac, req, input)) : { value: null, error: null, status: 200 };
  return debugPage(
    almanac,
    req,
    "debug_check.html",
    {
      title: "Check a permission",
      form: { action: input.action ?? "view-instance", parent: input.parent ?? "", child: input.child ?? "", actor: input.actor ?? "" },
      result: result.value,
      result_json: result.value ? JSON.stringify(result.value.explanation, null, 2) : null,
      error: result.error,
    },
    result.status,
  );
}

/** `/-/permissions`: recent checks (`?filter=all|exclude-yours|only-yours`) and a playground; POST checks one as JSON. */
export async function permissionsPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  ensure(almanac, req, "permissions-debug", undefined, undefined, "Permission denied: you need permissions-debug");
  if (req.method === "POST") {
    // Datasette's playground form: actor, permission, resource_1 (database), resource_2 (child) → JSON.
    const form = await req.form(almanac.settings.max_post_body_bytes);
    try {
      return json(checkPayload(almanac, req, { action: form.get("permission"), parent: form.get("resource_1"), child: form.get("resource_2"), actor: form.get("actor") ?? "null" }));
    } catch (err) {
      if (err instanceof HttpError) return json({ ok: false, error: err.messages.join("; ") }, err.status);
      throw err;
    }
  }
  const filter = req.arg("filter") ?? "all";
  if (!["all", "exclude-yours", "only-yours"].includes(filter)) throw new BadRequest("filter must be all, exclude-yours or only-yours");
  const mine = (a: Actor) => (a?.id ?? null) === (req.actor?.id ?? null);
  const checks = almanac.permissions
    .recentChecks()
    .filter((c) => filter === "all" || (filter === "only-yours" ? mine(c.actor) : !mine(c.actor)))
    .map((c) => ({
      when: new Date(c.when).toISOString(),
      actor: JSON.stringify(c.actor),
      action: c.action,
      parent: c.database,
      child: c.child,
      result: c.result,
    }));
  return debugPage(almanac, req, "permissions_debug.html", {
    title: "Debug permissions",
    checks,
    filter,
    filters: [
      { value: "all", label: "All checks" },
      { value: "exclude-yours", label: "Exclude yours" },
      { value: "only-yours", label: "Only yours" },
    ],
    actor_json: JSON.stringify(req.actor),
  });
}

export async function actionsPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "permissions-debug", undefined, undefined, "Permission denied: you need permissions-debug");
  const actions = ACTIONS.map((name) => {
    const kind = ACTION_KINDS[name];
    return {
      name,
      abbr: abbreviate(name) === name ? null : abbreviate(name),
      description: DESCRIPTIONS[name],
      takes_parent: kind !== "instance",
      takes_child: kind === "table" || kind === "query",
      resource_class: RESOURCE_CLASSES[kind],
      also_requires: alsoRequires(name),
    };
  });
  const data = { ok: true, actions };
  if (req.params.format === "json") return json(data);
  return renderJsonPage(almanac, req, "Actions", data);
}

/** `/-/allow-debug?actor=…&allow=…`: whether an allow block matches an actor. Bad JSON is reported on the page. */
export async function allowDebugPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const errors: string[] = [];
  let actorInput = req.arg("actor") || '{"id": "root"}';
  let allowInput = req.arg("allow") || '{"id": "*"}';
  let actor: Actor = null;
  let allow: unknown = null;
  try {
    actor = parseActor(actorInput, "Actor");
    actorInput = JSON.stringify(actor, null, 4);
  } catch (err) {
    errors.push((err as HttpError).messages?.join("; ") ?? String(err));
  }
  try {
    allow = JSON.parse(allowInput);
    allowInput = JSON.stringify(allow, null, 4);
  } catch (err) {
    errors.push(`Allow block is not valid JSON: ${(err as Error).message}`);
  }
  const result = errors.length ? null : actorMatchesAllow(actor, allow);
  return debugPage(almanac, req, "allow_debug.html", {
    title: "Debug allow rules",
    actor_input: actorInput,
    allow_input: allowInput,
    errors,
    result: result === null ? null : result ? "True" : "False",
    matches: result,
    action: almanac.path("/-/allow-debug"),
  }, errors.length ? 400 : 200);
}
