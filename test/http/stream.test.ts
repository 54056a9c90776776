/**
 * @module HTTP: `_stream=on` — every row of a table or query as CSV or NDJSON, on the export pool, with
 * back-pressure, cancellation when the client goes away, HEAD, `allow_csv_stream` and `max_csv_mb`.
 * Structure, never timing: "held" streams are observed through the export pool's counters.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { request } from "node:http";
import { parse } from "csv-parse/sync";
import Database from "better-sqlite3";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

const ROWS = 50_000;
const ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select x, 'padding padding padding padding padding' as p from c";

let server: TestServer;
let bigPath: string;
let fixturesPath: string;
before(async () => {
  const dir = tempDir();
  bigPath = makeDatabase(join(dir, "big.db"), "create table items (id integer primary key, name text, price real, qty integer, note text, data blob)", (db) => {
    const ins = db.prepare("insert into items values (?, ?, ?, ?, ?, ?)");
    for (let i = 1; i <= ROWS; i++) {
      ins.run(i, `item ${i}`, i + 0.25, i % 7 === 0 ? null : i * 3, i % 1000 === 0 ? `multi\nline, "quoted" ${i}` : i % 3 === 0 ? "" : `n${i}`, i % 10000 === 0 ? Buffer.from([i % 256, 1, 2]) : null);
    }
  });
  fixturesPath = buildFixtures(dir);
  server = await startServer({
    databases: [{ path: fixturesPath, immutable: false }, { path: bigPath, immutable: true }],
    config: { databases: { fixtures: { queries: { cities: "select id, name from facet_cities order by id" } } } },
  });
});
after(() => server.close());

const q = (sql: string) => encodeURIComponent(sql);

/** Wait (not time) until a condition holds; fails only if it never does. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

function expectedItems(): string[][] {
  const db = new Database(bigPath, { readonly: true });
  const rows = db.prepare("select id, name, price, qty, note, data from items order by id").raw(true).all() as unknown[][];
  db.close();
  return rows.map((r) => r.map((v, i) => (v === null ? "" : i === 5 ? `${server.url}/big/items/${r[0]}.blob?_blob_column=data` : String(v))));
}

describe("CSV streams", () => {
  test("a 50,000-row table streams whole, ignoring _size; parsed rows equal what SQLite returns", async () => {
    const r = await server.get("/big/items.csv?_stream=on&_size=10");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(r.headers.get("content-length"), null);
    const rows = parse(await r.text()) as string[][];
    assert.deepEqual(rows[0], ["id", "name", "price", "qty", "note", "data"]);
    assert.deepEqual(rows.slice(1), expectedItems());
  });

  test("a streamed ?sql= query exports past max_returned_rows", async () => {
    const r = await server.get(`/big/-/query.csv?sql=${q("select id, name from items order by id")}&_stream=on`);
    const rows = parse(await r.text()) as string[][];
    assert.equal(rows.length, ROWS + 1);
    assert.deepEqual(rows[ROWS], [String(ROWS), `item ${ROWS}`]);
  });

  test("filters and sort apply to streams; _labels too", async () => {
    const r = await server.get("/big/items.csv?_stream=on&qty__gt=149000&_sort_desc=qty&_col=qty");
    const db = new Database(bigPath, { readonly: true });
    const want = db.prepare("select id, qty from items where qty > 149000 order by qty desc, id").raw(true).all() as unknown[][];
    db.close();
    assert.equal(await r.text(), ["id,qty", ...want.map((row) => row.join(",")), ""].join("\r\n"));
    const labels = await (await server.get("/fixtures/facetable.csv?_labels=on&_stream=on")).text();
    assert.equal(labels, await (await server.get("/fixtures/facetable.csv?_labels=on")).text());
  });

  test("views stream (offset-paged on the JSON page, one statement here)", async () => {
    const text = await (await server.get("/fixtures/paginated_view.csv?_stream=on")).text();
    const rows = parse(text) as string[][];
    assert.equal(rows.length, 202);
    assert.deepEqual(rows[201], ["200", "- 200 -"]);
  });

  test("_next cannot be combined with _stream", async () => {
    const r = await server.get("/big/items.csv?_stream=on&_next=5");
    assert.equal(r.status, 400);
  });

  test("stored queries stream too", async () => {
    assert.equal(await (await server.get("/fixtures/cities.csv?_stream=on")).text(), "id,name\r\n1,San Francisco\r\n2,Los Angeles\r\n3,Detroit\r\n4,Memnonia\r\n");
    const nd = await server.get("/fixtures/cities.json?_stream=on");
    assert.equal(nd.headers.get("content-type"), "application/x-ndjson; charset=utf-8");
    assert.equal(await nd.text(), '{"id":1,"name":"San Francisco"}\n{"id":2,"name":"Los Angeles"}\n{"id":3,"name":"Detroit"}\n{"id":4,"name":"Memnonia"}\n');
  });

  test("a SQL error before any output is a 400, not a broken 200", async () => {
    const r = await server.get(`/big/-/query.csv?sql=${q("select * from nope")}&_stream=on`);
    assert.equal(r.status, 400);
  });
});

describe("NDJSON streams", () => {
  test("round trip: one object per line, every row, past max_returned_rows", async () => {
    const r = await server.get(`/big/-/query.json?sql=${q("select id, name, price, qty, note from items order by id")}&_stream=on`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/x-ndjson; charset=utf-8");
    const text = await r.text();
    assert.ok(text.endsWith("}\n"));
    const lines = text.slice(0, -1).split("\n").map((l) => JSON.parse(l));
    const db = new Database(bigPath, { readonly: true });
    const want = db.prepare("select id, name, price, qty, note from items order by id").all();
    db.close();
    assert.deepEqual(lines, want);
  });

  test("64-bit integers exact, blobs as $base64, _json columns parsed", async () => {
    const r = await server.get(`/fixtures/-/query.json?sql=${q("select 9223372036854775807 as big, x'0102' as b, '[1, 2]' as j")}&_stream=on&_json=j`);
    assert.equal(await r.text(), '{"big":9223372036854775807,"b":{"$base64":true,"encoded":"AQI="},"j":[1,2]}\n');
  });

  test("_dl=on names the download", async () => {
    const r = await server.get(`/fixtures/-/query.json?sql=${q("select 1 as a")}&_stream=on&_dl=on`);
    assert.equal(r.headers.get("content-disposition"), 'attachment; filename="fixtures.ndjson"');
    assert.equal(await r.text(), '{"a":1}\n');
  });
});

describe("the export pool", () => {
  test("two held streams leave the read pool answering; a third queues, and runs once the clients go away", async () => {
    const exporter = server.app.almanac.exporter!;
    const held: AbortController[] = [];
    for (let i = 0; i < 2; i++) {
      const ac = new AbortController();
      const r = await fetch(`${server.url}/fixtures/-/query.csv?sql=${q(ENDLESS)}&_stream=on`, { signal: ac.signal });
      assert.equal(r.status, 200);
      await r.body!.getReader().read(); // one piece, then stop reading: back-pressure holds the stream
      held.push(ac);
    }
    assert.equal(exporter.active, 2);
    // Table pages and ?sql= still answer: they run on the read pool.
    assert.equal((await server.json("/fixtures/facetable.json?_size=1")).status, 200);
    assert.equal((await server.json(`/big/-/query.json?sql=${q("select count(*) from items")}`)).body.rows[0]["count(*)"], ROWS);
    // A third export waits for a slot.
    const third = server.get("/fixtures/facetable.csv?_stream=on&_col=state");
    await until(() => exporter.pending === 1, "third export queued");
    assert.equal(exporter.active, 2);
    for (const ac of held) ac.abort();
    const r = await third;
    assert.equal(r.status, 200);
    assert.equal((await r.text()).split("\r\n").filter(Boolean).length, 16);
    await until(() => exporter.active === 0 && exporter.pending === 0, "export slots freed");
  });

  test("a client that goes away mid-stream frees its export worker (twice over: the slots are reused)", async () => {
    const exporter = server.app.almanac.exporter!;
    for (let round = 0; round < 2; round++) {
      const acs = [new AbortController(), new AbortController()];
      for (const ac of acs) {
        const r = await fetch(`${server.url}/big/items.csv?_stream=on`, { signal: ac.signal });
        await r.body!.getReader().read();
      }
      for (const ac of acs) ac.abort();
      await until(() => exporter.active === 0, "slots freed");
    }
    const r = await server.get("/big/items.csv?_stream=on");
    assert.equal((parse(await r.text()) as string[][]).length, ROWS + 1);
  });

  test("HEAD on an endless stream answers at once and cancels the export", async () => {
    const { hostname, port } = new URL(server.url);
    const res = await new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
      const req = request({ hostname, port, method: "HEAD", path: `/fixtures/-/query.csv?sql=${q(ENDLESS)}&_stream=on` }, (r) => {
        r.resume();
        r.on("end", () => resolve({ status: r.statusCode!, type: r.headers["content-type"] }));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(res.status, 200);
    assert.equal(res.type, "text/plain; charset=utf-8");
    await until(() => server.app.almanac.exporter!.active === 0, "HEAD export cancelled");
    const inProcess = await server.app.request(`/fixtures/-/query.csv?sql=${q(ENDLESS)}&_stream=on`, { method: "HEAD" });
    assert.equal(inProcess.status, 200);
    assert.equal(inProcess.body.length, 0);
    await until(() => server.app.almanac.exporter!.active === 0, "in-process HEAD export cancelled");
  });

  test("serve --get collects a stream whole", async () => {
    const r = await server.app.request("/fixtures/facetable.csv?_stream=on&_col=state&state=MI");
    assert.equal(r.body.toString(), "pk,state\r\n7,MI\r\n8,MI\r\n9,MI\r\n");
  });
});

describe("settings", () => {
  let off: TestServer;
  let capped: TestServer;
  let inline: TestServer;
  before(async () => {
    off = await startServer({ databases: [{ path: fixturesPath, immutable: false }], settings: { allow_csv_stream: false } });
    capped = await startServer({ databases: [{ path: fixturesPath, immutable: false }, { path: bigPath, immutable: true }], settings: { max_csv_mb: 1 } });
    inline = await startServer({ databases: [{ path: bigPath, immutable: true }], settings: { num_sql_threads: 0 } });
  });
  after(async () => {
    await off.close();
    await capped.close();
    await inline.close();
  });

  test("allow_csv_stream off: _stream=on is a 400 with a clear message; plain CSV still works", async () => {
    for (const path of ["/fixtures/facetable.csv?_stream=on", `/fixtures/-/query.csv?sql=${q("select 1")}&_stream=on`, `/fixtures/-/query.json?sql=${q("select 1")}&_stream=on`]) {
      const r = await off.json(path, { headers: { accept: "application/json" } });
      assert.equal(r.status, 400, path);
      assert.match(r.body.error, /allow_csv_stream/);
    }
    assert.equal((await off.get("/fixtures/simple_primary_key.csv")).status, 200);
  });

  test("max_csv_mb caps a stream at a row boundary and ends with Datasette's error line", async () => {
    const text = await (await capped.get("/big/items.csv?_stream=on")).text();
    const cut = text.lastIndexOf("\r\n") + 2;
    assert.equal(text.slice(cut), "CSV contains more than 1048576 bytes");
    assert.ok(Buffer.byteLength(text.slice(0, cut)) <= 1048576);
    assert.ok(Buffer.byteLength(text.slice(0, cut)) > 1000000);
    const rows = parse(text.slice(0, cut)) as string[][];
    assert.deepEqual(rows.slice(1), expectedItems().slice(0, rows.length - 1).map((row) => row.map((v) => v.replace(server.url, capped.url))));
  });

  test("max_csv_mb caps NDJSON streams too", async () => {
    const text = await (await capped.get(`/big/-/query.json?sql=${q("select * from items")}&_stream=on`)).text();
    const lines = text.trimEnd().split("\n");
    assert.deepEqual(JSON.parse(lines.pop()!), { ok: false, error: "Export contains more than 1048576 bytes" });
    assert.ok(lines.length > 1000);
    lines.forEach((l) => JSON.parse(l));
  });

  test("max_csv_mb caps a non-streamed CSV too (Datasette's test_max_csv_mb)", async () => {
    const lots = Array.from({ length: 100 }, (_, i) => i).join(", ");
    const sql = `select group_concat('ab', '') from json_each(json_array(${lots})), json_each(json_array(${lots})), json_each(json_array(${lots}))`;
    const r = await capped.get(`/fixtures/-/query.csv?sql=${q(sql)}&_size=max`);
    assert.equal(r.status, 200);
    const lines = (await r.text()).split("\r\n").filter(Boolean);
    assert.match(lines[lines.length - 1], /^CSV contains more than/);
  });

  test("num_sql_threads=0: streams run in-process with the same protocol", async () => {
    const r = await inline.get(`/big/-/query.csv?sql=${q("select id from items order by id")}&_stream=on`);
    const lines = (await r.text()).split("\r\n");
    assert.equal(lines.length, ROWS + 2);
    assert.equal(lines[ROWS], String(ROWS));
    assert.equal(lines[ROWS + 1], "");
    await until(() => inline.app.almanac.exporter!.active === 0, "in-process slot freed");
  });
});
