/**
 * @module Browser: the main pages once in the dark theme (the system setting) and once at phone width
 * (375×800): each screenshotted and checked with axe (contrast included, so dark colours are checked too),
 * nothing off-site, no console errors; at phone width nothing but the table itself may scroll sideways.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { checkpoint, demoJourneys, isFocused } from "../fixtures/browser.js";

const journey = demoJourneys();

/** The pages a visitor sees most, by screenshot name. */
const MAIN_PAGES: [name: string, path: string][] = [
  ["index", "/"],
  ["database", "/bigmac"],
  ["table", "/bigmac/bigmac?_size=20"],
  ["table-faceted-filtered", "/bigmac/bigmac?_facet=currency_code&iso_a3=CHE&dollar_price__gt=5"],
  ["search", "/bigmac/countries?_search=united"],
  ["row", "/bigmac/bigmac/2000-04-01,CHE"],
  ["row-with-links", "/bigmac/countries/CHE"],
  ["query", "/bigmac/-/query?sql=select+iso_a3,+name+from+countries+order+by+name+limit+10"],
];

/** Relative luminance of a computed `rgb(…)` colour (WCAG's formula). */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const bodyColours = (page: Page) =>
  page.evaluate("[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]") as Promise<[string, string]>;

journey("dark theme: the main pages follow the system setting and pass axe", async (session, demo) => {
  const { page } = session;
  for (const [name, path] of MAIN_PAGES) {
    await page.goto(demo.url + path);
    const [background, text] = await bodyColours(page);
    assert.ok(luminance(background) < 0.1 && luminance(text) > 0.5, `${name}: dark background ${background}, light text ${text}`);
    await checkpoint(session, `dark-${name}`);
  }
  // The editor, menus and dialogs are drawn in the dark colours too.
  await page.goto(demo.url + "/bigmac");
  await page.locator(".sql-editor-cm .cm-content").click();
  await page.keyboard.press("Control+End");
  // A short list: a long one scrolls, and axe's scrollable-region-focusable rule cannot see that the
  // editor's arrow keys move through it (aria-activedescendant), so it would report the scroll box.
  await page.keyboard.type(" where iso_a3 = 'CHE' order by bigmac.dollar_p");
  await page.locator(".cm-tooltip-autocomplete li", { has: page.locator(".cm-completionLabel", { hasText: /^dollar_price$/ }) }).waitFor();
  await checkpoint(session, "dark-editor-completion", { fullPage: false });
  await page.keyboard.press("Escape");

  await page.goto(demo.url + "/bigmac/bigmac?_size=20");
  await page.locator('th[data-column="name"] button.column-menu-button').click();
  await page.getByRole("menu", { name: "Actions for column name" }).waitFor();
  await checkpoint(session, "dark-column-menu", { fullPage: false });
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: /^Jump to/ }).click();
  await page.getByRole("dialog", { name: "Jump to" }).waitFor();
  await page.locator("#jump-status", { hasText: /match/ }).waitFor();
  await checkpoint(session, "dark-jump-dialog", { fullPage: false });
}, { colorScheme: "dark" });

journey("phone width (375×800): the main pages fit the screen and pass axe", async (session, demo) => {
  const { page } = session;
  for (const [name, path] of MAIN_PAGES) {
    await page.goto(demo.url + path);
    const width = (await page.evaluate("document.documentElement.scrollWidth")) as number;
    assert.ok(width <= 375, `${name}: the page is ${width}px wide, wider than the 375px screen`);
    await checkpoint(session, `phone-${name}`);
  }
  // Table rows become labelled blocks: each cell says which column it is.
  await page.goto(demo.url + "/bigmac/bigmac?_size=20");
  const label = (await page.evaluate(
    "getComputedStyle(document.querySelector('table.rows-and-columns tbody td.col-dollar_price'), '::before').content",
  )) as string;
  assert.equal(label, '"dollar_price"');

  // The filter form still works with the fields stacked.
  const form = page.locator("form.filters");
  await form.locator("#filter-column-new").selectOption("name");
  await form.locator("#filter-op-new").selectOption("startswith");
  await form.locator("#filter-value-new").fill("Swi");
  await form.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL((url) => url.searchParams.get("name__startswith") === "Swi");
  assert.match((await page.locator("h2.table-count").textContent())!, /^\d+ rows where name starts with "Swi"$/);
  await checkpoint(session, "phone-filtered");

  // The jump dialog fits too, and hands focus back on Escape.
  const jump = page.getByRole("button", { name: /^Jump to/ });
  await jump.click();
  const dialog = page.getByRole("dialog", { name: "Jump to" });
  await dialog.waitFor();
  await page.locator("#jump-status", { hasText: /match/ }).waitFor();
  const box = (await dialog.boundingBox())!;
  assert.ok(box.x >= 0 && box.x + box.width <= 375, `the dialog spans ${box.x}–${box.x + box.width}px`);
  await checkpoint(session, "phone-jump-dialog", { fullPage: false });
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.ok(await isFocused(jump));
}, { viewport: { width: 375, height: 800 } });

journey("phone width (375×800): a column's menu can be opened by touch and used (facet by this)", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac/bigmac?_size=20");
  // The header row is visually hidden at this width; its column menus must still be on screen somewhere.
  const button = page.getByRole("button", { name: "Column actions: currency_code" });
  const box = await button.boundingBox();
  assert.ok(box && box.width >= 24 && box.height >= 24 && box.x >= 0 && box.x + box.width <= 375, `the menu button is at ${JSON.stringify(box)}, off a 375px screen`);
  await button.tap();
  const menu = page.getByRole("menu", { name: "Actions for column currency_code" });
  await menu.waitFor();
  await checkpoint(session, "phone-column-menu", { fullPage: false });
  await menu.getByRole("menuitem", { name: "Facet by this" }).tap();
  await page.waitForURL((url) => url.searchParams.get("_facet") === "currency_code");
  await page.locator('.facet-results .facet-info[data-column="currency_code"]').waitFor();
  await checkpoint(session, "phone-faceted");
}, { viewport: { width: 375, height: 800 }, hasTouch: true });
