/**
 * @module Browser: the tour plugins in a real browser — the menu link, the table's actions menu by keyboard,
 * the top slot, render_cell's marks, the body script, and the packaged plugin's browser half (a column action
 * and a panel above the table through almanac:init). Axe-checked and screenshotted.
 */
import assert from "node:assert/strict";
import { checkpoint, isFocused, serverJourneys } from "../fixtures/browser.js";
import { startTour } from "../fixtures/tour.js";

const journey = serverJourneys(startTour);

journey("the table page with every page hook and the packaged plugin's browser half", async (session, server) => {
  const { page } = session;
  await page.goto(server.url + "/data/people");
  assert.equal(await page.locator("body").getAttribute("data-tour-script"), "ran", "extra_body_script ran");
  assert.equal(await page.locator(".plugin-top .tour-top").textContent(), "Top of table people");
  assert.deepEqual(await page.locator("td.col-name mark.tour-mark").allTextContents(), ["Ada", "Alan", "Grace", "<b>Bold</b>"]);
  await checkpoint(session, "plugin-tour-01-table");

  // The actions menu: a disclosure opened from the keyboard, its link reachable with Tab.
  const actions = page.locator("details.actions-menu");
  await actions.locator("summary").focus();
  await page.keyboard.press("Enter");
  assert.equal(await actions.getAttribute("open"), "");
  await page.keyboard.press("Tab");
  assert.ok(await isFocused(actions.getByRole("link", { name: "Tour people" })));
  await checkpoint(session, "plugin-tour-02-actions-menu");
  // Escape closes it and gives focus back to its button.
  await page.keyboard.press("Escape");
  assert.equal(await actions.getAttribute("open"), null);
  assert.ok(await isFocused(actions.locator("summary")));

  // The packaged plugin's browser half: a column action in the name column's menu …
  // (opened from the keyboard: ArrowDown on its button opens it with the first item focused).
  const button = page.getByRole("button", { name: "Column actions: name" });
  await button.focus();
  await page.keyboard.press("ArrowDown");
  const action = page.getByRole("menuitem", { name: "Tour: about name" });
  await action.waitFor();
  await checkpoint(session, "plugin-tour-03-column-action");
  await action.focus();
  await page.keyboard.press("Enter");
  assert.equal(await page.locator("body").getAttribute("data-tour-column"), "name");

  // … and a panel above the table, opened from its disclosure button.
  const panelButton = page.getByRole("button", { name: "Tour panel" });
  await panelButton.click();
  assert.equal(await panelButton.getAttribute("aria-expanded"), "true");
  await page.getByText("Rendered by the tour plugin").waitFor();
  await checkpoint(session, "plugin-tour-04-panel");

  // The menu link in the header menu.
  await page.locator("details.nav-menu summary").click();
  await page.getByRole("link", { name: "Tour", exact: true }).waitFor();
  await checkpoint(session, "plugin-tour-05-menu");
});

journey("a 403 answered by the forbidden hook, and a page whose plugin renderer is offered", async (session, server) => {
  const { page } = session;
  const response = await page.goto(server.url + "/data/secret");
  assert.equal(response?.status(), 403);
  await page.getByText("The tour says no").waitFor();
  // Chromium logs the 403 itself as a console error: expected here, and the only one.
  assert.deepEqual(session.errors.splice(0).map((e) => /403/.test(e)), [true]);
  await page.goto(server.url + "/data/people/2");
  assert.equal(await page.locator(".plugin-top .tour-top").textContent(), "Top of row 2");
  await checkpoint(session, "plugin-tour-06-row");
});
