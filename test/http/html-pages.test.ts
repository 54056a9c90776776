/** @module HTTP: the index, database and query pages as HTML — content, escaping of hostile names, the SQL editor, stored-query parameters, errors in the form, private markers. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import type { App } from "../../src/app.js";
import type { Action, Actor, Resource } from "../../src/auth/permissions.js";

const HOSTILE = "<img src=x onerror=alert(1)>";
const HOSTILE_COLUMN = "<b>'col'&</b>";

function siteDatabase(): string {
  return makeDatabase(
    join(tempDir(), "site.db"),
    `create table plain (id integer primary key, name text);
     insert into plain (name) values ('alpha'), ('beta'), ('<script>alert(1)</script>');
     create table "${HOSTILE}" (id integer primary key, "${HOSTILE_COLUMN}" text);
     insert into "${HOSTILE}" values (1, 'x');
     create table secret (id integer primary key, code text);
     insert into secret (code) values ('s1');
     create table archive (id integer primary key);
     create table extra_one (id integer primary key);
     create table extra_two (id integer primary key);
     create view plain_names as select name from plain;`,
  );
}

const QUERIES = {
  by_name: { sql: "select id, name from plain where name = :name", title: "Find <script>x</script>", description: "Looks up <i>one</i> name", params: ["name"] },
  hidden_sql: { sql: "select 42 as answer", hide_sql: true },
  whoami: "select :_actor_id as id",
  q4: "select 4",
  q5: "select 5",
  q6: "select 6",
  q7: "select 7",
};

/**
 * Datasette's 🔒: visible to this actor but not to anonymous visitors. The resolver refuses anonymous
 * visitors the `secret` table, the `whoami` query and (when `database` is set) the whole database.
 */
function privateForAnonymous(app: App, opts: { database?: string } = {}): void {
  const resolver = app.almanac.permissions;
  const original = resolver.allowed.bind(resolver);
  resolver.allowed = (actor: Actor, action: Action, resource: Resource = {}) => {
    if (actor === null) {
      if (action === "view-table" && resource.child === "secret") return false;
      if (action === "view-query" && resource.child === "whoami") return false;
      if (opts.database && action === "view-database" && resource.database === opts.database) return false;
    }
    return original(actor, action, resource);
  };
}

async function page(server: TestServer, path: string, actor?: Record<string, unknown>): Promise<{ status: number; html: string }> {
  const headers: Record<string, string> = actor ? { "x-almanac-get-actor": JSON.stringify(actor) } : {};
  const r = await server.app.request(path, { headers });
  return { status: r.status, html: r.body.toString("utf8") };
}

const EDITOR_SCRIPT = /<script type="module" src="\/-\/static\/editor\.js\?_hash=[0-9a-f]+"><\/script>/;

let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [{ path: siteDatabase(), immutable: false }],
    config: { databases: { site: { queries: QUERIES, tables: { archive: { hidden: true } } } } },
    metadata: { title: "Site <title>", databases: { site: { description: "All about <the> site" } } },
    settings: { max_returned_rows: 5 },
  });
  privateForAnonymous(server.app);
});
after(() => server.close());

