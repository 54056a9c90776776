/** @module HTTP: keyset pagination followed through every page (compared with SQLite's own order), view offsets, next_url and Link. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import Database from "better-sqlite3";
import type { TestServer } from "../fixtures/server.js";
import { fixturesWithOracle } from "../fixtures/fixtures-db.js";

let server: TestServer;
let oracle: Database.Database;
let close: () => Promise<void>;
before(async () => {
  ({ server, oracle, close } = await fixturesWithOracle());
});
after(() => close());

/** GET with arbitrary headers (fetch will not send a custom Host). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Follow next_url from `first` to the end; returns every row's key and the number of pages. */
async function followAll(first: string, key: (row: Record<string, unknown>) => string): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let url: string | null = server.url + first;
  let pages = 0;
  while (url) {
    assert.ok(url.startsWith(server.url + "/"), `next_url is absolute: ${url}`);
    const r = await fetch(url);
    assert.equal(r.status, 200, url);
    const body = (await r.json()) as { next: string | null; next_url: string | null; rows: Record<string, unknown>[] };
    pages++;
    assert.ok(pages < 200, "pagination terminates");
    keys.push(...body.rows.map(key));
    assert.equal(body.next === null, body.next_url === null);
    if (body.next !== null) {
      assert.equal(new URL(body.next_url!).searchParams.get("_next"), body.next);
      assert.equal(r.headers.get("link"), `<${body.next_url}>; rel="next"`);
    } else {
      assert.equal(r.headers.get("link"), null);
    }
    url = body.next_url;
  }
  return { keys, pages };
}

function assertOnceInOrder(got: string[], want: string[]): void {
  assert.equal(new Set(got).size, got.length, "no row appears twice");
  assert.deepEqual(got, want);
}

const sortableKey = (r: Record<string, unknown>) => `${r.pk1}/${r.pk2}`;
const sortableOrder = (order: string) =>
  oracle.prepare(`select pk1 || '/' || pk2 from sortable order by ${order}`).pluck().all() as string[];

describe("sortable (201 rows, compound primary key)", () => {
  test("key order, _size=7", async () => {
    const { keys, pages } = await followAll("/fixtures/sortable.json?_size=7", sortableKey);
    assert.equal(pages, 29);
    assertOnceInOrder(keys, sortableOrder("pk1, pk2"));
  });

  test("the default page size walks in three pages", async () => {
    const { keys, pages } = await followAll("/fixtures/sortable.json", sortableKey);
    assert.equal(pages, 3);
    assertOnceInOrder(keys, sortableOrder("pk1, pk2"));
  });

  for (const column of ["sortable", "sortable_with_nulls", "sortable_with_nulls_2", "text"]) {
    test(`_sort=${column}`, async () => {
      const { keys } = await followAll(`/fixtures/sortable.json?_size=11&_sort=${column}`, sortableKey);
      assertOnceInOrder(keys, sortableOrder(`${column}, pk1, pk2`));
    });
    test(`_sort_desc=${column}`, async () => {
      const { keys } = await followAll(`/fixtures/sortable.json?_size=11&_sort_desc=${column}`, sortableKey);
      assertOnceInOrder(keys, sortableOrder(`${column} desc, pk1, pk2`));
    });
  }

  test("_sort on a column left out by _col still pages correctly", async () => {
    const { keys } = await followAll("/fixtures/sortable.json?_size=9&_sort_desc=sortable_with_nulls&_col=content", sortableKey);
    assertOnceInOrder(keys, sortableOrder("sortable_with_nulls desc, pk1, pk2"));
  });

  test("filters stay applied across pages", async () => {
    const { keys } = await followAll("/fixtures/sortable.json?_size=5&_sort=sortable_with_nulls&sortable__gt=50", sortableKey);
    assertOnceInOrder(keys, oracle.prepare("select pk1 || '/' || pk2 from sortable where sortable > 50 order by sortable_with_nulls, pk1, pk2").pluck().all() as string[]);
  });

  test("a NULL sort value is written as $null in the token", async () => {
    const r = await server.json("/fixtures/sortable.json?_size=2&_sort=sortable_with_nulls&_col=sortable_with_nulls");
    assert.deepEqual(r.body.rows, [
      { pk1: "a0", pk2: "b0", sortable_with_nulls: null },
      { pk1: "a0", pk2: "b3", sortable_with_nulls: null },
    ]);
    assert.equal(r.body.next, "$null,a0,b3");
  });
});

