/**
 * @module Security: exports. CSV formula injection (documented, not neutralised — as Datasette), read-only
 * streamed SQL, unbounded exports capped by max_csv_mb, runaway streams interrupted per chunk, `.blob`
 * traversal and tilde names, `_blob_hash` garbage, a BLOB type no client can steer, header injection via names.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";
import { TIME_LIMIT_MESSAGE } from "../../src/pages/common.js";

const ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select x, 'padding padding padding padding padding' as p from c";
const q = (sql: string) => encodeURIComponent(sql);

let server: TestServer;
let dbPath: string;
let hostilePath: string;
before(async () => {
  const dir = tempDir();
  dbPath = buildFixtures(dir);
  hostilePath = makeDatabase(join(dir, "hostile.db"), `create table "evil\r\nSet-Cookie: x=1" (id integer primary key, v text); create table payloads (id integer primary key, v text, b blob);`, (db) => {
    db.prepare(`insert into "evil\r\nSet-Cookie: x=1" values (1, 'x')`).run();
    const ins = db.prepare("insert into payloads values (?, ?, ?)");
    ins.run(1, "=HYPERLINK(\"http://evil.example\",\"click\")", Buffer.from("<script>alert(1)</script>"));
    ins.run(2, "+1+1", null);
    ins.run(3, "-2+3", null);
    ins.run(4, "@SUM(A1:A2)", null);
  });
  server = await startServer({ databases: [{ path: dbPath, immutable: false }, { path: hostilePath, immutable: false }], settings: { max_csv_mb: 1 } });
});
after(() => server.close());

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

describe("CSV formula injection", () => {
  test("cells starting with = + - @ are written unchanged, as Datasette writes them (see docs/exports.md)", async () => {
    const text = await (await server.get("/hostile/payloads.csv?_col=v")).text();
    assert.equal(text, 'id,v\r\n1,"=HYPERLINK(""http://evil.example"",""click"")"\r\n2,+1+1\r\n3,-2+3\r\n4,@SUM(A1:A2)\r\n');
  });
});

describe("streamed ?sql= stays read-only", () => {
  test("writes, PRAGMA writes and ATTACH are refused before or at prepare time", async () => {
    for (const sql of ["insert into facetable (pk) values (999)", "delete from facetable", "with x as (select 1) delete from facetable", "pragma query_only = 0", "attach database ':memory:' as x", "vacuum into '/tmp/almanac-export-escape.db'"]) {
      for (const fmt of ["csv", "json"]) {
        const r = await server.get(`/fixtures/-/query.${fmt}?sql=${q(sql)}&_stream=on`);
        assert.ok(r.status === 400 || r.status === 403, `${fmt} ${sql}: ${r.status}`);
        await r.arrayBuffer();
      }
    }
    const db = new Database(dbPath, { readonly: true });
    assert.equal((db.prepare("select count(*) as n from facetable").get() as { n: number }).n, 15);
    db.close();
  });
});

describe("bounded exports", () => {
  test("an endless query streams until max_csv_mb, then stops with the limit line", async () => {
    const text = await (await server.get(`/fixtures/-/query.csv?sql=${q(ENDLESS)}&_stream=on`)).text();
    assert.ok(text.endsWith("\r\nCSV contains more than 1048576 bytes"));
    assert.ok(Buffer.byteLength(text) <= 1048576 + 64);
    const nd = await (await server.get(`/fixtures/-/query.json?sql=${q(ENDLESS)}&_stream=on`)).text();
    assert.ok(nd.endsWith('{"ok":false,"error":"Export contains more than 1048576 bytes"}\n'));
    await until(() => server.app.almanac.exporter!.active === 0, "slots freed");
  });

  test("a query too slow for its first chunk is a 400 before any output", async () => {
    const slow = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c";
    const r = await server.json(`/fixtures/-/query.csv?sql=${q(slow)}&_stream=on&_timelimit=50`, { headers: { accept: "application/json" } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, TIME_LIMIT_MESSAGE);
  });

  test("a runaway query is interrupted in the chunk where it runs away; the stream ends with the time-limit line", async () => {
    // Fast rows first, then a row that never finishes: the per-chunk limit stops it mid-stream.
    const sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select x, case when x > 20000 then (with recursive d(y) as (select 1 union all select y + 1 from d) select count(*) from d) end as slow from c";
    for (const fmt of ["csv", "json"]) {
      const r = await server.get(`/fixtures/-/query.${fmt}?sql=${q(sql)}&_stream=on&_timelimit=100`);
      assert.equal(r.status, 200);
      const text = await r.text();
      if (fmt === "csv") {
        const lines = text.split("\r\n");
        assert.equal(lines[lines.length - 1], TIME_LIMIT_MESSAGE);
        assert.equal(lines[lines.length - 2], "20000,");
      } else {
        const lines = text.trimEnd().split("\n");
        assert.deepEqual(JSON.parse(lines[lines.length - 1]), { ok: false, error: TIME_LIMIT_MESSAGE });
        assert.deepEqual(JSON.parse(lines[lines.length - 2]), { x: 20000, slow: null });
      }
    }
    await until(() => server.app.almanac.exporter!.active === 0, "slots freed");
    // The interrupted workers are back in service.
    assert.equal(await (await server.get("/fixtures/facetable.csv?_stream=on&_col=state&state=MI")).text(), "pk,state\r\n7,MI\r\n8,MI\r\n9,MI\r\n");
  });
});

describe(".blob", () => {
  test("traversal-looking keys and columns find nothing", async () => {
    for (const path of [
      "/fixtures/binary_data/~2E~2E~2F1.blob?_blob_column=data",
      "/fixtures/binary_data/..~2F..~2Fetc~2Fpasswd.blob?_blob_column=data",
      "/fixtures/binary_data/1.blob?_blob_column=..%2F..%2Fetc%2Fpasswd",
      "/fixtures/binary_data/1.blob?_blob_column=data%00",
      "/fixtures/~2E~2E/1.blob?_blob_column=data",
    ]) {
      const r = await server.get(path);
      assert.ok([400, 404].includes(r.status), `${path}: ${r.status}`);
      assert.notEqual(r.headers.get("content-type"), "application/binary");
      await r.arrayBuffer();
    }
    const pct = await server.get("/fixtures/binary_data/..%2F1.blob?_blob_column=data");
    assert.equal(pct.status, 302);
    assert.equal(pct.headers.get("location"), "/fixtures/binary_data/~2E~2E~2F1.blob?_blob_column=data");
  });

  test("tilde-encoded names resolve, and the filename keeps only safe characters", async () => {
    const r = await server.get("/fixtures/table~2Fwith~2Fslashes~2Ecsv/3.blob?_blob_column=content");
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "hey");
    const disposition = r.headers.get("content-disposition")!;
    assert.match(disposition, /^attachment; filename="tablewithslashescsv-[0-9a-f]{6}-3-content\.blob"$/);
  });

  test("_blob_hash garbage is a 400 that never runs a lookup", async () => {
    for (const hash of ["zzz", "'; drop table binary_data; --", "a".repeat(63), "a".repeat(65), "../../etc/passwd", "%00"]) {
      const r = await server.json(`/fixtures/-/query.blob?sql=${q("select data from binary_data")}&_blob_column=data&_blob_hash=${encodeURIComponent(hash)}`, { headers: { accept: "application/json" } });
      assert.equal(r.status, 400, hash);
      assert.equal(r.body.error, "_blob_hash must be a SHA-256 hex digest");
    }
  });

  test("the Content-Type is always application/binary, whatever the client asks", async () => {
    for (const [path, headers] of [
      ["/hostile/payloads/1.blob?_blob_column=b", { accept: "text/html" }],
      ["/hostile/payloads/1.blob?_blob_column=b&_format=html&content-type=text/html", {}],
      ["/hostile/payloads/1.blob?_blob_column=v", { accept: "application/json" }],
      [`/hostile/-/query.blob?sql=${q("select b from payloads")}&_blob_column=b`, { accept: "text/html" }],
    ] as [string, Record<string, string>][]) {
      const r = await server.get(path, { headers });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("content-type"), "application/binary", path);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.match(r.headers.get("content-disposition")!, /^attachment; /);
      await r.arrayBuffer();
    }
  });
});

describe("names in headers", () => {
  test("a table name with CR LF cannot inject a header through _dl or .blob", async () => {
    const path = "/hostile/evil~0D~0ASet-Cookie~3A+x~3D1";
    const csv = await server.get(`${path}.csv?_dl=on`);
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get("set-cookie"), null);
    assert.equal(csv.headers.get("content-disposition"), `attachment; filename="evil__Set-Cookie: x=1.csv"; filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20x%3D1.csv`);
    await csv.arrayBuffer();
    const b = await server.get(`${path}/1.blob?_blob_column=v`);
    assert.equal(b.status, 200);
    assert.equal(b.headers.get("set-cookie"), null);
    assert.match(b.headers.get("content-disposition")!, /^attachment; filename="evil-Set-Cookie-x1-[0-9a-f]{6}-1-v\.blob"$/);
  });
});
