/** @module HTTP: facets — column/array/date results with labels and toggle URLs, sizes, configured facets, allow_facet, _nofacet, suggestions, time-outs. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

const ERROR = (status: number, message: string) => ({ ok: false, error: message, errors: [message], status });

let plain: TestServer; // fixtures, default settings
let configured: TestServer; // facets and facet_size in the table configuration, max_returned_rows 20
let noFacet: TestServer; // allow_facet off, with configured facets
let noSuggest: TestServer; // suggest_facets off
let prefixed: TestServer; // force_https_urls, base_url
let slow: TestServer; // facet_time_limit_ms 25 over a large table
let host: string;
const hostOf = (server: TestServer) => new URL(server.url).host;

before(async () => {
  const dir = tempDir();
  const fixtures = buildFixtures(dir);
  const extra = makeDatabase(
    join(dir, "extra.db"),
    `create table otters (name text, tags text);
     create table mixed_json (name text, tags text);
     create table neighbourhoods (city text, neighbourhood text);
     create table json_blanks (json_column text);`,
    (db) => {
      const otter = db.prepare("insert into otters values (?, ?)");
      otter.run("Charles", JSON.stringify(["friendly", "cunning", "friendly"]));
      otter.run("Shaun", JSON.stringify(["cunning", "empathetic", "friendly"]));
      otter.run("Tracy", JSON.stringify(["empathetic", "eager"]));
      const mixed = db.prepare("insert into mixed_json values (?, ?)");
      mixed.run("Charles", JSON.stringify(["friendly", "cunning", "friendly"]));
      mixed.run("Bad", "not json");
      mixed.run("Object", '{"a": 1}');
      mixed.run("Null", null);
      mixed.run("Numbers", "[1, 2.5, null]");
      const n = db.prepare("insert into neighbourhoods values (?, ?)");
      for (let i = 1; i <= 50; i++) for (let j = 1; j <= 3; j++) n.run(`City ${i}`, `Neighbourhood ${j}`);
      const b = db.prepare("insert into json_blanks values (?)");
      for (const v of ['["a", "b", "c"]', '["a", "b"]', "", null]) b.run(v);
    },
  );
  const big = makeDatabase(join(dir, "big.db"), "create table big (id integer primary key, cat text, created text, tags text);", (db) => {
    const insert = db.prepare("insert into big (cat, created, tags) values (?, ?, ?)");
    for (let i = 0; i < 300_000; i++) insert.run(`c${(i * 7919) % 5003}`, `2020-01-${String((i % 28) + 1).padStart(2, "0")}`, `["t${i % 11}"]`);
  });
  const databases = [
    { path: fixtures, immutable: false },
    { path: extra, immutable: false },
  ];
  const facetConfig = {
    databases: {
      fixtures: {
        tables: {
          facetable: { facets: ["state", { array: "tags" }, { date: "created" }, "no_such_column", { bogus_type: "state" }] },
          sortable: { facet_size: 5 },
          no_primary_key: { facet_size: "max" as const },
        },
      },
    },
  };
  [plain, configured, noFacet, noSuggest, prefixed, slow] = await Promise.all([
    startServer({ databases }),
    startServer({ databases, config: facetConfig, settings: { max_returned_rows: 20 } }),
    startServer({ databases, config: facetConfig, settings: { allow_facet: false } }),
    startServer({ databases, settings: { suggest_facets: false } }),
    startServer({ databases, settings: { force_https_urls: true, base_url: "/prefix/" } }),
    // Each of these facets takes 150 ms or more over 300,000 rows. The limit is 25 ms rather than 1 ms: a
    // deadline that passes before SQLite starts the statement (preparing it, on a loaded machine) is lost
    // by the executor (sqlite3_interrupt on an idle connection is a no-op), and the facet then completes.
    startServer({ databases: [{ path: big, immutable: false }], settings: { facet_time_limit_ms: 25 } }),
  ]);
  host = new URL(plain.url).host;
});
after(() => Promise.all([plain, configured, noFacet, noSuggest, prefixed, slow].map((s) => s?.close())));

const ok = async (server: TestServer, path: string) => {
  const r = await server.json(path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};
/** One facet value, with its absolute toggle URL built from a path and query string. */
const item = (value: unknown, count: number, qs: string, selected = false, label: unknown = value, base = `http://${host}/fixtures/facetable.json`) => ({
  value,
  label,
  count,
  toggle_url: `${base}?${qs}`,
  selected,
});

