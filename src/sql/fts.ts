/** @module Escaping of user search text into a safe FTS5 MATCH expression (Datasette's `escape_fts`). */

/**
 * Turn free text into an FTS MATCH expression in which every term is a quoted string, so that FTS
 * operators (`AND`, `OR`, `NOT`, `NEAR(`, `*`, `^`, `-`, `:`, parentheses) are matched as text.
 *
 * Datasette's algorithm: if the number of `"` is odd, append one; split on whitespace while keeping
 * `"quoted phrases"` together; drop empty `""`; wrap every unquoted term in double quotes; join with
 * spaces. `dog cat` → `"dog" "cat"`, `dog "cat dog"` → `"dog" "cat dog"`.
 *
 * Two deliberate differences, both so that the result can never be an FTS syntax error:
 * - a quoted phrase may span newlines (Datasette's `".*?"` cannot, and then emits unbalanced quotes);
 * - NUL is treated as whitespace (FTS5 stops reading the expression at NUL → "unterminated string"),
 *   and input with no terms at all becomes `""` (an empty phrase that matches nothing) instead of an
 *   empty string, which FTS5 rejects.
 */
export function escapeFts(query: string): string {
  let text = query.replaceAll("\u0000", " ");
  let quotes = 0;
  for (const ch of text) if (ch === '"') quotes++;
  if (quotes % 2 === 1) text += '"';

  const bits: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/u.test(ch)) {
      i++;
    } else if (ch === '"') {
      // Quotes are balanced, so a closing one always exists.
      const close = text.indexOf('"', i + 1);
      const phrase = text.slice(i, close + 1);
      if (phrase !== '""') bits.push(phrase);
      i = close + 1;
    } else {
      // A bare term runs until whitespace or the start of a phrase; it contains no `"`.
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && !/\s/u.test(text[j])) j++;
      bits.push(`"${text.slice(i, j)}"`);
      i = j;
    }
  }
  return bits.length === 0 ? '""' : bits.join(" ");
}
