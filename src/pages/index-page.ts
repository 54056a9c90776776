/** @module The index page: `/` and `/.json` — every database the actor may see, with its largest tables. */
import type { Almanac } from "../app.js";
import type { AlmanacRequest } from "../http/request.js";
import { json, type Reply } from "../http/response.js";
import { tildeEncode } from "../http/tilde.js";
import { renderIndexView, type IndexData } from "../render/views/index.js";
import { databaseColor, ensure, canViewTable } from "./common.js";
import { tableCount } from "./counts.js";

/** Index counts are a courtesy: 10 ms a table, and only for files that are small or cannot change. */
const INDEX_COUNT_MS = 10;
const INDEX_COUNT_MAX_BYTES = 100 * 1024 * 1024;

export async function indexPage(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  ensure(almanac, req, "view-instance");
  const databases: Record<string, unknown>[] = [];
  for (const db of almanac.databases.values()) {
    if (!almanac.permissions.allowed(req.actor, "view-database", { database: db.name })) continue;
    const schema = db.schema();
    const visible = schema.tables.filter((t) => canViewTable(almanac, req.actor, db, t.name));
    const isHidden = (t: (typeof visible)[number]) => t.hidden || !!almanac.tableConfig(db.name, t.name).hidden;
    const tables = visible.filter((t) => !t.isView);
    const views = visible.filter((t) => t.isView);
    const countable = !db.isMutable || db.size() < INDEX_COUNT_MAX_BYTES;
    let counts: (number | null)[] = tables.map(() => null);
    if (countable) counts = await Promise.all(tables.map((t) => tableCount(db, t, INDEX_COUNT_MS)));
    // Any count that timed out drops them all: a partial sum would mislead.
    const showCounts = countable && counts.every((c) => c !== null);
    const withCounts = tables.map((t, i) => ({ t, count: showCounts ? counts[i] : null }));
    const rels = (t: (typeof tables)[number]) => t.foreignKeys.incoming.length + t.foreignKeys.outgoing.length;
    const sorted = withCounts
      .filter((x) => !isHidden(x.t))
      .sort((a, b) => rels(b.t) - rels(a.t) || (b.count ?? 0) - (a.count ?? 0) || (a.t.name < b.t.name ? 1 : a.t.name > b.t.name ? -1 : 0));
    const isPrivate = (child: string) => !canViewTable(almanac, null, db, child);
    const summary = [
      ...sorted.map(({ t, count }) => ({
        name: t.name,
        columns: t.columns.map((c) => c.name),
        primary_keys: t.primaryKeys,
        count,
        hidden: false,
        fts_table: t.ftsTable,
        num_relationships_for_sorting: rels(t),
        private: isPrivate(t.name),
      })),
      ...views.map((v) => ({ name: v.name, private: isPrivate(v.name) })),
    ];
    const hiddenTables = withCounts.filter((x) => isHidden(x.t));
    databases.push({
      name: db.name,
      hash: await db.hash(),
      color: await databaseColor(db),
      path: almanac.path(`/${tildeEncode(db.name)}`),
      tables_and_views_truncated: summary.slice(0, 5),
      tables_and_views_more: summary.length > 5,
      tables_count: tables.length - hiddenTables.length,
      table_rows_sum: withCounts.filter((x) => !isHidden(x.t)).reduce((s, x) => s + (x.count ?? 0), 0),
      show_table_row_counts: showCounts,
      hidden_table_rows_sum: hiddenTables.reduce((s, x) => s + (x.count ?? 0), 0),
      hidden_tables_count: hiddenTables.length,
      views_count: views.length,
      private: !almanac.permissions.allowed(null, "view-database", { database: db.name }),
    });
  }
  const data = { ok: true, unstable: "The JSON format of this page is not yet stable and may change", databases, metadata: almanac.instanceMetadata() };
  if (req.params.format === "json") return json(data);
  return renderIndexView(almanac, req, data as unknown as IndexData, {
    private: !almanac.permissions.allowed(null, "view-instance"),
    defaultTemplate: req.path.startsWith("/-/"),
  });
}