describe("column facets", () => {
  test("_facet=state&_facet=_city_id: counts, FK labels, __exact for _-prefixed columns, facet toggles are paths", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=state&_facet=_city_id");
    assert.deepEqual(Object.keys(body), ["ok", "next", "next_url", "facet_results", "rows", "truncated"]);
    assert.deepEqual(body.facet_results, {
      results: {
        state: {
          name: "state",
          type: "column",
          hideable: true,
          toggle_url: "/fixtures/facetable.json?_facet=_city_id",
          results: [
            item("CA", 9, "_facet=state&_facet=_city_id&state=CA"),
            item("MC", 3, "_facet=state&_facet=_city_id&state=MC"),
            item("MI", 3, "_facet=state&_facet=_city_id&state=MI"),
          ],
          truncated: false,
        },
        _city_id: {
          name: "_city_id",
          type: "column",
          hideable: true,
          toggle_url: "/fixtures/facetable.json?_facet=state",
          results: [
            item(1, 6, "_facet=state&_facet=_city_id&_city_id__exact=1", false, "San Francisco"),
            item(2, 3, "_facet=state&_facet=_city_id&_city_id__exact=2", false, "Los Angeles"),
            item(3, 3, "_facet=state&_facet=_city_id&_city_id__exact=3", false, "Detroit"),
            item(4, 3, "_facet=state&_facet=_city_id&_city_id__exact=4", false, "Memnonia"),
          ],
          truncated: false,
        },
      },
      timed_out: [],
    });
  });

  test("facets count the filtered table; a selected value toggles off and keeps the other arguments", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=state&_facet=_city_id&_city_id__exact=1&_size=1");
    assert.deepEqual(body.facet_results.results.state.results, [
      item("CA", 6, "_facet=state&_facet=_city_id&_city_id__exact=1&_size=1&state=CA"),
    ]);
    assert.deepEqual(body.facet_results.results._city_id.results, [
      item(1, 6, "_facet=state&_facet=_city_id&_size=1", true, "San Francisco"),
    ]);
    // The page itself still paginates normally.
    assert.equal(body.rows.length, 1);
    assert.equal(body.next, "1");
  });

  test("state=CA is selected; __exact selects too", async () => {
    const a = await ok(plain, "/fixtures/facetable.json?_facet=state&state=CA");
    assert.deepEqual(a.facet_results.results.state.results, [item("CA", 9, "_facet=state", true)]);
    const b = await ok(plain, "/fixtures/facetable.json?_facet=state&state__exact=CA");
    assert.deepEqual(b.facet_results.results.state.results, [item("CA", 9, "_facet=state", true)]);
  });

  test("_-prefixed column without a foreign key: values label themselves, ties ordered by value", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=_neighborhood&_facet_size=3");
    const f = body.facet_results.results._neighborhood;
    assert.deepEqual(f.results, [
      item("Arcadia Planitia", 3, "_facet=_neighborhood&_facet_size=3&_neighborhood__exact=Arcadia+Planitia"),
      item("Bernal Heights", 1, "_facet=_neighborhood&_facet_size=3&_neighborhood__exact=Bernal+Heights"),
      item("Corktown", 1, "_facet=_neighborhood&_facet_size=3&_neighborhood__exact=Corktown"),
    ]);
    assert.equal(f.truncated, true);
  });

  test("nulls are not a bucket", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=distinct_some_null");
    assert.deepEqual(body.facet_results.results.distinct_some_null.results, [item("one", 2, "_facet=distinct_some_null&distinct_some_null=one")]);
  });

  test("column names resolve case-insensitively to the schema's spelling", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=STATE");
    assert.deepEqual(Object.keys(body.facet_results.results), ["state"]);
    assert.equal(body.facet_results.results.state.toggle_url, "/fixtures/facetable.json");
  });

  test('JSON config: _facet={"column": "state"}', async () => {
    const body = await ok(plain, `/fixtures/facetable.json?_facet=${encodeURIComponent('{"column": "state"}')}`);
    assert.equal(body.facet_results.results.state.results.length, 3);
    assert.equal(body.facet_results.results.state.toggle_url, "/fixtures/facetable.json");
  });

  test("labels are left out when the actor may not view the other table", async () => {
    const permissions = plain.app.almanac.permissions;
    const original = permissions.allowed.bind(permissions);
    permissions.allowed = (actor, action, resource) => (resource?.child === "facet_cities" ? false : original(actor, action, resource));
    try {
      const body = await ok(plain, "/fixtures/facetable.json?_facet=_city_id");
      assert.deepEqual(
        body.facet_results.results._city_id.results.map((r: { value: unknown; label: unknown }) => [r.value, r.label]),
        [[1, 1], [2, 2], [3, 3], [4, 4]],
      );
    } finally {
      delete (permissions as { allowed?: unknown }).allowed;
    }
  });

  test("the same column under two facet types: created and created_2, tags and tags_2", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=created&_facet_date=created&_facet=tags&_facet_array=tags");
    assert.deepEqual(Object.keys(body.facet_results.results), ["created", "created_2", "tags", "tags_2"]);
    assert.equal(body.facet_results.results.created_2.type, "date");
    assert.equal(body.facet_results.results.tags_2.type, "array");
  });

  test("a facet asked for twice runs once", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=state&_facet=state");
    assert.deepEqual(Object.keys(body.facet_results.results), ["state"]);
  });

  test("facets on a view", async () => {
    const body = await ok(plain, "/fixtures/simple_view.json?_facet=upper_content");
    assert.equal(body.facet_results.results.upper_content.results.length, 5);
  });
});

