// Facets as an attack surface: hostile column names and values (JSON is data; HTML escapes), injection
// payloads in every facet argument (400, never 500, database unchanged), `_facet_size` garbage, and facet
// fan-out (fifty facets at once: each under its own time limit, the page still answers).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { HOSTILE_NAMES, DECOY_NAMES, assertJsonError, buildHostileDatabase, hostileValue, inBatches, sha256, tablePath } from "./hostile-fixtures.js";

/** Deterministic injection payloads for facet arguments. */
const PAYLOADS: readonly string[] = [
  "'", '"', "''", "\\", "`", "]", "[", "--", "/*", ";", "');", "1; drop table victim; --", "sq]uare; drop table victim; --",
  "' or '1'='1", '" or "1"="1', "1) or (1=1", ")", "(", "%", "_", "\u0000", "a\u0000b", "x".repeat(6000), "🦆", "\u202e", "\ud800",
  "{}", "[]", '{"column":', '{"column": null}', '{"column": ["sq]uare"]}', '{"column": "sq]uare\\"; drop table victim; --"}',
  "null", "$null", "union select sql from sqlite_master", "sq]uare union select 1", "*", "rowid", "-1", "1e999", "",
  " ", ",", "~", "~2E", "+", "__proto__", "constructor", "max", "0",
];

let server: TestServer;
let hostilePath: string;
let checksum: string;
let linkTarget: Map<string, string>;
const WIDE_COLUMNS = 50;

before(async () => {
  const dir = tempDir("almanac-facets-sec-");
  const hostile = buildHostileDatabase(dir);
  hostilePath = hostile.path;
  linkTarget = hostile.linkTarget;
  checksum = sha256(hostilePath);
  const cols = Array.from({ length: WIDE_COLUMNS }, (_, i) => `c${i}`);
  const wide = makeDatabase(join(dir, "wide.db"), `create table wide (id integer primary key, ${cols.map((c) => `${c} text`).join(", ")});`, (db) => {
    const insert = db.prepare(`insert into wide (${cols.join(", ")}) values (${cols.map(() => "?").join(", ")})`);
    for (let r = 0; r < 4_000; r++) insert.run(...cols.map((_, i) => `2021-0${(r % 9) + 1}-1${i % 10} v${(r * (i + 7)) % 101}`));
  });
  server = await startServer({ databases: [{ path: hostilePath, immutable: false }, { path: wide, immutable: false }] });
});
after(() => server.close());

const facetUrl = (table: string, pairs: [string, string][]) => tablePath("hostile", table, ".json") + "?" + new URLSearchParams(pairs).toString();
const relative = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

test("hostile column names: facets, labels and toggle URLs that filter to exactly the counted rows", async () => {
  await inBatches([...HOSTILE_NAMES, ...DECOY_NAMES], 6, async (name) => {
    const r = await server.json(facetUrl(name, [["_facet", name], ["_facet", "link"], ["_facet_date", name], ["_facet_array", name]]));
    assert.equal(r.status, 200, `${JSON.stringify(name)}: ${JSON.stringify(r.body).slice(0, 300)}`);
    const results = r.body.facet_results.results;
    assert.ok(Object.prototype.hasOwnProperty.call(results, name), JSON.stringify(name));
    const facet = results[name];
    assert.equal(facet.name, name);
    assert.deepEqual(
      facet.results.map((v: { value: string; count: number }) => [v.value, v.count]).sort(),
      [[hostileValue(name), 1], ["plain", 1]].sort(),
    );
    // Labels come from the linked hostile table's unique TEXT column.
    const target = linkTarget.get(name)!;
    assert.deepEqual(
      results.link.results.map((v: { value: number; label: string }) => [v.value, v.label]).sort(),
      [[1, hostileValue(target)], [2, "plain"]],
    );
    for (const v of facet.results) {
      const filtered = await server.json(relative(v.toggle_url));
      assert.equal(filtered.status, 200, `${JSON.stringify(name)} toggle ${v.toggle_url}`);
      assert.equal(filtered.body.rows.length, 1, `${JSON.stringify(name)} toggle ${v.toggle_url}`);
      assert.equal(filtered.body.facet_results.results[name].results[0].selected, true);
    }
  });
  assert.equal(sha256(hostilePath), checksum);
});

