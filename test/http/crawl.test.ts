/**
 * @module HTTP: every link on the demo site resolves. A breadth-first crawl from `/` follows every same-site
 * href, src, form action, `data-…-url` and redirect (up to 400 requests) and finds no error status, no HTML
 * that fails to parse cleanly, no JSON that fails to parse and no request to another site.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo } from "../fixtures/demo.js";
import { crawl, type CrawlReport } from "../fixtures/crawl.js";
import type { TestServer } from "../fixtures/server.js";

let server: TestServer;
let report: CrawlReport;

before(async () => {
  server = await startDemo();
  // The /-/ pages are not all linked from the others; they are pages of the site all the same.
  const special = ["versions", "settings", "config", "databases", "plugins", "actor", "schema", "messages"].map((p) => `/-/${p}`);
  report = await crawl(server, { maxPages: 400, start: special });
});
after(() => server.close());

test("the crawl reaches every kind of page", () => {
  const urls = report.visited.map((v) => v.url);
  const html = report.visited.filter((v) => v.type.startsWith("text/html")).length;
  assert.ok(html >= 10, `only ${html} HTML pages reached`);
  const kinds = [/^\/bigmac$/, /^\/bigmac\/bigmac(\?|$)/, /^\/bigmac\/countries(\?|$)/, /^\/bigmac\/bigmac\/[^/?]+$/, /^\/bigmac\/-\/query\?sql=/, /\.json(\?|$)/, /\.csv(\?|$)/, /^\/-\/versions$/, /^\/-\/schema$/];
  for (const kind of kinds) {
    assert.ok(urls.some((u) => kind.test(u)), `no URL like ${kind} was linked`);
  }
});

test("no link on the demo site is broken, and every page parses", () => {
  assert.deepEqual(report.problems, [], `${report.problems.length} problems:\n${report.problems.slice(0, 40).join("\n")}`);
});

test("the demo site's pages load nothing from other sites", () => {
  assert.ok(!report.problems.some((p) => p.includes("another site")));
  // Links to other sites are fine (the data's source and licence); they are never fetched by the page.
  for (const href of report.external) assert.match(href, /^https:\/\//, href);
});
