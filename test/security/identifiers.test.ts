// Attack class 1 — identifier injection and confusion. Every table and column below is named with something
// hostile (quotes, brackets, newlines, look-alikes, SQL fragments…); each must be reachable through its
// tilde-encoded URL for the table, row, filter, sort, _col, _nocol and _label, and nothing may ever be a 500.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { tildeEncode } from "../../src/http/tilde.js";
import {
  DECOY_NAMES, HOSTILE_NAMES, assertJsonError, assertNot5xx, buildHostileDatabase, hostileValue, inBatches, sha256, tablePath,
} from "./hostile-fixtures.js";

let server: TestServer;
let dbPath: string;
let checksum: string;
let linkTarget: Map<string, string>;

before(async () => {
  const built = buildHostileDatabase();
  dbPath = built.path;
  linkTarget = built.linkTarget;
  checksum = sha256(dbPath);
  // Table configuration keyed by hostile names ("__proto__", "constructor"…) must not confuse look-ups.
  server = await startServer({
    databases: [{ path: dbPath, immutable: false }],
    config: { databases: { hostile: { tables: { "dq\"uote": { sort_desc: "dq\"uote" } } } } },
  });
});
after(() => server.close());

// Known bugs elsewhere in the tree (see the report): skipped per name so the rest still runs.
const COLUMN_DROPPED_FROM_JSON = new Set(["__proto__"]); // src/render/json.ts rowsToObjects assigns o["__proto__"]
const ROWID_COLUMN_REJECTED = new Set(["rowid"]); // src/query/table-plan.ts rejects a real column named rowid in _col/_nocol

const qs = (pairs: [string, string][]) => "?" + new URLSearchParams(pairs).toString();
const ALL = [...HOSTILE_NAMES, ...DECOY_NAMES];
const show = (n: string) => JSON.stringify(n.length > 40 ? n.slice(0, 40) + "…" : n);

