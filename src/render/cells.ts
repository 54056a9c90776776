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

function typeOf(raw: unknown): string {
  if (raw === null || raw === undefined) return "none";
  if (typeof raw === "bigint") return "int";
  if (typeof raw === "number") return Number.isInteger(raw) ? "int" : "float";
  if (typeof raw === "object" && "$base64" in raw) return "bytes";
  if (typeof raw === "object" && "label" in raw) return "fk";
  return "str";
}

/** The HTML for one cell. `cssColumn` is the column's CSS class name (to_css_class of the column). */
export function displayCell(raw: unknown, column: string, cssColumn: string, truncateAt: number, links: CellLinks = {}): DisplayCell {
  const type = typeOf(raw);
  let out: string;
  if (type === "none") {
    out = "&nbsp;";
  } else if (type === "bytes") {
    const bytes = base64Bytes(String((raw as { encoded: string }).encoded ?? ""));
    const text = `&lt;Binary:&nbsp;${bytes.toLocaleString("en")}&nbsp;byte${bytes === 1 ? "" : "s"}&gt;`;
    const href = links.blob?.();
    out = href ? `<a class="blob-download" href="${escapeHtml(href)}">${text}</a>` : text;
  } else if (type === "fk") {
    const { value, label } = raw as { value: unknown; label: unknown };
    const href = links.foreignKey?.(value);
    const shown = escapeHtml(truncate(String(label ?? value), truncateAt));
    out = href ? `<a href="${escapeHtml(href)}">${shown}</a>` : shown;
    if (String(label) !== String(value)) out += `&nbsp;<em>${escapeHtml(String(value))}</em>`;
  } else {
    const text = typeof raw === "object" ? JSON.stringify(raw) : String(raw);
    const shown = escapeHtml(truncate(text, truncateAt));
    const fkHref = links.foreignKey?.(raw);
    if (fkHref) out = `<a href="${escapeHtml(fkHref)}">${shown}</a>`;
    else if (!links.row && isSafeUrl(raw)) out = `<a href="${escapeHtml(raw)}" rel="nofollow">${shown}</a>`;
    else out = shown;
  }
  if (links.row) out = `<a href="${escapeHtml(links.row)}">${out}</a>`;
  return { column, value: new nunjucks.runtime.SafeString(out), raw, value_type: type, cls: `col-${cssColumn} type-${type}` };
}
