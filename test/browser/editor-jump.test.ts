/**
 * @module Browser: the SQL editor (CodeMirror typing, table-name completion, Format SQL, Ctrl+Enter to run,
 * a failing query kept in the editor, a CSV download of the results) and the jump menu driven by keyboard only.
 * Screenshots and an axe check at every step; nothing off-site, no console errors.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { checkpoint, demoJourneys, isFocused } from "../fixtures/browser.js";

const journey = demoJourneys();

/** The SQL the form will submit: the hidden textarea the editor keeps in step with its document. */
const submittedSql = (page: Page) => page.locator("textarea#sql-editor").inputValue();

/** Replace the editor's whole text by typing, as a person does: click in, select all, type. */
async function typeSql(page: Page, sql: string): Promise<void> {
  await page.locator(".sql-editor-cm .cm-content").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type(sql);
}

journey("SQL editor: type with completion, format, run with Ctrl+Enter, download the results as CSV", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac");
  const editor = page.getByRole("textbox", { name: "SQL query" });
  await editor.waitFor();
  assert.ok(await editor.evaluate((el: { classList: { contains(c: string): boolean } }) => el.classList.contains("cm-content")), "the editor replaced the textarea");
  assert.ok(await page.locator("textarea#sql-editor").isHidden());
  await checkpoint(session, "editor-01-database-page");

  /** Type `sql`, wait for `label` among the completions, pick it with the mouse: the text that results. */
  async function complete(sql: string, label: string, shot: string): Promise<string> {
    await typeSql(page, sql);
    const option = page.locator(".cm-tooltip-autocomplete li", { has: page.locator(".cm-completionLabel", { hasText: new RegExp(`^${label}$`) }) });
    await option.waitFor();
    await checkpoint(session, shot, { fullPage: false });
    await option.click();
    await page.locator(".cm-tooltip-autocomplete").waitFor({ state: "detached" });
    return submittedSql(page);
  }
  // Completion: a table prefix offers the schema's tables; choose "countries".
  assert.equal(await complete("select iso_a3, name from countr", "countries", "editor-02-completion"), "select iso_a3, name from countries");
  // Closing quotes are inserted and typed over: the text ends up as typed.
  await page.keyboard.type(" where currency_code = 'CHF'");
  const typed = "select iso_a3, name from countries where currency_code = 'CHF'";
  assert.equal(await submittedSql(page), typed);

  // Bare column names complete too (not only after "table.").
  assert.equal(await complete("select name from bigmac order by dollar_p", "dollar_price", "editor-02b-column-completion"), "select name from bigmac order by dollar_price");
  await typeSql(page, typed);
  await page.keyboard.press("Escape"); // close any completion the typing opened
  assert.equal(await submittedSql(page), typed);

  await page.getByRole("button", { name: "Format SQL" }).click();
  const formatted = await submittedSql(page);
  assert.notEqual(formatted, typed);
  assert.equal(formatted.replace(/\s+/g, " ").toLowerCase(), typed.toLowerCase(), "formatting changes only layout and keyword case");
  assert.match(formatted, /^SELECT\n/);
  assert.ok(await isFocused(editor), "focus goes back to the editor");
  await checkpoint(session, "editor-03-formatted");

  await page.keyboard.press("Control+Enter");
  await page.waitForURL((url) => url.pathname === "/bigmac/-/query" && url.searchParams.has("sql"));
  // A form submits line breaks as CRLF (the HTML spec's newline normalisation).
  assert.equal(new URL(page.url()).searchParams.get("sql")?.replace(/\r\n/g, "\n"), formatted);
  const results = page.getByRole("table", { name: "Query results" });
  await results.waitFor();
  assert.equal((await page.locator("#query-summary").textContent())?.trim(), "Custom SQL query returning 1 row");
  assert.deepEqual(await results.locator("thead th").allTextContents(), ["iso_a3", "name"]);
  assert.deepEqual((await results.locator("tbody td").allTextContents()).map((t) => t.trim()), ["CHE", "Switzerland"]);
  assert.equal(await submittedSql(page), formatted, "the query page's editor holds the query that ran");
  await checkpoint(session, "editor-04-results");

  const downloading = page.waitForEvent("download");
  await page.locator(".export-links a", { hasText: "CSV download" }).click();
  const download = await downloading;
  const csv = (await readFile(await download.path(), "utf8")).trimEnd().split(/\r?\n/);
  assert.deepEqual(csv, ["iso_a3,name", "CHE,Switzerland"]);
  assert.match(download.suggestedFilename(), /\.csv$/);

  // Shift+Enter is the other way to run (Mod+Enter is Ctrl+Enter here, Cmd+Enter on a Mac).
  await typeSql(page, "select count(*) as n from bigmac");
  await page.keyboard.press("Shift+Enter");
  await page.waitForURL((url) => url.searchParams.get("sql") === "select count(*) as n from bigmac");
  assert.deepEqual(await page.getByRole("table", { name: "Query results" }).locator("tbody td").allTextContents(), ["1948"]);
  await checkpoint(session, "editor-05-shift-enter");
});

