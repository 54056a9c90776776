/** @module HTTP: full-text search across FTS3, FTS4 and FTS5, external-content and standalone indexes, views, and search combined with everything else. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";

const DOCS = [
  [1, "The quick brown fox", "jumps over the lazy dog", "animals"],
  [2, "A lazy afternoon", "dog days of summer", "weather"],
  [3, "Brown bread recipe", "flour, water, salt", "food"],
  [4, "Fox news of the forest", "a dog and a fox", "animals"],
  [5, "NEAR the river", "operators AND words OR not", "misc"],
] as const;

let server: TestServer;
before(async () => {
  const path = makeDatabase(
    join(tempDir(), "search.db"),
    `create table docs (id integer primary key, title text, body text, topic text);
     create virtual table docs_fts5 using fts5 (title, body, content="docs", content_rowid="id");
     create table docs4 (id integer primary key, title text, body text, topic text);
     create virtual table docs4_fts using fts4 (title, body, content="docs4");
     create table docs3 (id integer primary key, title text, body text, topic text);
     create virtual table docs3_fts using fts3 (title, body);
     create virtual table standalone using fts5 (title, body);
     create table "odd name" (id integer primary key, "the title" text);
     create virtual table "odd name_fts" using fts5 ("the title", content="odd name");
     create view animal_docs as select id, title, body from docs where topic = 'animals';`,
    (db) => {
      for (const t of ["docs", "docs4", "docs3"]) {
        const ins = db.prepare(`insert into ${t} values (?, ?, ?, ?)`);
        for (const d of DOCS) ins.run(...d);
      }
      db.exec(`insert into docs_fts5 (rowid, title, body) select id, title, body from docs;
               insert into docs4_fts (rowid, title, body) select id, title, body from docs4;
               insert into docs3_fts (rowid, title, body) select id, title, body from docs3;`);
      const s = db.prepare("insert into standalone (rowid, title, body) values (?, ?, ?)");
      for (const d of DOCS) s.run(d[0], d[1], d[2]);
      db.exec(`insert into "odd name" values (1, 'hello world'), (2, 'goodbye world');
               insert into "odd name_fts" (rowid, "the title") select id, "the title" from "odd name";`);
    },
  );
  server = await startServer({
    databases: [{ path, immutable: false }],
    config: { databases: { search: { tables: { docs3: { fts_table: "docs3_fts", fts_pk: "id" } } } } },
  });
});
after(() => server.close());

async function ids(path: string): Promise<unknown[]> {
  const r = await server.json(path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body.rows.map((row: Record<string, unknown>) => row.id ?? row.rowid);
}

test("the database page reports each table's FTS index and hides external-content indexes", async () => {
  const r = await server.json("/search.json");
  const byName = Object.fromEntries(r.body.tables.map((t: { name: string }) => [t.name, t]));
  assert.equal(byName.docs.fts_table, "docs_fts5");
  assert.equal(byName.docs4.fts_table, "docs4_fts");
  assert.equal(byName["odd name"].fts_table, "odd name_fts");
  assert.equal(byName.docs_fts5.hidden, true);
  assert.equal(byName.docs4_fts.hidden, true);
  assert.equal(byName.standalone.hidden, false, "an FTS table without content= is a table of its own");
  assert.equal(byName.standalone.fts_table, "standalone");
  assert.equal(byName.docs_fts5_data.hidden, true, "FTS5 shadow tables are hidden");
});

test("_search on FTS5 (external content), FTS4 (external content), FTS3 (configured fts_table) and a standalone FTS5 table", async () => {
  assert.deepEqual(await ids("/search/docs.json?_search=dog"), [1, 2, 4]);
  assert.deepEqual(await ids("/search/docs4.json?_search=dog"), [1, 2, 4]);
  assert.deepEqual(await ids("/search/docs3.json?_search=dog"), [1, 2, 4]);
  assert.deepEqual(await ids("/search/standalone.json?_search=fox"), [1, 4]);
  assert.deepEqual(await ids("/search/odd~20name.json?_search=world"), [1, 2]);
});

test("escaping makes operators plain words; raw mode keeps the syntax", async () => {
  assert.deepEqual(await ids("/search/docs.json?_search=" + encodeURIComponent("AND OR")), [5]);
  assert.deepEqual(await ids("/search/docs.json?_search=" + encodeURIComponent("NEAR(")), [5], "NEAR( is just the word near");
  assert.deepEqual(await ids("/search/docs.json?_search=" + encodeURIComponent('"lazy dog')), [1]);
  assert.deepEqual(await ids("/search/docs.json?_searchmode=raw&_search=" + encodeURIComponent("fox NOT dog")), []);
  assert.deepEqual(await ids("/search/docs.json?_searchmode=raw&_search=" + encodeURIComponent("bro*")), [1, 3]);
});

test("invalid raw FTS syntax is a 400 with SQLite's message, never a 500", async () => {
  const r = await server.json("/search/docs.json?_searchmode=raw&_search=" + encodeURIComponent('"unbalanced'));
  assert.equal(r.status, 400);
  assert.equal(r.body.ok, false);
  assert.match(r.body.error, /fts5|syntax|unterminated/i);
});

test("_search_<col> on one column of the index", async () => {
  assert.deepEqual(await ids("/search/docs.json?_search_title=fox"), [1, 4]);
  assert.deepEqual(await ids("/search/docs.json?_search_body=fox"), [4]);
});

test("search combines with filters, sort, _col, counts and keyset pagination", async () => {
  assert.deepEqual(await ids("/search/docs.json?_search=dog&topic=animals"), [1, 4]);
  assert.deepEqual(await ids("/search/docs.json?_search=dog&_sort_desc=title"), [1, 4, 2]);
  const first = await server.json("/search/docs.json?_search=dog&_size=2&_extra=count");
  assert.deepEqual(first.body.rows.map((r: { id: number }) => r.id), [1, 2]);
  assert.equal(first.body.count, 3);
  const next = new URL(first.body.next_url);
  assert.equal(next.searchParams.get("_search"), "dog");
  assert.deepEqual(await ids(next.pathname + next.search), [4]);
  const cols = await server.json("/search/docs.json?_search=fox&_col=title");
  assert.deepEqual(cols.body.rows, [{ id: 1, title: "The quick brown fox" }, { id: 4, title: "Fox news of the forest" }]);
});

test("views search through an explicit _fts_table and _fts_pk", async () => {
  assert.deepEqual(await ids("/search/animal_docs.json?_search=dog&_fts_table=docs_fts5&_fts_pk=id"), [1, 4]);
  const missing = await server.json("/search/animal_docs.json?_search=dog");
  assert.equal(missing.status, 400);
});

test("_fts_table must name a full-text table; _fts_pk must name a column", async () => {
  for (const bad of ["docs4", "nope", "docs_fts5_data"]) {
    const r = await server.json(`/search/docs.json?_search=dog&_fts_table=${bad}`);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.ok, false);
  }
  const pk = await server.json("/search/docs.json?_search=dog&_fts_table=docs_fts5&_fts_pk=nope");
  assert.equal(pk.status, 400);
});

test("an empty _search is ignored, like Datasette", async () => {
  assert.deepEqual(await ids("/search/docs.json?_search="), [1, 2, 3, 4, 5]);
});
