import { test } from "node:test";
import assert from "node:assert/strict";
import { deepMerge, describeMigration, migrateMetadata, setOwn } from "../../../src/config/migrate.js";
import type { InstanceConfig, Metadata } from "../../../src/config/options.js";
import { SEED_METADATA } from "../../fixtures/seed.js";

const SEED = SEED_METADATA;

test("the seed metadata.json: plugins and allow move to config, descriptive keys stay", () => {
  const input = structuredClone(SEED);
  const { config, metadata, moved } = migrateMetadata(input as Metadata, {});
  assert.deepEqual(metadata, {
    title: "personal dataset instance",
    description: "We can host a few datasettes here.",
    databases: {
      bigmac: { description: "This table shows the big mac index. It can be used as an economic indicator.", source_url: "" },
    },
  });
  assert.deepEqual(config, { plugins: SEED.plugins, databases: { bigmac: { allow: { id: "*" } } } });
  assert.deepEqual(moved, ["plugins", "databases.bigmac.allow"]);
  assert.deepEqual(input, SEED, "input is not modified");
  assert.equal(describeMigration("metadata.json", moved), "almanac: moved from metadata.json to configuration: plugins, databases.bigmac.allow");
});

test("Datasette's rule: plugins/allow at any depth, overwriting config, empty parents pruned", () => {
  const metadata = {
    allow: { id: "root" },
    databases: {
      db: {
        plugins: { p: { a: 1 } },
        tables: { t: { allow: false, plugins: { q: {} } }, u: { title: "U" } },
      },
    },
  };
  const config: InstanceConfig = { allow: { id: "other" }, databases: { db: { plugins: { p: { b: 2 } }, allow_sql: false } } };
  const result = migrateMetadata(metadata, config);
  assert.deepEqual(result.metadata, { databases: { db: { tables: { u: { title: "U" } } } } });
  assert.deepEqual(result.config, {
    allow: { id: "root" },
    databases: { db: { plugins: { p: { a: 1 } }, allow_sql: false, tables: { t: { allow: false, plugins: { q: {} } } } } },
  });
  assert.deepEqual(result.moved, ["allow", "databases.db.plugins", "databases.db.tables.t.allow", "databases.db.tables.t.plugins"]);
  assert.deepEqual(config.allow, { id: "other" }, "config input is not modified");
});

test("Datasette's ten table keys move; units and descriptive keys stay", () => {
  const table = {
    title: "T", description: "d", units: { x: "m" }, columns: { a: "Column A" },
    hidden: true, sort: "a", sort_desc: "b", size: 10, sortable_columns: ["a"], label_column: "a",
    facets: ["a", { array: "b" }], fts_table: "t_fts", fts_pk: "id", searchmode: "raw",
  };
  const { config, metadata } = migrateMetadata({ databases: { db: { tables: { t: table } } } } as Metadata);
  assert.deepEqual(metadata, { databases: { db: { tables: { t: { title: "T", description: "d", units: { x: "m" }, columns: { a: "Column A" } } } } } });
  assert.deepEqual(config.databases?.db.tables?.t, {
    hidden: true, sort: "a", sort_desc: "b", size: 10, sortable_columns: ["a"], label_column: "a",
    facets: ["a", { array: "b" }], fts_table: "t_fts", fts_pk: "id", searchmode: "raw",
  });
});

