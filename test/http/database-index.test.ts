/** @module HTTP: the database page `/fixtures.json` and the instance index `/.json`. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [{ path: buildFixtures(), immutable: false }],
    config: { databases: { fixtures: { tables: { infinity: { hidden: true } } } } },
    metadata: { title: "Fixtures instance", databases: { fixtures: { description: "Test fixtures", tables: { facetable: { description: "x" } } } } },
  });
});
after(() => server.close());

const VISIBLE_TABLES = [
  "123_starts_with_digits", "Table With Space In Name", "attraction_characteristic", "big_ints", "binary_data", "compound_primary_key",
  "compound_three_primary_keys", "facet_cities", "facetable", "foreign_key_references", "no_primary_key", "primary_key_multiple_columns",
  "roadside_attraction_characteristics", "roadside_attractions", "rowid_with_nulls", "searchable", "simple_primary_key", "sortable",
  "table/with/slashes.csv",
];
const HIDDEN_TABLES = ["infinity", "searchable_fts", "searchable_fts_config", "searchable_fts_data", "searchable_fts_docsize", "searchable_fts_idx"];

type TableJson = { name: string; hidden: boolean; count: number; fts_table: string | null; foreign_keys: unknown; primary_keys: string[]; columns: string[] };

describe("/fixtures.json", () => {
  test("top-level keys in Datasette's order", async () => {
    const r = await server.json("/fixtures.json");
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ["ok", "database", "private", "path", "size", "tables", "hidden_count", "views", "queries", "queries_more", "queries_count", "allow_execute_sql", "table_columns", "metadata"]);
    assert.equal(r.body.ok, true);
    assert.equal(r.body.database, "fixtures");
    assert.equal(r.body.private, false);
    assert.equal(r.body.path, "/fixtures");
    assert.equal(typeof r.body.size, "number");
    assert.equal(r.body.allow_execute_sql, true);
    assert.deepEqual(r.body.queries, []);
    assert.equal(r.body.queries_count, 0);
    assert.equal(r.body.queries_more, false);
    assert.deepEqual(r.body.metadata, { description: "Test fixtures" });
  });

  test("tables sorted by (hidden, name): visible first, hidden (config, FTS index and shadow tables) last", async () => {
    const r = await server.json("/fixtures.json");
    const tables = r.body.tables as TableJson[];
    assert.deepEqual(tables.map((t) => t.name), [...VISIBLE_TABLES, ...HIDDEN_TABLES]);
    assert.deepEqual(tables.filter((t) => t.hidden).map((t) => t.name), HIDDEN_TABLES);
    assert.equal(r.body.hidden_count, HIDDEN_TABLES.length);
  });

  test("one table's entry, exactly", async () => {
    const r = await server.json("/fixtures.json");
    const t = (r.body.tables as TableJson[]).find((x) => x.name === "facetable");
    assert.deepEqual(t, {
      name: "facetable",
      columns: ["pk", "created", "planet_int", "on_earth", "state", "_city_id", "_neighborhood", "tags", "complex_array", "distinct_some_null", "n"],
      primary_keys: ["pk"],
      count: 15,
      count_truncated: false,
      hidden: false,
      fts_table: null,
      foreign_keys: { incoming: [], outgoing: [{ other_table: "facet_cities", column: "_city_id", other_column: "id" }] },
      private: false,
    });
  });

  test("incoming foreign keys, FTS tables and rowid tables", async () => {
    const r = await server.json("/fixtures.json");
    const by = Object.fromEntries((r.body.tables as TableJson[]).map((t) => [t.name, t]));
    assert.deepEqual(by.facet_cities.foreign_keys, { incoming: [{ other_table: "facetable", column: "id", other_column: "_city_id" }], outgoing: [] });
    assert.equal(by.searchable.fts_table, "searchable_fts");
    assert.equal(by.searchable_fts.fts_table, "searchable_fts");
    assert.equal(by.searchable_fts.hidden, true);
    assert.deepEqual(by.no_primary_key.primary_keys, []);
    assert.equal(by.no_primary_key.count, 201);
    assert.equal(by.sortable.count, 201);
  });

  test("views", async () => {
    const r = await server.json("/fixtures.json");
    const views = [...r.body.views].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
    assert.deepEqual(views, [{ name: "paginated_view", private: false }, { name: "simple_view", private: false }]);
  });

  test("table_columns", async () => {
    const r = await server.json("/fixtures.json");
    assert.deepEqual(r.body.table_columns.facet_cities, ["id", "name"]);
    assert.deepEqual(r.body.table_columns.sortable, ["pk1", "pk2", "content", "sortable", "sortable_with_nulls", "sortable_with_nulls_2", "text"]);
    for (const name of [...VISIBLE_TABLES, ...HIDDEN_TABLES]) assert.ok(name in r.body.table_columns, name);
  });

  test("unknown database → 404 Database not found", async () => {
    const r = await server.json("/nope.json");
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { ok: false, error: "Database not found", errors: ["Database not found"], status: 404 });
  });

  test("an unknown format on the database page → 404", async () => {
    const r = await server.get("/fixtures.xyz");
    assert.equal(r.status, 404);
  });
});

describe("/.json", () => {
  test("shape", async () => {
    const r = await server.json("/.json");
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ["ok", "unstable", "databases", "metadata"]);
    assert.equal(r.body.ok, true);
    assert.equal(typeof r.body.unstable, "string");
    assert.deepEqual(r.body.metadata, { title: "Fixtures instance" });
    assert.equal(r.body.databases.length, 1);
    const db = r.body.databases[0];
    assert.deepEqual(Object.keys(db), [
      "name", "hash", "color", "path", "tables_and_views_truncated", "tables_and_views_more", "tables_count", "table_rows_sum",
      "show_table_row_counts", "hidden_table_rows_sum", "hidden_tables_count", "views_count", "private",
    ]);
    assert.equal(db.name, "fixtures");
    assert.equal(db.hash, null);
    assert.equal(db.color, "9403e5");
    assert.equal(db.path, "/fixtures");
    assert.equal(db.tables_count, VISIBLE_TABLES.length);
    assert.equal(db.hidden_tables_count, HIDDEN_TABLES.length);
    assert.equal(db.views_count, 2);
    assert.equal(db.tables_and_views_more, true);
    assert.equal(db.private, false);
  });

  test("the top five tables by relationships, then count, then name", async () => {
    const r = await server.json("/.json");
    const db = r.body.databases[0];
    const top = db.tables_and_views_truncated as { name: string; num_relationships_for_sorting: number; count: number | null }[];
    assert.equal(top.length, 5);
    assert.deepEqual(Object.keys(top[0]), ["name", "columns", "primary_keys", "count", "hidden", "fts_table", "num_relationships_for_sorting", "private"]);
    for (let i = 1; i < top.length; i++) {
      const a = top[i - 1];
      const b = top[i];
      assert.ok(
        a.num_relationships_for_sorting > b.num_relationships_for_sorting ||
          (a.num_relationships_for_sorting === b.num_relationships_for_sorting && ((a.count ?? 0) > (b.count ?? 0) || ((a.count ?? 0) === (b.count ?? 0) && a.name > b.name))),
        `${a.name} before ${b.name}`,
      );
    }
    assert.equal(top[0].name, "foreign_key_references");
    if (db.show_table_row_counts) {
      const r2 = await server.json("/fixtures.json");
      const visible = (r2.body.tables as TableJson[]).filter((t) => !t.hidden);
      assert.equal(db.table_rows_sum, visible.reduce((s, t) => s + t.count, 0));
    }
  });

  test("/-/.json is the same page", async () => {
    // Index counts have a 10 ms budget each: on a busy machine one request may count and the next not,
    // so the comparison leaves the count fields out.
    const stable = (body: { ok: boolean; metadata: unknown; databases: Record<string, unknown>[] }) => ({
      ok: body.ok,
      metadata: body.metadata,
      databases: body.databases.map((d) => [d.name, d.path, d.color, d.tables_count, d.hidden_tables_count, d.views_count, d.private]),
    });
    const a = await server.json("/.json");
    const b = await server.json("/-/.json");
    assert.equal(b.status, 200);
    assert.deepEqual(stable(b.body), stable(a.body));
  });
});
