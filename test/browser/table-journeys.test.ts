/**
 * @module Browser: exploring the demo's bigmac table the way a person does — index to table, two filters from the
 * filter form, a facet from the column menu toggled on and off, sorting from the menu and the form, the next page,
 * the column chooser by keyboard. Every page visited is screenshotted and checked with axe; nothing may go
 * off-site or log an error.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { checkpoint, demoJourneys, isFocused, tabTo } from "../fixtures/browser.js";

const journey = demoJourneys();

const params = (page: Page) => new URL(page.url()).searchParams;
const cells = (page: Page, column: string) => page.locator(`table.rows-and-columns tbody td.col-${column}`).allTextContents();

journey("index → database → table, then two filters added through the filter form", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/");
  await checkpoint(session, "journey-01-index");

  await page.locator("section.index-database h2 a", { hasText: "bigmac" }).click();
  await page.waitForURL(`${demo.url}/bigmac`);
  await page.getByRole("heading", { level: 1, name: "bigmac" }).waitFor();
  await checkpoint(session, "journey-02-database");

  await page.locator(".database-tables .db-table h3 a", { hasText: /^bigmac$/ }).click();
  await page.waitForURL(`${demo.url}/bigmac/bigmac`);
  assert.equal((await page.locator("h2.table-count").textContent())?.trim(), "1,948 rows");
  await checkpoint(session, "journey-03-table");

  // The first filter goes in the blank row; "Add filter" adds a second row and moves focus to its column.
  const form = page.locator("form.filters");
  await form.locator("#filter-column-new").selectOption("iso_a3");
  await form.locator("#filter-op-new").selectOption("exact");
  await form.locator("#filter-value-new").fill("CHE");
  await form.getByRole("button", { name: "Add filter" }).click();
  const added = form.locator('.filter-row[data-filter-index="1"]');
  await added.waitFor();
  assert.ok(await isFocused(added.locator("select#filter-column-1")), "the new row's column select has focus");
  await added.locator("#filter-column-1").selectOption("dollar_price");
  await added.locator("#filter-op-1").selectOption("gt");
  await added.locator("#filter-value-1").fill("5");
  await checkpoint(session, "journey-04-filters-filled");

  await form.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL((url) => url.searchParams.has("dollar_price__gt"));
  // Datasette spells the form's "=" as iso_a3__exact=CHE; the bare iso_a3=CHE means the same.
  assert.equal(params(page).get("iso_a3__exact") ?? params(page).get("iso_a3"), "CHE", page.url());
  assert.equal(params(page).get("dollar_price__gt"), "5");
  assert.ok(![...params(page).keys()].some((k) => k.startsWith("_filter")), `the form's fields were redirected away: ${page.url()}`);
  const heading = (await page.locator("h2.table-count").textContent())!.trim();
  const match = /^(\d+) rows where dollar_price > 5 and iso_a3 = "CHE"$/.exec(heading);
  assert.ok(match, heading);
  const prices = await cells(page, "dollar_price");
  assert.equal(prices.length, Number(match[1]), "every matching row is on the page");
  assert.ok(prices.every((p) => Number(p) > 5), prices.join(" "));
  assert.ok((await cells(page, "iso_a3")).every((c) => c.endsWith("CHE")));
  // The applied filters come back as editable rows.
  const applied = [];
  for (const index of ["1", "2"]) {
    const row = form.locator(`.filter-row[data-filter-index="${index}"]`);
    applied.push([
      await row.locator(`select#filter-column-${index}`).inputValue(),
      await row.locator(`select#filter-op-${index}`).inputValue(),
      await row.locator(`input#filter-value-${index}`).inputValue(),
    ].join(" "));
  }
  assert.deepEqual(applied.sort(), ["dollar_price gt 5", "iso_a3 exact CHE"]);
  await checkpoint(session, "journey-05-filters-applied");

  // Removing a row in place and applying drops that filter only.
  const priceRow = form.locator(".filter-row", { has: page.locator("select.filter-column option[value=dollar_price]:checked") });
  await priceRow.locator(".filter-remove").click();
  await form.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL((url) => !url.searchParams.has("dollar_price__gt"));
  assert.equal(params(page).get("iso_a3__exact") ?? params(page).get("iso_a3"), "CHE", page.url());
  assert.match((await page.locator("h2.table-count").textContent())!, /^43 rows where iso_a3 = "CHE"$/);
  await checkpoint(session, "journey-06-filter-removed");
});

journey("facet by a column from its menu, select a value, deselect it, hide a column from its menu", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac/bigmac");
  const button = page.locator('th[data-column="currency_code"] button.column-menu-button');
  assert.equal(await button.getAttribute("aria-label"), "Column actions: currency_code");
  await button.click();
  const menu = page.getByRole("menu", { name: "Actions for column currency_code" });
  await menu.waitFor();
  assert.equal(await button.getAttribute("aria-expanded"), "true");
  assert.ok(await isFocused(menu.getByRole("menuitem").first()), "the first item has focus");
  await checkpoint(session, "facet-01-column-menu-open", { fullPage: false });

  await menu.getByRole("menuitem", { name: "Facet by this" }).click();
  await page.waitForURL((url) => url.searchParams.get("_facet") === "currency_code");
  const facet = page.locator('.facet-results .facet-info[data-column="currency_code"]');
  await facet.waitFor();
  const chf = facet.locator("li", { has: page.locator("a.facet-value", { hasText: /^CHF$/ }) });
  const chfCount = Number(await chf.locator(".facet-count").textContent());
  assert.ok(chfCount > 0);
  await checkpoint(session, "facet-02-faceted");

  await chf.locator("a.facet-value").click();
  await page.waitForURL((url) => url.searchParams.get("currency_code") === "CHF");
  assert.equal(params(page).get("_facet"), "currency_code", "the facet stays");
  const selected = facet.locator(".facet-value-selected");
  assert.match((await selected.textContent())!, /CHF\s+\d+/);
  assert.equal(await selected.locator(".facet-count").textContent(), String(chfCount));
  assert.match((await page.locator("h2.table-count").textContent())!, new RegExp(`^${chfCount} rows? where currency_code = "CHF"$`));
  assert.ok((await cells(page, "currency_code")).every((c) => c === "CHF"));
  await checkpoint(session, "facet-03-value-selected");

  await selected.locator("a.facet-deselect").click();
  await page.waitForURL((url) => !url.searchParams.has("currency_code"));
  assert.equal(params(page).get("_facet"), "currency_code");
  assert.equal(await facet.locator(".facet-value-selected").count(), 0);
  assert.equal((await page.locator("h2.table-count").textContent())?.trim(), "1,948 rows");
  await checkpoint(session, "facet-04-value-deselected");

  // Hide a column from its menu by keyboard: type-ahead "h" reaches "Hide this column".
  const nameButton = page.getByRole("button", { name: "Column actions: name" });
  await nameButton.focus();
  await page.keyboard.press("Enter");
  const nameMenu = page.getByRole("menu", { name: "Actions for column name" });
  await nameMenu.waitFor();
  await page.keyboard.press("h");
  assert.ok(await isFocused(nameMenu.getByRole("menuitem", { name: "Hide this column" })));
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => url.searchParams.get("_nocol") === "name");
  assert.equal(params(page).get("_facet"), "currency_code");
  assert.equal(await page.locator('table.rows-and-columns th[data-column="name"]').count(), 0);
  assert.equal(await page.locator('table.rows-and-columns th[data-column="currency_code"]').count(), 1);
  await checkpoint(session, "facet-05-column-hidden");
});

journey("sort from the column menu and from the sort form, then page forward", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac/bigmac");
  // The menu by keyboard: ArrowDown on its button opens it at the first item.
  const button = page.locator('th[data-column="dollar_price"] button.column-menu-button');
  await button.focus();
  await page.keyboard.press("ArrowDown");
  const menu = page.getByRole("menu", { name: "Actions for column dollar_price" });
  await menu.waitFor();
  await page.keyboard.press("ArrowDown");
  const sortDesc = menu.getByRole("menuitem", { name: "Sort descending" });
  assert.ok(await isFocused(sortDesc), "ArrowDown reaches Sort descending");
  await page.keyboard.press("Escape");
  await menu.waitFor({ state: "hidden" });
  assert.ok(await isFocused(button), "Escape returns focus to the menu button");
  await button.click();
  await sortDesc.click();
  await page.waitForURL((url) => url.searchParams.get("_sort_desc") === "dollar_price");
  assert.equal(await page.locator('th[data-column="dollar_price"]').getAttribute("aria-sort"), "descending");
  const prices = (await cells(page, "dollar_price")).map(Number);
  assert.equal(prices.length, 100);
  assert.deepEqual(prices, [...prices].sort((a, b) => b - a));
  await checkpoint(session, "sort-01-menu-descending");

  // Page forward within the sort order.
  const lastOnFirstPage = prices[prices.length - 1];
  const firstLink = await page.locator("tbody td.col-Link a").first().textContent();
  await page.locator("a.next-page").click();
  await page.waitForURL((url) => url.searchParams.has("_next"));
  assert.equal(params(page).get("_sort_desc"), "dollar_price");
  const next = (await cells(page, "dollar_price")).map(Number);
  assert.notEqual(await page.locator("tbody td.col-Link a").first().textContent(), firstLink);
  assert.ok(next[0] <= lastOnFirstPage, `${next[0]} follows ${lastOnFirstPage}`);
  assert.deepEqual(next, [...next].sort((a, b) => b - a));
  await checkpoint(session, "sort-02-next-page");

  // The sort form: name, ascending.
  await page.goto(demo.url + "/bigmac/bigmac");
  await page.getByLabel("Sort by").selectOption("name");
  await page.locator("form.filters").getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL((url) => url.searchParams.get("_sort") === "name");
  assert.equal(await page.locator('th[data-column="name"]').getAttribute("aria-sort"), "ascending");
  assert.equal(await page.locator("th[aria-sort]").count(), 1);
  const names = await cells(page, "name");
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  assert.equal(await page.getByLabel("Sort by").inputValue(), "name");
  await checkpoint(session, "sort-03-form-ascending");

  // The form again, now descending.
  await page.getByLabel("descending").check();
  await page.locator("form.filters").getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL((url) => url.searchParams.get("_sort_desc") === "name");
  assert.equal(params(page).get("_sort"), null);
  assert.equal(await page.locator('th[data-column="name"]').getAttribute("aria-sort"), "descending");
  assert.ok(await page.getByLabel("descending").isChecked());
  const reversed = await cells(page, "name");
  assert.deepEqual(reversed, [...reversed].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
  await checkpoint(session, "sort-04-form-descending");

  // Default order: the next page starts after the first page's last key.
  await page.goto(demo.url + "/bigmac/bigmac");
  const firstPage = await page.locator("tbody td.col-Link a").allTextContents();
  await page.getByRole("link", { name: "Next page" }).click();
  await page.waitForURL((url) => url.searchParams.has("_next"));
  const secondPage = await page.locator("tbody td.col-Link a").allTextContents();
  assert.equal(secondPage.length, 100);
  assert.ok(secondPage.every((key) => !firstPage.includes(key)), "no row repeats");
  assert.ok(secondPage[0] > firstPage[firstPage.length - 1], `${secondPage[0]} follows ${firstPage[firstPage.length - 1]}`);
  await checkpoint(session, "page-01-next-page");
});

journey("the column chooser by keyboard: untick a column, move another up, apply", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac/bigmac");
  const opener = page.getByRole("button", { name: "Choose columns", exact: true }).and(page.locator("button.column-chooser-open"));
  await tabTo(page, opener);
  await page.keyboard.press("Enter");
  await page.getByRole("dialog", { name: "Choose columns" }).waitFor();
  // By id from here on: role queries skip a closed dialog, and its state is checked closed too.
  const dialog = page.locator("dialog#column-chooser");
  const item = (column: string) => dialog.locator(`.column-chooser-item[data-column="${column}"]`);
  assert.ok(await isFocused(item("currency_code").locator('input[name="_col"]')), "focus starts on the first checkbox");
  await checkpoint(session, "chooser-01-open", { fullPage: false });

  // Escape throws away unsaved changes and hands focus back to the button.
  const currency = item("currency_code").locator('input[name="_col"]');
  await page.keyboard.press("Space");
  assert.equal(await currency.isChecked(), false);
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.ok(await currency.isChecked(), "Escape restores the ticks");
  assert.ok(await isFocused(opener), "focus returns to Choose columns");
  await page.keyboard.press("Enter");
  await dialog.waitFor();

  await page.keyboard.press("Space");
  assert.equal(await item("currency_code").locator('input[name="_col"]').isChecked(), false);
  const moveUp = dialog.getByRole("button", { name: "Move local_price up" });
  await tabTo(page, moveUp, 10);
  await page.keyboard.press("Enter");
  const order = await dialog.locator(".column-chooser-item").evaluateAll((items: { dataset: { column: string } }[]) => items.map((li) => li.dataset.column));
  assert.deepEqual(order.slice(0, 3), ["currency_code", "local_price", "name"]);
  await checkpoint(session, "chooser-02-edited", { fullPage: false });

  await tabTo(page, dialog.getByRole("button", { name: "Apply" }), 80);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => url.searchParams.has("_col"));
  const cols = params(page).getAll("_col");
  assert.ok(!cols.includes("currency_code"), cols.join(","));
  assert.deepEqual(cols.slice(0, 2), ["local_price", "name"]);
  const headers = await page.locator("table.rows-and-columns thead th").evaluateAll((ths: { dataset: { column: string } }[]) => ths.map((th) => th.dataset.column));
  assert.deepEqual(headers.slice(0, 5), ["Link", "date", "iso_a3", "local_price", "name"]);
  assert.ok(!headers.includes("currency_code"));
  await checkpoint(session, "chooser-03-applied");
});
