/**
 * @module The jump menu's data: `/-/jump(.json)?q=` — databases, tables, views and stored queries the actor may
 * see whose names (or titles) contain every word of `q`, best matches first, at most 100. Always JSON.
 * Visibility is decided exactly as on the index and database pages: view-database, canViewTable (which follows
 * FTS indexes and shadow tables to the table guarding them) and view-query. Hidden tables only answer to
 * their exact name, as they are only reachable by URL elsewhere.
 */
import type { Almanac } from "../app.js";
import { HttpError } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import { json, jsonError, type Reply } from "../http/response.js";
import { urlsFor } from "../render/html.js";
import { canViewTable, ensure } from "./common.js";
import { storedQueries } from "./database.js";

export const JUMP_LIMIT = 100;

export type JumpType = "database" | "table" | "view" | "query";

export interface JumpMatch {
  /** `db` for a database, `db: name` for what it holds (as Datasette's jump and table menus name them). */
  name: string;
  url: string;
  type: JumpType;
  description: string | null;
  /** The title from metadata or the query definition, when there is one. */
  display_name?: string;
}

interface Candidate extends JumpMatch {
  /** The bare name (table, view, query or database), for exact and prefix ranking. */
  shortName: string;
  /** Hidden tables match only their exact name. */
  exactOnly: boolean;
}

const TYPE_ORDER: Record<JumpType, number> = { database: 0, table: 1, view: 2, query: 3 };

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value : null;
}

/** Everything the actor may jump to, in the order the index and database pages list it. */
function candidates(almanac: Almanac, req: AlmanacRequest): Candidate[] {
  const urls = urlsFor(almanac);
  const out: Candidate[] = [];
  for (const db of almanac.databases.values()) {
    if (!almanac.permissions.allowed(req.actor, "view-database", { database: db.name })) continue;
    const meta = almanac.databaseMetadata(db.name);
    out.push({
      name: db.name,
      url: urls.database(db.name),
      type: "database",
      description: text(meta.description),
      ...(text(meta.title) ? { display_name: meta.title } : {}),
      shortName: db.name,
      exactOnly: false,
    });
    for (const t of db.schema().tables) {
      if (!canViewTable(almanac, req.actor, db, t.name)) continue;
      const tmeta = almanac.tableMetadata(db.name, t.name);
      out.push({
        name: `${db.name}: ${t.name}`,
        url: urls.table(db.name, t.name),
        type: t.isView ? "view" : "table",
        description: text(tmeta.description),
        ...(text(tmeta.title) ? { display_name: tmeta.title as string } : {}),
        shortName: t.name,
        exactOnly: t.hidden || !!almanac.tableConfig(db.name, t.name).hidden,
      });
    }
    for (const q of storedQueries(almanac, db)) {
      const qname = q.name as string;
      if (!almanac.permissions.allowed(req.actor, "view-query", { database: db.name, child: qname })) continue;
      out.push({
        name: `${db.name}: ${qname}`,
        url: urls.query(db.name, qname),
        type: "query",
        description: text(q.description),
        ...(text(q.title) ? { display_name: q.title as string } : {}),
        shortName: qname,
        exactOnly: false,
      });
    }
  }
  return out;
}

/** 0 exact name, 1 the name starts with the query, 2 the name contains it, 3 other matches (database, title); null: none. */
function rank(c: Candidate, query: string, words: string[]): number | null {
  const short = c.shortName.toLowerCase();
  if (c.exactOnly) return short === query ? 0 : null;
  if (!words.length) return 3;
  const haystack = `${c.name} ${c.display_name ?? ""}`.toLowerCase();
  if (!words.every((w) => haystack.includes(w))) return null;
  if (short === query || c.display_name?.toLowerCase() === query) return 0;
  if (short.startsWith(query)) return 1;
  if (short.includes(query)) return 2;
  return 3;
}

/** The matches for `q` (best first, then databases, tables, views, queries, each in name order). */
export function jumpMatches(almanac: Almanac, req: AlmanacRequest, q: string): { matches: JumpMatch[]; truncated: boolean } {
  const query = q.trim().toLowerCase();
  const words = query.split(/\s+/).filter(Boolean);
  const ranked: { c: Candidate; r: number; i: number }[] = [];
  candidates(almanac, req).forEach((c, i) => {
    const r = rank(c, query, words);
    if (r !== null) ranked.push({ c, r, i });
  });
  // With no query the natural order is kept (each database, then what it holds); with one, best matches lead.
  if (words.length) ranked.sort((a, b) => a.r - b.r || TYPE_ORDER[a.c.type] - TYPE_ORDER[b.c.type] || a.i - b.i);
  const matches = ranked.slice(0, JUMP_LIMIT).map(({ c }) => {
    const { shortName: _s, exactOnly: _e, ...match } = c;
    return match;
  });
  return { matches, truncated: ranked.length > JUMP_LIMIT };
}

/** `/-/jump` and `/-/jump.json`: JSON either way, errors included. */
export async function jumpPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  try {
    ensure(almanac, req, "view-instance");
    const { matches, truncated } = jumpMatches(almanac, req, req.arg("q") ?? "");
    return json({ ok: true, matches, truncated });
  } catch (err) {
    if (err instanceof HttpError) return jsonError(err.messages, err.status, err.extra, err.headers);
    throw err;
  }
}
