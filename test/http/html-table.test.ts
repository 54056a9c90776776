/**
 * @module HTTP: the table page in HTML — filter form, operators, the form's redirect, search, sort, count
 * heading, facets and suggestions, column menus, the column chooser, exports, pagination, cells (FK labels,
 * http-only links, BLOBs, truncation), link columns, views, `_where`, metadata, the `_table` partial, and
 * escaping of hostile names and values in every piece of markup.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { FILTER_OPERATORS } from "../../src/query/filters.js";
import { AlmanacRequest } from "../../src/http/request.js";
import { dispatch } from "../../src/http/server.js";
import { assertWellFormedPage, HOSTILE_COLUMN, HOSTILE_TABLE, webDatabase } from "../fixtures/web-db.js";

let server: TestServer;
let dbPath: string;

before(async () => {
  const dir = tempDir();
  dbPath = webDatabase(dir);
  const templates = join(dir, "templates");
  mkdirSync(templates);
  // A partial for one table only: the others keep the built-in rows table.
  writeFileSync(join(templates, "_table-web-pairs.html"), '<p id="custom-rows">{{ display_rows.length }} custom rows of {{ table }}</p>');
  server = await startServer({
    databases: [{ path: dbPath, immutable: false }],
    templateDir: templates,
    settings: { truncate_cells_html: 40 },
    metadata: {
      databases: {
        web: {
          tables: {
            places: { title: "Places to go <3", description: "Where to <b>go</b>", columns: { kind: "What sort of place", notes: "Free <i>text</i>" } },
          },
        },
      },
    },
  });
});
after(() => server.close());

async function page(path: string): Promise<string> {
  const r = await server.get(path);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.text();
}

/** The markup of each `.filter-row` (active filters first, the blank row last). */
function filterRows(html: string): string[] {
  return html.split(/<div class="filter-row(?=[" ])/).slice(1).map((chunk) => chunk.slice(0, chunk.indexOf("</div>")));
}

