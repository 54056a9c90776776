/** @module HTTP: `.csv` on tables, views, rows, `?sql=` and stored queries — Datasette's exact output, headers, labels, blobs, errors. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import Database from "better-sqlite3";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

// Datasette's tests/test_csv.py EXPECTED_TABLE_CSV and EXPECTED_CUSTOM_CSV.
const EXPECTED_TABLE_CSV = "id,content\r\n1,hello\r\n2,world\r\n3,\r\n4,RENDER_CELL_DEMO\r\n5,RENDER_CELL_ASYNC\r\n";
const EXPECTED_CUSTOM_CSV = "content\r\nhello\r\nworld\r\n";
// Datasette's EXPECTED_TABLE_WITH_NULLABLE_LABELS_CSV (same rows in our fixtures).
const EXPECTED_NULLABLE_LABELS_CSV =
  "pk,foreign_key_with_label,foreign_key_with_label_label,foreign_key_with_blank_label,foreign_key_with_blank_label_label,foreign_key_with_no_label,foreign_key_with_no_label_label,foreign_key_compound_pk1,foreign_key_compound_pk2\r\n" +
  "1,1,hello,3,,1,1,a,b\r\n2,,,,,,,,\r\n";
// EXPECTED_TABLE_WITH_LABELS_CSV's format, for this project's facetable rows.
const EXPECTED_FACETABLE_LABELS_CSV = [
  "pk,created,planet_int,on_earth,state,_city_id,_city_id_label,_neighborhood,tags,complex_array,distinct_some_null,n",
  '1,2019-01-14 08:00:00,1,1,CA,1,San Francisco,Mission,"[""tag1"",""tag2""]",[],one,n0',
  '2,2019-01-14 08:00:00,1,1,CA,1,San Francisco,Dogpatch,"[""tag1""]",[],one,n1',
  '3,2019-01-14 08:00:00,1,1,CA,1,San Francisco,SOMA,"[""tag1""]",[],,n2',
  "4,2019-01-14 08:00:00,1,1,CA,1,San Francisco,Tenderloin,[],[],,",
  "5,2019-01-14 08:00:00,1,1,CA,1,San Francisco,Bernal Heights,[],[],,",
  "6,2019-01-15 08:00:00,1,1,CA,1,San Francisco,Hayes Valley,[],[],,",
  "7,2019-01-15 08:00:00,1,1,MI,3,Detroit,Downtown,[],[],,",
  "8,2019-01-15 08:00:00,1,1,MI,3,Detroit,Corktown,[],[],,",
  "9,2019-01-15 08:00:00,1,1,MI,3,Detroit,Mexicantown,[],[],,",
  "10,2019-01-15 08:00:00,2,0,MC,4,Memnonia,Arcadia Planitia,[],[],,",
  "11,2019-01-16 08:00:00,2,0,MC,4,Memnonia,Arcadia Planitia,[],[],,",
  "12,2019-01-16 08:00:00,2,0,MC,4,Memnonia,Arcadia Planitia,[],[],,",
  "13,2019-01-16 08:00:00,1,1,CA,2,Los Angeles,Hollywood,[],[],,",
  "14,2019-01-16 08:00:00,1,1,CA,2,Los Angeles,Los Feliz,[],[],,",
  "15,2019-01-16 08:00:00,1,1,CA,2,Los Angeles,Koreatown,[],[],,",
  "",
].join("\r\n");

/** Cells every CSV reader trips on. */
const AWKWARD = ["a,b", 'q"uote', "cr\rcr", "lf\nlf", "crlf\r\nx", "ünïcödé", "emoji 😀🎉👩‍👩‍👧", "nul\u0000byte", "  lead", "trail  ", "x".repeat(200000), "", "\"", ",", "\r\n"];