describe("array and date facets", () => {
  test("_facet_array=tags", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet_array=tags");
    assert.deepEqual(body.facet_results, {
      results: {
        tags: {
          name: "tags",
          type: "array",
          hideable: true,
          toggle_url: "/fixtures/facetable.json",
          results: [item("tag1", 3, "_facet_array=tags&tags__arraycontains=tag1"), item("tag2", 1, "_facet_array=tags&tags__arraycontains=tag2")],
          truncated: false,
        },
      },
      timed_out: [],
    });
  });

  test("array items count once per row", async () => {
    const body = await ok(plain, "/extra/otters.json?_facet_array=tags");
    const base = `http://${host}/extra/otters.json`;
    assert.deepEqual(body.facet_results.results.tags, {
      name: "tags",
      type: "array",
      hideable: true,
      toggle_url: "/extra/otters.json",
      results: [
        item("cunning", 2, "_facet_array=tags&tags__arraycontains=cunning", false, "cunning", base),
        item("empathetic", 2, "_facet_array=tags&tags__arraycontains=empathetic", false, "empathetic", base),
        item("friendly", 2, "_facet_array=tags&tags__arraycontains=friendly", false, "friendly", base),
        item("eager", 1, "_facet_array=tags&tags__arraycontains=eager", false, "eager", base),
      ],
      truncated: false,
    });
  });

  test("malformed JSON, objects and nulls are skipped; non-string items report as strings", async () => {
    const body = await ok(plain, "/extra/mixed_json.json?_facet_array=tags");
    assert.deepEqual(
      body.facet_results.results.tags.results.map((r: { value: unknown; count: number }) => [r.value, r.count]),
      [["1", 1], ["2.5", 1], ["cunning", 1], ["friendly", 1]],
    );
  });

  test("a selected array value is marked and toggles off", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet_array=tags&tags__arraycontains=tag2");
    assert.deepEqual(body.facet_results.results.tags.results, [
      item("tag1", 1, "_facet_array=tags&tags__arraycontains=tag2&tags__arraycontains=tag1"),
      item("tag2", 1, "_facet_array=tags", true),
    ]);
  });

  test("a selected value outside the top _facet_size is still shown", async () => {
    const body = await ok(plain, "/extra/otters.json?_facet_array=tags&tags__arraycontains=friendly&_facet_size=1");
    const f = body.facet_results.results.tags;
    assert.deepEqual(
      f.results.map((r: { value: string; count: number; selected: boolean }) => [r.value, r.count, r.selected]),
      [["cunning", 2, false], ["friendly", 2, true]],
    );
    assert.equal(f.truncated, true);
  });

  test("_facet_date=created", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet_date=created");
    assert.deepEqual(body.facet_results.results.created, {
      name: "created",
      type: "date",
      hideable: true,
      toggle_url: "/fixtures/facetable.json",
      results: [
        item("2019-01-14", 5, "_facet_date=created&created__date=2019-01-14"),
        item("2019-01-15", 5, "_facet_date=created&created__date=2019-01-15"),
        item("2019-01-16", 5, "_facet_date=created&created__date=2019-01-16"),
      ],
      truncated: false,
    });
  });

  test("a selected date", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet_date=created&created__date=2019-01-15");
    assert.deepEqual(body.facet_results.results.created.results, [item("2019-01-15", 5, "_facet_date=created", true)]);
  });
});

