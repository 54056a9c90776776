/** @module Unit: metadataContext — description vs description_html, and licence/source/about links only for http(s) URLs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { metadataContext } from "../../../src/render/html.js";

test("description and description_html are passed on separately (the template escapes one, not the other)", () => {
  const m = metadataContext({ description: "<b>plain</b>", description_html: "<b>trusted</b>" });
  assert.equal(m.description, "<b>plain</b>");
  assert.equal(m.description_html, "<b>trusted</b>");
  assert.deepEqual(metadataContext(undefined), { description_html: null, description: null, links: [] });
});

test("links in Datasette's order, labelled by their text or else by the URL", () => {
  const m = metadataContext({ about: "About us", about_url: "https://a.example/", license_url: "https://l.example/", source: "Src", source_url: "http://s.example/" });
  assert.deepEqual(m.links, [
    { label: "Data license", href: "https://l.example/", text: "https://l.example/" },
    { label: "Data source", href: "http://s.example/", text: "Src" },
    { label: "About", href: "https://a.example/", text: "About us" },
  ]);
});

test("only http(s) URLs become links; others keep their text, unlinked", () => {
  for (const url of ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " https://x.example/", "data:text/html,x", "vbscript:x", "//evil.example/", "/relative", "https://x.example/\"onmouseover=\"x", "ftp://x.example/"]) {
    const m = metadataContext({ license: "L", license_url: url });
    assert.deepEqual(m.links, [{ label: "Data license", href: null, text: "L" }], url);
  }
  // With no text to show, an unsafe URL leaves nothing behind.
  assert.deepEqual(metadataContext({ source_url: "javascript:alert(1)" }).links, []);
});
