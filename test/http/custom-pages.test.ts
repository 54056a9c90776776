/** @module HTTP: custom pages from `templates/pages/` — paths, route variables, status/header/redirect/404 functions, containment. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";

let server: TestServer;
let outside: string;

function write(root: string, rel: string, text: string): void {
  const full = join(root, rel);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, text);
}

before(async () => {
  const dir = tempDir();
  const path = makeDatabase(join(dir, "shop.db"), "create table items (id integer primary key, name text); insert into items values (1, 'apple');");
  const templates = join(dir, "templates");
  write(templates, "pages/about.html", '{% extends "base.html" %}{% block content %}<h1 id="about">About {{ urls.instance() }}</h1>{% endblock %}');
  write(templates, "pages/about/team.html", "<p id=team>The team</p>");
  write(templates, "pages/shop/special.html", "<p id=special>Not a table</p>");
  write(templates, "pages/people/{name}.html", '{% extends "base.html" %}{% block content %}<p id="person">Person: {{ name }}</p>{% endblock %}');
  write(templates, "pages/people/{name}/{section}.html", "<p id=section>{{ name }} / {{ section }}</p><p id=vars>{{ request.url_vars | dump }}</p>");
  write(templates, "pages/people/fixed.html", "<p id=fixed>Exact file wins</p>");
  write(templates, "pages/teapot.html", '{{ custom_status(418) }}{{ custom_header("X-Teapot", "short and stout") }}{{ custom_header("Content-Type", "text/plain; charset=utf-8") }}I am a teapot');
  write(templates, "pages/moved.html", '{{ custom_redirect("/about") }}');
  write(templates, "pages/moved-permanently.html", '{{ custom_redirect("/about", 301) }}');
  write(templates, "pages/relative.html", '{{ custom_redirect("about/team") }}');
  write(templates, "pages/go.html", '{{ custom_redirect(request.args.get("to")) }}');
  write(templates, "pages/header-location.html", '{{ custom_header("Location", "https://evil.example/") }}{{ custom_status(302) }}');
  write(templates, "pages/bad-header.html", '{{ custom_header("X-Bad", "a\\r\\nSet-Cookie: x=1") }}');
  write(templates, "pages/gone/{slug}.html", '{% if slug != "here" %}{{ raise_404("No page called " + slug) }}{% endif %}<p id=here>here</p>');
  write(templates, "pages/search.html", "<p id=q>{{ request.args.get('q') }}</p><p id=path>{{ request.path }}</p>");
  write(templates, "pages/broken.html", "{% if %}");
  write(templates, "secret.html", "<p>not a page</p>");
  outside = tempDir();
  writeFileSync(join(outside, "leak.html"), "LEAKED");
  symlinkSync(outside, join(templates, "pages", "linked"));
  server = await startServer({ databases: [{ path, immutable: false }], templateDir: templates });
});
after(() => server.close());

test("pages/about.html answers /about (a path the database route would 404), with the layout", async () => {
  const r = await server.get("/about");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type")!, /^text\/html/);
  const html = await r.text();
  assert.match(html, /<h1 id="about">About \/<\/h1>/);
  assert.match(html, /class="site-header"/);
});

test("nested directories map to nested paths", async () => {
  assert.match(await (await server.get("/about/team")).text(), /<p id=team>The team<\/p>/);
});

test("a custom page never shadows a route that answers: /shop/items is the table, /shop/special the page", async () => {
  const table = await (await server.get("/shop/items")).text();
  assert.match(table, /apple/);
  assert.match(await (await server.get("/shop/special")).text(), /<p id=special>/);
});

test("{variable} file and directory names capture path segments into the context, escaped", async () => {
  assert.match(await (await server.get("/people/simon")).text(), /<p id="person">Person: simon<\/p>/);
  const nested = await (await server.get("/people/simon/bio")).text();
  assert.match(nested, /<p id=section>simon \/ bio<\/p>/);
  assert.match(nested, /<p id=vars>\{&quot;name&quot;:&quot;simon&quot;,&quot;section&quot;:&quot;bio&quot;\}<\/p>/);
  assert.match(await (await server.get("/people/fixed")).text(), /Exact file wins/);
  const hostile = await (await server.get("/people/~3Cscript~3E")).text();
  assert.ok(!hostile.includes("<script>"));
  assert.match(hostile, /Person: ~3Cscript~3E/);
  // Percent-encoded paths are first moved to their tilde form, as everywhere else.
  const r = await server.get("/people/%3Cscript%3E");
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), "/people/~3Cscript~3E");
});

test("custom_status and custom_header set the response; a Content-Type header replaces text/html", async () => {
  const r = await server.get("/teapot");
  assert.equal(r.status, 418);
  assert.equal(r.headers.get("x-teapot"), "short and stout");
  assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await r.text(), "I am a teapot");
});

test("custom_redirect sends a 302 (or the given code) to a page of this site", async () => {
  let r = await server.get("/moved");
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), "/about");
  r = await server.get("/moved-permanently");
  assert.equal(r.status, 301);
  r = await server.get("/relative");
  assert.equal(r.headers.get("location"), "/about/team");
  r = await server.get("/go?to=/about%3Fx%3D1");
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), "/about?x=1");
});

test("custom_redirect refuses to send visitors to another site (attack class 7: open redirect)", async () => {
  for (const to of ["https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "javascript:alert(1)", "https:evil.example", "HTTP://evil.example"]) {
    const r = await server.get(`/go?to=${encodeURIComponent(to)}`);
    assert.equal(r.status, 400, to);
    assert.equal(r.headers.get("location"), null, to);
    const html = await r.text();
    assert.match(html, /only leads to pages of this site/);
    assert.ok(!html.includes('href="https://evil') && !html.includes('href="javascript:'), to);
  }
  const r = await server.get("/header-location");
  assert.equal(r.status, 400);
  assert.equal(r.headers.get("location"), null);
});

test("a header value with a line break is refused, never written", async () => {
  const r = await server.get("/bad-header");
  assert.equal(r.status, 500);
  assert.equal(r.headers.get("x-bad"), null);
  assert.equal(r.headers.get("set-cookie"), null);
});

test("raise_404 gives the error page with its message", async () => {
  assert.match(await (await server.get("/gone/here")).text(), /<p id=here>/);
  const r = await server.get("/gone/elsewhere");
  assert.equal(r.status, 404);
  assert.match(await r.text(), /No page called elsewhere/);
});

test("templates see the request: args and path", async () => {
  const html = await (await server.get("/search?q=%3Cb%3Ehi")).text();
  assert.match(html, /<p id=q>&lt;b&gt;hi<\/p>/);
  assert.match(html, /<p id=path>\/search<\/p>/);
});

test("a broken page template is a 500, not a silent 404", async () => {
  assert.equal((await server.get("/broken")).status, 500);
});

test("paths never reach templates outside pages/ or files outside the directory", async () => {
  for (const path of ["/secret", "/pages/about", "/about.html", "/..%2Fsecret", "/about/~2E~2E/secret", "/linked/leak", "/people/a/b/c"]) {
    const r = await server.get(path);
    const body = await r.text();
    assert.ok(r.status === 404 || r.status === 302, `${path}: ${r.status}`);
    assert.ok(!body.includes("not a page") && !body.includes("LEAKED"), path);
  }
});

test("JSON requests for a missing path stay JSON 404s", async () => {
  const r = await server.json("/about.json");
  assert.equal(r.status, 404);
  assert.equal(r.body.ok, false);
});

test("custom pages answer GET and HEAD only, and follow view-instance", async () => {
  const head = await server.get("/about", { method: "HEAD" });
  assert.equal(head.status, 200);
  const dir = tempDir();
  const templates = join(dir, "templates");
  write(templates, "pages/about.html", "about");
  const path = makeDatabase(join(dir, "x.db"), "create table t (id integer primary key)");
  const locked = await startServer({ databases: [{ path, immutable: false }], templateDir: templates, defaultDeny: true });
  try {
    assert.equal((await locked.get("/about")).status, 403);
  } finally {
    await locked.close();
  }
});
