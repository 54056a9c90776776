/**
 * @module How one cell looks in HTML — shared by the table, row and query pages. The value arrives as the
 * JSON twin carries it (BLOBs as `$base64`, expanded foreign keys as `{value, label}`) and leaves as escaped
 * HTML marked safe for the templates (`{{ cell.value }}`, as in Datasette's templates). Plugins'
 * `render_cell` answers are asked here too (`pluginCells`) and take a cell's place when they give one.
 */
import nunjucks from "nunjucks";
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "../http/request.js";
import { PluginError } from "../plugins/manager.js";
import type { RenderCellContext } from "../plugins/types.js";
import { escapeHtml } from "./escape.js";
import { setKey } from "./json.js";

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

/** Datasette's value type of a cell (its `type-<type>` class): int, float, str, none, bytes, fk. */
export function valueType(raw: unknown): string {
  if (raw === null || raw === undefined) return "none";
  if (typeof raw === "bigint") return "int";
  if (typeof raw === "number") return Number.isInteger(raw) ? "int" : "float";
  if (typeof raw === "object" && "$base64" in raw) return "bytes";
  if (typeof raw === "object" && "label" in raw) return "fk";
  return "str";
}

/**
 * A cell's escaped HTML and its value type, as strings: the table page joins thousands of these. `rendered`
 * is a plugin's HTML for the cell (see pluginCells), which replaces everything inside it.
 */
export function cellHtml(raw: unknown, truncateAt: number, links: CellLinks = {}, rendered?: string): { html: string; type: string } {
  if (rendered !== undefined) return { html: rendered, type: valueType(raw) };
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
export function displayCell(raw: unknown, column: string, cssColumn: string, truncateAt: number, links: CellLinks = {}, rendered?: string): DisplayCell {
  const { html, type } = cellHtml(raw, truncateAt, links, rendered);
  return { column, value: new nunjucks.runtime.SafeString(html), raw, value_type: type, cls: `col-${cssColumn} type-${type}` };
}

/** A cell as plugins see it: an expanded foreign key as its value, a BLOB as its bytes. */
function plainValue(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if ("$base64" in v) return Buffer.from(String((v as { encoded?: unknown }).encoded ?? ""), "base64");
  if ("label" in v && "value" in v) return (v as { value: unknown }).value;
  return v;
}

/** A row as plugins see it (see plainValue). */
export function plainRow(raw: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) setKey(row, k, plainValue(v));
  return row;
}

/** A plugin's `render_cell` answer as HTML: text escaped, `{html}` as it is; anything else is the plugin's bug. */
function answerHtml(plugin: string, answer: unknown): string {
  if (typeof answer === "string") return esc(answer);
  if (answer && typeof answer === "object" && typeof (answer as { html?: unknown }).html === "string") return (answer as { html: string }).html;
  throw new PluginError(plugin, "render_cell", new Error("the answer must be a string, {html: string} or null"));
}

/** The rows of a page whose cells plugins may render (values as the page's data object carries them). */
export interface CellsInput {
  database: string;
  /** null on query pages. */
  table: string | null;
  pks: string[];
  /** The columns to ask about, in order. */
  columns: string[];
  rows: Record<string, unknown>[];
}

/**
 * Plugins' `render_cell` answers for every cell of a page (the first plugin to answer wins; the cells are
 * asked together), per row `{column: html}` for the cells a plugin rendered — Datasette's `render_cell`
 * extra. Null, at once, when no plugin implements the hook. A plugin that throws or answers something
 * other than text or `{html}` fails the page, named.
 */
export async function pluginCells(almanac: Almanac, req: AlmanacRequest, input: CellsInput): Promise<Record<string, string>[] | null> {
  if (!almanac.plugins.implements("render_cell")) return null;
  const ask = async (ctx: RenderCellContext): Promise<string | undefined> => {
    const answer = await almanac.plugins.firstAnswer("render_cell", ctx);
    return answer ? answerHtml(answer.plugin, answer.value) : undefined;
  };
  const base = { almanac, request: req, database: input.database, table: input.table, pks: input.pks };
  return Promise.all(
    input.rows.map(async (raw) => {
      const row = plainRow(raw);
      const answers = await Promise.all(input.columns.map((column) => ask({ ...base, value: row[column], column, row })));
      const out: Record<string, string> = {};
      input.columns.forEach((column, i) => {
        if (answers[i] !== undefined) setKey(out, column, answers[i]);
      });
      return out;
    }),
  );
}