describe("index page", () => {
  test("title, one block per database in its colour, a summary of what it holds, its first tables", async () => {
    const { status, html } = await page(server, "/");
    assert.equal(status, 200);
    assert.match(html, /<h1>Site &lt;title&gt;<\/h1>/);
    assert.match(html, /<section class="index-database" aria-labelledby="index-db-1" style="--db-color: #[0-9a-f]{6}">/);
    assert.match(html, /<h2 id="index-db-1"><a href="\/site">site<\/a><\/h2>/);
    // Anonymous visitors may not see `secret`: four tables (the hidden one counted apart) and the view.
    assert.match(html, /<p class="index-database-summary">4 rows in 4 tables, 1 hidden table, 1 view<\/p>/);
    assert.match(html, /<p class="index-database-tables"><a href="\/site\/plain">plain<\/a>, /);
    assert.match(html, /<a href="\/site\/plain_names" class="is-view">plain_names<\/a><\/p>/);
    assert.ok(!html.includes("index-database-more"), "five tables and views fit");
    assert.ok(!html.includes("secret"), "a table the visitor may not see is not named");
  });

  test("hostile table names are escaped, and no SQL editor script is loaded", async () => {
    const { html } = await page(server, "/");
    assert.ok(!html.includes(HOSTILE));
    assert.doesNotMatch(html, EDITOR_SCRIPT);
    const full = await page(server, "/site");
    assert.ok(full.html.includes("&lt;img src=x onerror=alert(1)&gt;"));
  });

  test("🔒 marks what the actor may see but anonymous visitors may not", async () => {
    const anonymous = await page(server, "/");
    assert.ok(!anonymous.html.includes("🔒"));
    const signedIn = await page(server, "/", { id: "ana" });
    assert.match(signedIn.html, /<p class="index-database-summary">5 rows in 5 tables, 1 hidden table, 1 view<\/p>/);
    assert.match(signedIn.html, /<a href="\/site\/secret">secret<\/a> <span class="private-mark" role="img" aria-label="Private table" title="Private table">🔒<\/span>/);
    // Six tables and views: the first five are shown, then a link to the rest.
    assert.match(signedIn.html, /<a href="\/site" class="index-database-more" aria-label="All tables and views in site">…<\/a>/);
  });

  test("/-/ is always the built-in page and asks robots not to index it", async () => {
    const { status, html } = await page(server, "/-/");
    assert.equal(status, 200);
    assert.match(html, /<meta name="robots" content="noindex">/);
    assert.match(html, /Templates considered: \*default:index\.html/);
    assert.doesNotMatch((await page(server, "/")).html, /noindex/);
  });
});

describe("database page", () => {
  test("heading, escaped description, the SQL editor with the first table and the editor script", async () => {
    const { status, html } = await page(server, "/site");
    assert.equal(status, 200);
    assert.match(html, /<h1>site<\/h1>/);
    assert.ok(html.includes("All about &lt;the&gt; site"));
    assert.match(html, /<form class="sql-form" method="get" action="\/site\/-\/query">/);
    assert.match(html, /<label for="sql-editor" id="sql-editor-label" class="sql-editor-label">SQL query<\/label>/);
    assert.match(html, /<textarea id="sql-editor" name="sql"[^>]*>select \* from &quot;&lt;img src=x onerror=alert\(1\)&gt;&quot;<\/textarea>/);
    assert.match(html, /data-parameters-url="\/site\/-\/query\/parameters"/);
    assert.match(html, /<button type="submit" class="primary run-sql">Run SQL<\/button>/);
    assert.match(html, EDITOR_SCRIPT);
  });

  test("the editor's schema is the tables and columns the actor may see, escaped in its attribute", async () => {
    const { html } = await page(server, "/site");
    const attr = /data-schema="([^"]*)"/.exec(html)![1];
    assert.ok(!attr.includes("<"), "no raw markup in the attribute");
    const schema = JSON.parse(attr.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#39;/g, "'").replace(/&amp;/g, "&"));
    assert.deepEqual(schema.plain, ["id", "name"]);
    assert.deepEqual(schema[HOSTILE], ["id", HOSTILE_COLUMN]);
    assert.deepEqual(schema.plain_names, ["name"]);
    assert.ok(!("secret" in schema), "anonymous visitors do not get the private table's columns");
  });

  test("tables with columns and counts; hidden tables behind a link; views", async () => {
    const { html } = await page(server, "/site");
    assert.match(html, /<h3><a href="\/site\/plain">plain<\/a><\/h3>\s*<p class="db-table-columns">id, name<\/p>\s*<p class="db-table-count">3 rows<\/p>/);
    assert.match(html, /<p class="db-table-count">1 row<\/p>/);
    assert.match(html, /<a href="\/site\/~3Cimg\+src~3Dx\+onerror~3Dalert~281~29~3E">&lt;img src=x onerror=alert\(1\)&gt;<\/a>/);
    assert.ok(html.includes("&lt;b&gt;&#39;col&#39;&amp;&lt;/b&gt;"));
    assert.ok(!html.includes("/site/archive"), "hidden tables are not listed by default");
    assert.match(html, /<a href="\/site\?_show_hidden=1">… and 1 hidden table<\/a>/);
    assert.match(html, /<h2 id="views-heading">Views<\/h2>\s*<ul class="view-list">\s*<li><a href="\/site\/plain_names">plain_names<\/a><\/li>/);
    const shown = await page(server, "/site?_show_hidden=1");
    assert.match(shown.html, /<a href="\/site\/archive">archive<\/a> <span class="hidden-mark">\(hidden\)<\/span>/);
    assert.match(shown.html, /<a href="\/site">Hide the 1 hidden table<\/a>/);
  });

  test("stored queries: the first five with titles, then how many more", async () => {
    const { html } = await page(server, "/site");
    assert.match(html, /<li><a href="\/site\/by_name">Find &lt;script&gt;x&lt;\/script&gt;<\/a><\/li>/);
    assert.ok(html.includes("/site/q6") && !html.includes("/site/q7"));
    // whoami is refused to anonymous visitors, so they have six queries: five shown, one more.
    assert.match(html, /… and 1 more query/);
  });

  test("🔒 on private tables and queries for an actor who may see them", async () => {
    const { html } = await page(server, "/site", { id: "ana" });
    assert.match(html, /<a href="\/site\/secret">secret<\/a> <span class="private-mark" role="img" aria-label="Private table" title="Private table">🔒<\/span>/);
    assert.match(html, /<a href="\/site\/whoami">whoami<\/a> <span class="private-mark" role="img" aria-label="Private query" title="Private query">🔒<\/span>/);
  });

  test("no download link: there is no database download route", async () => {
    const { html } = await page(server, "/site");
    assert.ok(!/download/i.test(html.replace(/<script[\s\S]*?<\/script>/g, "")));
  });
});