journey("SQL editor: a failing query keeps its SQL and shows the error as an alert", async (session, demo) => {
  const { page } = session;
  await page.goto(demo.url + "/bigmac/-/query");
  await page.locator(".sql-editor-cm .cm-content").waitFor();
  await typeSql(page, "select nope from bigmac");
  const failed = page.waitForResponse((r) => r.url().startsWith(`${demo.url}/bigmac/-/query?`));
  await page.keyboard.press("Control+Enter");
  assert.equal((await failed).status(), 400);
  await page.waitForURL((url) => url.searchParams.get("sql") === "select nope from bigmac");
  // Chromium logs any 4xx document as a console error; that one is the expected answer, anything else is not.
  session.errors.splice(0, session.errors.length, ...session.errors.filter((e) => !/status of 400/.test(e)));
  const alert = page.locator("#query-error[role=alert]");
  assert.match((await alert.textContent())!, /no such column: nope/);
  assert.equal(await submittedSql(page), "select nope from bigmac");
  assert.equal((await page.locator(".sql-editor-cm .cm-content").textContent())?.trim(), "select nope from bigmac");
  assert.equal(await page.getByRole("table", { name: "Query results" }).count(), 0);
  await checkpoint(session, "editor-06-query-error");

  // Fixing it in place runs.
  await typeSql(page, "select name from countries where iso_a3 = 'ARG'");
  await page.getByRole("button", { name: "Run SQL" }).click();
  await page.waitForURL((url) => url.searchParams.get("sql") === "select name from countries where iso_a3 = 'ARG'");
  assert.equal(await page.locator("#query-error").count(), 0);
  assert.deepEqual(await page.getByRole("table", { name: "Query results" }).locator("tbody td").allTextContents(), ["Argentina"]);
  await checkpoint(session, "editor-07-fixed");
});

journey("jump menu by keyboard: / opens it, arrows choose, Enter goes, Escape closes and restores focus", async (session, demo) => {
  const { page } = session;
  const dialog = page.getByRole("dialog", { name: "Jump to" });
  const input = page.locator("#jump-input");
  const options = page.locator("#jump-listbox [role=option]");
  /** Type into the combobox (replacing its text) and wait for the answer to exactly this query (debounced, fetched). */
  async function search(query: string, status: RegExp): Promise<void> {
    const answered = page.waitForResponse((r) => {
      const url = new URL(r.url());
      return url.pathname === "/-/jump.json" && url.searchParams.get("q") === query;
    });
    await page.keyboard.press("Control+A");
    await page.keyboard.type(query);
    await answered;
    await page.locator("#jump-status", { hasText: status }).waitFor();
  }
  await page.goto(demo.url + "/bigmac/bigmac");
  // Nothing focused: the keypress goes to the body.
  assert.equal(await page.evaluate("document.activeElement === document.body"), true);
  await page.keyboard.press("/");
  await dialog.waitFor();
  assert.equal(await dialog.evaluate((d: { tagName: string; className: string }) => `${d.tagName} ${d.className}`), "DIALOG jump-dialog");
  assert.ok(await isFocused(input), "focus moves to the search field");
  assert.equal(await input.getAttribute("role"), "combobox");
  // With nothing typed the list offers everything; arrows move the active option.
  await options.nth(2).waitFor();
  assert.equal(await options.first().getAttribute("aria-selected"), "true");
  await page.keyboard.press("ArrowDown");
  assert.equal(await options.nth(1).getAttribute("aria-selected"), "true");
  assert.equal(await options.first().getAttribute("aria-selected"), "false");
  assert.equal(await input.getAttribute("aria-activedescendant"), await options.nth(1).getAttribute("id"));
  await checkpoint(session, "jump-01-open", { fullPage: false });

  await search("countr", /^1 match$/);
  const countries = options.filter({ hasText: /^Table: bigmac: countries/ });
  // ArrowDown until the countries table is the active option (it may already be).
  for (let i = 0; i < 5 && (await countries.getAttribute("aria-selected")) !== "true"; i++) await page.keyboard.press("ArrowDown");
  assert.equal(await countries.getAttribute("aria-selected"), "true");
  await checkpoint(session, "jump-02-countries-active", { fullPage: false });
  await page.keyboard.press("Enter");
  await page.waitForURL(`${demo.url}/bigmac/countries`);
  await checkpoint(session, "jump-03-landed-on-countries");

  // Escape: from a focused link, open and close; focus returns to the link.
  const skip = page.getByRole("link", { name: "Skip to content" });
  await page.keyboard.press("Tab");
  assert.ok(await isFocused(skip), "the first Tab reaches the skip link");
  await page.keyboard.press("/");
  await dialog.waitFor();
  await search("zzzz", /^No matches$/);
  assert.equal(await options.count(), 0);
  assert.equal(await input.getAttribute("aria-expanded"), "false");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.ok(await isFocused(skip), "focus goes back where it was");
  assert.equal(page.url(), `${demo.url}/bigmac/countries`);
  await checkpoint(session, "jump-04-closed");
});
