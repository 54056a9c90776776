/** @module HTTP: the seed metadata from the issue (0.x style), loaded the way `serve -m` loads it, over the real demo database. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { buildServeOptions } from "../../src/cli/serve.js";
import { SEED_METADATA } from "../fixtures/seed.js";


// The seed's account (its hash is of "password!"), sent the way scripts send it: `curl -u someusername:password!`.
const API_USER = { authorization: "Basic " + Buffer.from("someusername:password!").toString("base64") };

let server: TestServer;
let raised: TestServer;
let rowCount = 0;

before(async () => {
  // The real demo database, built by the demo's own script from the CSV shipped in demo/data.
  const dir = tempDir();
  const path = join(dir, "bigmac.db");
  const built = spawnSync(process.execPath, ["demo/build.js", path], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  rowCount = readFileSync("demo/data/big-mac-full-index.csv", "utf8").trim().split("\n").length - 1;
  // The seed file goes through the same loading and migration as `almanac serve bigmac.db -m metadata.json`.
  const metadataFile = join(dir, "metadata.json");
  writeFileSync(metadataFile, JSON.stringify(SEED_METADATA));
  const quiet = () => undefined;
  const options = await buildServeOptions([path], { metadata: metadataFile }, {}, quiet);
  server = await startServer(options);
  const withSetting = await buildServeOptions([path], { metadata: metadataFile, setting: [["max_returned_rows", "2000"]] }, {}, quiet);
  raised = await startServer(withSetting);
});
after(async () => {
  await server.close();
  await raised.close();
});

test("the migration moved plugins and allow to config", async () => {
  const r = await server.json("/-/config.json", { headers: API_USER });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { ok: true, plugins: { "datasette-auth-passwords": "***" }, databases: { bigmac: { allow: { id: "*" } } } });
  assert.ok(!JSON.stringify(r.body).includes("pbkdf2"));
});

test("descriptive metadata stays: instance and database", async () => {
  const index = await server.json("/.json", { headers: API_USER });
  assert.deepEqual(index.body.metadata, { title: "personal dataset instance", description: "We can host a few datasettes here." });
  const db = await server.json("/bigmac.json", { headers: API_USER });
  assert.equal(db.status, 200);
  assert.deepEqual(db.body.metadata, { description: "This table shows the big mac index. It can be used as an economic indicator.", source_url: "" });
});

test("/bigmac/bigmac.json?_size=max: max_returned_rows rows, then next_url to the rest (as Datasette)", async () => {
  const first = await server.json("/bigmac/bigmac.json?_size=max&_extra=count", { headers: API_USER });
  assert.equal(first.status, 200);
  assert.equal(first.body.rows.length, 1000);
  assert.equal(first.body.count, rowCount);
  assert.deepEqual(first.body.rows[0], {
    date: "2000-04-01", iso_a3: "ARG", currency_code: "ARS", name: "Argentina", local_price: 2.5, dollar_ex: 1, dollar_price: 2.5,
    USD_raw: 0.11607, EUR_raw: 0.05007, GBP_raw: -0.16722, JPY_raw: -0.09864, CNY_raw: 1.09091, GDP_bigmac: 7803.328512,
    adj_price: 1.92685695210338, USD_adjusted: 0.39937, EUR_adjusted: 0.16552, GBP_adjusted: -0.06304, JPY_adjusted: 0.10691, CNY_adjusted: 0.96835,
  });
  const nextUrl = new URL(first.body.next_url);
  const second = await server.json(nextUrl.pathname + nextUrl.search, { headers: API_USER });
  assert.equal(second.body.next, null);
  const all = [...first.body.rows, ...second.body.rows];
  assert.equal(all.length, rowCount);
  assert.equal(new Set(all.map((r: { date: string; iso_a3: string }) => `${r.date},${r.iso_a3}`)).size, rowCount);
});

test("with max_returned_rows raised (as the demo's datasette.yaml does), one request returns every row", async () => {
  const r = await raised.json("/bigmac/bigmac.json?_size=max", { headers: API_USER });
  assert.equal(r.status, 200);
  assert.equal(r.body.rows.length, rowCount);
  assert.equal(r.body.next, null);
  assert.equal(r.body.truncated, false);
});

test("compound-key row and labels", async () => {
  const row = await server.json("/bigmac/bigmac/2000-04-01,ARG.json", { headers: API_USER });
  assert.equal(row.status, 200);
  assert.deepEqual(row.body.primary_key_values, ["2000-04-01", "ARG"]);
  const labelled = await server.json("/bigmac/bigmac.json?_size=1&_col=iso_a3&_labels=on", { headers: API_USER });
  assert.deepEqual(labelled.body.rows, [{ date: "2000-04-01", iso_a3: { value: "ARG", label: "Argentina" } }]);
});
