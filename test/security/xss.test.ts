/**
 * @module Security, attack class 6 (reflected and stored XSS): hostile database, table, view, column and
 * query names, cell values, FK labels, metadata and actors, and URLs echoed by error pages, on every kind of
 * HTML page. Each page is tokenized and must hold no markup built from data: no tag, attribute or event
 * handler from a payload, no script carrying a payload, no `javascript:`/`data:`/`vbscript:` URL, and
 * `description_html` (trusted, from the operator) as the only HTML passed through as given.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeDatabase, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { crawl } from "../fixtures/crawl.js";
import { executableScripts, pageUrls, parseHtml } from "../fixtures/html-check.js";
import { buildHostileDatabase, HOSTILE_NAMES, q, tablePath } from "./hostile-fixtures.js";
import { tildeEncode } from "../../src/http/tilde.js";

/** Every payload carries "xss" so a page can be searched for any of them that escaped into markup. */
const DB = "<svg onload=alert('xss-db')>";
const TABLE = "<script>alert('xss-table')</script>";
const COLUMN = `"><img src=x onerror=alert('xss-col') data-xss="1">`;
const VIEW = "<i data-xss='view'>v</i>";
const QUERY = "q<b data-xss=1>";
const VALUES = [
  "<script>alert('xss-v1')</script>",
  `"><svg onload=alert('xss-v2') data-xss="1">`,
  "</script><script>alert('xss-v3')</script>",
  "javascript:alert('xss-v4')",
  "JaVaScRiPt:alert('xss-v5')",
  " javascript:alert('xss-v6')",
  "java\tscript:alert('xss-v7')",
  "data:text/html,<script>alert('xss-v8')</script>",
  `https://ok.example/"onmouseover="alert('xss-v9')`,
  "vbscript:msgbox('xss-v10')",
  "<!--xss-v11",
  "{{ 7*7 }} {% raw %} xss-v12",
  "https://ok.example/xss-safe-link",
];
const LABEL = "<b data-xss=1>label</b>";

let server: TestServer;
let names: TestServer;
const dbPath = (suffix = "") => `/${tildeEncode(DB)}${suffix}`;
const tPath = (suffix = "") => `${dbPath()}/${tildeEncode(TABLE)}${suffix}`;

before(async () => {
  const dir = tempDir("almanac-xss-");
  const path = makeDatabase(
    join(dir, `${DB}.db`),
    `create table labels (id integer primary key, name text);
     create table ${q(TABLE)} (id integer primary key, ${q(COLUMN)} text, link text, label_ref integer references labels(id));
     create view ${q(VIEW)} as select * from ${q(TABLE)};
     create table docs (id integer primary key, body text);
     create virtual table docs_fts using fts5 (body, content="docs");`,
    (db) => {
      db.prepare("insert into labels values (1, ?)").run(LABEL);
      const ins = db.prepare(`insert into ${q(TABLE)} values (?, ?, ?, 1)`);
      VALUES.forEach((v, i) => ins.run(i + 1, v, v));
      const doc = db.prepare("insert into docs values (?, ?)");
      VALUES.forEach((v, i) => doc.run(i + 1, `searchable ${v}`));
      db.exec("insert into docs_fts (rowid, body) select id, body from docs");
    },
  );
  const templates = join(dir, "templates");
  mkdirSync(join(templates, "pages", "echo"), { recursive: true });
  writeFileSync(join(templates, "pages", "echo", "{thing}.html"), '{% extends "base.html" %}{% block content %}<p id="thing">{{ thing }}</p><p>{{ request.args.get("q") }}</p>{% endblock %}');
  server = await startServer({
    databases: [{ path, immutable: false }],
    templateDir: templates,
    config: {
      databases: {
        [DB]: {
          tables: { labels: { label_column: "name" } },
          queries: {
            [QUERY]: { sql: `select * from ${q(TABLE)} where id < :limit`, title: "<script>alert('xss-qtitle')</script>", description: "<img src=x onerror=alert('xss-qdesc')>" },
          },
        },
      },
    },
    metadata: {
      title: "<script>alert('xss-title')</script>",
      description: "<img src=x onerror=alert('xss-desc')>",
      description_html: '<em id="trusted-html">trusted</em>',
      license: "<b data-xss=1>licence</b>",
      license_url: "javascript:alert('xss-license')",
      source: "source",
      source_url: "data:text/html,<script>alert('xss-source')</script>",
      about: "about",
      about_url: " javascript:alert('xss-about')",
      databases: {
        [DB]: {
          description: "<script>alert('xss-dbdesc')</script>",
          tables: {
            [TABLE]: {
              title: "<script>alert('xss-ttitle')</script>",
              description: "<script>alert('xss-tdesc')</script>",
              columns: { [COLUMN]: "<img src=x onerror=alert('xss-coldesc')>" },
              source_url: "vbscript:msgbox('xss-tsource')",
            },
          },
        },
      },
    },
  });
  const hostile = buildHostileDatabase();
  names = await startServer({ databases: [{ path: hostile.path, immutable: false }] });
});
after(async () => {
  await server.close();
  await names.close();
});

