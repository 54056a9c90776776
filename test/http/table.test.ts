/** @module HTTP: the table page's JSON — default shape, _size, _col/_nocol, sorting (request and config), _shape, labels, cell encoding. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [{ path: buildFixtures(), immutable: false }],
    config: {
      databases: {
        fixtures: {
          tables: {
            facet_cities: { sort: "name" },
            simple_primary_key: { sort_desc: "content" },
            sortable: { sortable_columns: ["sortable", "text"] },
          },
        },
      },
    },
  });
});
after(() => server.close());

const FACET_CITIES_BY_NAME = [
  { id: 3, name: "Detroit" },
  { id: 2, name: "Los Angeles" },
  { id: 4, name: "Memnonia" },
  { id: 1, name: "San Francisco" },
];

const ERROR = (status: number, message: string) => ({ ok: false, error: message, errors: [message], status });

describe("default shape", () => {
  test("§2.12 facet_cities with config sort: name", async () => {
    const r = await server.json("/fixtures/facet_cities.json");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual(Object.keys(r.body), ["ok", "next", "next_url", "rows", "truncated"]);
    assert.deepEqual(r.body, { ok: true, next: null, next_url: null, rows: FACET_CITIES_BY_NAME, truncated: false });
  });

  test("§2.12 facetable with _size=2, _labels=on, _col and _extra=count", async () => {
    const path = "/fixtures/facetable.json?_size=2&_labels=on&_col=state&_col=_city_id&_extra=count";
    const r = await server.json(path);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ["ok", "next", "next_url", "count", "count_truncated", "rows", "truncated"]);
    assert.deepEqual(r.body, {
      ok: true,
      next: "2",
      next_url: `${server.url}${path}&_next=2`,
      count: 15,
      count_truncated: false,
      rows: [
        { pk: 1, state: "CA", _city_id: { value: 1, label: "San Francisco" } },
        { pk: 2, state: "CA", _city_id: { value: 1, label: "San Francisco" } },
      ],
      truncated: false,
    });
  });

  test("_sort=state makes the token CA,2 and next_url carries _sort", async () => {
    const r = await server.json("/fixtures/facetable.json?_size=2&_col=state&_sort=state");
    assert.equal(r.body.next, "CA,2");
    assert.equal(r.body.next_url, `${server.url}/fixtures/facetable.json?_size=2&_col=state&_sort=state&_next=CA%2C2`);
    assert.deepEqual(r.body.rows, [{ pk: 1, state: "CA" }, { pk: 2, state: "CA" }]);
  });

  test("rowid tables lead with rowid; views have no key", async () => {
    const r = await server.json("/fixtures/binary_data.json?_shape=array");
    assert.deepEqual(r.body, [
      { rowid: 1, data: { $base64: true, encoded: "FRwCx60F/g==" } },
      { rowid: 2, data: { $base64: true, encoded: "FRwCx60F/hUc" } },
      { rowid: 3, data: null },
    ]);
    const v = await server.json("/fixtures/simple_view.json?_size=2");
    assert.deepEqual(v.body.rows, [{ content: "hello", upper_content: "HELLO" }, { content: "world", upper_content: "WORLD" }]);
    assert.equal(v.body.next, "2");
  });

  test("tables with odd names route when tilde-encoded", async () => {
    const r = await server.json("/fixtures/table~2Fwith~2Fslashes~2Ecsv.json");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.rows, [{ pk: "3", content: "hey" }]);
    const s = await server.json("/fixtures/Table+With+Space+In+Name.json");
    assert.equal(s.status, 200);
    assert.deepEqual(s.body.rows, []);
  });
});

describe("_size", () => {
  test("_size=N limits the page", async () => {
    const r = await server.json("/fixtures/no_primary_key.json?_size=3&_col=a");
    assert.deepEqual(r.body.rows, [{ rowid: 1, a: "a0" }, { rowid: 2, a: "a1" }, { rowid: 3, a: "a2" }]);
    assert.equal(r.body.next, "3");
  });

  test("default page size is 100", async () => {
    const r = await server.json("/fixtures/no_primary_key.json");
    assert.equal(r.body.rows.length, 100);
    assert.equal(r.body.next, "100");
  });

  test("_size=max is max_returned_rows", async () => {
    const r = await server.json("/fixtures/no_primary_key.json?_size=max");
    assert.equal(r.body.rows.length, 201);
    assert.equal(r.body.next, null);
    assert.equal(r.body.truncated, false);
  });

  test("_size=0 returns no rows and no next", async () => {
    const r = await server.json("/fixtures/sortable.json?_size=0");
    assert.deepEqual(r.body, { ok: true, next: null, next_url: null, rows: [], truncated: false });
  });

  for (const bad of ["-1", "abc", "1.5"]) {
    test(`_size=${bad} → 400`, async () => {
      const r = await server.json(`/fixtures/sortable.json?_size=${bad}`);
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, ERROR(400, "_size must be a positive integer"));
    });
  }

  test("_size above max_returned_rows → 400", async () => {
    const r = await server.json("/fixtures/sortable.json?_size=1001");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "_size must be <= 1000"));
  });
});

describe("_col and _nocol", () => {
  test("_col keeps the primary key first", async () => {
    const r = await server.json("/fixtures/compound_primary_key.json?_col=content&_size=1");
    assert.deepEqual(r.body.rows, [{ pk1: "a", pk2: "b", content: "c" }]);
  });

  test("_nocol hides a column", async () => {
    const r = await server.json("/fixtures/simple_primary_key.json?_nocol=content&_size=1&_sort=id");
    assert.deepEqual(r.body.rows, [{ id: "1" }]);
  });

  test("_nocol on a primary key is an invalid column (Datasette's _columns_to_select)", async () => {
    const r = await server.json("/fixtures/facet_cities.json?_nocol=id");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "_nocol=id - invalid columns"));
  });

  test("invalid _col → 400", async () => {
    const r = await server.json("/fixtures/sortable.json?_col=x");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "_col=x - invalid columns"));
  });

  test("invalid _nocol → 400", async () => {
    const r = await server.json("/fixtures/sortable.json?_nocol=x");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "_nocol=x - invalid columns"));
  });
});

describe("sorting", () => {
  test("_sort and _sort_desc", async () => {
    const asc = await server.json("/fixtures/facetable.json?_sort=_neighborhood&_col=_neighborhood&_size=3");
    assert.deepEqual(asc.body.rows.map((r: { _neighborhood: string }) => r._neighborhood), ["Arcadia Planitia", "Arcadia Planitia", "Arcadia Planitia"]);
    const desc = await server.json("/fixtures/facetable.json?_sort_desc=_neighborhood&_col=_neighborhood&_size=2");
    assert.deepEqual(desc.body.rows, [{ pk: 4, _neighborhood: "Tenderloin" }, { pk: 3, _neighborhood: "SOMA" }]);
  });

  test("both → 400", async () => {
    const r = await server.json("/fixtures/facetable.json?_sort=pk&_sort_desc=pk");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Cannot use _sort and _sort_desc at the same time"));
  });

  test("unknown column → 400", async () => {
    const r = await server.json("/fixtures/facetable.json?_sort=nope");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Cannot sort table by nope"));
  });

  test("config sort_desc is the default order", async () => {
    const r = await server.json("/fixtures/simple_primary_key.json");
    assert.deepEqual(r.body.rows.map((x: { content: string }) => x.content), ["world", "hello", "RENDER_CELL_DEMO", "RENDER_CELL_ASYNC", ""]);
  });

  test("request _sort overrides config sort", async () => {
    const r = await server.json("/fixtures/facet_cities.json?_sort=id");
    assert.deepEqual(r.body.rows.map((x: { id: number }) => x.id), [1, 2, 3, 4]);
  });

  test("sortable_columns restricts _sort", async () => {
    assert.equal((await server.json("/fixtures/sortable.json?_sort=sortable&_size=1")).status, 200);
    assert.equal((await server.json("/fixtures/sortable.json?_sort_desc=text&_size=1")).status, 200);
    const r = await server.json("/fixtures/sortable.json?_sort=content");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Cannot sort table by content"));
  });

  test("rowid is sortable on rowid tables", async () => {
    const r = await server.json("/fixtures/no_primary_key.json?_sort_desc=rowid&_size=1&_col=a");
    assert.deepEqual(r.body.rows, [{ rowid: 201, a: "a200" }]);
  });
});

describe("_shape", () => {
  test("objects is the default", async () => {
    const a = await server.json("/fixtures/facet_cities.json?_shape=objects");
    const b = await server.json("/fixtures/facet_cities.json");
    assert.deepEqual(a.body, b.body);
  });

  test("arrays", async () => {
    const r = await server.json("/fixtures/facet_cities.json?_shape=arrays");
    assert.deepEqual(r.body, { ok: true, next: null, next_url: null, rows: [[3, "Detroit"], [2, "Los Angeles"], [4, "Memnonia"], [1, "San Francisco"]], truncated: false });
  });

  test("array: bare list, next page in the Link header", async () => {
    const r = await server.json("/fixtures/facet_cities.json?_shape=array&_size=2");
    assert.deepEqual(r.body, FACET_CITIES_BY_NAME.slice(0, 2));
    assert.equal(r.headers.get("link"), `<${server.url}/fixtures/facet_cities.json?_shape=array&_size=2&_next=Los%2BAngeles%2C2>; rel="next"`);
  });

  test("array with _nl=on: one object per line, text/plain", async () => {
    const r = await server.get("/fixtures/facet_cities.json?_shape=array&_nl=on");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
    const lines = (await r.text()).split("\n");
    assert.deepEqual(lines.map((l) => JSON.parse(l)), FACET_CITIES_BY_NAME);
  });

  test("arrayfirst", async () => {
    const r = await server.json("/fixtures/facet_cities.json?_shape=arrayfirst");
    assert.deepEqual(r.body, [3, 2, 4, 1]);
  });

  test("object keyed by primary key (compound keys tilde-encoded, joined by a comma)", async () => {
    const r = await server.json("/fixtures/compound_primary_key.json?_shape=object");
    assert.deepEqual(r.body, {
      "a,b": { pk1: "a", pk2: "b", content: "c" },
      "a~2Fb,~2Ec-d": { pk1: "a/b", pk2: ".c-d", content: "c" },
      "d,e": { pk1: "d", pk2: "e", content: "RENDER_CELL_DEMO" },
    });
    const s = await server.json("/fixtures/facet_cities.json?_shape=object&_sort=id&_size=2");
    assert.deepEqual(s.body, { "1": { id: 1, name: "San Francisco" }, "2": { id: 2, name: "Los Angeles" } });
  });

  test("object on a table without a primary key → 400", async () => {
    const r = await server.json("/fixtures/simple_view.json?_shape=object");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "_shape=object not available for tables with no primary keys"));
  });

  test("invalid _shape → 400", async () => {
    const r = await server.json("/fixtures/facet_cities.json?_shape=bananas");
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, ERROR(400, "Invalid _shape: bananas"));
  });
});

describe("labels and cell encoding", () => {
  test("_labels=on expands every expandable column; null stays null", async () => {
    const r = await server.json("/fixtures/foreign_key_references.json?_labels=on&_col=foreign_key_with_label&_col=foreign_key_with_blank_label&_col=foreign_key_with_no_label");
    assert.deepEqual(r.body.rows, [
      {
        pk: "1",
        foreign_key_with_label: { value: "1", label: "hello" },
        foreign_key_with_blank_label: { value: "3", label: "" },
        foreign_key_with_no_label: { value: "1", label: "1" },
      },
      { pk: "2", foreign_key_with_label: null, foreign_key_with_blank_label: null, foreign_key_with_no_label: null },
    ]);
  });

  test("_label=col expands just that column", async () => {
    const r = await server.json("/fixtures/facetable.json?_label=_city_id&_col=_city_id&_size=1");
    assert.deepEqual(r.body.rows, [{ pk: 1, _city_id: { value: 1, label: "San Francisco" } }]);
  });

  test("JSON default is no labels", async () => {
    const r = await server.json("/fixtures/facetable.json?_col=_city_id&_size=1");
    assert.deepEqual(r.body.rows, [{ pk: 1, _city_id: 1 }]);
    const off = await server.json("/fixtures/facetable.json?_col=_city_id&_size=1&_labels=off");
    assert.deepEqual(off.body.rows, [{ pk: 1, _city_id: 1 }]);
  });

  test("_json=col parses JSON text", async () => {
    const r = await server.json("/fixtures/facetable.json?_json=tags&_col=tags&_size=2");
    assert.deepEqual(r.body.rows, [{ pk: 1, tags: ["tag1", "tag2"] }, { pk: 2, tags: ["tag1"] }]);
    const raw = await server.json("/fixtures/facetable.json?_col=tags&_size=1");
    assert.deepEqual(raw.body.rows, [{ pk: 1, tags: '["tag1","tag2"]' }]);
  });

  test("infinity is null by default", async () => {
    const r = await server.get("/fixtures/infinity.json");
    const text = await r.text();
    assert.equal(text, '{"ok":true,"next":null,"next_url":null,"rows":[{"rowid":1,"value":null},{"rowid":2,"value":null},{"rowid":3,"value":1.5}],"truncated":false}');
  });

  test("_json_infinity=on writes Infinity and -Infinity literals", async () => {
    const r = await server.get("/fixtures/infinity.json?_json_infinity=on");
    const text = await r.text();
    assert.equal(text, '{"ok":true,"next":null,"next_url":null,"rows":[{"rowid":1,"value":Infinity},{"rowid":2,"value":-Infinity},{"rowid":3,"value":1.5}],"truncated":false}');
  });

  test("_nl=on keeps 64-bit integers exact too", async () => {
    const r = await server.get("/fixtures/big_ints.json?_shape=array&_nl=on");
    assert.equal(r.status, 200);
    assert.equal(await r.text(), '{"id":1,"big":9223372036854775807}\n{"id":2,"big":-9223372036854775807}\n{"id":3,"big":42}');
  });

  test("64-bit integers are exact in the raw body", async () => {
    const r = await server.get("/fixtures/big_ints.json");
    const text = await r.text();
    assert.equal(text, '{"ok":true,"next":null,"next_url":null,"rows":[{"id":1,"big":9223372036854775807},{"id":2,"big":-9223372036854775807},{"id":3,"big":42}],"truncated":false}');
  });

  test("BLOBs as $base64 in the objects envelope and in arrays", async () => {
    const r = await server.json("/fixtures/binary_data.json?_shape=arrays&_size=1");
    assert.deepEqual(r.body.rows, [[1, { $base64: true, encoded: "FRwCx60F/g==" }]]);
  });
});
