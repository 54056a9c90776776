import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSecrets, pluginConfig, redactConfig, resolveSecrets, setDottedPath } from "../../../src/config/secrets.js";
import type { InstanceConfig } from "../../../src/config/options.js";
import { StartupError } from "../../../src/http/errors.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "almanac-secrets-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("resolveSecrets replaces $env and $file references recursively, through lists", () => {
  const path = join(dir, "secret.txt");
  writeFileSync(path, "from-file\n");
  const input = { a: { $env: "TOKEN" }, list: [{ $file: path }, 1, "s"], nested: { deep: { $env: "TOKEN" } } };
  assert.deepEqual(resolveSecrets(input, { TOKEN: "t0k" }), { a: "t0k", list: ["from-file\n", 1, "s"], nested: { deep: "t0k" } });
  assert.deepEqual(input.a, { $env: "TOKEN" }, "input is not modified");
});

test("only a one-key object is a reference", () => {
  const value = { $env: "X", other: 1 };
  assert.deepEqual(resolveSecrets(value, {}), value);
  assert.equal(resolveSecrets(null, {}), null);
});

test("a missing variable or file is a StartupError naming it", () => {
  assert.throws(() => resolveSecrets({ a: { $env: "ALMANAC_TEST_MISSING" } }, {}), (e: Error) => e instanceof StartupError && e.message.includes("ALMANAC_TEST_MISSING"));
  assert.throws(() => resolveSecrets({ $file: join(dir, "nope") }, {}), (e: Error) => e instanceof StartupError && e.message.includes("nope"));
  assert.throws(() => resolveSecrets({ $env: 5 }, {}), /must name an environment variable/);
});

test("checkSecrets checks references under plugins at every level, and only there", () => {
  const config: InstanceConfig = { databases: { db: { tables: { t: { plugins: { p: { key: { $env: "MISSING_ONE" } } } } } } } };
  assert.throws(() => checkSecrets(config, {}), /MISSING_ONE/);
  assert.doesNotThrow(() => checkSecrets(config, { MISSING_ONE: "ok" }));
  assert.doesNotThrow(() => checkSecrets({ title: { $env: "NOT_A_PLUGIN" } } as InstanceConfig, {}));
});

test("pluginConfig falls back table → database → instance and resolves secrets", () => {
  const config: InstanceConfig = {
    plugins: { p: { level: "top" }, s: { key: { $env: "K" } } },
    databases: { db: { plugins: { p: { level: "db" } }, tables: { t: { plugins: { p: { level: "table" } } }, u: {} } } },
  };
  assert.deepEqual(pluginConfig(config, "p"), { level: "top" });
  assert.deepEqual(pluginConfig(config, "p", { database: "db" }), { level: "db" });
  assert.deepEqual(pluginConfig(config, "p", { database: "db", table: "t" }), { level: "table" });
  assert.deepEqual(pluginConfig(config, "p", { database: "db", table: "u" }), { level: "db" });
  assert.deepEqual(pluginConfig(config, "p", { database: "other" }), { level: "top" });
  assert.equal(pluginConfig(config, "p", { database: "db", table: "u", fallback: false }), undefined);
  assert.equal(pluginConfig(config, "p", { database: "other", fallback: false }), undefined);
  assert.equal(pluginConfig(config, "missing"), undefined);
  assert.deepEqual(pluginConfig(config, "s", { env: { K: "v" } }), { key: "v" });
});

test("redactConfig hides values of secret-looking keys at any depth, case-insensitively", () => {
  const config = {
    settings: { default_page_size: 5 },
    plugins: {
      "datasette-auth-passwords": { someusername_password_hash: "pbkdf2…", actors: { u: { id: "u" } } },
      "datasette-cluster-map": { latitude_column: "lat", mapbox_Token: "t" },
      "datasette-sentry": { DSN: "https://…", nested: [{ api_KEY: "k", fine: 1 }] },
      "datasette-auth-tokens": { tokens: [{ token: "x" }] },
    },
    databases: { api_keys: { tables: { token_log: { hidden: true, secret_column: "x" } }, queries: { hash_lookup: { sql: "select 1" } } } },
  };
  const redacted = redactConfig(config);
  assert.deepEqual(redacted, {
    settings: { default_page_size: 5 },
    plugins: {
      // As in Datasette, a plugin whose name contains a secret word is hidden whole.
      "datasette-auth-passwords": "***",
"datasette-cluster-map": { latitude_column: "lat", mapbox_Token: "***" },
      "datasette-sentry": { DSN: "***", nested: [{ api_KEY: "***", fine: 1 }] },
      "datasette-auth-tokens": "***",
    },
    // Database, table and query names are not secrets: their config is shown, secret keys inside still hidden.
    databases: { api_keys: { tables: { token_log: { hidden: true, secret_column: "***" } }, queries: { hash_lookup: { sql: "select 1" } } } },
  });
  assert.equal(config.plugins["datasette-sentry"].DSN, "https://…", "input is not modified");
});

test("setDottedPath: bare and settings.* names are settings, parsed like --setting", () => {
  assert.deepEqual(setDottedPath({}, "sql_time_limit_ms", "5000"), { settings: { sql_time_limit_ms: 5000 } });
  assert.deepEqual(setDottedPath({}, "settings.allow_facet", "off"), { settings: { allow_facet: false } });
  assert.deepEqual(setDottedPath({}, "base_url", "tools"), { settings: { base_url: "/tools/" } });
  assert.throws(() => setDottedPath({}, "nonsense", "1"), (e: Error) => e instanceof StartupError && e.message.includes("default_page_size"));
  assert.throws(() => setDottedPath({}, "settings.nonsense", "1"), /unknown setting 'nonsense'/);
  assert.throws(() => setDottedPath({}, "settings.default_page_size", "x"), /should be an integer/);
});

test("setDottedPath: other paths take JSON when valid, else the string, deep-merged over the file", () => {
  const file: InstanceConfig = { settings: { default_page_size: 5 }, plugins: { p: { a: 1, b: { c: 2 } } } };
  const out = setDottedPath(file, "plugins.p.b.d", '{"x": [1, 2]}');
  assert.deepEqual(out, { settings: { default_page_size: 5 }, plugins: { p: { a: 1, b: { c: 2, d: { x: [1, 2] } } } } });
  assert.deepEqual(setDottedPath(file, "plugins.p", '{"b": {"e": 3}}').plugins, { p: { a: 1, b: { c: 2, e: 3 } } });
  assert.deepEqual(setDottedPath({}, "databases.db.tables.t.hidden", "true"), { databases: { db: { tables: { t: { hidden: true } } } } });
  assert.deepEqual(setDottedPath({}, "plugins.p.name", "hello world"), { plugins: { p: { name: "hello world" } } });
  assert.deepEqual(setDottedPath({}, "allow", '{"id": "root"}'), { allow: { id: "root" } });
  assert.deepEqual(setDottedPath({ plugins: { p: "scalar" } }, "plugins.p.x", "1"), { plugins: { p: { x: 1 } } });
  assert.deepEqual(file.plugins, { p: { a: 1, b: { c: 2 } } }, "input is not modified");
});

test("setDottedPath rejects empty segments and prototype keys", () => {
  assert.throws(() => setDottedPath({}, "plugins..x", "1"), /empty segment/);
  assert.throws(() => setDottedPath({}, "__proto__.polluted", "1"), /invalid/);
  const out = setDottedPath({}, "plugins.p", '{"__proto__": {"polluted": true}}');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf((out.plugins as Record<string, object>).p), Object.prototype);
});