test("every hostile table answers its JSON page, naming the canonical table", async () => {
  await inBatches(ALL, 8, async (name) => {
    const r = await server.json(tablePath("hostile", name, ".json") + qs([["_extra", "table,columns"]]));
    assert.equal(r.status, 200, `${show(name)}: ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.equal(r.body.table, name);
    assert.equal(r.body.rows.length, 2, show(name));
    assert.deepEqual(r.body.columns, ["id", name, "link"]);
    if (!COLUMN_DROPPED_FROM_JSON.has(name)) assert.equal(r.body.rows[0][name], hostileValue(name), show(name));
  });
});

test("every hostile table answers its row page and HTML pages", async () => {
  await inBatches(ALL, 8, async (name) => {
    const row = await server.json(tablePath("hostile", name, "/1.json"));
    assert.equal(row.status, 200, `${show(name)}: ${JSON.stringify(row.body).slice(0, 200)}`);
    assert.equal(row.body.table, name);
    assert.deepEqual(row.body.primary_key_values, ["1"]);
    assert.equal(row.body.rows.length, 1);
    for (const suffix of ["", "/1", "/2"]) {
      const r = await server.get(tablePath("hostile", name, suffix));
      assert.equal(r.status, 200, `${show(name)}${suffix}`);
      await r.arrayBuffer();
    }
  });
});

test("filters (?<col>__exact= and friends) on hostile column names match exactly one row", async () => {
  await inBatches(ALL, 8, async (name) => {
    const value = hostileValue(name);
    for (const [op, v] of [["exact", value], ["startswith", "value of "], ["contains", name], ["in", JSON.stringify([value, "nope"])]] as const) {
      const r = await server.json(tablePath("hostile", name, ".json") + qs([[`${name}__${op}`, v]]));
      assert.equal(r.status, 200, `${show(name)} __${op}: ${JSON.stringify(r.body).slice(0, 200)}`);
      assert.deepEqual(r.body.rows.map((x: { id: number }) => x.id), [1], `${show(name)} __${op}`);
    }
    const none = await server.json(tablePath("hostile", name, ".json") + qs([[`${name}__isnull`, "1"]]));
    assert.equal(none.status, 200);
    assert.equal(none.body.rows.length, 0);
  });
});

test("_sort / _sort_desc on hostile column names, with working pagination", async () => {
  await inBatches(ALL, 8, async (name) => {
    if (COLUMN_DROPPED_FROM_JSON.has(name)) return; // the next token is built from the (lost) sort value
    const asc = await server.json(tablePath("hostile", name, ".json") + qs([["_sort", name], ["_size", "1"]]));
    assert.equal(asc.status, 200, `${show(name)}: ${JSON.stringify(asc.body).slice(0, 200)}`);
    assert.equal(asc.body.rows.length, 1);
    assert.ok(asc.body.next, "a next token");
    const page2 = await server.json(tablePath("hostile", name, ".json") + qs([["_sort", name], ["_size", "1"], ["_next", asc.body.next]]));
    assert.equal(page2.status, 200, `${show(name)} page 2: ${JSON.stringify(page2.body).slice(0, 200)}`);
    assert.deepEqual([asc.body.rows[0].id, page2.body.rows[0].id].sort(), [1, 2], show(name));
    const desc = await server.json(tablePath("hostile", name, ".json") + qs([["_sort_desc", name]]));
    assert.equal(desc.status, 200);
    assert.equal(desc.body.rows.length, 2);
  });
});

test("_col / _nocol on hostile column names", async () => {
  await inBatches(ALL, 8, async (name) => {
    if (ROWID_COLUMN_REJECTED.has(name)) return;
    const col = await server.json(tablePath("hostile", name, ".json") + qs([["_col", name], ["_extra", "columns"]]));
    assert.equal(col.status, 200, `${show(name)}: ${JSON.stringify(col.body).slice(0, 200)}`);
    assert.deepEqual(col.body.columns, ["id", name]);
    const nocol = await server.json(tablePath("hostile", name, ".json") + qs([["_nocol", name], ["_extra", "columns"]]));
    assert.equal(nocol.status, 200);
    assert.deepEqual(nocol.body.columns, ["id", "link"]);
  });
});

test("_col / _nocol accept a real column named rowid", async () => {
  const r = await server.json(tablePath("hostile", "rowid", ".json") + qs([["_col", "rowid"]]));
  assert.equal(r.status, 200);
});

test("a column named __proto__ keeps its value in JSON rows", async () => {
  const r = await server.json(tablePath("hostile", "__proto__", ".json"));
  assert.equal(r.body.rows[0].__proto__, hostileValue("__proto__"));
});

test("_label expands foreign keys into tables with hostile names", async () => {
  await inBatches(ALL, 8, async (name) => {
    const r = await server.json(tablePath("hostile", name, ".json") + qs([["_label", "link"]]));
    assert.equal(r.status, 200, `${show(name)}: ${JSON.stringify(r.body).slice(0, 200)}`);
    const target = linkTarget.get(name)!;
    // Row 1 links to row 2 ("plain"), row 2 to row 1 (the hostile value of the target table).
    assert.deepEqual(r.body.rows[0].link, { value: 2, label: "plain" }, show(name));
    assert.deepEqual(r.body.rows[1].link, { value: 1, label: hostileValue(target) }, show(name));
  });
});

test("case variants resolve to the canonical table; look-alikes stay distinct", async () => {
  for (const asked of ["SECRET", "Secret", "sEcReT"]) {
    const r = await server.json(`/hostile/${asked}.json?_extra=table`);
    assert.equal(r.status, 200);
    assert.equal(r.body.table, "secret");
    assert.equal(r.body.rows[0].secret, hostileValue("secret"));
  }
  const row = await server.json("/hostile/SECRET/1.json");
  assert.equal(row.body.table, "secret");
  // Cyrillic е: a different table, never folded onto the Latin one.
  const cyr = await server.json(tablePath("hostile", "sеcret", ".json") + "?_extra=table");
  assert.equal(cyr.body.table, "sеcret");
  assert.notEqual(cyr.body.table, "secret");
  // Upper-case Cyrillic is not folded (SQLite folds ASCII only).
  const upper = await server.json(tablePath("hostile", "SЕCRET", ".json"));
  assertJsonError(upper, 404, "Table not found");
  // NFC and NFD spellings of café are two tables.
  const nfc = await server.json(tablePath("hostile", "café", ".json") + "?_extra=table");
  const nfd = await server.json(tablePath("hostile", "cafe\u0301", ".json") + "?_extra=table");
  assert.equal(nfc.body.table, "café");
  assert.equal(nfd.body.table, "cafe\u0301");
  // ß is not ASCII: "STRASSE" is not "Straße".
  assertJsonError(await server.json("/hostile/STRASSE.json"), 404, "Table not found");
});

test("%, _ and ~ in names are literal, never patterns", async () => {
  // If names were matched with LIKE, "under_score" would also find "underXscore" (and vice versa).
  const a = await server.json(tablePath("hostile", "under_score", ".json") + "?_extra=table");
  assert.equal(a.body.table, "under_score");
  const b = await server.json(tablePath("hostile", "underXscore", ".json") + "?_extra=table");
  assert.equal(b.body.table, "underXscore");
  assertJsonError(await server.json("/hostile/under~25score.json"), 404, "Table not found");
  assertJsonError(await server.json(tablePath("hostile", "per_cent", ".json")), 404, "Table not found");
  // "~2E" as a name is encoded ~7E2E; the bare "~2E" decodes to "." which is no table.
  const t = await server.json("/hostile/~7E2E.json?_extra=table");
  assert.equal(t.body.table, "~2E");
  assertJsonError(await server.json("/hostile/~2E.json"), 404, "Table not found");
  // A raw % in the path is never percent-decoded into a "/" (it is redirected or not found, not routed).
  const raw = await server.get("/hostile/sl%2Fash.json");
  assert.ok([302, 404].includes(raw.status), `got ${raw.status}`);
});

test("NUL, invalid UTF-8 and malformed tilde escapes in names are 4xx, never 500", async () => {
  for (const path of [
    "/hostile/~00.json", "/hostile/secret~00.json", "/hostile/secret~00/1.json", "/hostile/~FF~FE.json", "/hostile/~ED~A0~80.json",
    "/hostile/~.json", "/hostile/~0.json", "/hostile/~ZZ.json", "/hostile/secret/~00.json", "/hostile/secret/~FF.json",
    "/~00/secret.json", "/hostile~00/secret.json", "/hostile/secret.json?_col=%00", "/hostile/secret.json?_sort=%00", "/hostile/secret.json?%00=1",
    "/hostile/secret.json?secret%00__exact=1", "/hostile/secret.json?_through=" + encodeURIComponent('{"table":"\u0000","column":"x","value":1}'),
  ]) {
    const r = await server.json(path);
    assertNot5xx(r.status, path);
    assert.ok(r.status >= 400, `${path} → ${r.status}`);
    assert.equal(r.body.ok, false, path);
  }
  // An unknown _label column is ignored (as in Datasette), but a NUL in it is no reason to fail.
  assert.equal((await server.json("/hostile/secret.json?_label=%00")).status, 200);
});

test("names not in the schema are 404 Table not found, with no SQL error leaking", async () => {
  for (const name of ["victim\"; --", "nope", "secret\u0000", "sqlite_master", "main.secret", "\"secret\"", "[secret]", "secret ", " secret", "secret\n", "temp.secret"]) {
    const r = await server.json(tablePath("hostile", name, ".json"));
    assertJsonError(r, 404, "Table not found");
    const row = await server.json(tablePath("hostile", name, "/1.json"));
    assertNot5xx(row.status, name);
    assert.equal(row.status, 404, show(name));
  }
  // sqlite_master is SQLite's own, not a table Almanac serves.
  assertJsonError(await server.json("/hostile/sqlite_master.json"), 404, "Table not found");
  const missingRow = await server.json(tablePath("hostile", "secret", "/999.json"));
  assertJsonError(missingRow, 404, "Row not found");
});

test("unknown or hostile column names in parameters are 400 with a clear message", async () => {
  const base = tablePath("hostile", "secret", ".json");
  for (const [params, message] of [
    [[["nope__exact", "1"]], /unknown column/],
    [[['secret"; drop table victim; --__exact', "1"]], /unknown column/],
    [[["_sort", "secret\"; --"]], /Cannot sort table by/],
    [[["_sort_desc", "nope"]], /Cannot sort table by/],
    [[["_col", "nope"]], /invalid columns/],
    [[["_nocol", "x\" from victim; --"]], /invalid columns/],
    [[["_nocol", "id"]], /invalid columns|primary key/],
  ] as [[string, string][], RegExp][]) {
    assertJsonError(await server.json(base + qs(params)), 400, message);
  }
});

test("the database, index and schema-level pages list every hostile name and answer 200", async () => {
  const db = await server.json("/hostile.json");
  assert.equal(db.status, 200);
  const names = new Set(db.body.tables.map((t: { name: string }) => t.name));
  for (const n of ALL) assert.ok(names.has(n), `${show(n)} listed`);
  for (const path of ["/hostile", "/", "/.json", "/-/databases.json"]) {
    const r = await server.get(path);
    assert.equal(r.status, 200, path);
    await r.arrayBuffer();
  }
});

test("the database file is unchanged after all of the above", () => {
  assert.equal(sha256(dbPath), checksum);
});

test("tildeEncode output only ever uses URL-safe characters for hostile names", () => {
  for (const n of ALL) assert.match(tildeEncode(n), /^[A-Za-z0-9_\-~+]*$/);
});