const rowid = (r: Record<string, unknown>) => String(r.rowid);

describe("rowid tables", () => {
  test("no_primary_key in rowid order", async () => {
    const { keys, pages } = await followAll("/fixtures/no_primary_key.json?_size=20", rowid);
    assert.equal(pages, 11);
    assertOnceInOrder(keys, (oracle.prepare("select rowid from no_primary_key order by rowid").pluck().all() as number[]).map(String));
  });

  for (const [arg, order] of [
    ["_sort=content", "content, rowid"],
    ["_sort_desc=a", "a desc, rowid"],
  ]) {
    test(`no_primary_key ${arg}`, async () => {
      const { keys } = await followAll(`/fixtures/no_primary_key.json?_size=15&${arg}`, rowid);
      assertOnceInOrder(keys, (oracle.prepare(`select rowid from no_primary_key order by ${order}`).pluck().all() as number[]).map(String));
    });
  }

  for (const [arg, order] of [
    ["_sort=v", "v, rowid"],
    ["_sort_desc=v", "v desc, rowid"],
  ]) {
    test(`rowid_with_nulls ${arg} (NULLs and duplicate values)`, async () => {
      const { keys } = await followAll(`/fixtures/rowid_with_nulls.json?_size=4&${arg}`, rowid);
      assertOnceInOrder(keys, (oracle.prepare(`select rowid from rowid_with_nulls order by ${order}`).pluck().all() as number[]).map(String));
    });
  }
});

describe("views use integer offsets", () => {
  test("paginated_view", async () => {
    const tokens: (string | null)[] = [];
    const contents: string[] = [];
    let url: string | null = `${server.url}/fixtures/paginated_view.json?_size=50`;
    while (url) {
      const body = (await (await fetch(url)).json()) as { next: string | null; next_url: string | null; rows: { content: string }[] };
      tokens.push(body.next);
      contents.push(...body.rows.map((r) => r.content));
      url = body.next_url;
    }
    assert.deepEqual(tokens, ["50", "100", "150", "200", null]);
    assert.deepEqual(contents, Array.from({ length: 201 }, (_, i) => String(i)));
  });

  test("a non-integer _next on a view → 400", async () => {
    const r = await server.json("/fixtures/paginated_view.json?_next=abc");
    assert.equal(r.status, 400);
    assert.equal(r.body.ok, false);
  });
});

describe("next_url", () => {
  test("follows the request's Host header", async () => {
    const r = await rawGet("/fixtures/sortable.json?_size=2&_col=content", { host: "example.com:8123" });
    const body = JSON.parse(r.body);
    assert.equal(body.next, "a0,b1");
    assert.equal(body.next_url, "http://example.com:8123/fixtures/sortable.json?_size=2&_col=content&_next=a0%2Cb1");
    assert.equal(r.headers.link, '<http://example.com:8123/fixtures/sortable.json?_size=2&_col=content&_next=a0%2Cb1>; rel="next"');
  });

  test("replaces an existing _next rather than appending another", async () => {
    const r = await server.json("/fixtures/no_primary_key.json?_size=2&_next=2&_col=a");
    assert.deepEqual(r.body.rows, [{ rowid: 3, a: "a2" }, { rowid: 4, a: "a3" }]);
    assert.equal(r.body.next_url, `${server.url}/fixtures/no_primary_key.json?_size=2&_col=a&_next=4`);
  });

  test("a malformed token → 400", async () => {
    const r = await server.json("/fixtures/sortable.json?_next=onlyone");
    assert.equal(r.status, 400);
    assert.equal(r.body.ok, false);
  });
});
