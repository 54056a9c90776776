/**
 * @module HTTP: the tour — an npm-packaged plugin and a --plugins-dir plugin that between them implement every
 * hook — loaded together and exercised hook by hook over HTTP, failure cases included. (The CLI hooks,
 * register_commands and publish_subcommand, run in test/cli/plugin-tour.test.ts.)
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HOOK_NAMES } from "../../src/plugins/types.js";
import type { TestServer } from "../fixtures/server.js";
import { startTour } from "../fixtures/tour.js";

let server: TestServer;
before(async () => {
  server = await startTour();
});
after(async () => server.close());

const HTML = { accept: "text/html" };

test("between them, the two tour plugins implement every hook Almanac has", async () => {
  const listed = (await server.json("/-/plugins.json")).body as { name: string; hooks: string[]; static: boolean; version: string }[];
  const tour = listed.filter((p) => p.name === "almanac-plugin-tour" || p.name === "tour-pages");
  assert.deepEqual(tour.map((p) => [p.name, p.version, p.static]), [["almanac-plugin-tour", "0.9.0", true], ["tour-pages", "0.9.0", false]]);
  assert.deepEqual([...new Set(tour.flatMap((p) => p.hooks))].sort(), [...HOOK_NAMES].sort());
});

test("startup, register_routes, prepare_connection (with its configuration) and asgi_wrapper", async () => {
  const tour = await server.json("/-/tour");
  assert.deepEqual(tour.body.started, ["data"]);
  assert.equal(tour.headers.get("x-tour"), "wrapped");
  const scaled = await server.json("/data/-/query.json?sql=select+tour_scale(score)+as+s+from+people+order+by+id&_shape=array");
  assert.deepEqual(scaled.body, [{ s: 100 }, { s: 200 }, { s: 300 }, { s: 400 }]);
  assert.equal((await server.get("/data/people.json")).headers.get("x-tour"), "wrapped");
});

test("actor_from_request and permission_rules: the secret table is the tourist's alone", async () => {
  assert.deepEqual((await server.json("/-/actor.json", { headers: { "x-tour-user": "tourist" } })).body.actor, { id: "tourist", via: "tour" });
  assert.equal((await server.json("/data/secret.json")).status, 403);
  assert.equal((await server.json("/data/secret.json", { headers: { "x-tour-user": "someone" } })).status, 403);
  const mine = await server.json("/data/secret.json?_shape=array", { headers: { "x-tour-user": "tourist" } });
  assert.deepEqual(mine.body, [{ id: 1, note: "for the tourist" }]);
});

test("forbidden and handle_exception answer instead of the default pages; an unhandled crash stays a plain 500", async () => {
  const page = await server.get("/data/secret", { headers: HTML });
  assert.equal(page.status, 403);
  assert.match(await page.text(), /The tour says no/);
  assert.equal((await server.json("/data/secret.json")).body.ok, false, "JSON clients keep the default 403");
  const crash = await server.get("/-/tour/crash");
  assert.equal(crash.status, 418);
  assert.equal(await crash.text(), "handled: the tour crashed");
  const unhandled = await server.json("/-/tour/unhandled", { headers: { accept: "application/json" } });
  assert.equal(unhandled.status, 500);
  assert.doesNotMatch(JSON.stringify(unhandled.body), /nobody handles this/);
});

test("track_event hears events fired by a plugin (and by core, with the actor)", async () => {
  const fired = await server.get("/-/tour/fire", { method: "POST", headers: { "x-tour-user": "tourist", "sec-fetch-site": "same-origin" } });
  assert.equal(fired.status, 204);
  const events = (await server.json("/-/tour")).body.events as { name: string; actor: unknown }[];
  assert.deepEqual(events.at(-1), { name: "tour-fired", actor: { id: "tourist", via: "tour" }, properties: { via: "route" } });
  assert.equal((await server.get("/-/tour/fire", { method: "POST", headers: { origin: "https://evil.example" } })).status, 403, "plugin POST routes are CSRF-protected too");
});

test("register_output_renderer: .tour on tables, views, rows and queries; can_render decides the link; bad output is a 500", async () => {
  assert.equal(await (await server.get("/data/people.tour")).text(), "table: 4 rows of id,name,score\n");
  assert.equal(await (await server.get("/data/high_scores.tour")).text(), "table: 3 rows of name,score\n");
  assert.equal(await (await server.get("/data/people/1.tour")).text(), "row: 1 rows of id,name,score\n");
  assert.equal(await (await server.get("/data/-/query.tour?sql=select+1+as+a")).text(), "query: 1 rows of a\n");
  assert.match(await (await server.get("/data/people")).text(), /href="http:[^"]*\/data\/people\.tour">tour</);
  assert.doesNotMatch(await (await server.get("/data/-/query?sql=select+1+as+secret_column")).text(), /\.tour\?/);
  const bad = await server.get("/data/people.tour?_tour_bad=1");
  assert.equal(bad.status, 500);
  assert.doesNotMatch(await bad.text(), /not a status/);
});

test("register_facet_classes: the initial facet in JSON and on the page, its toggle filtering the table", async () => {
  const r = await server.json("/data/people.json?_facet_initial=name");
  const facet = r.body.facet_results.results.name;
  assert.equal(facet.type, "initial");
  assert.deepEqual(facet.results.slice(0, 2).map((v: { value: string; count: number }) => [v.value, v.count]), [["A", 2], ["<", 1]]);
  const toggled = new URL(facet.results[0].toggle_url, server.url);
  const filtered = await server.json(`${toggled.pathname}?${toggled.searchParams}&_shape=array`);
  assert.deepEqual(filtered.body.map((p: { name: string }) => p.name), ["Ada", "Alan"]);
});

test("register_magic_parameters: :_tour_greeting is filled from the request", async () => {
  const r = await server.json("/data/greet.json?_shape=array", { headers: { "x-tour-user": "tourist" } });
  assert.deepEqual(r.body, [{ greeting: "greeting for tourist" }]);
});

test("page hooks on every page kind: menu link, CSS/JS, template variables, body script, actions menus and top slots", async () => {
  const pages: [string, RegExp, RegExp][] = [
    ["/", /Tour the instance/, /Top of the home page/],
    ["/data", /Tour data/, /Top of data/],
    ["/data/people", /Tour people/, /Top of table people/],
    ["/data/high_scores", /Tour view high_scores/, /Top of table high_scores/],
    ["/data/people/2", /Tour row 2/, /Top of row 2/],
    ["/data/-/query?sql=select+1", /Tour this SQL/, /Top of a query: select 1/],
    ["/data/by_name?name=Ada", /Tour query by_name/, /Top of stored query by_name/],
  ];
  for (const [path, action, top] of pages) {
    const html = await (await server.get(path, { headers: HTML })).text();
    assert.match(html, action, `${path}: actions menu`);
    assert.match(html, top, `${path}: top slot`);
    assert.match(html, /<a href="\/-\/tour">Tour<\/a>/, `${path}: menu link`);
    assert.match(html, /<link rel="stylesheet" href="\/-\/static-plugins\/almanac-plugin-tour\/tour\.css">/, `${path}: extra CSS`);
    assert.match(html, /<script type="module">document\.body\.dataset\.tourScript = 'ran';<\/script>/, `${path}: body script`);
  }
  assert.match(await (await server.get("/data/people")).text(), /<script type="module" src="\/-\/static-plugins\/almanac-plugin-tour\/tour\.js">/);
  assert.doesNotMatch(await (await server.get("/data")).text(), /tour\.js/, "extra_js_urls is told which page it is on");
  const tourStatic = await server.get("/-/static-plugins/almanac-plugin-tour/tour.js");
  assert.equal(tourStatic.status, 200);
  assert.match(await tourStatic.text(), /almanac:init/);
});

test("render_cell: name cells marked, the value escaped by the plugin; other cells untouched", async () => {
  const html = await (await server.get("/data/people")).text();
  assert.match(html, /<mark class="tour-mark">Ada<\/mark>/);
  assert.match(html, /<mark class="tour-mark">&#60;b&#62;Bold&#60;\/b&#62;<\/mark>/);
  assert.doesNotMatch(html, /<b>Bold<\/b>/);
  const query = await (await server.get("/data/-/query?sql=select+name+from+people+where+id%3D3")).text();
  assert.match(query, /<mark class="tour-mark">Grace<\/mark>/);
});
