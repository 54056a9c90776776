/**
 * @module almanac-charts, Almanac's built-in chart builder, written as an ordinary plugin: it adds its script
 * and stylesheet to table and query pages (stored queries included) through `extra_js_urls`/`extra_css_urls`,
 * its configuration riding on the script's URL (`charts.js?max_rows=…`: no inline script, so a strict
 * Content-Security-Policy can stay strict). Everything else happens in the browser (`browser/`,
 * bundled by scripts/build-assets.js into dist/plugins/charts/static/, served at
 * `/-/static-plugins/almanac-charts/`). `plugins: {almanac-charts: {enabled: false}}` turns it off;
 * `max_rows` (instance, database or table level) caps the rows a chart fetches.
 */
import { VERSION, type Almanac, type AlmanacPlugin, type PageHookContext } from "../../src/plugins/api.js";

export const NAME = "almanac-charts";
/** Rows a chart fetches at most, unless `max_rows` says otherwise. */
export const DEFAULT_MAX_ROWS = 10_000;
const MAX_ROWS_LIMIT = 1_000_000;

/** The pages with a results table: tables and views, `?sql=` queries and stored queries. */
function charted(ctx: PageHookContext): boolean {
  return ctx.view_name === "table" || ctx.view_name === "query";
}

function staticUrl(almanac: Almanac, file: string): string {
  return almanac.path(`/-/static-plugins/${NAME}/${file}`);
}

/** `max_rows` for this page (table level, then database, then instance), checked. */
export function maxRows(almanac: Almanac, database: string | null, table: string | null): number {
  const config = almanac.pluginConfig(NAME, { database: database ?? undefined, table: table ?? undefined });
  const value = config && typeof config === "object" ? (config as { max_rows?: unknown }).max_rows : undefined;
  if (value === undefined || value === null) return DEFAULT_MAX_ROWS;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_ROWS_LIMIT) {
    throw new Error(`max_rows must be a whole number from 1 to ${MAX_ROWS_LIMIT.toLocaleString("en")}, not ${JSON.stringify(value)}`);
  }
  return n;
}

const plugin: AlmanacPlugin = {
  name: NAME,
  version: VERSION,

  /** A bad max_rows stops start-up (named), rather than every chart page failing later. */
  startup({ almanac }) {
    maxRows(almanac, null, null);
    for (const [database, db] of Object.entries(almanac.config.databases ?? {})) {
      maxRows(almanac, database, null);
      for (const table of Object.keys(db?.tables ?? {})) maxRows(almanac, database, table);
    }
  },

  extra_css_urls(ctx) {
    return charted(ctx) ? [staticUrl(ctx.almanac, "charts.css")] : null;
  },

  extra_js_urls(ctx) {
    if (!charted(ctx)) return null;
    const rows = maxRows(ctx.almanac, ctx.database, ctx.table);
    // The default leaves the URL bare: one URL for the browser to cache on most sites.
    const query = rows === DEFAULT_MAX_ROWS ? "" : `?max_rows=${rows}`;
    return [{ url: staticUrl(ctx.almanac, `charts.js${query}`), module: true }];
  },
};

export default plugin;
