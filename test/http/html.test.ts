/** @module HTTP: the plain HTML pages — same data as the JSON, escaped, linked to their JSON twin. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";

let server: TestServer;
before(async () => {
  const path = makeDatabase(
    join(tempDir(), "web.db"),
    `create table "<b>table</b>" (id integer primary key, "<i>col</i>" text);
     insert into "<b>table</b>" values (1, '<script>alert(1)</script>'), (2, '" onmouseover="x');`,
  );
  server = await startServer({
    databases: [{ path, immutable: false }],
    metadata: {
      title: "Web <test>",
      description: "Plain <em>text</em>",
      license: "CC",
      license_url: "javascript:alert(1)",
      source: "Somewhere",
      source_url: "https://example.org/source",
      databases: { web: { description_html: "<strong>trusted</strong>" } },
    },
  });
});
after(() => server.close());

test("cell values, table and column names are escaped", async () => {
  const r = await server.get("/web/~3Cb~3Etable~3C~2Fb~3E");
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.ok(!html.includes("<script>alert(1)</script>"));
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(!html.includes("<i>col</i>") && html.includes("&lt;i&gt;col&lt;/i&gt;"));
  assert.ok(!html.includes('" onmouseover="x'));
});

test("metadata: description escaped, description_html as given, links only for http(s) URLs", async () => {
  const index = await (await server.get("/")).text();
  assert.ok(index.includes("<h1>Web &lt;test&gt;</h1>"));
  assert.ok(index.includes("Plain &lt;em&gt;text&lt;/em&gt;"));
  assert.ok(!index.includes('href="javascript:'), "a javascript: license URL is never a link");
  assert.ok(index.includes('<a href="https://example.org/source">Somewhere</a>'));
  const db = await (await server.get("/web")).text();
  assert.ok(db.includes("<strong>trusted</strong>"));
});

test("HTML pages point to their JSON twin (Link header and <link rel=alternate>)", async () => {
  const r = await server.get("/web/~3Cb~3Etable~3C~2Fb~3E?_size=1");
  const link = r.headers.get("link")!;
  assert.match(link, /^<http:\/\/127\.0\.0\.1:\d+\/web\/~3Cb~3Etable~3C~2Fb~3E\.json\?_size=1>; rel="alternate"; type="application\/json\+datasette"$/);
  const html = await r.text();
  assert.match(html, /<link rel="alternate" type="application\/json\+datasette" href="http:\/\/127\.0\.0\.1:\d+\/web\/~3Cb~3Etable~3C~2Fb~3E\.json\?_size=1">/);
  assert.match(html, /Next page/);
});

test("error pages are HTML, escaped, and never echo the URL", async () => {
  const r = await server.get("/web/%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  const final = r.status === 302 ? await server.get(r.headers.get("location")!) : r;
  assert.equal(final.status, 404);
  assert.match(final.headers.get("content-type")!, /^text\/html/);
  const html = await final.text();
  assert.ok(!html.includes("<script>") && !html.toLowerCase().includes("alert(1)"));
});
