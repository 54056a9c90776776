/**
 * @module HTTP: the plugin the tutorial (docs/plugin-tutorial.md) builds, loaded from docs/examples/cheapest the
 * way the tutorial runs it — `--plugins-dir plugins --template-dir templates` on the demo — does what it says.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDemo } from "../fixtures/demo.js";
import type { TestServer } from "../fixtures/server.js";

const EXAMPLE = join("docs", "examples", "cheapest");
let server: TestServer;
before(async () => {
  server = await startDemo({ pluginsDir: join(EXAMPLE, "plugins"), templateDir: join(EXAMPLE, "templates") });
});
after(async () => server.close());

test("the SQL function works in any query", async () => {
  const r = await server.json("/bigmac/-/query.json?sql=select+percent(0.1161)+as+a,+percent(-0.25)+as+b,+percent(null)+as+c&_shape=array");
  assert.deepEqual(r.body, [{ a: "+11.6%", b: "-25.0%", c: null }]);
});

test("/-/cheapest lists ten countries of the latest survey, cheapest first, in the site's layout, linked from the menu", async () => {
  const page = await server.get("/-/cheapest");
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<h1>The ten cheapest Big Macs<\/h1>/);
  assert.match(html, /<header class="site-header">/, "the page extends base.html");
  const latest = (await server.json("/bigmac/-/query.json?sql=select+max(date)+as+d+from+bigmac&_shape=array")).body[0].d;
  assert.match(html, new RegExp(`In the survey of ${latest}`));
  const prices = [...html.matchAll(/<tr><td>[^<]+<\/td><td>([0-9.]+)<\/td><td>[+-][0-9.]+%<\/td><\/tr>/g)].map((m) => Number(m[1]));
  assert.equal(prices.length, 10);
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
  assert.match(await (await server.get("/")).text(), /<a href="\/-\/cheapest">Cheapest Big Macs<\/a>/);
});
