/**
 * @module Browser: the password plugin on the demo with the seed's account (http_basic_auth removed) — logging
 * in from the menu by keyboard, a wrong password announced, the protected table and "Log out" once signed
 * in, logging out (a POST); the password tool hashing in the browser (nothing sent) with a hash the server's
 * verifyPassword accepts, matching spec/auth.md's vectors, and its server fallback without JavaScript.
 * Axe-checked and screenshotted (test-artifacts/browser/auth-*.png).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { buildServeOptions } from "../../src/cli/serve.js";
import { verifyPassword } from "../../src/auth/passwords.js";
import { checkpoint, isFocused, screenshot, serverJourneys, tabTo } from "../fixtures/browser.js";
import { startServer, tempDir } from "../fixtures/server.js";
import { SEED_METADATA } from "../fixtures/seed.js";

async function startSeed() {
  const dir = tempDir();
  const db = join(dir, "bigmac.db");
  const built = spawnSync(process.execPath, ["demo/build.js", db], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  const meta = structuredClone(SEED_METADATA) as Record<string, any>;
  delete meta.plugins["datasette-auth-passwords"].http_basic_auth;
  const file = join(dir, "metadata.json");
  writeFileSync(file, JSON.stringify(meta));
  return startServer(await buildServeOptions([db], { metadata: file }, process.env, () => undefined));
}

const journey = serverJourneys(startSeed);
const FORMAT = /^pbkdf2_sha256\$480000\$[0-9a-f]{32}\$[A-Za-z0-9+/]{43}=$/;

journey("log in from the menu by keyboard, see the table and Log out, log out", async (session, server) => {
  const { page } = session;
  const denied = await page.goto(server.url + "/bigmac/bigmac");
  assert.equal(denied?.status(), 403);
  // Chromium logs the 403 itself as a console error: expected, and the only one.
  assert.deepEqual(session.errors.splice(0).map((e) => /403/.test(e)), [true]);

  // The header menu, opened from the keyboard, offers "Log in" back to this page.
  const menu = page.locator("details.nav-menu");
  await tabTo(page, menu.locator("summary"));
  await page.keyboard.press("Enter");
  const logIn = menu.getByRole("link", { name: "Log in" });
  await tabTo(page, logIn);
  await Promise.all([page.waitForURL(/\/-\/login\?next=/), page.keyboard.press("Enter")]);
  await checkpoint(session, "auth-01-login-form");

  // A wrong password: the form again, the error announced and tied to the fields.
  const username = page.getByLabel("Username");
  const password = page.getByLabel("Password");
  await tabTo(page, username);
  await page.keyboard.type("someusername");
  await page.keyboard.press("Tab");
  assert.ok(await isFocused(password));
  await page.keyboard.type("not the password");
  await Promise.all([page.waitForURL(/\/-\/login/), page.waitForLoadState("load"), page.keyboard.press("Enter")]);
  const alert = page.getByRole("alert");
  assert.equal(await alert.textContent(), "Invalid username or password");
  assert.equal(await password.getAttribute("aria-invalid"), "true");
  assert.equal(await username.inputValue(), "someusername", "the username is kept");
  await checkpoint(session, "auth-02-wrong-password");

  // The right one: back to the table, signed in.
  await tabTo(page, password);
  await page.keyboard.type("password!");
  await Promise.all([page.waitForURL(server.url + "/bigmac/bigmac"), page.keyboard.press("Enter")]);
  assert.match((await page.locator("h1").first().textContent()) ?? "", /^bigmac 🔒/, "the table, marked private");
  await page.locator("table.rows-and-columns tbody tr").first().waitFor();
  assert.equal(await page.locator(".message").first().textContent(), "You are now logged in as API user");
  assert.equal(await page.locator(".actor").textContent(), "API user");
  const cookies = await session.context.cookies();
  const actorCookie = cookies.find((c) => c.name === "ds_actor");
  assert.ok(actorCookie?.httpOnly, "ds_actor is HttpOnly");
  assert.equal(actorCookie?.sameSite, "Lax");
  await tabTo(page, menu.locator("summary"));
  await page.keyboard.press("Enter");
  const logOut = menu.getByRole("button", { name: "Log out" });
  await tabTo(page, logOut);
  assert.equal(await menu.getByRole("link", { name: "Log in" }).count(), 0);
  await checkpoint(session, "auth-03-signed-in", { fullPage: false });

  // Log out: a POST; the table is private again.
  const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith("/-/logout")), page.keyboard.press("Enter")]);
  assert.equal(request.method(), "POST");
  await page.waitForURL(server.url + "/");
  await page.getByText("You are now logged out").waitFor();
  assert.equal((await session.context.cookies()).find((c) => c.name === "ds_actor"), undefined);
  await checkpoint(session, "auth-04-logged-out");
  const again = await page.goto(server.url + "/bigmac/bigmac");
  assert.equal(again?.status(), 403);
  session.errors.splice(0);
});

journey("the password tool hashes in the browser: nothing is sent, and the server verifies the hash", async (session, server) => {
  const { page } = session;
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() !== "GET") posts.push(r.url());
  });
  await page.goto(server.url + "/-/password-tool");
  await page.getByText("the password never leaves this page").waitFor();
  await checkpoint(session, "auth-05-password-tool");
  const field = page.getByLabel("Password", { exact: true });
  await tabTo(page, field);
  await page.keyboard.type("pässwörd ✓");
  await page.keyboard.press("Enter");
  await page.locator("#tool-result[data-hashed-in=browser]").waitFor();
  const hash = await page.getByLabel("Password hash").inputValue();
  assert.match(hash, FORMAT);
  assert.ok(await verifyPassword("pässwörd ✓", hash), hash);
  assert.equal(await page.locator("#tool-snippet-hash").textContent(), hash);
  assert.equal(await page.getByRole("status").textContent(), "Hashed in your browser: the password was not sent anywhere.");
  assert.equal(await field.inputValue(), "", "the password is cleared");
  assert.deepEqual(posts, [], "the password never left the page");
  await checkpoint(session, "auth-06-password-tool-hash");

  // The browser code against spec/auth.md's vectors (a fixed salt, through the module's export).
  const vectors = await page.evaluate(async (url) => {
    const tool = (await import(url)) as { hashPassword(p: string, salt?: string, iterations?: number): Promise<string> };
    return Promise.all([tool.hashPassword("hello", "abc", 1), tool.hashPassword("password!", "0123456789abcdef0123456789abcdef"), tool.hashPassword("password!", "a9bb87a3e9d968847a36c50cf1a4ac3d", 260000)]);
  }, server.url + "/-/static-plugins/datasette-auth-passwords/password-tool.js");
  assert.deepEqual(vectors, [
    "pbkdf2_sha256$1$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=",
    "pbkdf2_sha256$480000$0123456789abcdef0123456789abcdef$QOb6OP4qyVKYSPzrltfB3ME5iR+eU+f1ycVdOhGbJpc=",
    "pbkdf2_sha256$260000$a9bb87a3e9d968847a36c50cf1a4ac3d$UO1DUqulWhRLj8UZrnViiu6KaKn0C5M9IZKWB4R9JX4=",
  ]);
});

journey("without JavaScript the password tool posts to the server, which hashes it", async (session, server) => {
  const context = await session.context.browser()!.newContext({ javaScriptEnabled: false, reducedMotion: "reduce" });
  try {
    const page = await context.newPage();
    await page.goto(server.url + "/-/password-tool");
    await page.getByLabel("Password", { exact: true }).fill("password!");
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/-/password-tool") && r.request().method() === "POST"), page.keyboard.press("Enter")]);
    assert.equal(response.status(), 200);
    const hash = await page.getByLabel("Password hash").inputValue();
    assert.match(hash, FORMAT);
    assert.ok(await verifyPassword("password!", hash));
    assert.equal(await page.getByRole("status").textContent(), "Hashed on this server.");
    await screenshot(page, "auth-07-password-tool-server");
  } finally {
    await context.close();
  }
});
