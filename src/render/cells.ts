/**
 * @module How one cell looks in HTML — shared by the table, row and query pages. The value arrives as the
 * JSON twin carries it (BLOBs as `$base64`, expanded foreign keys as `{value, label}`) and leaves as escaped
 * HTML marked safe for the templates (`{{ cell.value }}`, as in Datasette's templates).
 */
import nunjucks from "nunjucks";
import { escapeHtml } from "./escape.js";

export interface CellLinks {
  /** The row page of a foreign key's target, for `{value, label}` cells and plain key values. */
  foreignKey?: (value: unknown) => string | null;
  /** The `.blob` download URL of this cell (null when there is no way to address it). */
  blob?: () => string | null;
  /** A link for the whole cell (the key column linking to its row page). */
  row?: string | null;
}

export interface DisplayCell {
  column: string;
  /** Escaped HTML (a Nunjucks SafeString, so templates print it as is). */
  value: nunjucks.runtime.SafeString;
  raw: unknown;
  /** Datasette's value type classes: int, float, str, none, bytes, fk. */
  value_type: string;
  /** `col-<column> type-<type>`. */
  cls: string;
}

/** Only http(s) URLs are ever linked: `javascript:`, `data:` and the rest stay text. */
export function isSafeUrl(value: unknown): value is string {
  return typeof value === "string" && /^https?:\/\/[^\s<>"']+$/i.test(value);
}

/** Long text is cut at `limit` characters with an ellipsis (0: no limit). */
export function truncate(text: string, limit: number): string {
  if (limit <= 0 || text.length <= limit) return text;
  return `${text.slice(0, limit)}…`;
}

function base64Bytes(encoded: string): number {
  const padding = encoded.endsWith("==") ? 2 : encoded.endsWith("=") ? 1 : 0;
  return Math.floor((encoded.length * 3) / 4) - padding;
}

const NEEDS_ESCAPE = /[&<>"']/;
/** Escape only when needed: most cells are plain numbers and words. */
function esc(text: string): string {
  return NEEDS_ESCAPE.test(text) ? escapeHtml(text) : text;
}

/** A cell's escaped HTML and its value type, as strings: the table page joins thousands of these. */
export function cellHtml(raw: unknown, truncateAt: number, links: CellLinks = {}): { html: string; type: string } {
  let type: string;
  let out: string;
  if (raw === null || raw === undefined) {
    type = "none";
    out = "&nbsp;";
  } else if (typeof raw === "number" || typeof raw === "bigint") {
    type = typeof raw === "bigint" || Number.isInteger(raw) ? "int" : "float";
    const fkHref = links.foreignKey?.(raw);
    out = fkHref ? `<a href="${esc(fkHref)}">${raw}</a>` : String(raw);
  } else if (typeof raw === "string") {
    type = "str";
    const shown = esc(truncate(raw, truncateAt));
    const fkHref = links.foreignKey?.(raw);
    if (fkHref) out = `<a href="${esc(fkHref)}">${shown}</a>`;
    else if (!links.row && raw.startsWith("http") && isSafeUrl(raw)) out = `<a href="${esc(raw)}" rel="nofollow">${shown}</a>`;
    else out = shown;
  } else if (typeof raw === "object" && "$base64" in raw) {
    type = "bytes";
    const bytes = base64Bytes(String((raw as unknown as { encoded: string }).encoded ?? ""));
    const text = `&lt;Binary:&nbsp;${bytes.toLocaleString("en")}&nbsp;byte${bytes === 1 ? "" : "s"}&gt;`;
    const href = links.blob?.();
    out = href ? `<a class="blob-download" href="${esc(href)}">${text}</a>` : text;
  } else if (typeof raw === "object" && "label" in raw) {
    type = "fk";
    const { value, label } = raw as { value: unknown; label: unknown };
    const href = links.foreignKey?.(value);
    const shown = esc(truncate(String(label ?? value), truncateAt));
    out = href ? `<a href="${esc(href)}">${shown}</a>` : shown;
    if (String(label) !== String(value)) out += `&nbsp;<em>${esc(String(value))}</em>`;
  } else {
    type = "str";
    out = esc(truncate(typeof raw === "object" ? JSON.stringify(raw) : String(raw), truncateAt));
  }
  if (links.row) out = `<a href="${esc(links.row)}">${out}</a>`;
  return { html: out, type };
}

/** The HTML for one cell. `cssColumn` is the column's CSS class name (to_css_class of the column). */
export function displayCell(raw: unknown, column: string, cssColumn: string, truncateAt: number, links: CellLinks = {}): DisplayCell {
  const { html, type } = cellHtml(raw, truncateAt, links);
  return { column, value: new nunjucks.runtime.SafeString(html), raw, value_type: type, cls: `col-${cssColumn} type-${type}` };
}