describe("query page: ?sql=", () => {
  test("the SQL in the editor, parameter fields, results and export links", async () => {
    const sql = "select id, name from plain where id > :min order by id";
    const { status, html } = await page(server, `/site/-/query?sql=${encodeURIComponent(sql)}&min=1`);
    assert.equal(status, 200);
    assert.match(html, /<h1>site<\/h1>/);
    assert.match(html, /<textarea id="sql-editor" name="sql"[^>]*>select id, name from plain where id &gt; :min order by id<\/textarea>/);
    assert.match(html, /<label for="qp-0">min<\/label>\s*<input type="text" id="qp-0" name="min" value="1">/);
    assert.match(html, /<h2 class="query-summary" id="query-summary">Custom SQL query returning 2 rows<\/h2>/);
    assert.match(html, /<table class="rows-and-columns query-results-table">/);
    assert.match(html, /<td class="col-id type-int">2<\/td><td class="col-name type-str">beta<\/td>/);
    assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.includes("<script>alert(1)</script>"));
    assert.match(html, /This data as <a href="http:\/\/[^"]+\/site\/-\/query\.json\?sql=[^"]+">JSON<\/a>, <a href="\/site\/-\/query\.csv\?sql=[^"]+&amp;min=1">CSV<\/a>/);
    assert.match(html, EDITOR_SCRIPT);
    assert.match(html, /Templates considered: query-site\.html, \*query\.html/);
  });

  test("more than max_returned_rows: 'more than N rows'", async () => {
    const sql = "with recursive c(x) as (select 1 union all select x + 1 from c limit 9) select x from c";
    const { html } = await page(server, `/site/-/query?sql=${encodeURIComponent(sql)}`);
    assert.match(html, /Custom SQL query returning more than 5 rows/);
    assert.match(html, /Only the first 5 rows are shown/);
  });

  test("no rows", async () => {
    const { html } = await page(server, `/site/-/query?sql=${encodeURIComponent("select * from plain where 0")}`);
    assert.match(html, /Custom SQL query returning 0 rows/);
    assert.match(html, /<p class="zero-results">/);
  });

  test("without SQL: an empty editor and no results", async () => {
    const { status, html } = await page(server, "/site/-/query");
    assert.equal(status, 200);
    assert.match(html, /<textarea id="sql-editor" name="sql"[^>]*><\/textarea>/);
    assert.ok(!html.includes("query-summary"));
  });

  for (const [sql, message] of [
    ["select * from no_such_table", "no such table: no_such_table"],
    ["update plain set name = 'x'", "Statement must be a SELECT"],
    ["select '<script>alert(1)</script>' from", 'incomplete input'],
  ] as const) {
    test(`a failing query is shown in the form (400) with its SQL kept: ${sql}`, async () => {
      const { status, html } = await page(server, `/site/-/query?sql=${encodeURIComponent(sql)}`);
      assert.equal(status, 400);
      assert.match(html, /<div class="query-error" id="query-error" role="alert">/);
      assert.ok(html.includes(message), message);
      const kept = /<textarea id="sql-editor"[^>]*>([^<]*)<\/textarea>/.exec(html)![1];
      assert.equal(kept.replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"), sql);
      assert.ok(!html.includes("<script>alert(1)</script>"));
      assert.ok(!html.includes("query-summary"));
    });
  }

  test("_hide_sql=1 hides the editor but keeps the SQL in the form", async () => {
    const { html } = await page(server, `/site/-/query?sql=${encodeURIComponent("select 1 as one")}&_hide_sql=1`);
    assert.ok(!html.includes('id="sql-editor"'));
    assert.match(html, /<input type="hidden" name="sql" value="select 1 as one">/);
    assert.match(html, /<a href="\/site\/-\/query\?sql=select\+1\+as\+one">Show SQL<\/a>/);
    assert.doesNotMatch(html, EDITOR_SCRIPT);
  });
});

