/** @module HTTP: the jump menu's data, `/-/jump.json?q=` — what matches, what the actor may not see, ranking, truncation, base_url. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { makeTablesPrivate } from "../fixtures/private.js";
import type { Action, Actor, Resource } from "../../src/auth/permissions.js";
import type { App } from "../../src/app.js";

type Match = { name: string; url: string; type: string; description: string | null; display_name?: string };

function shopDatabase(dir: string): string {
  return makeDatabase(
    join(dir, "shop.db"),
    `create table orders (id integer primary key, customer text);
     create table order_lines (id integer primary key, order_id integer references orders(id));
     create table "odd/name.csv" (id integer primary key);
     create table secrets (id integer primary key, secret text);
     create table archived_orders (id integer primary key);
     create virtual table orders_fts using fts5(customer, content="orders");
     create view big_orders as select * from orders;`,
  );
}

function refuse(app: App, refused: (action: Action, resource: Resource) => boolean): void {
  const resolver = app.almanac.permissions;
  const original = resolver.allowed.bind(resolver);
  resolver.allowed = (actor: Actor, action: Action, resource: Resource = {}) => !refused(action, resource) && original(actor, action, resource);
}

let server: TestServer;
before(async () => {
  const dir = tempDir();
  server = await startServer({
    databases: [{ path: shopDatabase(dir), immutable: false }, { path: makeDatabase(join(dir, "notes.db"), "create table notes (id integer primary key, body text);"), immutable: false }],
    config: {
      databases: {
        shop: {
          tables: { archived_orders: { hidden: true } },
          queries: {
            recent_orders: { sql: "select * from orders order by id desc limit 10", title: "Recent orders", description: "The last ten" },
            secret_query: "select 1",
          },
        },
      },
    },
    metadata: { databases: { shop: { title: "The shop", description: "Orders and lines", tables: { orders: { description: "One row per order" } } } } },
  });
  makeTablesPrivate(server.app, "shop", ["secrets"]);
  refuse(server.app, (action, r) => action === "view-query" && r.child === "secret_query");
});
after(() => server.close());

async function jump(q: string, path = "/-/jump.json", s = server): Promise<{ matches: Match[]; truncated: boolean; status: number; body: any }> {
  const r = await s.json(`${path}?q=${encodeURIComponent(q)}`);
  return { ...r.body, status: r.status, body: r.body };
}

describe("matches", () => {
  test("the response shape", async () => {
    const r = await server.json("/-/jump.json?q=orders");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^application\/json/);
    assert.deepEqual(Object.keys(r.body), ["ok", "matches", "truncated"]);
    assert.equal(r.body.ok, true);
    assert.equal(r.body.truncated, false);
  });

  test("databases, tables, views and queries, each with its URL, type, description and title", async () => {
    const { matches } = await jump("order");
    const byName = new Map(matches.map((m) => [m.name, m]));
    assert.deepEqual(byName.get("shop: orders"), { name: "shop: orders", url: "/shop/orders", type: "table", description: "One row per order" });
    assert.deepEqual(byName.get("shop: order_lines"), { name: "shop: order_lines", url: "/shop/order_lines", type: "table", description: null });
    assert.deepEqual(byName.get("shop: big_orders"), { name: "shop: big_orders", url: "/shop/big_orders", type: "view", description: null });
    assert.deepEqual(byName.get("shop: recent_orders"), { name: "shop: recent_orders", url: "/shop/recent_orders", type: "query", description: "The last ten", display_name: "Recent orders" });
    const db = (await jump("shop")).matches.find((m) => m.type === "database");
    assert.deepEqual(db, { name: "shop", url: "/shop", type: "database", description: "Orders and lines", display_name: "The shop" });
  });

  test("every word must match, in the name or the title, ignoring case", async () => {
    assert.deepEqual((await jump("SHOP lines")).matches.map((m) => m.name), ["shop: order_lines"]);
    assert.deepEqual((await jump("recent ORDERS")).matches.map((m) => m.name), ["shop: recent_orders"]);
    assert.deepEqual((await jump("nothing-like-this")).matches, []);
  });

  test("best first: the exact name, then names starting with the query, then names containing it", async () => {
    const names = (await jump("orders")).matches.map((m) => m.name);
    assert.equal(names[0], "shop: orders");
    assert.ok(names.indexOf("shop: orders_fts") === -1, "FTS index tables are hidden");
    assert.ok(names.indexOf("shop: big_orders") > 0);
    assert.ok(names.indexOf("shop: recent_orders") > names.indexOf("shop: big_orders"), "within a rank, tables and views before queries");
  });

  test("names are tilde-encoded in URLs", async () => {
    const m = (await jump("odd")).matches.find((x) => x.type === "table");
    assert.equal(m?.url, "/shop/odd~2Fname~2Ecsv");
    assert.equal(m?.name, "shop: odd/name.csv");
  });

  test("an empty query lists everything visible, each database followed by what it holds", async () => {
    const { matches } = await jump("");
    assert.equal(matches[0].name, "shop");
    const notes = matches.findIndex((m) => m.name === "notes");
    assert.ok(notes > 0);
    assert.equal(matches[notes + 1].name, "notes: notes");
  });

  test("/-/jump without .json answers JSON too, errors included", async () => {
    const r = await server.json("/-/jump?q=notes");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^application\/json/);
    assert.deepEqual(r.body.matches.map((m: Match) => m.name), ["notes", "notes: notes"]);
  });
});

describe("what the actor may not see", () => {
  test("private tables never match, not even by their exact name", async () => {
    assert.deepEqual((await jump("secrets")).matches, []);
    assert.ok(!(await jump("")).matches.some((m) => m.name.includes("secret")));
  });

  test("queries refused by view-query never match", async () => {
    assert.deepEqual((await jump("secret_query")).matches, []);
  });

  test("hidden tables match only their exact name", async () => {
    assert.ok(!(await jump("archived")).matches.some((m) => m.name === "shop: archived_orders"));
    assert.deepEqual((await jump("archived_orders")).matches.map((m) => m.name), ["shop: archived_orders"]);
    assert.deepEqual((await jump("ORDERS_FTS")).matches.map((m) => m.name), ["shop: orders_fts"]);
  });

  test("an FTS index follows its content table: private when the table is", async () => {
    const dir = tempDir();
    const s = await startServer({ databases: [{ path: shopDatabase(dir), immutable: false }] });
    try {
      makeTablesPrivate(s.app, "shop", ["orders"]);
      const { matches } = await jump("orders_fts", "/-/jump.json", s);
      assert.deepEqual(matches, []);
      const all = (await jump("order", "/-/jump.json", s)).matches.map((m) => m.name);
      assert.ok(!all.includes("shop: orders"));
      assert.ok(all.includes("shop: order_lines"));
    } finally {
      await s.close();
    }
  });

  test("a database the actor may not view: neither it nor anything in it", async () => {
    const dir = tempDir();
    const s = await startServer({ databases: [{ path: shopDatabase(dir), immutable: false }, { path: makeDatabase(join(dir, "notes.db"), "create table notes (id integer primary key);"), immutable: false }] });
    try {
      refuse(s.app, (action, r) => action === "view-database" && r.database === "shop");
      const names = (await jump("", "/-/jump.json", s)).matches.map((m) => m.name);
      assert.deepEqual(names, ["notes", "notes: notes"]);
    } finally {
      await s.close();
    }
  });

  test("without view-instance: 403, as JSON", async () => {
    const dir = tempDir();
    const s = await startServer({ databases: [{ path: shopDatabase(dir), immutable: false }] });
    try {
      refuse(s.app, (action) => action === "view-instance");
      for (const path of ["/-/jump.json", "/-/jump"]) {
        const r = await s.json(`${path}?q=x`);
        assert.equal(r.status, 403);
        assert.equal(r.body.ok, false);
      }
    } finally {
      await s.close();
    }
  });
});

describe("limits and base_url", () => {
  let many: TestServer;
  before(async () => {
    const sql = Array.from({ length: 130 }, (_, i) => `create table t${String(i).padStart(3, "0")} (id integer primary key);`).join("\n");
    many = await startServer({ databases: [{ path: makeDatabase(join(tempDir(), "many.db"), sql), immutable: false }], settings: { base_url: "/base/" } });
  });
  after(() => many.close());

  test("at most 100 matches, and truncated says there were more", async () => {
    const r = await jump("t", "/base/-/jump.json", many);
    assert.equal(r.matches.length, 100);
    assert.equal(r.truncated, true);
    const few = await jump("t12", "/base/-/jump.json", many);
    assert.deepEqual(few.matches.map((m) => m.name), ["many: t120", "many: t121", "many: t122", "many: t123", "many: t124", "many: t125", "many: t126", "many: t127", "many: t128", "many: t129"]);
    assert.equal(few.truncated, false);
  });

  test("URLs carry base_url, and the header's jump button points at the prefixed route", async () => {
    const r = await jump("t001", "/base/-/jump.json", many);
    assert.deepEqual(r.matches, [{ name: "many: t001", url: "/base/many/t001", type: "table", description: null }]);
    const html = await (await many.get("/base/")).text();
    assert.match(html, /class="jump-button" data-jump-url="\/base\/-\/jump\.json"/);
  });
});