/** What is wrong with a page, from an attacker's point of view. */
function xssProblems(url: string, html: string): string[] {
  const page = parseHtml(html);
  const out = page.problems.map((p) => `${url}: ${p}`);
  for (const tag of page.tags) {
    for (const [name, value] of tag.attrs) {
      if (name.includes("xss")) out.push(`${url}: an attribute ${name} made from data on <${tag.name}>`);
      if (["svg", "img", "iframe", "object", "embed", "b", "i"].includes(tag.name) && value.includes("xss")) out.push(`${url}: a <${tag.name}> made from data`);
    }
  }
  for (const { tag, attr, url: target } of pageUrls(page)) {
    // Browsers drop tabs, newlines and leading spaces from a URL before reading its scheme.
    const scheme = target.replace(/[\x00-\x20]/g, "").toLowerCase();
    if (/^(javascript|data|vbscript):/.test(scheme)) out.push(`${url}: <${tag} ${attr}="${target}">`);
  }
  for (const { text } of executableScripts(page)) if (text.includes("xss")) out.push(`${url}: a script carrying a payload`);
  for (const { tag, text } of page.rawText) if (tag.name === "script" && /<!--/.test(text)) out.push(`${url}: "<!--" inside a script`);
  if (html.includes("49") && html.includes("xss-v12") && !html.includes("{{ 7*7 }}")) out.push(`${url}: a value was evaluated as a template`);
  return out;
}

async function htmlOf(target: TestServer, path: string): Promise<{ status: number; html: string; url: string }> {
  let r = await target.get(path);
  let url = path;
  // Percent-encoded paths are redirected to their tilde form first.
  for (let hops = 0; r.status >= 300 && r.status < 400 && hops < 3; hops++) {
    url = r.headers.get("location")!;
    r = await target.get(url);
  }
  return { status: r.status, html: await r.text(), url };
}

async function assertClean(target: TestServer, paths: string[], expectStatus?: (status: number, path: string) => void): Promise<void> {
  const problems: string[] = [];
  for (const path of paths) {
    const { status, html } = await htmlOf(target, path);
    expectStatus?.(status, path);
    problems.push(...xssProblems(path, html));
  }
  assert.deepEqual(problems, [], problems.slice(0, 30).join("\n"));
}

test("every page the hostile site links to is free of injected markup (crawled)", async () => {
  const problems: string[] = [];
  let pages = 0;
  const report = await crawl(server, {
    maxPages: 300,
    start: [tPath(`?_facet=${encodeURIComponent(COLUMN)}`), tPath("?_facet=link"), tPath("?_facet=label_ref"), `${dbPath()}/docs?_search=searchable`, "/-/messages", "/-/schema", "/-/config", "/-/databases"],
    onHtml(url, html) {
      pages++;
      problems.push(...xssProblems(url, html));
    },
  });
  assert.ok(pages > 20, `only ${pages} HTML pages reached`);
  assert.deepEqual(problems, [], problems.slice(0, 30).join("\n"));
  // The crawl's own findings include javascript:/data: URLs in any page and broken links to hostile names.
  assert.deepEqual(report.problems, [], report.problems.slice(0, 30).join("\n"));
});

test("table, view, row, query and schema pages with hostile names and values", async () => {
  const paths = [
    "/",
    dbPath(),
    tPath(),
    tPath(`?_sort=${encodeURIComponent(COLUMN)}`),
    tPath(`?${encodeURIComponent(COLUMN)}__contains=${encodeURIComponent("<script>alert('xss-filter')</script>")}`),
    tPath(`?_where=${encodeURIComponent("id > 0")}`),
    tPath(`?_facet=${encodeURIComponent(COLUMN)}&_facet=link`),
    `${dbPath()}/${tildeEncode(VIEW)}`,
    `${dbPath()}/docs?_search=${encodeURIComponent("<script>alert('xss-search')</script>")}`,
    ...VALUES.map((_, i) => tPath(`/${i + 1}`)),
    `${dbPath()}/labels/1`,
    `${dbPath()}/-/query?sql=${encodeURIComponent(`select '<script>alert(''xss-sql'')</script>' as "<b data-xss=1>alias</b>", * from ${q(TABLE)}`)}`,
    `${dbPath()}/${tildeEncode(QUERY)}?limit=5`,
    `${dbPath()}/-/schema`,
    tPath("/-/schema"),
    "/-/schema",
    "/-/databases",
    "/-/config",
    `/echo/${tildeEncode("<script>alert('xss-var')</script>")}?q=${encodeURIComponent("<script>alert('xss-q')</script>")}`,
  ];
  await assertClean(server, paths, (status, path) => assert.ok(status < 500, `${path}: ${status}`));
});

