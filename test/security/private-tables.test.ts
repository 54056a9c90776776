/**
 * @module Attack class 2: a private table — made private by an allow block in the configuration, as a user
 * would — is refused on every route, and refusals do not reveal whether a row or table exists.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { SECRET, as } from "./auth-fixtures.js";

let server: TestServer;
before(async () => {
  const path = makeDatabase(
    join(tempDir(), "db.db"),
    `create table secret (id integer primary key, name text unique, code text);
     insert into secret values (1, 'Agent Smith', 'X-1'), (2, 'Agent Jones', 'X-2');
     create virtual table secret_fts using fts5 (name, content="secret");
     insert into secret_fts (rowid, name) select id, name from secret;
     create table visible (id integer primary key, title text, secret_id integer references secret(id));
     insert into visible values (1, 'first', 1), (2, 'second', 2), (3, 'third', null);
     create table visible_secret (visible_id integer references visible(id), secret_id integer references secret(id));
     insert into visible_secret values (1, 1), (2, 2);
     create table child (id integer primary key, secret_id integer references secret(id));
     insert into child values (1, 1);`,
  );
  const agentsOnly = { allow: { id: "agent" } };
  server = await startServer({
    databases: [{ path, immutable: false }],
    secret: SECRET,
    config: { databases: { db: { tables: { secret: agentsOnly, visible_secret: agentsOnly } } } },
  });
});
after(() => server.close());

test("the table itself: JSON, HTML, any case, any shape → 403", async () => {
  for (const path of ["/db/secret.json", "/db/secret", "/db/SECRET.json", "/db/Secret.json?_shape=array", "/db/secret.json?_size=0"]) {
    const r = await server.get(path);
    assert.equal(r.status, 403, path);
    assert.ok(!(await r.text()).includes("Agent"), path);
  }
});

test("row pages are refused before the row is looked up: existing and missing rows answer alike", async () => {
  const existing = await server.json("/db/secret/1.json");
  const missing = await server.json("/db/secret/999.json");
  assert.equal(existing.status, 403);
  assert.deepEqual(existing.body, missing.body);
});

test("its full-text index and the index's shadow tables are refused too", async () => {
  for (const t of ["secret_fts", "secret_fts_data", "secret_fts_idx", "secret_fts_config", "secret_fts_docsize"]) {
    const r = await server.get(`/db/${t}.json`);
    assert.equal(r.status, 403, t);
  }
});

test("listings leave it out: database page, index page, table_columns", async () => {
  const db = await server.json("/db.json");
  const names = db.body.tables.map((t: { name: string }) => t.name);
  assert.ok(!names.includes("secret") && !names.includes("secret_fts") && !names.includes("secret_fts_data"), names.join(","));
  assert.ok(!("secret" in db.body.table_columns));
  const index = await server.json("/.json");
  assert.ok(!JSON.stringify(index.body).includes('"secret"'));
});

test("foreign-key labels are values of the private table: not expanded", async () => {
  const r = await server.json("/db/visible.json?_labels=on");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.rows[0], { id: 1, title: "first", secret_id: 1 });
  assert.ok(!JSON.stringify(r.body).includes("Agent"));
  const one = await server.json("/db/visible.json?_label=secret_id");
  assert.ok(!JSON.stringify(one.body).includes("Agent"));
});

test("_through a private table is answered like a table that does not exist", async () => {
  const via = await server.json("/db/visible.json?_through=" + encodeURIComponent(JSON.stringify({ table: "secret", column: "name", value: "Agent Smith" })));
  const nowhere = await server.json("/db/visible.json?_through=" + encodeURIComponent(JSON.stringify({ table: "nope", column: "name", value: "x" })));
  assert.equal(via.status, 400);
  assert.deepEqual(via.body, nowhere.body);
});

test("_fts_table naming the private table's index is answered like a missing one", async () => {
  const priv = await server.json("/db/visible.json?_search=Smith&_fts_table=secret_fts");
  const missing = await server.json("/db/visible.json?_search=Smith&_fts_table=nope_fts");
  assert.equal(priv.status, 400);
  assert.deepEqual(priv.body, missing.body);
});

test("incoming foreign-key counts leave out rows of tables the actor may not see", async () => {
  const r = await server.json("/db/visible/1.json?_extra=foreign_key_tables");
  assert.equal(r.status, 200);
  const tables = r.body.foreign_key_tables.map((t: { other_table: string }) => t.other_table);
  assert.ok(!tables.includes("visible_secret"), tables.join(","));
});

test("schema endpoints leave out private tables and refuse theirs", async () => {
  for (const path of ["/-/schema.json", "/db/-/schema.json", "/-/schema.md", "/db/-/schema.md"]) {
    const r = await server.get(path);
    assert.equal(r.status, 200, path);
    const body = await r.text();
    assert.ok(body.includes("visible"), path);
    assert.ok(!/create table secret|secret_fts/i.test(body), path);
  }
  assert.equal((await server.get("/db/secret/-/schema.json")).status, 403);
  assert.equal((await server.get("/db/secret_fts_data/-/schema.json")).status, 403);
});

test("exports of the private table are refused: CSV, streamed CSV, row CSV, .blob, its index", async () => {
  for (const path of ["/db/secret.csv", "/db/secret.csv?_stream=on", "/db/secret/1.csv", "/db/secret/1.blob?_blob_column=code", "/db/SECRET.csv?_dl=on", "/db/secret_fts_data.csv"]) {
    const r = await server.get(path);
    assert.equal(r.status, 403, path);
    assert.ok(!(await r.text()).includes("Agent"), path);
  }
});

test("CSV label columns and facet labels never carry the private table's values", async () => {
  const csv = await (await server.get("/db/visible.csv?_labels=on")).text();
  assert.ok(!csv.includes("Agent"), csv);
  assert.ok(!csv.includes("secret_id_label"), "no label column for a private target");
  const facets = await server.json("/db/visible.json?_facet=secret_id");
  assert.equal(facets.status, 200);
  assert.ok(!JSON.stringify(facets.body).includes("Agent"));
});

test("the allow block lets its actor in: the same routes answer the agent", async () => {
  const agent = as({ id: "agent" });
  assert.equal((await server.get("/db/secret.json", agent)).status, 200);
  assert.equal((await server.get("/db/secret/1.json", agent)).status, 200);
  assert.equal((await server.get("/db/secret_fts_data.json", agent)).status, 200);
  const labels = await server.json("/db/visible.json?_labels=on", agent);
  assert.deepEqual(labels.body.rows[0].secret_id, { value: 1, label: "Agent Smith" });
  const names = (await server.json("/db.json", agent)).body.tables.map((t: { name: string }) => t.name);
  assert.ok(names.includes("secret"));
});
