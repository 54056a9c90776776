/**
 * @module Attack class 2 with real allow blocks: a private database (the issue's `{"id": "*"}` set-up), a
 * private stored query, and what a refusal reveals. Refusals are decided on the name before any look-up, so a
 * protected name answers the same whether or not the thing exists. (Private tables route by route:
 * private-tables.test.ts.)
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { SECRET, as, authDatabase } from "./auth-fixtures.js";

let server: TestServer;
const SIGNED_IN = as({ id: "someone" });
before(async () => {
  server = await startServer({
    databases: [
      { path: authDatabase("private_db"), immutable: true },
      { path: authDatabase("public_db"), immutable: true },
    ],
    secret: SECRET,
    config: {
      databases: {
        // The set-up: only signed-in actors may see this database.
        private_db: { allow: { id: "*" }, queries: { agents: "select name from secret" } },
        // A database that is configured but not served, protected the same way.
        ghost_db: { allow: { id: "*" } },
        public_db: {
          tables: { secret: { allow: { id: "agent" } }, ghost_table: { allow: { id: "agent" } } },
          queries: {
            titles: "select title from open",
            agents_only: { sql: "select name from secret", allow: { id: "agent" } },
            // A protected name with no query behind it (an entry without sql, as a hand-edited file may have;
            // the types do not allow it, the loader does).
            ghost_query: { allow: { id: "agent" } } as unknown as string,
          },
        },
      },
    },
  });
});
after(() => server.close());

const text = async (path: string, init?: RequestInit) => {
  const r = await server.get(path, init);
  return { status: r.status, body: await r.text() };
};

test("a private database refuses every route to anonymous visitors — and answers the signed-in ones", async () => {
  const paths = [
    "/private_db", "/private_db.json", "/private_db/open", "/private_db/open.json", "/private_db/open.csv", "/private_db/open.csv?_stream=on",
    "/private_db/open.json?_facet=title", "/private_db/open.json?_labels=on", "/private_db/open/1", "/private_db/open/1.json", "/private_db/open/1.csv",
    "/private_db/secret/1.blob?_blob_column=code", "/private_db/-/query.json?sql=select+1", "/private_db/-/query?sql=select+1",
    "/private_db/-/query/parameters?sql=select+:a", "/private_db/-/schema.json", "/private_db/-/schema.md", "/private_db/open/-/schema.json",
    "/private_db/agents", "/private_db/agents.json", "/private_db/agents.csv", "/private_db.db", "/private_db/secret_fts_data.json",
    "/private_db.json?sql=select+1", "/private_db/nope.json", "/private_db/nope/1.json",
  ];
  for (const path of paths) {
    // `/<db>?sql=` redirects to `/<db>/-/query` whatever the name (it looks nothing up), which then refuses.
    const anon = await text(path, { redirect: "follow" });
    assert.equal(anon.status, 403, `anonymous ${path}`);
    assert.doesNotMatch(anon.body, /Agent|first|second|CREATE TABLE/i, path);
  }
  for (const path of ["/private_db.json", "/private_db/open.json", "/private_db/open/1.json", "/private_db/agents.json", "/private_db/-/schema.json"]) {
    assert.equal((await server.get(path, SIGNED_IN)).status, 200, `signed in ${path}`);
  }
});

test("a private database is left out of every list: index, /-/databases, jump menu, schema, config", async () => {
  for (const path of ["/.json", "/", "/-/", "/-/databases.json", "/-/jump.json?q=db", "/-/jump.json?q=open", "/-/schema.json", "/-/schema.md", "/-/config.json", "/-/allowed.json?action=view-database"]) {
    const anon = await text(path);
    assert.equal(anon.status, 200, path);
    assert.doesNotMatch(anon.body, /private_db|ghost_db/, path);
    assert.match(anon.body, /public_db/, `${path} still lists the public database`);
  }
  const signedIn = await server.json("/-/databases.json", SIGNED_IN);
  assert.deepEqual(signedIn.body.databases.map((d: { name: string }) => d.name), ["private_db", "public_db"]);
  const index = await server.json("/.json", SIGNED_IN);
  assert.equal(index.body.databases.find((d: { name: string }) => d.name === "private_db").private, true, "marked private for those who see it");
  assert.match((await text("/", SIGNED_IN)).body, /Private database/);
});

test("refusals do not reveal existence: a protected name answers alike whether or not it exists", async () => {
  const pairs: [string, string][] = [
    ["/private_db.json", "/ghost_db.json"], // a served database and a configured one that is not
    ["/private_db/open.json", "/private_db/no_such_table.json"], // a table and no table, in a private database
    ["/private_db/open/1.json", "/private_db/open/999.json"], // a row and no row
    ["/public_db/secret.json", "/public_db/ghost_table.json"], // a private table and a protected name with no table
    ["/public_db/secret/1.json", "/public_db/secret/999.json"],
    ["/public_db/agents_only.json", "/public_db/ghost_query.json"], // a private stored query and a protected one that cannot run
  ];
  for (const [real, ghost] of pairs) {
    const a = await server.json(real);
    const b = await server.json(ghost);
    assert.equal(a.status, 403, real);
    assert.deepEqual([a.status, a.body], [b.status, b.body], `${real} vs ${ghost}`);
  }
  // HTML refusals alike too (apart from nothing).
  const [x, y] = [await text("/private_db/open"), await text("/private_db/no_such_table")];
  assert.equal(x.status, 403);
  assert.equal(x.body, y.body);
});

test("a private stored query: refused in every format, left out of the database page and the jump menu", async () => {
  for (const path of ["/public_db/agents_only", "/public_db/agents_only.json", "/public_db/agents_only.csv", "/public_db/agents_only.json?_shape=array"]) {
    const r = await text(path);
    assert.equal(r.status, 403, path);
    assert.doesNotMatch(r.body, /Agent/, path);
  }
  const db = await server.json("/public_db.json");
  assert.deepEqual(db.body.queries.map((q: { name: string }) => q.name), ["titles"]);
  assert.doesNotMatch((await text("/-/jump.json?q=agents")).body, /agents_only/);
  assert.equal((await server.get("/public_db/agents_only.json", as({ id: "agent" }))).status, 200);
  const forAgent = await server.json("/public_db.json", as({ id: "agent" }));
  assert.deepEqual(forAgent.body.queries.map((q: { name: string; private: boolean }) => [q.name, q.private]), [["titles", false], ["agents_only", true]]);
});

test("the database file is refused while it holds a table the actor may not see", async () => {
  assert.equal((await server.get("/public_db.db")).status, 403);
  const agent = await server.get("/public_db.db", as({ id: "agent" }));
  assert.equal(agent.status, 200);
  assert.equal(Buffer.from(await agent.arrayBuffer()).subarray(0, 15).toString(), "SQLite format 3");
  assert.doesNotMatch((await text("/public_db")).body, /public_db\.db"/, "no download link either");
});

test("private marks: what anonymous visitors cannot see is marked in JSON and HTML for those who can", async () => {
  const agent = as({ id: "agent" });
  const db = await server.json("/public_db.json", agent);
  const marks = Object.fromEntries(db.body.tables.map((t: { name: string; private: boolean }) => [t.name, t.private]));
  assert.equal(marks.secret, true);
  assert.equal(marks.open, false);
  assert.equal(marks.secret_fts, true, "its index too");
  const table = await server.json("/public_db/secret.json?_extra=private", agent);
  assert.equal(table.body.private, true);
  assert.equal((await server.json("/public_db/open.json?_extra=private", agent)).body.private, false);
  const page = await text("/public_db/secret", agent);
  assert.match(page.body, /private-mark/);
  assert.doesNotMatch((await text("/public_db/open", agent)).body, /class="private-mark"/);
  const dbPage = await text("/public_db", agent);
  assert.match(dbPage.body, /secret<\/a>\s*<span class="private-mark"|secret<\/a> <span class="private-mark"/);
  const row = await server.json("/public_db/secret/1.json?_extra=private", agent);
  assert.equal(row.body.private, true);
});

test("arbitrary SQL is its own permission (Datasette's execute-sql): with allow_sql closed, ?sql= and _where cannot reach a private table", async () => {
  const closed = await startServer({
    databases: [{ path: authDatabase("db"), immutable: true }],
    secret: SECRET,
    config: { databases: { db: { allow_sql: { id: "agent" }, tables: { secret: { allow: { id: "agent" } } } } } },
  });
  try {
    for (const path of ["/db/-/query.json?sql=select+*+from+secret", "/db/-/query.json?sql=select+1", "/db.json?sql=select+1", "/db/open.json?_where=exists(select+1+from+secret)"]) {
      const r = await closed.get(path, { redirect: "follow" });
      assert.equal(r.status, 403, path);
      assert.doesNotMatch(await r.text(), /Agent/, path);
    }
    assert.equal((await closed.json("/db.json")).body.allow_execute_sql, false);
    assert.equal((await closed.get("/db/-/query.json?sql=select+*+from+secret", as({ id: "agent" }))).status, 200);
  } finally {
    await closed.close();
  }
});

test("private marks on views and stored queries: the database page's lists and the pages themselves", async () => {
  const { makeDatabase, tempDir } = await import("../fixtures/server.js");
  const { join } = await import("node:path");
  const path = makeDatabase(join(tempDir(), "views.db"), "create table t (id integer primary key); create view v as select * from t; create view pv as select * from t;");
  const views = await startServer({
    databases: [{ path, immutable: true }],
    secret: SECRET,
    config: { databases: { views: { tables: { pv: { allow: { id: "agent" } } }, queries: { q: { sql: "select 1", allow: { id: "agent" } } } } } },
  });
  try {
    const agent = as({ id: "agent" });
    const db = await views.json("/views.json", agent);
    assert.deepEqual(db.body.views, [{ name: "v", private: false }, { name: "pv", private: true }]);
    assert.equal(db.body.queries[0].private, true);
    assert.equal((await views.json("/views/pv.json?_extra=private", agent)).body.private, true);
    assert.equal((await views.json("/views/q.json?_extra=private", agent)).body.private, true);
    const page = await (await views.get("/views", agent)).text();
    assert.match(page, /href="\/views\/pv">pv<\/a> <span class="private-mark" role="img" aria-label="Private view"/);
    assert.match(page, /href="\/views\/q">q<\/a> <span class="private-mark" role="img" aria-label="Private query"/);
    assert.match(await (await views.get("/views/q", agent)).text(), /<h1>q <span class="private-mark"/);
    assert.doesNotMatch(await (await views.get("/views/v", agent)).text(), /class="private-mark"/);
    const anon = await views.json("/views.json");
    assert.deepEqual(anon.body.views, [{ name: "v", private: false }]);
    assert.deepEqual(anon.body.queries, []);
  } finally {
    await views.close();
  }
});
