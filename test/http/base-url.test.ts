/**
 * @module HTTP: `--setting base_url /prefix/` everywhere. A crawl of the demo site under the prefix checks
 * every link, form action, script and stylesheet URL, Link header and redirect of every page it reaches;
 * the pages a crawl cannot reach (errors, redirects, custom pages, messages, static mounts) are checked here.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDemo } from "../fixtures/demo.js";
import { crawl, type CrawlReport } from "../fixtures/crawl.js";
import { pageUrls, parseHtml } from "../fixtures/html-check.js";
import type { TestServer } from "../fixtures/server.js";

const PREFIX = "/prefix/";
let server: TestServer;
let report: CrawlReport;

before(async () => {
  const dir = join(process.env.TMPDIR ?? "/tmp", `almanac-base-url-${process.pid}`);
  const templates = join(dir, "templates");
  mkdirSync(join(templates, "pages"), { recursive: true });
  writeFileSync(join(templates, "pages", "about.html"), '{% extends "base.html" %}{% block content %}<h1>About</h1><a id="home" href="{{ urls.instance() }}">home</a>{% endblock %}');
  writeFileSync(join(templates, "pages", "elsewhere.html"), '{{ custom_redirect(urls.path("/about")) }}');
  const assets = join(dir, "assets");
  mkdirSync(assets, { recursive: true });
  writeFileSync(join(assets, "site.css"), "body { margin: 0 }");
  server = await startDemo({ setting: [["base_url", PREFIX]], templateDir: templates, static: [`assets:${assets}`] });
  const special = ["versions", "settings", "config", "databases", "plugins", "actor", "schema", "messages"].map((p) => `${PREFIX}-/${p}`);
  report = await crawl(server, { prefix: PREFIX, maxPages: 250, start: [...special, `${PREFIX}about`] });
});
after(() => server.close());

/** Every same-site URL in an HTML page, and its problems if any lacks the prefix. */
function unprefixed(html: string, pageUrl: string): string[] {
  const origin = new URL(server.url).origin;
  const bad: string[] = [];
  for (const { tag, attr, url } of pageUrls(parseHtml(html))) {
    if (url.startsWith("#")) continue;
    const resolved = new URL(url, origin + pageUrl);
    if (resolved.origin === origin && !resolved.pathname.startsWith(PREFIX)) bad.push(`<${tag} ${attr}="${url}">`);
  }
  return bad;
}

test("crawling the demo under the prefix: every URL of every page carries it and resolves", () => {
  assert.ok(report.visited.length > 50, `only ${report.visited.length} URLs reached`);
  assert.ok(report.visited.every((v) => v.url.startsWith(PREFIX)));
  assert.deepEqual(report.problems, [], `${report.problems.length} problems:\n${report.problems.slice(0, 40).join("\n")}`);
});

test("page kinds reached under the prefix: index, database, table, row, query, /-/ pages, custom page", () => {
  const urls = report.visited.filter((v) => v.status === 200).map((v) => v.url);
  for (const kind of [/^\/prefix\/$/, /^\/prefix\/bigmac$/, /^\/prefix\/bigmac\/bigmac(\?|$)/, /^\/prefix\/bigmac\/bigmac\/[^/?]+$/, /^\/prefix\/bigmac\/-\/query\?sql=/, /^\/prefix\/-\/settings$/, /^\/prefix\/about$/]) {
    assert.ok(urls.some((u) => kind.test(u)), `nothing like ${kind} answered 200`);
  }
});

test("error pages link home under the prefix", async () => {
  for (const path of [`${PREFIX}nope`, `${PREFIX}bigmac/nope`, `${PREFIX}bigmac/bigmac?_size=-1`]) {
    const r = await server.get(path);
    assert.ok(r.status >= 400, path);
    const html = await r.text();
    assert.deepEqual(unprefixed(html, path), [], path);
    assert.ok(html.includes(`href="${PREFIX}"`), path);
  }
});

test("redirects keep the prefix", async () => {
  const cases: [string, RegExp][] = [
    [`${PREFIX}-`, /^\/prefix\/-\/$/],
    [`${PREFIX}bigmac/`, /^\/prefix\/bigmac$/],
    [`${PREFIX}bigmac?sql=select+1`, /^\/prefix\/bigmac\/-\/query\?sql=select\+1$/],
    [`${PREFIX}bigmac/big%20mac`, /^\/prefix\/bigmac\/big\+mac$/],
    [`${PREFIX}bigmac/bigmac?_filter_column=iso_a3&_filter_op=exact&_filter_value=ARG`, /^\/prefix\/bigmac\/bigmac\?/],
    [`${PREFIX}elsewhere`, /^\/prefix\/about$/],
  ];
  for (const [path, expected] of cases) {
    const r = await server.get(path);
    assert.ok(r.status >= 300 && r.status < 400, `${path}: ${r.status}`);
    assert.match(r.headers.get("location") ?? "", expected, path);
  }
});

test("the messages form and its redirect carry the prefix; the cookie stays at Path=/", async () => {
  const form = await (await server.get(`${PREFIX}-/messages`)).text();
  assert.match(form, /action="\/prefix\/-\/messages"/);
  const r = await server.get(`${PREFIX}-/messages`, { method: "POST", headers: { "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" }, body: "message=hi" });
  assert.equal(r.headers.get("location"), PREFIX);
  assert.match(r.headers.get("set-cookie")!, /; Path=\/;/);
});

test("static mounts and the built-in assets are served under the prefix", async () => {
  const css = await server.get(`${PREFIX}assets/site.css`);
  assert.equal(css.status, 200);
  assert.equal(await css.text(), "body { margin: 0 }");
  const html = await (await server.get(PREFIX)).text();
  assert.match(html, /<link rel="stylesheet" href="\/prefix\/-\/static\/app\.css\?_hash=\w+">/);
  assert.match(html, /<script type="module" src="\/prefix\/-\/static\/app\.js\?_hash=\w+"><\/script>/);
  assert.match(html, /href="\/prefix\/favicon\.ico"/);
});

test("the JSON twin (Link header and <link rel=alternate>) carries the prefix", async () => {
  const r = await server.get(`${PREFIX}bigmac/countries`);
  assert.match(r.headers.get("link")!, /^<http:\/\/127\.0\.0\.1:\d+\/prefix\/bigmac\/countries\.json>/);
  assert.match(await r.text(), /<link rel="alternate" type="application\/json\+datasette" href="http:\/\/127\.0\.0\.1:\d+\/prefix\/bigmac\/countries\.json">/);
});

test("paths without the prefix still route (as in Datasette), and their links carry it", async () => {
  const r = await server.get("/bigmac");
  assert.equal(r.status, 200);
  assert.deepEqual(unprefixed(await r.text(), "/bigmac"), []);
});
