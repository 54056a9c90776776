import { test } from "node:test";
import assert from "node:assert/strict";
import { normaliseBaseUrl, parseSettingValue, validateSettings } from "../../../src/config/load.js";
import { StartupError } from "../../../src/http/errors.js";

test("parseSettingValue: booleans accept on/off/true/false/1/0 in any case", () => {
  for (const raw of ["on", "ON", "true", "True", "1"]) assert.equal(parseSettingValue("allow_facet", raw), true);
  for (const raw of ["off", "false", "FALSE", "0"]) assert.equal(parseSettingValue("allow_facet", raw), false);
  assert.throws(() => parseSettingValue("allow_facet", "yes"), (e: Error) => e instanceof StartupError && /on\/off\/true\/false\/1\/0/.test(e.message));
});

test("parseSettingValue: integers must be digits", () => {
  assert.equal(parseSettingValue("sql_time_limit_ms", "5000"), 5000);
  assert.equal(parseSettingValue("max_signed_tokens_ttl", "0"), 0);
  for (const raw of ["-1", "1.5", "1e3", "", "ten", "0x10"]) {
    assert.throws(() => parseSettingValue("sql_time_limit_ms", raw), /should be an integer/);
  }
});

test("parseSettingValue: base_url is normalised to start and end with /", () => {
  assert.equal(parseSettingValue("base_url", "tools"), "/tools/");
  assert.equal(parseSettingValue("base_url", "/tools/datasette"), "/tools/datasette/");
  assert.equal(parseSettingValue("base_url", "/"), "/");
  assert.equal(parseSettingValue("base_url", ""), "/");
  assert.equal(normaliseBaseUrl("//x//"), "/x/");
});

test("parseSettingValue: unknown names list the valid ones", () => {
  assert.throws(
    () => parseSettingValue("hash_urls", "1"),
    (e: Error) => e instanceof StartupError && e.message.includes("'hash_urls'") && e.message.includes("default_page_size") && e.message.includes("base_url"),
  );
});

test("validateSettings: accepts matching types, drops nulls, normalises base_url", () => {
  assert.deepEqual(validateSettings({ default_page_size: 50, allow_facet: false, base_url: "x", sql_time_limit_ms: null }), {
    default_page_size: 50,
    allow_facet: false,
    base_url: "/x/",
  });
  assert.deepEqual(validateSettings(undefined), {});
  assert.deepEqual(validateSettings(null), {});
});

test("validateSettings: unknown setting and wrong types stop start-up with Datasette's wording", () => {
  assert.throws(() => validateSettings({ nope: 1 }), { message: "Invalid setting 'nope' in config file" });
  assert.throws(() => validateSettings({ default_page_size: "50" }), /Setting 'default_page_size' in config file has incorrect type/);
  assert.throws(() => validateSettings({ default_page_size: 1.5 }), /has incorrect type/);
  assert.throws(() => validateSettings({ allow_facet: "off" }), /Setting 'allow_facet' in config file has incorrect type/);
  assert.throws(() => validateSettings({ allow_facet: 1 }), /incorrect type/);
  assert.throws(() => validateSettings({ base_url: 5 }), /incorrect type/);
  assert.throws(() => validateSettings([1]), /must be an object/);
});