describe("facet size", () => {
  test("_facet_size=2 truncates", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=_city_id&_facet_size=2");
    const f = body.facet_results.results._city_id;
    assert.deepEqual(f.results.map((r: { value: number }) => r.value), [1, 2]);
    assert.equal(f.truncated, true);
  });

  test("_facet_size=4 exactly fits: not truncated", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=_city_id&_facet_size=4");
    assert.equal(body.facet_results.results._city_id.truncated, false);
  });

  test("default 30, _facet_size=max and larger sizes are capped at max_returned_rows", async () => {
    const a = await ok(plain, "/extra/neighbourhoods.json?_facet=city");
    assert.equal(a.facet_results.results.city.results.length, 30);
    assert.equal(a.facet_results.results.city.truncated, true);
    const b = await ok(plain, "/extra/neighbourhoods.json?_facet=city&_facet_size=50");
    assert.equal(b.facet_results.results.city.results.length, 50);
    assert.equal(b.facet_results.results.city.truncated, false);
    for (const size of ["max", "50", "1000000"]) {
      const c = await ok(configured, `/extra/neighbourhoods.json?_facet=city&_facet_size=${size}`);
      assert.equal(c.facet_results.results.city.results.length, 20, size);
    }
  });

  test("table facet_size, and _facet_size over it", async () => {
    const a = await ok(configured, "/fixtures/sortable.json?_facet=sortable");
    assert.equal(a.facet_results.results.sortable.results.length, 5);
    const b = await ok(configured, "/fixtures/sortable.json?_facet=sortable&_facet_size=7");
    assert.equal(b.facet_results.results.sortable.results.length, 7);
    const c = await ok(configured, "/fixtures/no_primary_key.json?_facet=a");
    assert.equal(c.facet_results.results.a.results.length, 20);
  });

  test("_facet_size garbage → 400", async () => {
    for (const bad of ["-1", "abc", "1.5", "1e3", "max2"]) {
      const r = await plain.json(`/fixtures/facetable.json?_facet=state&_facet_size=${bad}`);
      assert.equal(r.status, 400, bad);
      assert.deepEqual(r.body, ERROR(400, "_facet_size must be a positive integer or max"));
    }
  });
});

