import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile, loadInspectFile, loadMetadataFile, parseJsonOrYaml } from "../../../src/config/load.js";
import { StartupError } from "../../../src/http/errors.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "almanac-load-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test("JSON and YAML are both detected from content, whatever the extension", () => {
  assert.deepEqual(loadConfigFile(file("a.json", '{"settings": {"default_page_size": 5}}')), { settings: { default_page_size: 5 } });
  assert.deepEqual(loadConfigFile(file("a.yaml", "settings:\n  default_page_size: 5\n")), { settings: { default_page_size: 5 } });
  assert.deepEqual(loadMetadataFile(file("meta.json", "title: YAML in a .json file\n")), { title: "YAML in a .json file" });
  assert.deepEqual(loadMetadataFile(file("bom.json", '\uFEFF{"title": "x"}')), { title: "x" });
});

test("an empty file (or only comments) is {}", () => {
  assert.deepEqual(loadConfigFile(file("empty.yaml", "")), {});
  assert.deepEqual(loadConfigFile(file("blank.yaml", "  \n\n")), {});
  assert.deepEqual(loadMetadataFile(file("comments.yml", "# nothing yet\n")), {});
});

test("a missing file is a one-line StartupError naming it", () => {
  const missing = join(dir, "nope.yaml");
  assert.throws(() => loadConfigFile(missing), (e: Error) => e instanceof StartupError && e.message === `config file not found: ${missing}`);
  assert.throws(() => loadMetadataFile(missing), /metadata file not found/);
  mkdirSync(join(dir, "adir"));
  assert.throws(() => loadConfigFile(join(dir, "adir")), /is a directory/);
});

test("parse errors name the file and give a line and column, on one line", () => {
  const yamlBad = file("bad.yaml", "settings:\n  a: 1\n b: 2\n");
  assert.throws(
    () => loadConfigFile(yamlBad),
    (e: Error) => e instanceof StartupError && e.message.includes("bad.yaml") && /line \d+, column \d+/.test(e.message) && !e.message.includes("\n"),
  );
  const jsonBad = file("bad.json", '{\n  "title": "x",\n  "databases": {"a": [1, 2}\n}');
  assert.throws(
    () => loadMetadataFile(jsonBad),
    (e: Error) => e instanceof StartupError && e.message.includes("bad.json") && /line 3, column \d+/.test(e.message) && !e.message.includes("\n"),
  );
  const dup = file("dup.yaml", "title: a\ntitle: b\n");
  assert.throws(() => loadMetadataFile(dup), /dup\.yaml.*unique.*line 2, column 1/);
});

test("the top level must be an object", () => {
  assert.throws(() => loadConfigFile(file("list.json", "[1, 2]")), /must contain an object at the top level, not a list/);
  assert.throws(() => loadConfigFile(file("scalar.yaml", "hello")), /not string/);
});

test("parseJsonOrYaml keeps JSON semantics when the text is JSON", () => {
  assert.deepEqual(parseJsonOrYaml('{"a": "1", "b": 1e3}', "x"), { a: "1", b: 1000 });
  assert.equal(parseJsonOrYaml("", "x"), undefined);
});

test("inspect files must map names to objects", () => {
  const good = file("inspect-data.json", JSON.stringify({ fixtures: { hash: "ab", size: 1, file: "fixtures.db", tables: { t: { count: 3 } } } }));
  assert.equal(loadInspectFile(good).fixtures.tables?.t.count, 3);
  assert.throws(() => loadInspectFile(file("bad-inspect.json", '{"a": 1}')), /entry 'a' must be an object/);
});