test("the table page shows hostile values as text", async () => {
  const { html } = await htmlOf(server, tPath());
  const text = parseHtml(html).text.join("");
  for (const value of ["<script>alert('xss-v1')</script>", "</script><script>alert('xss-v3')</script>", "{{ 7*7 }} {% raw %} xss-v12"]) {
    assert.ok(text.includes(value), `${JSON.stringify(value)} is not shown as text`);
  }
});

test("javascript:, data: and vbscript: values are never links; http(s) values are", async () => {
  const { html } = await htmlOf(server, tPath());
  const hrefs = pageUrls(parseHtml(html)).map((u) => u.url);
  assert.ok(!hrefs.some((h) => /^\s*(javascript|data|vbscript)/i.test(h.replace(/\s/g, ""))));
  // The quote in the https value makes it no URL at all: shown as text, not linked.
  assert.ok(!hrefs.some((h) => h.includes("onmouseover")));
  assert.ok(hrefs.includes("https://ok.example/xss-safe-link"));
});

test("the checker itself catches markup built from data (so a clean result means something)", () => {
  const bad = [
    '<p><img src=x onerror=alert("xss")></p>',
    '<p title=""><svg data-xss="1"></svg></p>',
    "<p><script>alert('xss')</script></p>",
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" data:text/html,x">x</a>',
    '<td class="x" class="y">1</td>',
    "<p><b>unclosed</p>",
  ];
  for (const html of bad) assert.notDeepEqual(xssProblems("/t", html), [], html);
  assert.deepEqual(xssProblems("/t", "<p>&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;</p>"), []);
});

test("metadata: description escaped, description_html as given, unsafe licence/source/about URLs not linked", async () => {
  const { html } = await htmlOf(server, "/");
  assert.match(html, /<em id="trusted-html">trusted<\/em>/);
  const text = parseHtml(html).text.join("");
  assert.ok(text.includes("<script>alert('xss-title')</script>"), "the title is shown as text");
  const table = parseHtml((await htmlOf(server, tPath())).html);
  const hrefs = pageUrls(table).map((u) => u.url);
  const metadataLink = /xss-(license|source|about|tsource)/;
  assert.deepEqual(hrefs.filter((h) => metadataLink.test(h)), []);
  const index = pageUrls(parseHtml(html)).map((u) => u.url);
  assert.deepEqual(index.filter((h) => metadataLink.test(h)), []);
  // The link text still shows, unlinked.
  assert.ok(text.includes("<b data-xss=1>licence</b>"));
});

test("error pages never echo the URL or a parameter as markup", async () => {
  const paths = [
    `/${encodeURIComponent("<script>alert('xss-path')</script>")}`,
    `/nope?x=${encodeURIComponent("<script>alert('xss-qs')</script>")}`,
    tPath(`?_sort=${encodeURIComponent("<script>alert('xss-sort')</script>")}`),
    tPath(`?_size=${encodeURIComponent("<script>alert('xss-size')</script>")}`),
    tPath(`?_facet=${encodeURIComponent("<img src=x onerror=alert('xss-facet')>")}`),
    tPath(`?id__${encodeURIComponent("<b data-xss=1>")}=1`),
    `${dbPath()}/${tildeEncode("<script>alert('xss-missing')</script>")}`,
    `${dbPath()}/-/query?sql=${encodeURIComponent("select * from \"<script>alert('xss-err')</script>\"")}`,
    `${dbPath()}/-/query?sql=${encodeURIComponent("select <img src=x onerror=alert('xss-syntax')>")}`,
    tPath(`/${tildeEncode("<script>alert('xss-row')</script>")}`),
    `/echo/x?q=1&_=${encodeURIComponent("\"><script>alert('xss')</script>")}`,
  ];
  await assertClean(server, paths, (status, path) => assert.ok(status < 500, `${path}: ${status}`));
});

test("a hostile actor name is escaped in the header and on /-/actor", async () => {
  const actor = JSON.stringify({ id: "<script>alert('xss-actor')</script>", name: `"><img src=x onerror=alert('xss-name')>` });
  for (const path of ["/", "/-/actor", tPath()]) {
    const r = await server.app.request(path, { headers: { "x-almanac-get-actor": actor } });
    const problems = xssProblems(path, r.body.toString());
    assert.deepEqual(problems, [], problems.join("\n"));
  }
});

test("every table, column and row page of the hostile-names database (attack class 1 names) is clean", async () => {
  const paths = ["/", "/hostile", ...HOSTILE_NAMES.flatMap((n) => [tablePath("hostile", n), tablePath("hostile", n, "/1")])];
  await assertClean(names, paths, (status, path) => assert.equal(status, 200, path));
});

test("non-HTML responses are never sniffed into HTML", async () => {
  for (const path of [tPath(".json"), tPath(".csv"), `${dbPath()}/-/query.csv?sql=${encodeURIComponent("select '<script>alert(1)</script>'")}`, "/-/versions.json"]) {
    const r = await server.get(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
    assert.doesNotMatch(r.headers.get("content-type")!, /html/, path);
  }
});
