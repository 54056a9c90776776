/**
 * @module Browser: full-text search on the demo's countries table, following a row link to a row page, its
 * foreign-key label to the related row and that row's "Links from other tables" back, and downloading CSV from
 * the advanced export form. Screenshots and an axe check at every step; nothing off-site, no console errors.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { assertClean, checkpoint, demoJourneys, screenshot } from "../fixtures/browser.js";

const journey = demoJourneys();

const cells = (page: Page, column: string) => page.locator(`table.rows-and-columns tbody td.col-${column}`).allTextContents();

journey("search the countries table through its Search box", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac/countries");
  const search = page.getByRole("searchbox", { name: "Search" });
  assert.equal(await search.getAttribute("id"), "_search");
  await search.fill("united");
  await checkpoint(session, "search-01-typed");

  await search.press("Enter");
  await page.waitForURL((url) => url.searchParams.get("_search") === "united");
  const names = await cells(page, "name");
  assert.deepEqual(names.sort(), ["United Arab Emirates", "United States"]);
  assert.equal((await page.locator("h2.table-count").textContent())?.trim(), '2 rows where search matches "united"');
  assert.equal(await search.inputValue(), "united", "the box keeps the search");
  await checkpoint(session, "search-02-results");

  // A search with no match says so rather than showing an empty table.
  await search.fill("atlantis");
  await search.press("Enter");
  await page.waitForURL((url) => url.searchParams.get("_search") === "atlantis");
  assert.equal((await page.locator("h2.table-count").textContent())?.trim(), '0 rows where search matches "atlantis"');
  assert.equal(await page.locator("table.rows-and-columns tbody tr").count(), 0);
  await checkpoint(session, "search-03-no-results");
});

journey("open a row from the Link column, follow its foreign key, and come back through Links from other tables", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac/bigmac?iso_a3=CHE");
  const link = page.locator("tbody td.col-Link a").first();
  const key = (await link.textContent())!;
  assert.match(key, /^\d{4}-\d{2}-\d{2},CHE$/);
  await link.click();
  await page.waitForURL(`${demo.url}/bigmac/bigmac/${key}`);
  const [date] = key.split(",");
  assert.equal((await page.locator("h1").textContent())?.trim(), `bigmac: ${date}, CHE`);
  const fk = page.locator("td.col-iso_a3 a");
  assert.equal(await fk.textContent(), "Switzerland", "the foreign key shows the countries table's label column");
  assert.equal(await fk.getAttribute("href"), "/bigmac/countries/CHE");
  assert.equal(await page.locator("td.col-date").textContent(), date);
  await checkpoint(session, "row-01-bigmac-row");

  await fk.click();
  await page.waitForURL(`${demo.url}/bigmac/countries/CHE`);
  assert.equal((await page.locator("h1").textContent())?.trim(), "countries: CHE");
  assert.equal(await page.locator("td.col-name").textContent(), "Switzerland");
  const incoming = page.locator("section.foreign-key-tables");
  assert.equal((await incoming.getByRole("heading").textContent())?.trim(), "Links from other tables");
  const back = incoming.locator("a");
  assert.equal(await back.count(), 1);
  assert.equal(await back.textContent(), "43 rows");
  assert.match((await incoming.locator("li").textContent())!.replace(/\s+/g, " "), /43 rows from iso_a3 in bigmac/);
  await checkpoint(session, "row-02-countries-row");

  await back.click();
  await page.waitForURL((url) => url.pathname === "/bigmac/bigmac" && url.searchParams.get("iso_a3") === "CHE");
  assert.equal((await page.locator("h2.table-count").textContent())?.trim(), '43 rows where iso_a3 = "CHE"');
  assert.equal((await cells(page, "iso_a3")).length, 43);
  await checkpoint(session, "row-03-linked-rows");

  // Single-key tables link the key column itself.
  await page.goto(demo.url + "/bigmac/countries");
  await page.locator("tbody td.col-iso_a3 a", { hasText: /^ARG$/ }).click();
  await page.waitForURL(`${demo.url}/bigmac/countries/ARG`);
  assert.equal((await page.locator("h1").textContent())?.trim(), "countries: ARG");
  await checkpoint(session, "row-04-single-key-row");
});

journey("download CSV: the CSV link, and the advanced export form with 'download file'", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac/bigmac?iso_a3=CHE&_sort=date");
  const form = page.locator("form.export-csv");
  await form.getByLabel("download file").check();
  assert.ok(await form.getByLabel("expand labels").isChecked(), "labels are expanded by default");
  await form.scrollIntoViewIfNeeded();
  await checkpoint(session, "csv-01-export-form");

  const downloading = page.waitForEvent("download");
  await form.getByRole("button", { name: "Export CSV" }).click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), "bigmac.csv");
  const lines = (await readFile(await download.path(), "utf8")).trimEnd().split(/\r?\n/);
  assert.equal(lines[0].split(",").slice(0, 5).join(","), "date,iso_a3,iso_a3_label,currency_code,name");
  assert.equal(lines.length, 1 + 43, "a header and every row of the filtered table, not just the first page");
  assert.match(lines[1], /^2000-04-01,CHE,Switzerland,CHF,Switzerland,/);
  assert.ok(lines.slice(1).every((line) => line.split(",")[1] === "CHE"));
  assert.equal(page.url(), `${demo.url}/bigmac/bigmac?iso_a3=CHE&_sort=date`, "a download leaves the page where it was");
  await checkpoint(session, "csv-02-after-download");

  // The plain CSV link shows the same rows as text in the browser.
  const csvLink = page.locator(".export-links a", { hasText: /^CSV$/ });
  const href = (await csvLink.getAttribute("href"))!;
  assert.equal(new URL(href, demo.url).searchParams.get("iso_a3"), "CHE");
  const response = page.waitForResponse((r) => r.url().startsWith(`${demo.url}/bigmac/bigmac.csv`));
  await csvLink.click();
  const csv = await response;
  assert.equal(csv.status(), 200);
  assert.match((await csv.text()).split(/\r?\n/)[1], /^2000-04-01,CHE,Switzerland,/);
  await screenshot(page, "csv-03-csv-as-text");
  assertClean(session, "csv-03-csv-as-text");
});
