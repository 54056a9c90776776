/** @module Identifier quoting and LIKE-pattern escaping: the only way a name is ever spliced into SQL text. */

import { BadRequest } from "../http/errors.js";

// A lone UTF-16 surrogate cannot be encoded as UTF-8, so SQLite would see a different name than we checked.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Quote an SQLite identifier (table, column, index, FTS table…): wrap it in `"` and double every `"`.
 *
 * This is THE identifier-quoting function of the project. It always quotes — there is deliberately no
 * "looks safe, leave it bare" shortcut — so keywords, spaces, `]`, backticks, quotes, newlines and unicode
 * all come out as one identifier token. Callers should pass the canonical name from the schema (resolve
 * user input against `Schema`/`TableInfo` first), so the permission check and the SQL see the same object.
 *
 * @throws BadRequest "Invalid identifier" when the name contains NUL (SQLite would truncate the name there)
 *   or a lone surrogate (not representable in UTF-8).
 */
export function quoteIdentifier(name: string): string {
  if (name.includes("\u0000") || LONE_SURROGATE.test(name)) {
    throw new BadRequest("Invalid identifier");
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Escape `\`, `%` and `_` so that `value` matches itself literally in a LIKE pattern. The SQL must say
 * `… like :p escape '\'` for this to take effect.
 *
 * Where it applies: internal look-ups that embed a *name* in a pattern, e.g. FTS detection
 * (`sql like '%content="' || :table || '"%' escape '\'`) — without it a table called `a_b` or `50%` would
 * match other tables' rows. It is deliberately NOT used by the `contains`/`startswith`/`endswith` filters:
 * Datasette binds those values with their wildcards live (`%v%`), and Almanac keeps that behaviour.
 */
export function escapeLikePattern(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