describe("configured facets", () => {
  test('"col", {array: col} and {date: col}, in configuration order, not hideable; shown with _extra=facet_results', async () => {
    const body = await ok(configured, "/fixtures/facetable.json?_extra=facet_results&_size=0");
    const results = body.facet_results.results;
    assert.deepEqual(Object.keys(results), ["state", "tags", "created"]);
    assert.deepEqual(
      Object.values(results).map((f: any) => [f.name, f.type, f.hideable, f.toggle_url]),
      [
        ["state", "column", false, "/fixtures/facetable.json?_extra=facet_results&_size=0"],
        ["tags", "array", false, "/fixtures/facetable.json?_extra=facet_results&_size=0"],
        ["created", "date", false, "/fixtures/facetable.json?_extra=facet_results&_size=0"],
      ],
    );
    assert.deepEqual(results.state.results[0], item("CA", 9, "_extra=facet_results&_size=0&state=CA", false, "CA", `http://${hostOf(configured)}/fixtures/facetable.json`));
  });

  test("configured facets are not in the default JSON", async () => {
    const body = await ok(configured, "/fixtures/facetable.json?_size=0");
    assert.ok(!("facet_results" in body));
  });

  test("sorted_facet_results: configured first, then by number of values", async () => {
    const body = await ok(configured, "/fixtures/facetable.json?_extra=sorted_facet_results&_facet=planet_int&_facet=_city_id&_size=0");
    assert.deepEqual(
      body.sorted_facet_results.map((f: { name: string }) => f.name),
      ["state", "tags", "created", "_city_id", "planet_int"],
    );
    // _facet* arguments bring facet_results along too.
    assert.deepEqual(Object.keys(body.facet_results.results), ["state", "tags", "created", "planet_int", "_city_id"]);
  });

  test("a request for a configured facet does not duplicate it", async () => {
    const body = await ok(configured, "/fixtures/facetable.json?_facet=state&_size=0");
    assert.deepEqual(Object.keys(body.facet_results.results), ["state", "tags", "created"]);
    assert.equal(body.facet_results.results.state.hideable, false);
  });
});

describe("allow_facet off, _nofacet and shapes", () => {
  test("any _facet* argument → 400 _facet= is not allowed", async () => {
    for (const qs of ["_facet=state", "_facet_array=tags", "_facet_date=created", "_facet_size=3"]) {
      const r = await noFacet.json(`/fixtures/facetable.json?${qs}`);
      assert.equal(r.status, 400, qs);
      assert.deepEqual(r.body, ERROR(400, "_facet= is not allowed"));
    }
  });

  test("configured facets still run, and nothing is suggested", async () => {
    const body = await ok(noFacet, "/fixtures/facetable.json?_extra=facet_results,suggested_facets&_size=0");
    assert.deepEqual(Object.keys(body.facet_results.results), ["state", "tags", "created"]);
    assert.deepEqual(body.suggested_facets, []);
  });

  test("_nofacet=1 disables every facet, configured ones included", async () => {
    const a = await ok(plain, "/fixtures/facetable.json?_facet=state&_nofacet=1");
    assert.deepEqual(a.facet_results, { results: {}, timed_out: [] });
    const b = await ok(configured, "/fixtures/facetable.json?_extra=facet_results,suggested_facets&_nofacet=1");
    assert.deepEqual(b.facet_results, { results: {}, timed_out: [] });
    assert.deepEqual(b.suggested_facets, []);
  });

  test("_shape=array and _shape=object carry no facets", async () => {
    const a = await ok(plain, "/fixtures/facetable.json?_facet=state&_shape=array&_size=2");
    assert.ok(Array.isArray(a));
    assert.equal(a.length, 2);
    const b = await ok(plain, "/fixtures/facetable.json?_facet=state&_shape=object&_size=2");
    assert.deepEqual(Object.keys(b), ["1", "2"]);
  });

  test("_shape=arrays keeps facets", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=state&_shape=arrays&_size=1");
    assert.equal(body.facet_results.results.state.results.length, 3);
  });
});

