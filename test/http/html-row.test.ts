/**
 * @module HTTP: the row page in HTML — title, export links, the single-row table (keys marked, foreign keys
 * linked with labels, nothing truncated, BLOB links), links from other tables with counts, the `_table`
 * partial lookup for rows, headers, and escaping of hostile names and values.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { buildHostileDatabase, HOSTILE_NAMES, inBatches } from "../security/hostile-fixtures.js";
import { tildeEncode } from "../../src/http/tilde.js";
import { assertWellFormedPage, HOSTILE_COLUMN, HOSTILE_TABLE, webDatabase } from "../fixtures/web-db.js";

let server: TestServer;

before(async () => {
  const dir = tempDir();
  const templates = join(dir, "templates");
  mkdirSync(templates);
  // Row pages look for _table-<db>-<t>.html, then _table-row-<db>-<t>.html, then _table.html.
  writeFileSync(join(templates, "_table-row-web-visits.html"), '<p id="custom-row">{{ table }} row with {{ display_columns.length }} columns</p>');
  writeFileSync(join(templates, "_table-web-codes.html"), '<p id="both">{{ table }} partial for tables and rows</p>');
  writeFileSync(join(templates, "_table-row-web-codes.html"), '<p id="row-only">not chosen: the shared name comes first</p>');
  const hostile = buildHostileDatabase(dir);
  server = await startServer({
    databases: [{ path: webDatabase(dir), immutable: false }, { path: hostile.path, immutable: false }],
    templateDir: templates,
    settings: { truncate_cells_html: 10 },
  });
});
after(() => server.close());

async function page(path: string): Promise<string> {
  const r = await server.get(path);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.text();
}

test("title, export links and the JSON twin", async () => {
  const r = await server.get("/web/places/1");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("link")!, /^<http:\/\/127\.0\.0\.1:\d+\/web\/places\/1\.json>; rel="alternate"; type="application\/json\+datasette"$/);
  assert.equal(r.headers.get("referrer-policy"), "no-referrer");
  const html = await r.text();
  assert.match(html, /<h1>places: 1<\/h1>/);
  assert.match(html, /<title>web: places: 1<\/title>/);
  assert.match(html, /<body class="row db-web table-places">/);
  const links = html.match(/<p class="export-links">([\s\S]*?)<\/p>/)![1];
  assert.match(links, /<a href="http:\/\/127\.0\.0\.1:\d+\/web\/places\/1\.json">json<\/a>/);
  assert.match(links, /<a href="\/web\/places\/1\.csv">CSV<\/a>/);
  const csv = await server.get("/web/places/1.csv");
  assert.equal(csv.status, 200);
  assert.match(await csv.text(), /^id,name,city_id/);
  assert.match(html, /<ol><li><a href="\/">home<\/a><\/li><li><a href="\/web">web<\/a><\/li><li><a href="\/web\/places">places<\/a><\/li><\/ol>/);
  assert.match(html, /Queries took \d+\.\dms/);
});

test("the row: keys marked, foreign keys linked with labels, nothing truncated, BLOB and URL links", async () => {
  const html = await page("/web/places/1");
  assert.match(html, /<th class="col-id is-pk" scope="col" data-column="id"[^>]*>/);
  assert.match(html, /<span class="visually-hidden">\(primary key\)<\/span>/);
  assert.match(html, /<td class="col-id type-int is-pk">1<\/td>/);
  assert.match(html, /<td class="col-city_id type-fk"><a href="\/web\/cities\/1">Paris<\/a>&nbsp;<em>1<\/em><\/td>/);
  assert.match(html, new RegExp(`<td class="col-notes type-str">${"n".repeat(100)}</td>`), "truncate_cells_html does not apply to rows");
  assert.match(html, /<td class="col-photo type-bytes"><a class="blob-download" href="\/web\/places\/1\.blob\?_blob_column=photo">&lt;Binary:&nbsp;3&nbsp;bytes&gt;<\/a><\/td>/);
  assert.match(html, /<a href="https:\/\/example\.org\/1" rel="nofollow">https:\/\/example\.org\/1<\/a>/);
  assert.ok(!html.includes('href="javascript:'));
  // No column menus, sort links or filter form on a row.
  assert.ok(!html.includes("column-menu") && !html.includes("sort-link") && !html.includes('class="filters"'));
  // A foreign key to a column that is not the other table's key links to the filtered table (the unique
  // text column labels itself, so no value follows the label).
  assert.match(await page("/web/uses/1"), /<td class="col-code type-fk"><a href="\/web\/codes\?code=X1">X1<\/a><\/td>/);
});

test("links from other tables: counts, singular and plural, each linking to the filtered table", async () => {
  const one = await page("/web/places/1");
  const section = one.match(/<section class="foreign-key-tables" aria-labelledby="foreign-key-tables-title">([\s\S]*?)<\/section>/)![1];
  assert.match(section, /<h2 id="foreign-key-tables-title">Links from other tables<\/h2>/);
  assert.match(section, /<li><a href="\/web\/visits\?place_id=1">1 row<\/a> from place_id in visits<\/li>/);
  const two = await page("/web/places/2");
  assert.match(two, /<li><a href="\/web\/visits\?place_id=2">3 rows<\/a> from place_id in visits<\/li>/);
  const target = await page("/web/visits?place_id=2");
  assert.match(target, /<h2 class="table-count">3 rows where place_id = 2<\/h2>/);
  const cities = await page("/web/cities/2");
  assert.match(cities, /<li><a href="\/web\/places\?city_id=2">15 rows<\/a> from city_id in places<\/li>/);
  assert.ok(!(await page("/web/tags/1")).includes("Links from other tables"));
});

test("compound and rowid keys", async () => {
  assert.match(await page("/web/compound/a~2Fb,c"), /<h1>compound: a\/b, c<\/h1>/);
  const tag = await page("/web/tags/2");
  assert.match(tag, /<h1>tags: 2<\/h1>/);
  assert.match(tag, /<td class="col-rowid type-int is-pk">2<\/td><td class="col-name type-str">green<\/td>/);
});

test("the rows partial: _table-<db>-<t>.html, then _table-row-<db>-<t>.html, then _table.html", async () => {
  assert.match(await page("/web/visits/1"), /<p id="custom-row">visits row with 3 columns<\/p>/);
  assert.match(await page("/web/visits"), /<table class="rows-and-columns">/, "the row-only partial leaves the table page alone");
  const codes = await page("/web/codes/1");
  assert.match(codes, /<p id="both">codes partial for tables and rows<\/p>/);
  assert.match(await page("/web/codes"), /<p id="both">/);
});

test("phone-width labels for the row's cells, escaped for CSS", async () => {
  const html = await page(`/web/${HOSTILE_TABLE.tilde}/1`);
  assert.equal(html.split("</style>").length, 2);
  assert.match(html, /\.rows-and-columns td:nth-of-type\(2\)::before \{ content: "\\3c img src\\3d x onerror\\3d alert\\28 1\\29 \\3e "; \}/);
  assert.match(html, /content: "dq\\22 uote";/);
});

test("hostile names and values stay text on row pages (attack class 6)", async () => {
  const html = await page(`/web/${HOSTILE_TABLE.tilde}/1`);
  assertWellFormedPage(html, "hostile row");
  assert.match(html, /<h1>&lt;\/style&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;: 1<\/h1>/);
  assert.match(html, /data-column="&lt;img src=x onerror=alert\(1\)&gt;"/);
  assert.match(html, /<td class="col-img-srcx-onerroralert1-[0-9a-f]{6} type-str">&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/td>/);
  assert.match(html, /<td class="col-dquote-[0-9a-f]{6} type-str">&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;<\/td>/);
  assert.ok(!html.includes(HOSTILE_COLUMN));

  // Every hostile name from the security suite, as table, column, label and value, on its row and table pages.
  await inBatches(HOSTILE_NAMES, 6, async (name) => {
    for (const path of [`/hostile/${tildeEncode(name)}/1`, `/hostile/${tildeEncode(name)}?_facet=${encodeURIComponent(name)}&${encodeURIComponent(name)}__notblank=1`]) {
      const r = await server.get(path);
      assert.equal(r.status, 200, `${path} answered ${r.status}`);
      const body = await r.text();
      assertWellFormedPage(body, path);
      assert.ok(!body.includes("<script>alert(1)</script>"), `${path}: raw script`);
    }
  });
});
