/** @module First-line check that an arbitrary `?sql=` / `_where=` string is a single read-only SELECT (Datasette's `validate_sql_select`). */

import { BadRequest } from "../http/errors.js";

// NOTE: this is a courtesy check that gives Datasette's error messages early. It is NOT the security
// boundary: the database connection that runs `?sql=` is opened read-only (`mode=ro` / `immutable=1` /
// `query_only`) by the database module, and better-sqlite3 refuses to prepare more than one statement.
// Writes hidden in CTEs, ATTACH, VACUUM INTO, load_extension() etc. are stopped there, not here.

/** The `pragma_<name>()` table-valued functions a read-only query may use, in Datasette's order. */
export const ALLOWED_PRAGMAS: readonly string[] = [
  "database_list",
  "foreign_key_list",
  "function_list",
  "index_info",
  "index_list",
  "index_xinfo",
  "page_count",
  "max_page_count",
  "page_size",
  "schema_version",
  "table_info",
  "table_xinfo",
  "table_list",
];

// Python's `\b` is unicode-aware; emulate `\b` after an ASCII keyword with a lookahead on unicode word
// characters so that e.g. `selecté` is rejected exactly as Datasette rejects it.
const WORD_END = String.raw`(?![\p{L}\p{N}_])`;
const ALLOWED_STATEMENTS: readonly RegExp[] = [
  String.raw`select`,
  String.raw`explain\s+select`,
  String.raw`explain\s+query\s+plan\s+select`,
  String.raw`with`,
  String.raw`explain\s+with`,
  String.raw`explain\s+query\s+plan\s+with`,
].map((kw) => new RegExp(`^${kw}${WORD_END}`, "u"));

const WHITESPACE = /\s/u;

/**
 * Skip the leading whitespace and comments Datasette tolerates before the keyword: `-- …\n` (the newline
 * is required) and `/* … *\/`. Datasette does this inside one regex; written as a loop here because that
 * regex backtracks quadratically on long whitespace runs (a 200 kB `?sql=` took minutes).
 */
function skipLeadingComments(sql: string): string {
  let i = 0;
  for (;;) {
    while (i < sql.length && WHITESPACE.test(sql[i])) i++;
    let end = -1;
    if (sql.startsWith("--", i)) {
      const nl = sql.indexOf("\n", i + 2);
      end = nl === -1 ? -1 : nl + 1;
    } else if (sql.startsWith("/*", i)) {
      const close = sql.indexOf("*/", i + 2);
      end = close === -1 ? -1 : close + 2;
    }
    if (end === -1) return sql.slice(i); // not a (complete) comment: the keyword must start here
    i = end;
  }
}

// A plain substring search, as in Datasette: even a column called `pragmatic` is refused (use a parameter).
const DISALLOWED_PRAGMA = new RegExp(`pragma(?!_(?:${ALLOWED_PRAGMAS.join("|")}))`, "u");

/** Datasette's exact message for a disallowed PRAGMA. */
export const DISALLOWED_PRAGMA_MESSAGE =
  "Statement contained a disallowed PRAGMA. Allowed pragma functions are " +
  ALLOWED_PRAGMAS.map((p) => `pragma_${p}()`).join(", ");

/**
 * Throw unless `sql` looks like a read-only SELECT, with Datasette's messages:
 * "Statement must be a SELECT" or the disallowed-PRAGMA message ({@link DISALLOWED_PRAGMA_MESSAGE}).
 *
 * Algorithm (Datasette's): drop lines whose trimmed text starts with `--`, trim, lower-case; the result must
 * start (after optional comments) with `select`, `explain select`, `explain query plan select`, `with`,
 * `explain with` or `explain query plan with`; then any `pragma` not followed by `_<allowed>` is refused.
 *
 * @throws BadRequest
 */
export function validateReadOnlySql(sql: string): void {
  const normalized = sql
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n")
    .trim()
    .toLowerCase();
  const statement = skipLeadingComments(normalized);
  if (!ALLOWED_STATEMENTS.some((re) => re.test(statement))) {
    throw new BadRequest("Statement must be a SELECT");
  }
  if (DISALLOWED_PRAGMA.test(normalized)) {
    throw new BadRequest(DISALLOWED_PRAGMA_MESSAGE);
  }
}
