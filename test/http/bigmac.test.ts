/** @module HTTP: the seed metadata from the issue (0.x style, migrated like `serve` does) over a small bigmac database. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, makeDatabase, tempDir, type TestServer } from "../fixtures/server.js";
import { migrateMetadata, type Metadata } from "../../src/config/index.js";

const SEED = {
  title: "personal dataset instance",
  description: "We can host a few datasettes here.",
  plugins: {
    "datasette-auth-passwords": {
      http_basic_auth: true,
      someusername_password_hash: "pbkdf2_sha256$480000$0123456789abcdef0123456789abcdef$QOb6OP4qyVKYSPzrltfB3ME5iR+eU+f1ycVdOhGbJpc=",
      actors: { someusername: { id: "someusername", name: "API user" } },
    },
  },
  databases: {
    bigmac: {
      description: "This table shows the big mac index. It can be used as an economic indicator.",
      source_url: "",
      allow: { id: "*" },
    },
  },
};

const ROWS = 120;
let server: TestServer;

before(async () => {
  // The first rows of The Economist's CSV (shared data), enough for more than one default page.
  const lines = readFileSync("/work/shared/data/bigmac/big-mac-full-index.csv", "utf8").trim().split("\n");
  const header = lines[0].split(",");
  const data = lines.slice(1, ROWS + 1).map((l) => l.split(","));
  const path = makeDatabase(
    join(tempDir(), "bigmac.db"),
    `create table countries (iso_a3 text primary key, name text, currency_code text);
     create table bigmac (${header.map((h) => `"${h}" ${["date", "iso_a3", "currency_code", "name"].includes(h) ? "text" : "real"}`).join(", ")},
       primary key (date, iso_a3), foreign key (iso_a3) references countries(iso_a3));`,
    (db) => {
      const insert = db.prepare(`insert into bigmac values (${header.map(() => "?").join(", ")})`);
      const country = db.prepare("insert or ignore into countries values (?, ?, ?)");
      for (const row of data) {
        country.run(row[1], row[3], row[2]);
        insert.run(...row.map((v, i) => (i < 4 ? v : v === "" ? null : Number(v))));
      }
    },
  );
  const { config, metadata } = migrateMetadata(SEED as Metadata, {});
  server = await startServer({ databases: [{ path, immutable: false }], config, metadata });
});
after(() => server.close());

test("the migration moved plugins and allow to config", async () => {
  const r = await server.json("/-/config.json");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { ok: true, plugins: { "datasette-auth-passwords": "***" }, databases: { bigmac: { allow: { id: "*" } } } });
  assert.ok(!JSON.stringify(r.body).includes("pbkdf2"));
});

test("descriptive metadata stays: instance and database", async () => {
  const index = await server.json("/.json");
  assert.deepEqual(index.body.metadata, { title: "personal dataset instance", description: "We can host a few datasettes here." });
  const db = await server.json("/bigmac.json");
  assert.equal(db.status, 200);
  assert.deepEqual(db.body.metadata, { description: "This table shows the big mac index. It can be used as an economic indicator.", source_url: "" });
});

test("/bigmac/bigmac.json?_size=max returns every row", async () => {
  const r = await server.json("/bigmac/bigmac.json?_size=max&_extra=count");
  assert.equal(r.status, 200);
  assert.equal(r.body.rows.length, ROWS);
  assert.equal(r.body.count, ROWS);
  assert.equal(r.body.next, null);
  assert.deepEqual(r.body.rows[0], {
    date: "2000-04-01", iso_a3: "ARG", currency_code: "ARS", name: "Argentina", local_price: 2.5, dollar_ex: 1, dollar_price: 2.5,
    USD_raw: 0.11607, EUR_raw: 0.05007, GBP_raw: -0.16722, JPY_raw: -0.09864, CNY_raw: 1.09091, GDP_bigmac: 7803.328512,
    adj_price: 1.92685695210338, USD_adjusted: 0.39937, EUR_adjusted: 0.16552, GBP_adjusted: -0.06304, JPY_adjusted: 0.10691, CNY_adjusted: 0.96835,
  });
});

test("compound-key row and labels", async () => {
  const row = await server.json("/bigmac/bigmac/2000-04-01,ARG.json");
  assert.equal(row.status, 200);
  assert.deepEqual(row.body.primary_key_values, ["2000-04-01", "ARG"]);
  const labelled = await server.json("/bigmac/bigmac.json?_size=1&_col=iso_a3&_labels=on");
  assert.deepEqual(labelled.body.rows, [{ date: "2000-04-01", iso_a3: { value: "ARG", label: "Argentina" } }]);
});