let server: TestServer;
let awkwardPath: string;
before(async () => {
  const dir = tempDir();
  awkwardPath = makeDatabase(join(dir, "awkward.db"), "create table cells (id integer primary key, v text, r real, i integer); create table \"Tab, with \"\"quotes\"\"\" (\"col, one\" text, \"col\"\"two\" text);", (db) => {
    const ins = db.prepare("insert into cells values (?, ?, ?, ?)");
    AWKWARD.forEach((v, i) => ins.run(i + 1, v, i + 0.25, i * 1000000000000));
    db.prepare("insert into \"Tab, with \"\"quotes\"\"\" values (?, ?)").run("x", "y");
  });
  server = await startServer({
    databases: [{ path: buildFixtures(dir), immutable: false }, { path: awkwardPath, immutable: true }],
    config: { databases: { fixtures: { queries: { cities: "select id, name from facet_cities order by id", city: { sql: "select id, name from facet_cities where name = :name" } } } } },
  });
});
after(() => server.close());

async function csv(path: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await server.get(path, init);
  return { status: r.status, text: await r.text(), headers: r.headers };
}

describe("tables", () => {
  test("simple_primary_key.csv is Datasette's EXPECTED_TABLE_CSV", async () => {
    const r = await csv("/fixtures/simple_primary_key.csv?_oh=1");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(r.headers.get("access-control-allow-origin"), null);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.equal(r.text, EXPECTED_TABLE_CSV);
  });

  test("_header=off drops the header row", async () => {
    const r = await csv("/fixtures/simple_primary_key.csv?_header=off");
    assert.equal(r.text, EXPECTED_TABLE_CSV.split("\r\n").slice(1).join("\r\n"));
  });

  test("_labels=on adds <col>_label after each expanded column", async () => {
    assert.equal((await csv("/fixtures/facetable.csv?_labels=on")).text, EXPECTED_FACETABLE_LABELS_CSV);
    assert.equal((await csv("/fixtures/foreign_key_references.csv?_labels=1")).text, EXPECTED_NULLABLE_LABELS_CSV);
  });

  test("_label=col expands one column; CSV's default is no labels", async () => {
    const one = await csv("/fixtures/foreign_key_references.csv?_label=foreign_key_with_label&_col=foreign_key_with_label");
    assert.equal(one.text, "pk,foreign_key_with_label,foreign_key_with_label_label\r\n1,1,hello\r\n2,,\r\n");
    const none = await csv("/fixtures/foreign_key_references.csv?_col=foreign_key_with_label");
    assert.equal(none.text, "pk,foreign_key_with_label\r\n1,1\r\n2,\r\n");
  });

  test("labels come only from tables the actor may view", async () => {
    const perms = server.app.almanac.permissions;
    const original = perms.allowed.bind(perms);
    perms.allowed = (actor, action, resource) => (action === "view-table" && resource?.child === "facet_cities" ? false : original(actor, action, resource));
    try {
      const r = await csv("/fixtures/facetable.csv?_labels=on&_size=1");
      assert.equal(r.text.split("\r\n")[0], "pk,created,planet_int,on_earth,state,_city_id,_neighborhood,tags,complex_array,distinct_some_null,n");
    } finally {
      perms.allowed = original;
    }
  });

  test("BLOB cells become absolute .blob links (Datasette's test_table_csv_blob_columns)", async () => {
    const r = await csv("/fixtures/binary_data.csv");
    const base = server.url;
    assert.equal(r.text, `rowid,data\r\n1,${base}/fixtures/binary_data/1.blob?_blob_column=data\r\n2,${base}/fixtures/binary_data/2.blob?_blob_column=data\r\n3,\r\n`);
  });

  test("same filters, sort and _col as the JSON page", async () => {
    const path = "/fixtures/facetable.csv?state=MI&_sort_desc=pk&_col=_neighborhood&_col=state";
    const r = await csv(path);
    const j = await server.json(path.replace(".csv", ".json"));
    const rows = parse(r.text, { columns: true }) as Record<string, string>[];
    assert.deepEqual(rows, j.body.rows.map((o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]))));
    assert.deepEqual(Object.keys(rows[0]), ["pk", "_neighborhood", "state"]);
  });

  test("one page like the JSON page: default page size, _size", async () => {
    assert.equal((await csv("/fixtures/sortable.csv")).text.split("\r\n").filter(Boolean).length, 101);
    assert.equal((await csv("/fixtures/sortable.csv?_size=5")).text.split("\r\n").filter(Boolean).length, 6);
    assert.equal((await csv("/fixtures/sortable.csv?_size=max")).text.split("\r\n").filter(Boolean).length, 202);
  });

  test("views", async () => {
    const r = await csv("/fixtures/simple_view.csv?_size=2");
    assert.equal(r.text, "content,upper_content\r\nhello,HELLO\r\nworld,WORLD\r\n");
  });

  test("numbers as Python writes them: integers exact, REALs with repr, infinities as inf", async () => {
    assert.equal((await csv("/fixtures/big_ints.csv")).text, "id,big\r\n1,9223372036854775807\r\n2,-9223372036854775807\r\n3,42\r\n");
    assert.equal((await csv("/fixtures/infinity.csv")).text, "rowid,value\r\n1,inf\r\n2,-inf\r\n3,1.5\r\n");
  });

  test("_dl=on: text/csv and an attachment named after the table", async () => {
    const r = await csv("/fixtures/simple_primary_key.csv?_dl=1");
    assert.equal(r.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.equal(r.headers.get("content-disposition"), 'attachment; filename="simple_primary_key.csv"');
    assert.equal(r.text, EXPECTED_TABLE_CSV);
  });

  test("_dl filenames never carry quotes or non-ASCII raw", async () => {
    const r = await csv(`/awkward/${"Tab, with \"quotes\"".replace(/[^A-Za-z0-9_-]/g, (c) => (c === " " ? "+" : "~" + c.charCodeAt(0).toString(16).toUpperCase()))}.csv?_dl=on`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-disposition"), `attachment; filename="Tab, with _quotes_.csv"; filename*=UTF-8''Tab%2C%20with%20%22quotes%22.csv`);
    assert.equal(r.text, 'rowid,"col, one","col""two"\r\n1,x,y\r\n');
  });

  test("errors keep Almanac's shape: 400 HTML, or JSON when asked for", async () => {
    const bad = await csv("/fixtures/facetable.csv?_sort=nope");
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get("content-type")!, /text\/html/);
    const j = await server.json("/fixtures/facetable.csv?_sort=nope", { headers: { accept: "application/json" } });
    assert.equal(j.status, 400);
    assert.equal(j.body.ok, false);
    assert.equal((await csv("/fixtures/nope.csv")).status, 404);
  });

  test(".csv on other routes stays 404; table .blob is 404", async () => {
    assert.equal((await csv("/fixtures.csv")).status, 404);
    assert.equal((await csv("/fixtures/facetable.blob")).status, 404);
    assert.equal((await csv("/fixtures/facetable.xml")).status, 404);
  });
});