test("<script> in a column name and its values: exact in JSON, escaped in HTML", async () => {
  const name = "<script>alert(1)</script>";
  const json = await server.get(facetUrl(name, [["_facet", name]]));
  assert.match(json.headers.get("content-type") ?? "", /^application\/json/);
  const body = (await json.json()) as any;
  assert.equal(body.facet_results.results[name].results.find((v: { value: string }) => v.value !== "plain").value, hostileValue(name));
  const html = await server.get(`${tablePath("hostile", name)}?_facet=${encodeURIComponent(name)}`);
  assert.equal(html.status, 200);
  const text = await html.text();
  assert.ok(!text.includes("<script>alert(1)"), "raw <script> must not reach the HTML page");
});

test("injection payloads in every facet argument: 400 (or 200), never 500; the database is unchanged", async () => {
  const keys = ["_facet", "_facet_array", "_facet_date", "_facet_size"];
  const cases: [string, string][] = [];
  for (const key of keys) for (const p of PAYLOADS) cases.push([key, p]);
  for (const p of PAYLOADS) cases.push([`_facet_${p}`, "sq]uare"]);
  await inBatches(cases, 8, async ([key, payload]) => {
    const r = await server.json(facetUrl("sq]uare", [[key, payload]]));
    if (r.status === 200) {
      assert.equal(r.body.ok, true);
      return;
    }
    assertJsonError(r, 400);
  });
  const victim = await server.json("/hostile/victim.json");
  assert.deepEqual(victim.body.rows, [{ id: 1, v: "still here" }]);
  assert.equal(sha256(hostilePath), checksum);
});

test("JSON facet config naming a hostile column", async () => {
  const name = `x"; drop table victim; --`;
  const r = await server.json(facetUrl(name, [["_facet", JSON.stringify({ column: name })]]));
  assert.equal(r.status, 200);
  assert.equal(r.body.facet_results.results[name].results.length, 2);
  assert.equal(sha256(hostilePath), checksum);
});

test("unknown facet columns → 400 with a generic message, never 500", async () => {
  for (const [key, value] of [["_facet", "nope"], ["_facet_array", "sq]uare2"], ["_facet_date", "SQ]UARE "], ["_facet", '{"column": "nope"}'], ["_facet", "{"]] as const) {
    const r = await server.json(facetUrl("sq]uare", [[key, value]]));
    assertJsonError(r, 400);
  }
});

test("_facet_size garbage → 400", async () => {
  for (const bad of ["-1", "x", "1.5", "0x10", "1e9", "99999999999999999999", " 3", "max ", "MAX"]) {
    const r = await server.json(facetUrl("sq]uare", [["_facet", "sq]uare"], ["_facet_size", bad]]));
    assertJsonError(r, 400, "_facet_size must be a positive integer or max");
  }
});

test("fan-out: fifty column and fifty date facets at once — each timed or answered, the page answers", async () => {
  const pairs = new URLSearchParams();
  for (let i = 0; i < WIDE_COLUMNS; i++) pairs.append("_facet", `c${i}`);
  for (let i = 0; i < WIDE_COLUMNS; i++) pairs.append("_facet_date", `c${i}`);
  pairs.append("_extra", "suggested_facets");
  const r = await server.json(`/wide/wide.json?${pairs}`);
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  const answered = Object.keys(r.body.facet_results.results).length;
  const timedOut = r.body.facet_results.timed_out.length;
  assert.equal(answered + timedOut, WIDE_COLUMNS * 2);
  for (const f of Object.values(r.body.facet_results.results) as { results: unknown[] }[]) assert.ok(f.results.length <= 1000);
  // The server is still responsive afterwards.
  assert.equal((await server.json("/wide/wide.json?_size=1")).status, 200);
});