describe("errors", () => {
  test("unknown column → 400", async () => {
    for (const [qs, name] of [["_facet=nope", "nope"], ["_facet_array=nope", "nope"], ["_facet_date=rowid", "rowid"], [`_facet=${encodeURIComponent('{"column": "nope"}')}`, "nope"]]) {
      const r = await plain.json(`/fixtures/facetable.json?${qs}`);
      assert.equal(r.status, 400, qs);
      assert.deepEqual(r.body, ERROR(400, `Invalid column for facet: ${name}`));
    }
  });

  test("unknown facet type and bad JSON → 400", async () => {
    const a = await plain.json("/fixtures/facetable.json?_facet_nope=state");
    assert.deepEqual(a.body, ERROR(400, "Unknown facet type: _facet_nope"));
    const b = await plain.json(`/fixtures/facetable.json?_facet=${encodeURIComponent("{nope")}`);
    assert.deepEqual(b.body, ERROR(400, "Invalid _facet= - JSON configuration could not be parsed"));
    const c = await plain.json(`/fixtures/facetable.json?_facet=${encodeURIComponent('{"col": "state"}')}`);
    assert.deepEqual(c.body, ERROR(400, 'Invalid _facet= - JSON configuration needs a "column" string'));
  });

  test("an empty _facet= is ignored", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_facet=&_size=0");
    assert.deepEqual(body.facet_results, { results: {}, timed_out: [] });
  });

  test("unknown _extra names still 400; facet extras are listed in the extras extra", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_extra=extras&_size=0");
    const names = body.extras.map((e: { name: string }) => e.name);
    for (const n of ["facet_results", "facets_timed_out", "suggested_facets", "sorted_facet_results"]) assert.ok(names.includes(n), n);
  });
});

describe("suggested facets", () => {
  const suggestion = (name: string, arg: string, qs: string, type?: string) => ({
    name,
    ...(type ? { type } : {}),
    toggle_url: `http://${host}/fixtures/facetable.json?${qs}${qs ? "&" : ""}${arg}=${name}`,
  });

  test("column, then date, then array suggestions over the result columns", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_extra=suggested_facets&_size=0");
    const qs = "_extra=suggested_facets&_size=0";
    assert.deepEqual(body.suggested_facets, [
      suggestion("created", "_facet", qs),
      suggestion("planet_int", "_facet", qs),
      suggestion("on_earth", "_facet", qs),
      suggestion("state", "_facet", qs),
      suggestion("_city_id", "_facet", qs),
      suggestion("_neighborhood", "_facet", qs),
      suggestion("tags", "_facet", qs),
      suggestion("created", "_facet_date", qs, "date"),
      suggestion("tags", "_facet_array", qs, "array"),
    ]);
  });

  test("columns already faceted (that way) are skipped; toggles add to the existing _facet arguments", async () => {
    const qs = "_facet=planet_int&_facet=on_earth&_facet_array=tags&_extra=suggested_facets&_size=0";
    const body = await ok(plain, `/fixtures/facetable.json?${qs}`);
    assert.deepEqual(
      body.suggested_facets.map((s: { name: string; type?: string }) => `${s.name}:${s.type ?? "column"}`),
      ["created:column", "state:column", "_city_id:column", "_neighborhood:column", "tags:column", "created:date"],
    );
    assert.equal(body.suggested_facets[0].toggle_url, `http://${host}/fixtures/facetable.json?${qs}&_facet=created`);
  });

  test("configured facets are not suggested again", async () => {
    const body = await ok(configured, "/fixtures/facetable.json?_extra=suggested_facets&_size=0");
    assert.deepEqual(
      body.suggested_facets.map((s: { name: string; type?: string }) => `${s.name}:${s.type ?? "column"}`),
      ["created:column", "planet_int:column", "on_earth:column", "_city_id:column", "_neighborhood:column", "tags:column"],
    );
  });

  test("only result columns are considered (_col)", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_extra=suggested_facets&_col=state&_size=0");
    assert.deepEqual(body.suggested_facets.map((s: { name: string }) => s.name), ["state"]);
  });

  test("suggestions follow the filters", async () => {
    const body = await ok(plain, "/fixtures/facetable.json?_extra=suggested_facets&state=MI&_size=0");
    // Three rows, all distinct but for state and _city_id (one value each): only the date rule holds.
    assert.deepEqual(body.suggested_facets, [suggestion("created", "_facet_date", "_extra=suggested_facets&state=MI&_size=0", "date")]);
  });

  test("array suggestion ignores blanks and nulls", async () => {
    const body = await ok(plain, "/extra/json_blanks.json?_extra=suggested_facets");
    assert.deepEqual(body.suggested_facets, [
      { name: "json_column", type: "array", toggle_url: `http://${host}/extra/json_blanks.json?_extra=suggested_facets&_facet_array=json_column` },
    ]);
  });

  test("facet size decides which columns have few enough values", async () => {
    const a = await ok(plain, "/extra/neighbourhoods.json?_extra=suggested_facets");
    assert.deepEqual(a.suggested_facets.map((s: { name: string }) => s.name), ["neighbourhood"]);
    const b = await ok(plain, "/extra/neighbourhoods.json?_extra=suggested_facets&_facet_size=50");
    assert.deepEqual(b.suggested_facets.map((s: { name: string }) => s.name), ["city", "neighbourhood"]);
  });

  test("none with _nosuggest, _nofacet, on _next pages, or with suggest_facets off", async () => {
    for (const [server, qs] of [
      [plain, "_nosuggest=1"],
      [plain, "_nofacet=1"],
      [plain, "_next=3"],
      [noSuggest, ""],
    ] as const) {
      const body = await ok(server, `/fixtures/facetable.json?_extra=suggested_facets&_size=0&${qs}`);
      assert.deepEqual(body.suggested_facets, [], qs);
    }
  });
});

