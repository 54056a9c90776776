/**
 * @module Browser: the built-in chart builder and the browser plugin API on the demo site. The Big Mac dollar
 * price over time for Switzerland (iso_a3=CHE, x=date, y=dollar_price) drawn as a line chart through the form,
 * from every filtered row although the page (and each JSON page) holds 10 of them; reloaded from its URL;
 * exported as PNG and SVG (files kept in test-artifacts/browser/). A query page chart past the row cap, with
 * counts made by the server; the dark theme; and small browser plugins registered on `almanac:init` and
 * `datasette_init`, one of which throws. Screenshots, axe and a clean console at every step; nothing off-site.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { ARTIFACTS, assertAccessible, checkpoint, demoJourneys, isFocused, screenshot } from "../fixtures/browser.js";

const PAGE_ROWS = 10;
const QUERY_CAP = 25;
// Ten rows a page (and per JSON page), so a chart of 43 rows must follow next_url; query pages chart at most
// 25 rows (the database's max_rows), the bigmac table up to 1,000.
const journey = demoJourneys({
  setting: [
    ["max_returned_rows", String(PAGE_ROWS)],
    ["databases.bigmac.plugins.almanac-charts.max_rows", String(QUERY_CAP)],
    ["databases.bigmac.tables.bigmac.plugins.almanac-charts.max_rows", "1000"],
  ],
});

const control = (page: Page, label: string) => page.getByLabel(label, { exact: true });
const figure = (page: Page) => page.locator(".almanac-chart .chart-figure");
const status = (page: Page) => page.locator(".almanac-chart .chart-status");

/** Waits until the chart shows `fragment` (the URL's #chart=…) and has finished drawing it. */
async function chartShows(page: Page, fragment: string): Promise<void> {
  // A string: it runs in the page, and this file is compiled without the DOM types.
  await page.waitForFunction(`location.hash === ${JSON.stringify(fragment)}
    && document.querySelector(".chart-figure:not([aria-busy])")?.dataset.chart === ${JSON.stringify(fragment)}`);
}

/** How many times the Vega bundle (render-<hash>.js) was fetched. */
const vegaLoads = (page: Page) => page.evaluate(`performance.getEntriesByType("resource").filter((e) => /\\/render-[^/]+\\.js$/.test(e.name)).length`) as Promise<number>;

async function selectValues(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of ["mark", "x", "y", "agg", "color", "size"]) out[key] = await page.locator(`#almanac-chart-${key}`).inputValue();
  return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