describe("query page: stored queries", () => {
  test("title and description escaped, read-only SQL, a field per parameter with its value, no editor", async () => {
    const { status, html } = await page(server, "/site/by_name?name=beta");
    assert.equal(status, 200);
    assert.match(html, /<h1>Find &lt;script&gt;x&lt;\/script&gt;<\/h1>/);
    assert.ok(html.includes("Looks up &lt;i&gt;one&lt;/i&gt; name"));
    assert.match(html, /<pre class="stored-sql-code"><code>select id, name from plain where name = :name<\/code><\/pre>/);
    assert.match(html, /<form class="sql-form query-form" method="get" action="\/site\/by_name">/);
    assert.match(html, /<label for="qp-0">name<\/label>\s*<input type="text" id="qp-0" name="name" value="beta">/);
    assert.match(html, /Query returning 1 row/);
    assert.match(html, /<a href="\/site\/by_name\?name=beta&amp;_hide_sql=1">Hide SQL<\/a>/);
    assert.match(html, /<a href="\/site\/-\/query\?sql=select\+id%2C\+name\+from\+plain\+where\+name\+%3D\+%3Aname&amp;name=beta">Edit SQL<\/a>/);
    assert.ok(!html.includes('id="sql-editor"'));
    assert.doesNotMatch(html, EDITOR_SCRIPT);
    assert.match(html, /Templates considered: query-site-by_name\.html, query-site\.html, \*query\.html/);
    assert.match(html, /<body class="query db-site query-by_name">/);
  });

  test("parameter values are escaped in their fields", async () => {
    const { html } = await page(server, `/site/by_name?name=${encodeURIComponent('"><script>alert(1)</script>')}`);
    assert.match(html, /name="name" value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.ok(!html.includes("<script>alert(1)</script>"));
  });

  test("hide_sql hides the SQL until _show_sql=1", async () => {
    const hidden = await page(server, "/site/hidden_sql");
    assert.ok(!hidden.html.includes("select 42"));
    assert.match(hidden.html, /<a href="\/site\/hidden_sql\?_show_sql=1">Show SQL<\/a>/);
    const shown = await page(server, "/site/hidden_sql?_show_sql=1");
    assert.match(shown.html, /<code>select 42 as answer<\/code>/);
    assert.match(shown.html, /<input type="hidden" name="_show_sql" value="1">/);
  });

  test("a magic parameter that cannot be filled is shown in the form; no field for it, no Edit SQL", async () => {
    const anonymous = await page(server, "/site/whoami");
    assert.equal(anonymous.status, 403, "anonymous visitors may not view this query at all");
    const { status, html } = await page(server, "/site/whoami", { name: "no id" });
    assert.equal(status, 400);
    assert.match(html, /role="alert">\s*<p><strong>Query failed:<\/strong> This query needs a signed-in actor with &quot;id&quot;<\/p>/);
    assert.ok(!html.includes('name="_actor_id"'));
    assert.ok(!html.includes("Edit SQL"));
    const ok = await page(server, "/site/whoami", { id: "ana" });
    assert.equal(ok.status, 200);
    assert.match(ok.html, /<td class="col-id type-str">ana<\/td>/);
    assert.match(ok.html, /<h1>whoami <span class="private-mark" role="img" aria-label="Private query" title="Private query">🔒<\/span><\/h1>/);
  });
});

describe("without execute-sql", () => {
  let locked: TestServer;
  before(async () => {
    locked = await startServer({
      databases: [{ path: siteDatabase(), immutable: false }],
      config: { databases: { site: { queries: { by_name: QUERIES.by_name } } } },
      settings: { default_allow_sql: false },
    });
  });
  after(() => locked.close());

  test("the database page has no SQL editor and loads no editor script", async () => {
    const { html } = await page(locked, "/site");
    assert.ok(!html.includes("sql-editor"));
    assert.doesNotMatch(html, EDITOR_SCRIPT);
    assert.ok(html.includes("/site/plain"));
  });

  test("stored queries still run, without an Edit SQL link", async () => {
    const { status, html } = await page(locked, "/site/by_name?name=alpha");
    assert.equal(status, 200);
    assert.match(html, /Query returning 1 row/);
    assert.ok(!html.includes("Edit SQL"));
  });
});

describe("base_url", () => {
  let prefixed: TestServer;
  before(async () => {
    prefixed = await startServer({
      databases: [{ path: siteDatabase(), immutable: false }],
      config: { databases: { site: { queries: { by_name: QUERIES.by_name } } } },
      settings: { base_url: "/pre/" },
    });
  });
  after(() => prefixed.close());

  test("every link, form action and script on the three pages carries the prefix", async () => {
    const index = await page(prefixed, "/pre/");
    assert.match(index.html, /<a href="\/pre\/site">site<\/a>/);
    assert.match(index.html, /<a href="\/pre\/site\/plain">plain<\/a>/);
    const db = await page(prefixed, "/pre/site");
    assert.match(db.html, /action="\/pre\/site\/-\/query"/);
    assert.match(db.html, /data-parameters-url="\/pre\/site\/-\/query\/parameters"/);
    assert.match(db.html, /<script type="module" src="\/pre\/-\/static\/editor\.js\?_hash=/);
    assert.match(db.html, /<a href="\/pre\/site\/by_name">/);
    assert.match(db.html, /<a href="\/pre\/site\/-\/schema">Schema<\/a>/);
    const q = await page(prefixed, "/pre/site/by_name?name=alpha");
    assert.match(q.html, /action="\/pre\/site\/by_name"/);
    assert.match(q.html, /href="\/pre\/site\/by_name\.csv\?name=alpha"/);
    assert.match(q.html, /href="\/pre\/site\/-\/query\?sql=/);
    for (const html of [index.html, db.html, q.html]) {
      for (const [, href] of html.matchAll(/(?:href|action|src)="(\/[^"]*)"/g)) assert.ok(href.startsWith("/pre/"), href);
    }
  });
});

describe("a database private to signed-in actors", () => {
  let guarded: TestServer;
  before(async () => {
    guarded = await startServer({ databases: [{ path: siteDatabase(), immutable: false }] });
    privateForAnonymous(guarded.app, { database: "site" });
  });
  after(() => guarded.close());

  test("🔒 beside its name on the index and in its heading", async () => {
    const index = await page(guarded, "/", { id: "ana" });
    assert.match(index.html, /<a href="\/site">site<\/a> <span class="private-mark" role="img" aria-label="Private database" title="Private database">🔒<\/span>/);
    const db = await page(guarded, "/site", { id: "ana" });
    assert.match(db.html, /<h1>site <span class="private-mark" role="img" aria-label="Private database"/);
    const anonymous = await page(guarded, "/");
    assert.ok(!anonymous.html.includes('href="/site"'));
  });
});
