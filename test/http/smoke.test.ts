import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";

let server: TestServer;
before(async () => {
  server = await startServer({ databases: [{ path: buildFixtures(), immutable: false }] });
});
after(() => server.close());

test("facet_cities table JSON in Datasette's default shape", async () => {
  const r = await server.json("/fixtures/facet_cities.json");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {
    ok: true, next: null, next_url: null,
    rows: [{ id: 1, name: "San Francisco" }, { id: 2, name: "Los Angeles" }, { id: 3, name: "Detroit" }, { id: 4, name: "Memnonia" }],
    truncated: false,
  });
});