test("Almanac also moves what Datasette 1.0 drops: allow_sql, permissions, queries, extra_*_urls, facet_size, column_types", () => {
  const metadata = {
    title: "x",
    allow_sql: { id: "admin" },
    permissions: { "insert-row": { id: "editor" } },
    extra_css_urls: ["/static/a.css"],
    extra_js_urls: [{ url: "/static/a.js", module: true }],
    databases: {
      db: {
        allow_sql: false,
        permissions: { "execute-sql": false },
        queries: {
          by_name: { sql: "select * from t where name = :name", title: "By name", allow: { id: "alice" } },
          simple: "select 1",
        },
        tables: { t: { facet_size: "max", column_types: { url: "url" }, permissions: { "view-table": true }, description: "kept" } },
      },
    },
  };
  const { config, metadata: rest, moved } = migrateMetadata(metadata);
  assert.deepEqual(rest, { title: "x", databases: { db: { tables: { t: { description: "kept" } } } } });
  assert.deepEqual(config, {
    allow_sql: { id: "admin" },
    permissions: { "insert-row": { id: "editor" } },
    extra_css_urls: ["/static/a.css"],
    extra_js_urls: [{ url: "/static/a.js", module: true }],
    databases: {
      db: {
        allow_sql: false,
        permissions: { "execute-sql": false },
        queries: {
          // The query keeps its sql together with its allow block (Datasette 1.0 would move only the allow: KeyError).
          by_name: { sql: "select * from t where name = :name", title: "By name", allow: { id: "alice" } },
          simple: "select 1",
        },
        tables: { t: { facet_size: "max", column_types: { url: "url" }, permissions: { "view-table": true } } },
      },
    },
  });
  assert.deepEqual(moved.sort(), [
    "allow_sql", "databases.db.allow_sql", "databases.db.permissions", "databases.db.queries.by_name", "databases.db.queries.simple",
    "databases.db.tables.t.column_types", "databases.db.tables.t.facet_size", "databases.db.tables.t.permissions",
    "extra_css_urls", "extra_js_urls", "permissions",
  ]);
});

test("migrated queries overwrite same-named config queries but keep the others", () => {
  const { config } = migrateMetadata(
    { databases: { db: { queries: { q: "select 2" } } } } as Metadata,
    { databases: { db: { queries: { q: { sql: "select 1" }, other: { sql: "select 3" } } } } },
  );
  assert.deepEqual(config.databases?.db.queries, { q: "select 2", other: { sql: "select 3" } });
});

test("a column named 'permissions' stays a column description; lists are not walked", () => {
  const metadata = { databases: { db: { tables: { t: { columns: { permissions: "Who may do what" }, facets_doc: [{ allow: 1 }] } } } } };
  const { config, metadata: rest, moved } = migrateMetadata(metadata as Metadata);
  assert.deepEqual(rest, metadata);
  assert.deepEqual(config, {});
  assert.deepEqual(moved, []);
});

test("non-object values where objects are expected do not crash", () => {
  const { config, metadata } = migrateMetadata({ databases: { db: "oops", db2: { tables: ["x"] } } } as unknown as Metadata, { databases: "bad" } as unknown as InstanceConfig);
  assert.deepEqual(metadata, { databases: { db: "oops", db2: { tables: ["x"] } } });
  assert.deepEqual(config, { databases: "bad" });
  const { config: c2 } = migrateMetadata({ databases: { db: { allow: true } } }, { databases: "bad" } as unknown as InstanceConfig);
  assert.deepEqual(c2, { databases: { db: { allow: true } } });
});

test("empty objects are pruned like Datasette's prune_empty_dicts; empty metadata gives empty results", () => {
  assert.deepEqual(migrateMetadata({ databases: { db: { tables: {} } }, about: "" } as Metadata).metadata, { about: "" });
  assert.deepEqual(migrateMetadata({}), { config: {}, metadata: {}, moved: [] });
});

test("__proto__ keys are stored as data, never as prototypes", () => {
  const metadata = JSON.parse('{"databases": {"__proto__": {"allow": {"id": "x"}}}}') as Metadata;
  const { config } = migrateMetadata(metadata);
  assert.equal(Object.getPrototypeOf(config.databases), Object.prototype);
  assert.deepEqual(Object.keys(config.databases ?? {}), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).allow, undefined);
  const target = {};
  setOwn(target, "__proto__", 1);
  assert.equal(Object.getPrototypeOf(target), Object.prototype);
});

test("deepMerge merges objects key by key and replaces everything else", () => {
  assert.deepEqual(deepMerge({ a: { b: 1, c: [1] } }, { a: { c: [2], d: 3 } }), { a: { b: 1, c: [2], d: 3 } });
  assert.deepEqual(deepMerge({ a: 1 }, "x"), "x");
});

test("describeMigration truncates long lists and is silent when nothing moved", () => {
  assert.equal(describeMigration("m.json", []), undefined);
  const moved = Array.from({ length: 12 }, (_, i) => `p${i}`);
  assert.equal(describeMigration("m.json", moved), "almanac: moved from m.json to configuration: p0, p1, p2, p3, p4, p5, p6, p7 and 4 more");
});