/** The selected option's value in a select named `name` (or null). */
function selected(html: string, name: string): string | null {
  const select = html.match(new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`));
  if (!select) return null;
  return select[1].match(/<option value="([^"]*)" selected>/)?.[1] ?? null;
}

/** The markup of the header cell of `column`. */
function headerOf(html: string, column: string): string {
  const th = html.split("<th ").slice(1).find((t) => new RegExp(`^[^>]*data-column="${column}"`).test(t));
  assert.ok(th, `no header for ${column}`);
  return th.slice(0, th.indexOf("</th>"));
}

/** The column menu of one header: its items as [label, href-or-action]. */
function menuOf(html: string, column: string): [string, string][] {
  const th = headerOf(html, column);
  const menu = th.match(/<ul class="column-menu"[^>]*>([\s\S]*?)<\/ul>/);
  if (!menu) return [];
  return [...menu[1].matchAll(/<(?:a role="menuitem" tabindex="-1" href="([^"]*)"|button type="button" role="menuitem" tabindex="-1" data-action="([^"]*)")>([^<]*)</g)].map((m) => [m[3], (m[1] ?? m[2]).replace(/&amp;/g, "&")]);
}

const decode = (href: string) => decodeURIComponent(href.replace(/&amp;/g, "&").replace(/\+/g, " "));

describe("filter form", () => {
  test("one row per active filter, with column, operator and value selected; a blank row to add one", async () => {
    const html = await page("/web/places?kind=cafe&name__contains=a&score__isnull=1&_facet=kind");
    const rows = filterRows(html);
    assert.equal(rows.length, 4);
    assert.equal(selected(rows[0], "_filter_column_1"), "kind");
    assert.equal(selected(rows[0], "_filter_op_1"), "exact");
    assert.match(rows[0], /name="_filter_value_1" value="cafe"/);
    assert.equal(selected(rows[1], "_filter_column_2"), "name");
    assert.equal(selected(rows[1], "_filter_op_2"), "contains");
    assert.equal(selected(rows[2], "_filter_op_3"), "isnull__1", "no-argument operators carry their value");
    assert.match(rows[3], /^ filter-row-blank"/);
    assert.match(rows[3], /name="_filter_column">\s*<option value="">- column -<\/option>/);
    // Each active row removes exactly its own filter, and keeps everything else.
    const remove = rows[0].match(/class="filter-remove" href="([^"]*)" aria-label="Remove filter 1: kind = cafe"/);
    assert.ok(remove);
    assert.equal(decode(remove[1]), "/web/places?name__contains=a&score__isnull=1&_facet=kind");
    // Special arguments ride along as hidden fields; the filters themselves are the rows.
    assert.match(html, /<input type="hidden" name="_facet" value="kind">/);
    const form = html.match(/<form class="filters"[\s\S]*?<\/form>/)![0];
    assert.ok(!/type="hidden" name="kind"/.test(form));
    // Every field has a label.
    for (const id of ["filter-column-1", "filter-op-1", "filter-value-1", "filter-column-new", "filter-op-new", "filter-value-new"]) {
      assert.match(html, new RegExp(`<label class="visually-hidden" for="${id}">`));
    }
    assert.match(html, /<button type="submit" class="primary filter-apply">Apply filters<\/button>/);
    assert.match(html, /<button type="button" class="filter-add" hidden>Add filter<\/button>/);
  });

  test("the operator menu offers all 22 operators with their labels, in Datasette's order", async () => {
    const html = await page("/web/places");
    const blank = filterRows(html)[0];
    const ops = blank.match(/<select id="filter-op-new"[^>]*>([\s\S]*?)<\/select>/)![1];
    const options = [...ops.matchAll(/<option value="([^"]*)">([^<]*)<\/option>/g)].map((m) => [m[1], m[2].replace(/&gt;/g, ">").replace(/&lt;/g, "<")]);
    assert.equal(options.length, 22);
    assert.deepEqual(options, FILTER_OPERATORS.map((op) => [op.noArgument ? `${op.key}__1` : op.key, op.label]));
  });

  test("submitting the form redirects to col__op=value, sort fields to _sort/_sort_desc, from the first page", async () => {
    const form = new URLSearchParams([
      ["_search", ""],
      ["_filter_column_1", "kind"], ["_filter_op_1", "exact"], ["_filter_value_1", "cafe"],
      ["_filter_column_2", ""], ["_filter_op_2", "contains"], ["_filter_value_2", "dropped"],
      ["_filter_column", "score"], ["_filter_op", "notnull__1"], ["_filter_value", ""],
      ["_sort", "name"], ["_sort_by_desc", "on"],
      ["_facet", "kind"], ["_next", "5"],
    ]);
    const r = await server.get(`/web/places?${form}`);
    assert.equal(r.status, 302);
    const location = new URL(r.headers.get("location")!, server.url);
    assert.equal(location.pathname, "/web/places");
    assert.deepEqual([...location.searchParams], [["_facet", "kind"], ["_sort_desc", "name"], ["score__notnull", "1"], ["kind__exact", "cafe"]]);
    // The target works, and ascending sort stays _sort.
    assert.equal((await server.get(location.pathname + location.search)).status, 200);
    const asc = await server.get("/web/places?_filter_column=name&_filter_op=startswith&_filter_value=Caf&_sort=name");
    assert.equal(decode(asc.headers.get("location")!), "/web/places?_sort=name&name__startswith=Caf");
  });

  test("search box only where there is a full-text index, holding the search (escaped)", async () => {
    const html = await page("/web/places?_search=%22%3E%3Cscript%3Ex");
    assert.match(html, /<label for="_search">Search<\/label>\s*<input id="_search" type="search" name="_search" value="&quot;&gt;&lt;script&gt;x">/);
    assert.ok(!(await page("/web/cities")).includes('name="_search"'));
  });

  test("sort select and descending checkbox reflect the sort; headers say how they are sorted", async () => {
    const html = await page("/web/places?_sort_desc=score");
    assert.equal(selected(html, "_sort"), "score");
    assert.match(html, /<input type="checkbox" name="_sort_by_desc" value="on" checked> descending/);
    assert.match(html, /<th class="col-score" scope="col" data-column="score"[^>]* aria-sort="descending">/);
    // The header link sorts the other way (ascending).
    const th = headerOf(html, "score");
    assert.equal(decode(th.match(/class="sort-link" href="([^"]*)"/)![1]), "/web/places?_sort=score");
    const asc = await page("/web/places?_sort=score");
    assert.match(asc, /aria-sort="ascending"/);
    assert.ok(!asc.includes('name="_sort_by_desc" value="on" checked'));
  });
});

describe("count, facets and suggestions", () => {
  test("the count heading carries the human description; capped counts read >10,000", async () => {
    assert.match(await page("/web/places?kind=cafe"), /<h2 class="table-count">10 rows where kind = &quot;cafe&quot;<\/h2>/);
    assert.match(await page("/web/places?id=1"), /<h2 class="table-count">1 row where id = 1<\/h2>/);
    assert.match(await page("/web/places?_sort=name"), /<h2 class="table-count">30 rows sorted by name<\/h2>/);
    assert.match(await page("/web/big"), /<h2 class="table-count">&gt;10,000 rows<\/h2>/);
    assert.match(await page("/web/big?_nocount=1"), /^(?![\s\S]*table-count)/, "no count, no description: no heading");
  });

  test("a capped count offers the full count as a query to whoever may run SQL, with the page's filters", async () => {
    const html = await page("/web/big?v__gt=5");
    const href = html.match(/<p class="count-all"><a href="([^"]*)" rel="nofollow">Count all rows<\/a>/)![1].replaceAll("&amp;", "&");
    const url = new URL(href, server.url);
    assert.equal(url.pathname, "/web/-/query");
    const counted = await server.json(`${url.pathname}.json${url.search}`);
    assert.equal(counted.status, 200);
    assert.deepEqual(Object.values(counted.body.rows[0]), [10045]);
    assert.doesNotMatch(await page("/web/places"), /count-all/, "not when the count is exact");
    const noSql = await startServer({ databases: [{ path: dbPath, immutable: false }], settings: { default_allow_sql: false } });
    try {
      assert.doesNotMatch(await (await noSql.get("/web/big")).text(), /count-all/, "not without execute-sql");
    } finally {
      await noSql.close();
    }
  });

  test("facet panels: values toggle, counts, … for more, ✖ to remove the facet", async () => {
    const html = await page("/web/places?_facet=kind&_facet_size=2");
    const panel = html.match(/<div class="facet-info facet-web-places-kind" id="facet-kind" data-column="kind">([\s\S]*?)<\/ul>/)![1];
    assert.match(panel, /<span class="facet-name">kind<\/span>/);
    assert.match(panel, /<span class="facet-info-total">&gt;2<span class="visually-hidden"> values<\/span><\/span>/);
    const values = [...panel.matchAll(/<a class="facet-value" href="([^"]*)">([^<]*)<\/a> <span class="facet-count">(\d+)<\/span>/g)];
    assert.equal(values.length, 2);
    for (const [, href, label, count] of values) {
      assert.equal(new URL(href.replace(/&amp;/g, "&")).searchParams.get("kind"), label);
      assert.equal(count, "10");
    }
    const more = panel.match(/<li class="facet-truncated"><a href="([^"]*)" aria-label="Show all values of kind">…<\/a>/);
    assert.ok(more);
    assert.equal(decode(more[1]), "/web/places?_facet=kind&_facet_size=max");
    const remove = panel.match(/<a class="facet-remove cross" href="([^"]*)" aria-label="Remove facet kind">/);
    assert.equal(decode(remove![1]), "/web/places?_facet_size=2");
  });

  test("a selected value shows with a link that deselects it; FK facets show labels", async () => {
    const html = await page("/web/places?_facet=kind&kind=park&_facet=city_id");
    const chosen = html.match(/<li class="facet-value-selected"><strong>park<\/strong> <span class="facet-count">10<\/span> <a class="facet-deselect cross" href="([^"]*)" aria-label="Remove filter kind: park">/);
    assert.ok(chosen);
    assert.equal(new URL(chosen[1].replace(/&amp;/g, "&")).search, "?_facet=kind&_facet=city_id");
    assert.match(html, /<a class="facet-value" href="[^"]*city_id=1">Paris<\/a>/);
    assert.match(html, /<a class="facet-value" href="[^"]*city_id=2">Lyon &lt;b&gt;<\/a>/);
  });

  test("suggested facets link to the facet they add", async () => {
    const html = await page("/web/places");
    const line = html.match(/<p class="suggested-facets">Suggested facets: ([\s\S]*?)<\/p>/)![1];
    const kind = line.match(/<a href="([^"]*)#facet-kind">kind<\/a>/);
    assert.ok(kind, line);
    assert.equal(new URL(kind[1].replace(/&amp;/g, "&")).searchParams.get("_facet"), "kind");
    assert.ok(!(await page("/web/places?_facet=kind")).match(/#facet-kind">kind<\/a>(?! \()/), "not suggested once faceted");
  });
});

describe("column menus and chooser", () => {
  test("each header has an ARIA menu button and the items that apply to its column", async () => {
    const html = await page("/web/places");
    const th = headerOf(html, "kind");
    assert.match(th, /<button type="button" class="column-menu-button" id="column-menu-button-(\d+)" aria-haspopup="menu" aria-expanded="false" aria-controls="column-menu-\1" aria-label="Column actions: kind" hidden>/);
    assert.match(th, /<ul class="column-menu" id="column-menu-\d+" role="menu" aria-label="Actions for column kind" hidden>/);
    assert.deepEqual(menuOf(html, "kind"), [
      ["Sort ascending", "/web/places?_sort=kind"],
      ["Sort descending", "/web/places?_sort_desc=kind"],
      ["Facet by this", "/web/places?_facet=kind"],
      ["Hide this column", "/web/places?_nocol=kind"],
      ["Choose columns", "choose-columns"],
      ["Show not-blank rows", "/web/places?kind__notblank=1"],
    ]);
    // The primary key can be neither hidden nor blank.
    assert.deepEqual(menuOf(html, "id").map(([label]) => label), ["Sort ascending", "Sort descending", "Facet by this", "Choose columns"]);
  });

  test("items follow the page: current sort, existing facets, chosen and hidden columns", async () => {
    const sorted = await page("/web/places?_sort=kind&_facet=kind&_next=cafe,1");
    const labels = menuOf(sorted, "kind").map(([label]) => label);
    assert.ok(!labels.includes("Sort ascending") && labels.includes("Sort descending") && !labels.includes("Facet by this"));
    // A new sort starts from the first page.
    assert.equal(menuOf(sorted, "kind").find(([l]) => l === "Sort descending")![1], "/web/places?_facet=kind&_sort_desc=kind");
    const hidden = await page("/web/places?_nocol=notes");
    assert.deepEqual(menuOf(hidden, "kind").find(([l]) => l === "Show all columns"), ["Show all columns", "/web/places"]);
    const chosen = await page("/web/places?_col=name&_col=kind");
    assert.deepEqual(menuOf(chosen, "kind").find(([l]) => l === "Hide this column"), ["Hide this column", "/web/places?_col=name"]);
    assert.equal((await page("/web/places?kind__notblank=1")).includes("kind__notblank=1&amp;kind__notblank=1"), false);
  });

  test("no 'Facet by this' when allow_facet is off", async () => {
    const other = await startServer({ databases: [{ path: dbPath, immutable: false }], settings: { allow_facet: false } });
    try {
      const html = await (await other.get("/web/places")).text();
      assert.ok(menuOf(html, "kind").length > 0);
      assert.ok(!html.includes(">Facet by this<"));
    } finally {
      await other.close();
    }
  });

  test("the column chooser lists the non-key columns: shown ones first in their order, then hidden ones", async () => {
    const html = await page("/web/places?_col=kind&_col=name&kind=cafe&_next=3");
    const dialog = html.match(/<dialog class="column-chooser" id="column-chooser" aria-labelledby="column-chooser-title">([\s\S]*?)<\/dialog>/)![1];
    const items = [...dialog.matchAll(/<li class="column-chooser-item" data-column="([^"]*)" data-position="(\d+)">\s*<label><input type="checkbox" name="_col" value="\1"( checked)?>/g)].map((m) => [m[1], m[2], Boolean(m[3])]);
    assert.deepEqual(items, [
      ["kind", "2", true],
      ["name", "0", true],
      ["city_id", "1", false],
      ["website", "3", false],
      ["notes", "4", false],
      ["photo", "5", false],
      ["score", "6", false],
    ]);
    assert.match(dialog, /Key columns \(id\) are always shown first/);
    assert.match(dialog, /<form method="get" action="\/web\/places">/);
    // The rest of the page's arguments ride along; the old column choice and the page token do not.
    const hidden = [...dialog.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(hidden, [["kind", "cafe"]]);
    assert.match(dialog, /<button type="button" class="column-move-up" aria-label="Move kind up">/);
    assert.match(html, /<button type="button" class="column-chooser-open" aria-haspopup="dialog" aria-controls="column-chooser" hidden>Choose columns<\/button>/);
  });
});

describe("exports and pagination", () => {
  test("export links: json twin, CSV of the whole filtered table, advanced options", async () => {
    const html = await page("/web/places?kind=cafe&_size=2&_next=2");
    const links = html.match(/<p class="export-links">([\s\S]*?)<\/p>/)![1];
    const json = links.match(/<a href="([^"]*)">json<\/a>/)![1].replace(/&amp;/g, "&");
    assert.equal(json, `${server.url}/web/places.json?kind=cafe&_size=2&_next=2`);
    const csv = links.match(/<a href="([^"]*)">CSV<\/a> \(<a href="#export">advanced<\/a>\)/)![1].replace(/&amp;/g, "&");
    assert.equal(csv, "/web/places.csv?kind=cafe&_size=max&_labels=on");
    const download = await server.get(csv);
    assert.equal(download.status, 200);
    assert.equal((await download.text()).trim().split("\n").length, 11, "header and the 10 cafés");

    const form = html.match(/<form class="export-csv" action="([^"]*)" method="get">([\s\S]*?)<\/form>/)!;
    assert.equal(form[1], "/web/places.csv");
    assert.match(form[2], /<label><input type="checkbox" name="_dl" value="on"> download file<\/label>/);
    assert.match(form[2], /<label><input type="checkbox" name="_labels" value="on" checked> expand labels<\/label>/);
    assert.match(form[2], /<label><input type="checkbox" name="_stream" value="on"> stream all rows<\/label>/);
    assert.deepEqual([...form[2].matchAll(/type="hidden" name="([^"]*)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]), [["kind", "cafe"], ["_size", "max"]]);
    const shapes = [...html.matchAll(/<p class="export-json-shapes">[\s\S]*?<\/p>/g)][0][0];
    assert.deepEqual([...shapes.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[2], m[1].replace(/&amp;/g, "&")]), [
      ["default", "/web/places.json?kind=cafe&_size=2&_next=2"],
      ["array", "/web/places.json?kind=cafe&_size=2&_next=2&_shape=array"],
      ["newline-delimited", "/web/places.json?kind=cafe&_size=2&_next=2&_shape=array&_nl=on"],
      ["object", "/web/places.json?kind=cafe&_size=2&_next=2&_shape=object"],
    ]);
    // Without a next page there is nothing to stream; without foreign keys nothing to label; views have no object shape.
    const last = await page("/web/cities");
    assert.ok(!last.includes('name="_stream"') && !last.includes('name="_labels"'));
    assert.ok(!(await page("/web/kinds")).includes(">object</a>"));
  });

  test("the next page link keeps the query string and works", async () => {
    const html = await page("/web/places?kind=cafe&_size=3&_sort=name");
    const next = html.match(/<nav class="pagination" aria-label="Pagination"><a class="next-page" href="([^"]*)" rel="next">Next page<\/a><\/nav>/);
    assert.ok(next);
    const url = new URL(next[1].replace(/&amp;/g, "&"), server.url);
    assert.equal(url.searchParams.get("kind"), "cafe");
    assert.equal(url.searchParams.get("_size"), "3");
    assert.equal(url.searchParams.get("_sort"), "name");
    assert.ok(url.searchParams.get("_next"));
    const second = await page(url.pathname + url.search);
    assert.match(second, /class="next-page"/);
    assert.ok(!(await page("/web/places?kind=cafe")).includes("Next page"));
  });

  test("the JSON twin is linked (header and <link>); table headers are kept", async () => {
    const r = await server.get("/web/places?kind=cafe");
    assert.match(r.headers.get("link")!, /^<http:\/\/127\.0\.0\.1:\d+\/web\/places\.json\?kind=cafe>; rel="alternate"; type="application\/json\+datasette"$/);
    assert.equal(r.headers.get("referrer-policy"), "no-referrer");
    assert.match(r.headers.get("cache-control")!, /max-age=\d+/);
    assert.match(await r.text(), /Queries took \d+\.\dms/);
  });
});

describe("cells and link columns", () => {
  test("foreign keys link to the referenced row with its label; _labels=off shows the plain value", async () => {
    const html = await page("/web/places?id=2");
    assert.match(html, /<td class="col-city_id type-fk"><a href="\/web\/cities\/2">Lyon &lt;b&gt;<\/a>&nbsp;<em>2<\/em><\/td>/);
    assert.match(await page("/web/places?id=2&_labels=off"), /<td class="col-city_id type-int">2<\/td>/);
  });

  test("only http(s) URLs become links", async () => {
    const html = await page("/web/places?_size=3");
    assert.match(html, /<td class="col-website type-str"><a href="https:\/\/example\.org\/1" rel="nofollow">https:\/\/example\.org\/1<\/a><\/td>/);
    assert.match(html, /<td class="col-website type-str">javascript:alert\(2\)<\/td>/);
    assert.ok(!/href="javascript:/i.test(html));
  });

  test("BLOBs are download links to .blob", async () => {
    const html = await page("/web/places?id=1");
    const link = html.match(/<td class="col-photo type-bytes"><a class="blob-download" href="([^"]*)">&lt;Binary:&nbsp;3&nbsp;bytes&gt;<\/a><\/td>/);
    assert.ok(link);
    assert.equal(link[1].replace(/&amp;/g, "&"), "/web/places/1.blob?_blob_column=photo");
    const blob = await server.get(link[1].replace(/&amp;/g, "&"));
    assert.equal(blob.status, 200);
    assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [1, 2, 3]);
  });

  test("long cells are cut at truncate_cells_html, numbers keep their type class", async () => {
    const html = await page("/web/places?id=1");
    assert.match(html, new RegExp(`<td class="col-notes type-str">${"n".repeat(40)}…</td>`));
    assert.match(html, /<td class="col-score type-float">1\.5<\/td>/);
  });

  test("single keys link from their own cell; rowid and compound keys get a Link column", async () => {
    assert.match(await page("/web/places?id=1"), /<td class="col-id type-int"><a href="\/web\/places\/1">1<\/a><\/td>/);
    const tags = await page("/web/tags");
    assert.match(tags, /<th class="col-Link is-pk" scope="col" data-column="Link"/);
    assert.match(tags, /<td class="col-Link type-pk"><a href="\/web\/tags\/1">1<\/a><\/td><td class="col-name type-str">red<\/td>/);
    assert.ok(!tags.includes('data-column="rowid"'), "the Link column stands for rowid");
    const compound = await page("/web/compound");
    assert.match(compound, /<td class="col-Link type-pk"><a href="\/web\/compound\/a~2Fb,c">a\/b,c<\/a><\/td><td class="col-a type-str">a\/b<\/td>/);
    // Keys no URL can address (a NULL in a compound key, a BLOB key) are shown without a link.
    assert.match(compound, /<td class="col-Link type-pk">n,null<\/td>/);
    const blobKeys = await page("/web/places_fts_idx");
    assert.match(blobKeys, /<td class="col-Link type-pk">[^<]*&lt;Binary&gt;<\/td>/);
    assert.ok(!blobKeys.includes("[object Object]") && !blobKeys.includes('href="/web/places_fts_idx/'));
  });

  test("views: (view) in the title, the view's SQL, no row links", async () => {
    const html = await page("/web/kinds");
    assert.match(html, /<h1>kinds \(view\)<\/h1>/);
    assert.match(html, /<h2 id="view-definition-title">View definition<\/h2>\s*<pre class="wrapped-sql">create view kinds as/i);
    assert.ok(!html.includes("table-definition-title"));
    assert.ok(!/<td[^>]*><a href="\/web\/kinds\//.test(html));
    assert.match(await page("/web/places"), /<h2 id="table-definition-title">Table definition<\/h2>\s*<pre class="wrapped-sql">create table places/i);
  });
});

describe("where clauses, SQL link, metadata, privacy, partials", () => {
  test("_where clauses are listed with links that remove them; View and edit SQL opens the query", async () => {
    const html = await page("/web/places?_where=score%3E1&_where=id%3C5");
    assert.match(html, /<h2>2 extra where clauses<\/h2>/);
    const remove = html.match(/<li><code>score&gt;1<\/code> <a class="extra-where-remove" href="([^"]*)" aria-label="Remove where clause: score&gt;1">remove<\/a><\/li>/);
    assert.equal(decode(remove![1]), "/web/places?_where=id<5");
    // The filter form keeps them when it is submitted.
    assert.match(html, /<input type="hidden" name="_where" value="score&gt;1">/);
    const sql = html.match(/<p class="view-sql"><a href="([^"]*)">View and edit SQL<\/a><\/p>/);
    assert.ok(sql);
    const target = new URL(sql[1].replace(/&amp;/g, "&"), server.url);
    assert.equal(target.pathname, "/web/-/query");
    assert.match(target.searchParams.get("sql")!, /^select .* from "places" where \(score>1\) and \(id<5\)/);
    assert.equal((await server.get(target.pathname + target.search)).status, 200);
  });

  test("no View and edit SQL link for an actor who may not run SQL", async () => {
    const other = await startServer({ databases: [{ path: dbPath, immutable: false }], settings: { default_allow_sql: false } });
    try {
      const html = await (await other.get("/web/places")).text();
      assert.ok(!html.includes("View and edit SQL"));
    } finally {
      await other.close();
    }
  });

  test("metadata: title, escaped description, column descriptions", async () => {
    const html = await page("/web/places");
    assert.match(html, /<h1>Places to go &lt;3<\/h1>/);
    assert.match(html, /Where to &lt;b&gt;go&lt;\/b&gt;/);
    assert.match(html, /<details class="column-descriptions-details" open>/);
    assert.match(html, /<dt>kind<\/dt><dd>What sort of place<\/dd>/);
    assert.match(html, /<dt>notes<\/dt><dd>Free &lt;i&gt;text&lt;\/i&gt;<\/dd>/);
    assert.match(html, /<title>web: places: 30 rows<\/title>/);
  });

  test("a private table carries the 🔒 mark with an accessible label", async () => {
    const { almanac } = server.app;
    const original = almanac.permissions.allowed.bind(almanac.permissions);
    // Anonymous visitors may not see `cities`; a signed-in actor may.
    almanac.permissions.allowed = (actor, action, resource = {}) =>
      action === "view-table" && resource.child === "cities" && actor === null ? false : original(actor, action, resource);
    try {
      const req = new AlmanacRequest({ method: "GET", rawPath: "/web/cities", queryString: "", headers: { host: "localhost" }, scheme: "http" });
      const reply = await dispatch(almanac, req, { id: "root" });
      assert.equal(reply.status, 200);
      assert.match(String(reply.body), /<h1>cities <span class="private-mark" role="img" aria-label="Private: only visible to you and others with permission" title="Private">🔒<\/span><\/h1>/);
      assert.equal((await server.get("/web/cities")).status, 403);
    } finally {
      almanac.permissions.allowed = original;
    }
    assert.ok(!(await page("/web/cities")).includes("private-mark"));
  });

  test("_table-<db>-<table>.html replaces the rows table of that table only", async () => {
    const html = await page("/web/pairs");
    assert.match(html, /<p id="custom-rows">2 custom rows of pairs<\/p>/);
    assert.ok(!html.includes('class="rows-and-columns"'));
    assert.match(await page("/web/tags"), /<table class="rows-and-columns">/);
  });

  test("phone widths label each cell with its column name, escaped for CSS", async () => {
    const html = await page("/web/places");
    const style = html.match(/<style>([\s\S]*?)<\/style>/)![1];
    assert.match(style, /@media \(max-width: 576px\)/);
    assert.match(style, /\.rows-and-columns td:nth-of-type\(1\)::before \{ content: "id"; \}/);
    assert.match(style, /\.rows-and-columns td:nth-of-type\(4\)::before \{ content: "kind"; \}/);
  });
});

describe("escaping (attack class 6)", () => {
  test("hostile table and column names and values stay text in every new piece of markup", async () => {
    const t = encodeURIComponent;
    const table = `/web/${HOSTILE_TABLE.tilde}`;
    const col = HOSTILE_COLUMN;
    const paths = [
      table,
      `${table}?_facet=${t(col)}&${t(col)}__contains=${t("<script>")}&_sort_desc=${t(col)}&_where=${t("1=1")}`,
      `${table}?_facet=${t(col)}&${t(col)}=${t('"><img src=x onerror=alert(1)>')}`,
      `${table}?_col=${t(col)}`,
      `${table}?_nocol=${t(col)}`,
      `${table}/1`,
    ];
    for (const path of paths) {
      const r = await server.get(path);
      assert.equal(r.status, 200, `${path} answered ${r.status}`);
      const html = await r.text();
      assertWellFormedPage(html, path);
      assert.ok(!html.includes("<img"), `${path}: an <img> got through`);
      assert.ok(!html.includes("<script>alert"), `${path}: a script got through`);
    }
    const html = await page(table);
    // The mobile labels: the name reaches CSS as escapes, never as `</style>`.
    assert.equal(html.split("</style>").length, 2, "exactly one style block end");
    assert.match(html, /content: "\\3c img src\\3d x onerror\\3d alert\\28 1\\29 \\3e ";/);
    assert.match(html, /data-column="&lt;img src=x onerror=alert\(1\)&gt;"/);
  });
});