journey("a line chart of the Big Mac dollar price in Switzerland: built by keyboard, every filtered row, a link, PNG and SVG", async (session, demo) => {
  const { page } = session;
  const expected = (await demo.json("/bigmac/bigmac.json?iso_a3=CHE&_extra=count")).body.count as number;
  assert.equal(expected, 43);
  const jsonPages: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/bigmac/bigmac.json") jsonPages.push(r.url());
  });

  await page.goto(`${demo.url}/bigmac/bigmac?iso_a3=CHE`);
  assert.equal(await page.locator("table.rows-and-columns tbody tr").count(), PAGE_ROWS, "the page itself shows one page of rows");
  const toggle = page.getByRole("button", { name: "Chart", exact: true });
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  assert.equal(await vegaLoads(page), 0, "Vega is not loaded before a chart is asked for");

  // Keyboard: Tab to the Chart button, Enter opens the panel; the defaults draw at once.
  await toggle.focus();
  await page.keyboard.press("Enter");
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  const panel = page.getByRole("region", { name: "Chart" });
  await panel.waitFor();
  await chartShows(page, "#chart=line&x=date&y=local_price");

  // Tab into the form: chart type, x, y are the first controls, in that order.
  await page.keyboard.press("Tab");
  assert.ok(await isFocused(control(page, "Chart type")), "Tab moves from the Chart button to the chart type");
  await control(page, "Chart type").selectOption("line");
  await page.keyboard.press("Tab");
  assert.ok(await isFocused(control(page, "X axis")));
  await control(page, "X axis").selectOption("date");
  await page.keyboard.press("Tab");
  assert.ok(await isFocused(control(page, "Y axis")));
  await control(page, "Y axis").selectOption("dollar_price");
  await chartShows(page, "#chart=line&x=date&y=dollar_price");

  assert.equal(await status(page).textContent(), `Charting all ${expected} rows.`);
  assert.equal(await figure(page).getAttribute("data-rows"), String(expected));
  assert.equal(await figure(page).getAttribute("data-values"), String(expected), "Vega holds every filtered row");
  // One line, and one point on it per row (points are drawn on lines of up to 300 rows).
  assert.equal(await page.locator(".chart-view svg .mark-line path").count(), 1);
  assert.equal(await page.locator(".chart-view svg .mark-symbol path").count(), expected);
  assert.match((await page.locator(".chart-view").getAttribute("aria-label")) ?? "", /^Line chart of dollar_price by date, from 43 rows$/);
  assert.equal(await page.locator(".chart-caption").textContent(), "Line chart of dollar_price by date, from 43 rows");
  // 43 rows at 10 a page: the first page and four more through next_url.
  const chartPages = jsonPages.filter((u) => new URL(u).searchParams.get("_size") === "max");
  assert.equal(chartPages.length, Math.ceil(expected / PAGE_ROWS), chartPages.join("\n"));
  assert.ok(chartPages.every((u) => new URL(u).searchParams.get("iso_a3") === "CHE"), "every page keeps the filter");
  assert.equal(await vegaLoads(page), 1, "Vega arrived once the panel opened");
  await checkpoint(session, "charts-01-che-dollar-price-line");

  // The URL is the chart: a reload draws it again, panel open, form filled in.
  await page.reload();
  await chartShows(page, "#chart=line&x=date&y=dollar_price");
  assert.equal(await page.getByRole("button", { name: "Chart", exact: true }).getAttribute("aria-expanded"), "true");
  assert.deepEqual(await selectValues(page), { mark: "line", x: "date", y: "dollar_price", agg: "", color: "", size: "" });
  assert.equal(await figure(page).getAttribute("data-values"), String(expected));
  assert.equal(await page.locator(".chart-view svg .mark-symbol path").count(), expected);
  await checkpoint(session, "charts-02-reloaded-from-url");

  // PNG by mouse, SVG by keyboard; both kept as artefacts.
  const pngDownload = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download PNG" }).click();
  const png = await pngDownload;
  assert.equal(png.suggestedFilename(), "bigmac-chart.png");
  const pngPath = join(ARTIFACTS, "charts-che-dollar-price.png");
  await png.saveAs(pngPath);
  const pngBytes = readFileSync(pngPath);
  assert.deepEqual(pngBytes.subarray(0, 8), PNG_SIGNATURE, "a PNG file");
  // IHDR: width and height at twice the drawn size.
  const svgBox = await page.locator(".chart-view svg").boundingBox();
  assert.equal(pngBytes.readUInt32BE(16), Math.round(svgBox!.width) * 2);
  assert.equal(pngBytes.readUInt32BE(20), Math.round(svgBox!.height) * 2);

  const svgButton = page.getByRole("button", { name: "Download SVG" });
  await svgButton.focus();
  const svgDownload = page.waitForEvent("download");
  await page.keyboard.press("Enter");
  const svg = await svgDownload;
  assert.equal(svg.suggestedFilename(), "bigmac-chart.svg");
  const svgPath = join(ARTIFACTS, "charts-che-dollar-price.svg");
  await svg.saveAs(svgPath);
  const svgText = readFileSync(svgPath, "utf8");
  assert.match(svgText, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, "an SVG root element");
  assert.match(svgText, /<\/svg>$/);
  assert.equal((svgText.match(/class="mark-symbol role-mark/g) ?? []).length, 1);
  assert.ok(svgText.includes("dollar_price") && svgText.includes("date"), "axis titles in the file");
  assert.equal(await status(page).textContent(), "The chart was saved as SVG.");
  await checkpoint(session, "charts-03-exported");
});

journey("the chart follows the table: a column's menu charts it, and new filters keep the chart", async (session, demo) => {
  const { page } = session;
  await page.goto(`${demo.url}/bigmac/bigmac?iso_a3=CHE`);
  const menuButton = page.getByRole("button", { name: "Column actions: dollar_price" });
  await menuButton.focus();
  await page.keyboard.press("ArrowDown");
  const item = page.getByRole("menuitem", { name: "Chart this column" });
  await item.focus();
  await page.keyboard.press("Enter");
  await chartShows(page, "#chart=histogram&x=dollar_price");
  assert.equal(await page.getByRole("button", { name: "Chart", exact: true }).getAttribute("aria-expanded"), "true");
  assert.equal(await figure(page).getAttribute("data-rows"), "43");
  assert.ok((await page.locator(".chart-view svg .mark-rect path").count()) > 1, "bars of a histogram");

  // A new filter through the filter form: the page it leads to opens with the same chart, of the new rows.
  const form = page.locator("form.filters");
  await form.locator("#filter-column-new").selectOption("dollar_price");
  await form.locator("#filter-op-new").selectOption("gt");
  await form.locator("#filter-value-new").fill("7");
  await form.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL((url) => url.searchParams.has("dollar_price__gt"));
  await chartShows(page, "#chart=histogram&x=dollar_price");
  const filtered = (await demo.json("/bigmac/bigmac.json?iso_a3=CHE&dollar_price__gt=7&_extra=count")).body.count as number;
  assert.ok(filtered > 0 && filtered < 43);
  assert.equal(await figure(page).getAttribute("data-rows"), String(filtered));
  await checkpoint(session, "charts-09-histogram-after-filter");
});

journey("a query page chart: paged past max_returned_rows up to the cap, and counts made by the server", async (session, demo) => {
  const { page } = session;
  const sql = "select date, name, dollar_price from bigmac where iso_a3 in ('CHE', 'NOR', 'SWE') order by date";
  await page.goto(`${demo.url}/bigmac/-/query?sql=${encodeURIComponent(sql)}#chart=point&x=date&y=dollar_price&color=name`);
  await chartShows(page, "#chart=point&x=date&y=dollar_price&color=name");
  assert.equal(await page.locator("table.rows-and-columns tbody tr").count(), PAGE_ROWS, "the query page shows max_returned_rows rows");
  assert.equal(await figure(page).getAttribute("data-rows"), String(QUERY_CAP));
  assert.equal(await status(page).textContent(), `Charting the first ${QUERY_CAP} rows: charts stop at ${QUERY_CAP} rows (max_rows). Filter the rows to chart the rest.`);
  assert.ok((await page.locator(".chart-view svg .role-legend").count()) > 0, "a legend for the colour");
  await checkpoint(session, "charts-04-query-capped");

  // Count of rows by name: past the cap the server counts them all (GROUP BY over the query).
  await control(page, "Chart type").selectOption("bar");
  await control(page, "X axis").selectOption("name");
  await control(page, "Y axis").selectOption("");
  await control(page, "Colour").selectOption("");
  await chartShows(page, "#chart=bar&x=name");
  const counted = (await demo.json(`/bigmac/-/query.json?sql=${encodeURIComponent(`select count(*) as n from (${sql})`)}`)).body.rows[0].n as number;
  assert.ok(counted > QUERY_CAP);
  assert.equal(await figure(page).getAttribute("data-rows"), String(counted));
  assert.equal(await figure(page).getAttribute("data-values"), "3", "one bar per country");
  assert.match((await status(page).textContent()) ?? "", new RegExp(`^Counting all ${counted} rows by name: the server counted them`));
  assert.equal(await page.locator(".chart-view svg .mark-rect path").count(), 3);
  // Histogram: y, its aggregate and size do not apply and are disabled.
  await control(page, "Chart type").selectOption("histogram");
  await control(page, "X axis").selectOption("dollar_price");
  await chartShows(page, "#chart=histogram&x=dollar_price");
  assert.ok(await control(page, "Y axis").isDisabled());
  assert.ok(await control(page, "Combine Y values").isDisabled());
  assert.ok(await control(page, "Point size").isDisabled());
  await checkpoint(session, "charts-05-query-histogram");
});

journey(
  "dark theme: the chart takes the page's colours and passes axe",
  async (session, demo) => {
    const { page } = session;
    const rows = (await demo.json("/bigmac/bigmac.json?iso_a3__in=CHE,NOR,USA&_extra=count")).body.count as number;
    await page.goto(`${demo.url}/bigmac/bigmac?iso_a3__in=CHE,NOR,USA#chart=area&x=date&y=dollar_price&agg=mean`);
    await chartShows(page, "#chart=area&x=date&y=dollar_price&agg=mean");
    const [pageBackground, chartBackground] = (await page.evaluate(
      `[getComputedStyle(document.body).backgroundColor, document.querySelector(".chart-view svg").style.backgroundColor]`,
    )) as [string, string];
    assert.equal(chartBackground, pageBackground, "the chart's background is the page's");
    assert.equal(await page.locator(".chart-caption").textContent(), `Area chart of mean of dollar_price by date, from ${rows} rows`);
    await checkpoint(session, "charts-06-dark-area-mean");
  },
  { colorScheme: "dark" },
);

journey("a link naming a column the result lacks falls back and says so", async (session, demo) => {
  const { page } = session;
  await page.goto(`${demo.url}/bigmac/bigmac?iso_a3=CHE#chart=bar&x=nope&y=dollar_price`);
  await chartShows(page, "#chart=bar&x=date&y=dollar_price");
  assert.match((await status(page).textContent()) ?? "", /The link asked for no column named nope; the chart uses other columns instead\.$/);
  await assertAccessible(page, "charts-bad-link");
});

/** Registered before any page script runs: plugins listening for almanac:init and datasette_init. */
const TEST_PLUGINS = `
  document.addEventListener("almanac:init", (event) => {
    const manager = event.detail;
    manager.registerPlugin("hello", {
      version: "0.1",
      makeColumnActions: (column) => [{ label: "Say hello to " + column.columnName, onClick: () => { document.body.dataset.hello = column.columnName + (column.isPk ? " (pk)" : ""); } }],
      makeAboveTablePanelConfigs: () => [{ id: "hello-panel", label: "Hello", render: (node) => { const p = document.createElement("p"); p.className = "hello-text"; p.textContent = "Hello from a plugin, version " + manager.VERSION; node.append(p); } }],
    });
    manager.registerPlugin("broken", {
      makeColumnActions: () => { throw new Error("column boom"); },
      makeAboveTablePanelConfigs: () => { throw new Error("panel boom"); },
    });
  });
  document.addEventListener("datasette_init", (event) => {
    event.detail.registerPlugin("datasette-style", {
      makeAboveTablePanelConfigs: () => [{ id: "ds", label: "Datasette panel", render: (node) => { node.textContent = "selectors: " + event.detail.selectors.table; } }],
    });
  });
`;

journey("browser plugins: column actions and panels through almanac:init and datasette_init; a throwing plugin is named and harmless", async (session, demo) => {
  const { page } = session;
  await page.addInitScript({ content: TEST_PLUGINS });
  await page.goto(`${demo.url}/bigmac/bigmac?iso_a3=CHE`);
  const buttons = page.locator(".above-table-panel-buttons button");
  await page.waitForFunction(`document.querySelectorAll(".above-table-panel-buttons button").length === 3`);
  // In the order the plugins registered: the test's listener was added before the page's scripts ran.
  assert.deepEqual(await buttons.allTextContents(), ["Hello", "Chart", "Datasette panel"]);
  assert.deepEqual(await page.evaluate(`[...window.almanacManager.plugins.keys()].sort()`), ["almanac-charts", "broken", "datasette-style", "hello"]);
  assert.equal(await page.evaluate(`window.__DATASETTE__ === window.almanacManager`), true);

  // Panels are disclosure buttons: Enter opens one (the others close), the region is named by its label.
  const hello = page.getByRole("button", { name: "Hello", exact: true });
  await hello.focus();
  await page.keyboard.press("Enter");
  assert.equal(await hello.getAttribute("aria-expanded"), "true");
  const region = page.getByRole("region", { name: "Hello" });
  assert.match((await region.locator(".hello-text").textContent()) ?? "", /^Hello from a plugin, version \d+\.\d+\.\d+/);
  assert.equal(await hello.getAttribute("aria-controls"), await region.getAttribute("id"));
  const datasette = page.getByRole("button", { name: "Datasette panel" });
  await datasette.click();
  assert.equal(await hello.getAttribute("aria-expanded"), "false");
  assert.ok(await region.isHidden());
  assert.equal(await page.getByRole("region", { name: "Datasette panel" }).textContent(), "selectors: table.rows-and-columns");
  await page.keyboard.press("Enter"); // focus stayed on the button: Enter closes the panel again
  assert.equal(await datasette.getAttribute("aria-expanded"), "false");

  // The column menu has the plugin's item (the broken plugin's is missing); choosing it runs onClick.
  const menuButton = page.getByRole("button", { name: "Column actions: date" });
  await menuButton.focus();
  await page.keyboard.press("ArrowDown");
  const item = page.getByRole("menuitem", { name: "Say hello to date" });
  await item.waitFor();
  await screenshot(page, "charts-07-plugin-column-action", { fullPage: false });
  await item.focus();
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(`document.body.dataset.hello`), "date (pk)");

  // The throwing plugin is reported with its name, and nothing else went wrong.
  const [panelErrors, columnErrors, others] = [
    session.errors.filter((e) => e.startsWith('Almanac plugin "broken": makeAboveTablePanelConfigs failed')),
    session.errors.filter((e) => e.startsWith('Almanac plugin "broken": makeColumnActions failed')),
    session.errors.filter((e) => !e.startsWith('Almanac plugin "broken": ')),
  ];
  assert.ok(panelErrors.length >= 1 && columnErrors.length === 1, session.errors.join("\n"));
  assert.deepEqual(others, []);
  session.errors.length = 0;
  await checkpoint(session, "charts-08-plugins");
});
