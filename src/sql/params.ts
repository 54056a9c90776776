/** @module Find the `:name` parameters of an SQL string, so a query page can ask for (and bind) each of them. */

// After literals and comments are blanked out, a parameter is `:` followed by word characters. Python's
// `\w` (Datasette uses `:(\w+)`) is unicode-aware, hence the property classes.
const NAMED_PARAMETER = /:([\p{L}\p{N}_]+)/gu;

/**
 * Replace comments and string/identifier literals with spaces, leaving everything else intact.
 * A single left-to-right scan (rather than one regex per construct) so that `'--'` inside a string or
 * `'` inside a comment is handled the way SQLite's tokenizer handles it. Unterminated constructs run to
 * the end of the input.
 */
function blankLiteralsAndComments(sql: string): string {
  let out = "";
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    let end = -1;
    if (c === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i + 2);
      end = nl === -1 ? n : nl; // keep the newline itself
    } else if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      end = close === -1 ? n : close + 2;
    } else if (c === "'" || c === '"' || c === "`") {
      // Quote characters are escaped by doubling: scan for a closing quote not followed by another.
      let j = i + 1;
      for (;;) {
        const q = sql.indexOf(c, j);
        if (q === -1) {
          end = n;
          break;
        }
        if (sql[q + 1] === c) {
          j = q + 2;
          continue;
        }
        end = q + 1;
        break;
      }
    } else if (c === "[") {
      const close = sql.indexOf("]", i + 1);
      end = close === -1 ? n : close + 1;
    }
    if (end === -1) {
      out += c;
      i += 1;
    } else {
      out += " ";
      i = end;
    }
  }
  return out;
}

/**
 * The named parameters (`:name`) used by `sql`, without the colon, in order of first appearance and
 * de-duplicated. Text inside `--` and `/* *\/` comments and inside `'…'`, `"…"`, `[…]` and `` `…` ``
 * literals is ignored, so `select ':x' as "a:b"` has no parameters. `::x` yields `x` (never an empty name).
 */
export function extractNamedParameters(sql: string): string[] {
  const seen = new Set<string>();
  for (const match of blankLiteralsAndComments(sql).matchAll(NAMED_PARAMETER)) {
    seen.add(match[1]);
  }
  return [...seen];
}