describe("base_url and force_https_urls", () => {
  test("value toggles are absolute https URLs under the prefix; the facet toggle is a prefixed path", async () => {
    const body = await ok(prefixed, "/prefix/fixtures/facetable.json?_facet=state&_extra=suggested_facets&_size=0");
    const f = body.facet_results.results.state;
    assert.equal(f.toggle_url, "/prefix/fixtures/facetable.json?_extra=suggested_facets&_size=0");
    const host = hostOf(prefixed);
    assert.equal(f.results[0].toggle_url, `https://${host}/prefix/fixtures/facetable.json?_facet=state&_extra=suggested_facets&_size=0&state=CA`);
    assert.ok(body.suggested_facets.every((s: { toggle_url: string }) => s.toggle_url.startsWith(`https://${host}/prefix/fixtures/facetable.json?`)));
  });
});

describe("time limits", () => {
  test("a facet that outruns facet_time_limit_ms is listed as timed out; the page still answers", async () => {
    const body = await ok(slow, "/big/big.json?_facet=cat&_facet_date=created&_facet_array=tags&_extra=facets_timed_out&_size=2");
    assert.deepEqual(body.facet_results, { results: {}, timed_out: ["cat", "created", "tags"] });
    assert.deepEqual(body.facets_timed_out, ["cat", "created", "tags"]);
    assert.equal(body.rows.length, 2);
  });

  test("suggestions that run out of time are dropped, not errors", async () => {
    const body = await ok(slow, "/big/big.json?_extra=suggested_facets&cat__notlike=zz%25&_size=1");
    assert.ok(Array.isArray(body.suggested_facets));
  });

  test("the facet limit is per facet; filtered to a few rows the same facet finishes", async () => {
    const body = await ok(slow, "/big/big.json?_facet=cat&id__lte=3&_size=0");
    assert.deepEqual(body.facet_results.timed_out, []);
    assert.equal(body.facet_results.results.cat.results.length, 3);
  });
});
