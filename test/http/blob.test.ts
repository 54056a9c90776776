/** @module HTTP: `.blob` downloads — row and query forms, `_blob_hash`, filenames, headers, permissions; CORS on exports. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

const BLOB1 = "151c02c7ad05fe";
const HASH1 = "f3088978da8f9aea479ffc7f631370b968d2e855eeb172bea7f6c7a04262bb6d";
const EXPIRED = "Link has expired - the requested binary content has changed or could not be found.";
const SQL = "select+rowid,+data+from+binary_data";

let server: TestServer;
let fixtures: string;
before(async () => {
  fixtures = buildFixtures();
  server = await startServer({
    databases: [{ path: fixtures, immutable: false }],
    cors: true,
    config: { databases: { fixtures: { queries: { blobs: "select rowid, data from binary_data" } } } },
  });
});
after(() => server.close());

async function blob(path: string, init?: RequestInit) {
  const r = await server.get(path, init);
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

describe("row .blob", () => {
  test("the cell's bytes as an opaque attachment", async () => {
    const r = await blob("/fixtures/binary_data/1.blob?_blob_column=data");
    assert.equal(r.status, 200);
    assert.equal(r.body.toString("hex"), BLOB1);
    assert.equal(r.headers.get("content-type"), "application/binary");
    assert.equal(r.headers.get("content-disposition"), 'attachment; filename="binary_data-1-data.blob"');
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.equal(r.headers.get("content-length"), "7");
  });

  test("the link a CSV gives downloads the same bytes", async () => {
    const csv = await (await server.get("/fixtures/binary_data.csv")).text();
    const link = csv.split("\r\n")[2].split(",")[1];
    const r = await blob(link.slice(server.url.length));
    assert.equal(r.body.toString("hex"), BLOB1 + "151c");
  });

  test("NULL is an empty body; a non-BLOB value is served as its text", async () => {
    assert.equal((await blob("/fixtures/binary_data/3.blob?_blob_column=data")).body.length, 0);
    const r = await blob("/fixtures/compound_primary_key/a,b.blob?_blob_column=content");
    assert.equal(r.body.toString(), "c");
    assert.equal(r.headers.get("content-disposition"), 'attachment; filename="compound_primary_key-a,b-content.blob"');
    assert.equal((await blob("/fixtures/big_ints/1.blob?_blob_column=big")).body.toString(), "9223372036854775807");
  });

  test("_blob_column missing or unknown is a 400; a missing row a 404", async () => {
    const missing = await server.json("/fixtures/binary_data/1.blob", { headers: { accept: "application/json" } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, "?_blob_column= is required");
    const unknown = await server.json("/fixtures/binary_data/1.blob?_blob_column=nope", { headers: { accept: "application/json" } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, "_blob_column is not a valid column");
    assert.equal((await blob("/fixtures/binary_data/99.blob?_blob_column=data")).status, 404);
    assert.equal((await blob("/fixtures/simple_view/1.blob?_blob_column=content")).status, 404);
  });
});

describe("query .blob", () => {
  test("_blob_hash picks the row whose cell hashes to it", async () => {
    const r = await blob(`/fixtures/-/query.blob?sql=${SQL}&_blob_column=data&_blob_hash=${HASH1}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString("hex"), BLOB1);
    assert.equal(r.headers.get("content-type"), "application/binary");
    assert.equal(r.headers.get("content-disposition"), 'attachment; filename="data-f30889.blob"');
  });

  test("every link in a query CSV resolves", async () => {
    const csv = await (await server.get(`/fixtures/-/query.csv?sql=${SQL}`)).text();
    const links = [...csv.matchAll(/"(http[^"]+)"/g)].map((m) => m[1]);
    assert.equal(links.length, 2);
    const bodies = await Promise.all(links.map(async (l) => (await blob(l.slice(server.url.length))).body.toString("hex")));
    assert.deepEqual(bodies, [BLOB1, BLOB1 + "151c"]);
  });

  test("without _blob_hash: the first row's cell", async () => {
    assert.equal((await blob(`/fixtures/-/query.blob?sql=${SQL}&_blob_column=data`)).body.toString("hex"), BLOB1);
  });

  test("a hash that matches nothing: Datasette's 'Link has expired'", async () => {
    const r = await server.json(`/fixtures/-/query.blob?sql=${SQL}&_blob_column=data&_blob_hash=${"0".repeat(64)}`, { headers: { accept: "application/json" } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, EXPIRED);
  });

  test("no sql, no column, unknown column: 400", async () => {
    assert.equal((await blob("/fixtures/-/query.blob")).status, 400);
    assert.equal((await blob(`/fixtures/-/query.blob?sql=${SQL}`)).status, 400);
    assert.equal((await blob(`/fixtures/-/query.blob?sql=${SQL}&_blob_column=nope`)).status, 400);
  });

  test("stored queries: named after the query", async () => {
    const r = await blob(`/fixtures/blobs.blob?_blob_column=data&_blob_hash=${HASH1}`);
    assert.equal(r.body.toString("hex"), BLOB1);
    assert.equal(r.headers.get("content-disposition"), 'attachment; filename="blobs-data-f30889.blob"');
    const csv = await (await server.get("/fixtures/blobs.csv")).text();
    assert.ok(csv.includes(`${server.url}/fixtures/blobs.blob?_blob_column=data&_blob_hash=${HASH1}`));
  });
});

describe("CORS and headers on exports", () => {
  test("CSV and blob responses carry the CORS headers (Datasette's test_table_csv_cors_headers)", async () => {
    for (const path of ["/fixtures/simple_primary_key.csv", "/fixtures/binary_data/1.blob?_blob_column=data", `/fixtures/-/query.csv?sql=${SQL}&_stream=on`]) {
      const r = await server.get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("access-control-allow-origin"), "*", path);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
      await r.arrayBuffer();
    }
  });
});

describe("permissions are checked first, as for the JSON twins", () => {
  let noSql: TestServer;
  let denied: TestServer;
  before(async () => {
    noSql = await startServer({ databases: [{ path: fixtures, immutable: false }], settings: { default_allow_sql: false } });
    denied = await startServer({ databases: [{ path: fixtures, immutable: false }], defaultDeny: true });
  });
  after(async () => {
    await noSql.close();
    await denied.close();
  });

  test("execute-sql off: query .csv, .blob, NDJSON streams and _where are 403", async () => {
    for (const path of [`/fixtures/-/query.csv?sql=${SQL}`, `/fixtures/-/query.blob?sql=${SQL}&_blob_column=data`, `/fixtures/-/query.json?sql=${SQL}&_stream=on`, "/fixtures/facetable.csv?_where=1"]) {
      const r = await noSql.get(path);
      assert.equal(r.status, 403, path);
      await r.arrayBuffer();
    }
    assert.equal((await noSql.get("/fixtures/binary_data/1.blob?_blob_column=data")).status, 200);
  });

  test("view-table denied: 403 whether or not the row exists", async () => {
    for (const path of ["/fixtures/binary_data/1.blob?_blob_column=data", "/fixtures/binary_data/999.blob?_blob_column=data", "/fixtures/binary_data.csv", "/fixtures/binary_data/1.csv", "/fixtures/nope.csv?_stream=on"]) {
      const r = await denied.get(path);
      assert.equal(r.status, 403, path);
      await r.arrayBuffer();
    }
  });
});
