/**
 * Plugin configuration from a Datasette 0.x metadata.json: its `plugins` blocks (instance, database, table)
 * move into the configuration and reach plugins through almanac.pluginConfig, Datasette's plugin_config
 * (table, else database, else instance; $env and $file resolved).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeDatabase, tempDir } from "../fixtures/server.js";
import { buildServeOptions } from "../../src/cli/serve.js";
import { createApp } from "../../src/app.js";

test("metadata.json plugins blocks at every level are migrated and read with fallback, secrets resolved", async () => {
  const dir = tempDir();
  const db = makeDatabase(join(dir, "data.db"), "create table t (x); create table u (x);");
  const keyFile = join(dir, "key.txt");
  writeFileSync(keyFile, "from-a-file");
  const metadata = join(dir, "metadata.json");
  writeFileSync(
    metadata,
    JSON.stringify({
      title: "Old style",
      plugins: { "datasette-cluster-map": { latitude_column: "lat" }, "my-plugin": { token: { $env: "ALMANAC_TEST_PLUGIN_TOKEN" } } },
      databases: {
        data: {
          plugins: { "my-plugin": { key: { $file: keyFile } } },
          tables: { t: { plugins: { "my-plugin": { level: "table" } }, title: "T" } },
        },
      },
    }),
  );
  const notices: string[] = [];
  const env = { ALMANAC_TEST_PLUGIN_TOKEN: "t0ken" };
  const options = await buildServeOptions([db], { metadata, setting: [["num_sql_threads", "0"]] }, env, (line) => notices.push(line));
  assert.deepEqual(notices, ["almanac: moved from metadata.json to configuration: plugins, databases.data.plugins, databases.data.tables.t.plugins"]);
  assert.equal(options.metadata.title, "Old style");
  assert.equal(options.metadata.plugins, undefined);

  process.env.ALMANAC_TEST_PLUGIN_TOKEN = env.ALMANAC_TEST_PLUGIN_TOKEN;
  const app = await createApp(options);
  try {
    const almanac = app.almanac;
    assert.deepEqual(almanac.pluginConfig("my-plugin"), { token: "t0ken" });
    assert.deepEqual(almanac.pluginConfig("my-plugin", { database: "data" }), { key: "from-a-file" });
    assert.deepEqual(almanac.pluginConfig("my-plugin", { database: "data", table: "t" }), { level: "table" });
    assert.deepEqual(almanac.pluginConfig("my-plugin", { database: "data", table: "u" }), { key: "from-a-file" }, "no table block: the database's");
    assert.deepEqual(almanac.pluginConfig("datasette-cluster-map", { database: "data", table: "t" }), { latitude_column: "lat" }, "no table or database block: the instance's");
    assert.equal(almanac.pluginConfig("absent"), undefined);
    // /-/config shows the blocks unresolved (and redacted where the key looks secret).
    const config = JSON.parse((await app.request("/-/config.json")).body.toString("utf8"));
    assert.deepEqual(config.plugins["my-plugin"], { token: "***" });
  } finally {
    await app.close();
    delete process.env.ALMANAC_TEST_PLUGIN_TOKEN;
  }
});