describe("rows", () => {
  test("row CSV", async () => {
    assert.equal((await csv("/fixtures/simple_primary_key/1.csv")).text, "id,content\r\n1,hello\r\n");
    assert.equal((await csv("/fixtures/compound_primary_key/a,b.csv")).text, "pk1,pk2,content\r\na,b,c\r\n");
    assert.equal((await csv("/fixtures/binary_data/1.csv")).text, `rowid,data\r\n1,${server.url}/fixtures/binary_data/1.blob?_blob_column=data\r\n`);
    assert.equal((await csv("/fixtures/simple_primary_key/99.csv")).status, 404);
  });
});

describe("queries", () => {
  test("?sql= CSV (Datasette's test_custom_sql_csv)", async () => {
    const r = await csv("/fixtures/-/query.csv?sql=select+content+from+simple_primary_key+limit+2");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(r.text, EXPECTED_CUSTOM_CSV);
  });

  test("BLOB cells link to query.blob with the value's sha256", async () => {
    const r = await csv("/fixtures/-/query.csv?sql=select+rowid,+data+from+binary_data");
    const link = (hash: string) => `"${server.url}/fixtures/-/query.blob?sql=select+rowid,+data+from+binary_data&_blob_column=data&_blob_hash=${hash}"`;
    assert.equal(r.text, `rowid,data\r\n1,${link("f3088978da8f9aea479ffc7f631370b968d2e855eeb172bea7f6c7a04262bb6d")}\r\n2,${link("18d68a5f6b7c4159db76b888a60e995afa7c225480528df176466ade5fe6833e")}\r\n3,\r\n`);
  });

  test("non-ASCII (Datasette's test_csv_with_non_ascii_characters)", async () => {
    const r = await csv(
      "/fixtures/-/query.csv?sql=select%0D%0A++%27%F0%9D%90%9C%F0%9D%90%A2%F0%9D%90%AD%F0%9D%90%A2%F0%9D%90%9E%F0%9D%90%AC%27+as+text%2C%0D%0A++1+as+number%0D%0Aunion%0D%0Aselect%0D%0A++%27bob%27+as+text%2C%0D%0A++2+as+number%0D%0Aorder+by%0D%0A++number",
    );
    assert.equal(r.text, "text,number\r\n𝐜𝐢𝐭𝐢𝐞𝐬,1\r\nbob,2\r\n");
  });

  test("REAL stays REAL: 3.0, 1e+20, 1e-05", async () => {
    const r = await csv(`/fixtures/-/query.csv?sql=${encodeURIComponent("select 3.0 as a, 1e20 as b, 0.00001 as c, 1 as d, null as e, -0.0 as f, 1.5e300 as g")}`);
    assert.equal(r.text, "a,b,c,d,e,f,g\r\n3.0,1e+20,1e-05,1,,-0.0,1.5e+300\r\n");
  });

  test("at most max_returned_rows without _stream", async () => {
    const r = await csv(`/fixtures/-/query.csv?sql=${encodeURIComponent("with recursive c(x) as (select 1 union all select x + 1 from c limit 1500) select x from c")}`);
    const lines = r.text.split("\r\n").filter(Boolean);
    assert.equal(lines.length, 1001);
    assert.equal(lines[1000], "1000");
  });

  test("query CSV without sql is a 400; SQL errors are 400s; writes refused", async () => {
    assert.equal((await csv("/fixtures/-/query.csv")).status, 400);
    assert.equal((await csv("/fixtures/-/query.csv?sql=select+*+from+nope")).status, 400);
    assert.equal((await csv("/fixtures/-/query.csv?sql=delete+from+facetable")).status, 400);
  });

  test("stored queries: CSV, parameters, _dl named after the query", async () => {
    assert.equal((await csv("/fixtures/cities.csv")).text, "id,name\r\n1,San Francisco\r\n2,Los Angeles\r\n3,Detroit\r\n4,Memnonia\r\n");
    assert.equal((await csv("/fixtures/city.csv?name=Detroit")).text, "id,name\r\n3,Detroit\r\n");
    const dl = await csv("/fixtures/cities.csv?_dl=on");
    assert.equal(dl.headers.get("content-disposition"), 'attachment; filename="cities.csv"');
    assert.equal((await csv("/fixtures/-/query.csv?sql=select+1&_dl=on")).headers.get("content-disposition"), 'attachment; filename="fixtures.csv"');
  });
});

describe("round trip through a real CSV parser", () => {
  test("commas, quotes, CR, LF, CRLF, unicode, emoji, NUL, spaces and a 200,000-character cell survive", async () => {
    for (const path of ["/awkward/cells.csv?_size=max", "/awkward/cells.csv?_stream=on", `/awkward/-/query.csv?sql=${encodeURIComponent("select * from cells order by id")}&_stream=on`]) {
      const r = await csv(path);
      assert.equal(r.status, 200, path);
      const rows = parse(r.text, { columns: true }) as Record<string, string>[];
      const db = new Database(awkwardPath, { readonly: true });
      const want = db.prepare("select id, v, r, i from cells order by id").all() as { id: number; v: string; r: number; i: number }[];
      db.close();
      assert.equal(rows.length, want.length, path);
      rows.forEach((row, k) => {
        assert.equal(row.v, want[k].v, `${path} row ${k}`);
        assert.equal(row.id, String(want[k].id));
        assert.equal(Number(row.r), want[k].r);
        assert.equal(row.i, String(want[k].i));
      });
    }
  });
});
