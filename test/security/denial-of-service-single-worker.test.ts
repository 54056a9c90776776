// Attack class 5 with a single query worker and a 100 ms limit: `_timelimit` cannot raise the limit, and a
// runaway frees the only worker, so queued and later requests are answered.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { TIME_LIMIT_MESSAGE } from "../../src/pages/common.js";
import { assertJsonError } from "./hostile-fixtures.js";
import { buildDosDatabase, CARTESIAN_SQL, RUNAWAY_SQL } from "./dos-fixtures.js";

let server: TestServer;
before(async () => {
  server = await startServer({ databases: [{ path: buildDosDatabase(), immutable: false }], settings: { sql_time_limit_ms: 100, num_sql_threads: 1 } });
});
after(() => server.close());

const sql = (s: string, extra: Record<string, string> = {}) => server.json(`/dos/-/query.json?${new URLSearchParams({ sql: s, ...extra })}`);

// If the limit could be raised this would run for hours; the test's own timeout turns that into a failure.
test("_timelimit cannot raise the limit above sql_time_limit_ms", { timeout: 30_000 }, async () => {
  for (const raise of ["100000", "1000000000", "99999999999999999999"]) {
    assertJsonError(await sql(RUNAWAY_SQL, { _timelimit: raise }), 400, TIME_LIMIT_MESSAGE);
  }
  assertJsonError(await server.json(`/dos/t.json?${new URLSearchParams({ _where: "(select count(*) from t a, t b, t c) > 0", _timelimit: "100000" })}`), 400, TIME_LIMIT_MESSAGE);
});

test("the only worker is freed by an interrupted query: queued requests, then new ones, are answered", { timeout: 30_000 }, async () => {
  const order: string[] = [];
  const runaway = sql(CARTESIAN_SQL).then((r) => (order.push("runaway"), r));
  const queued = Array.from({ length: 5 }, (_, i) => sql(`select ${i} as n, count(*) as c from t`).then((r) => (order.push(`light${i}`), r)));
  assertJsonError(await runaway, 400, TIME_LIMIT_MESSAGE);
  for (const [i, r] of (await Promise.all(queued)).entries()) {
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.rows, [{ n: i, c: 1000 }]);
  }
  assert.equal(order.length, 6);
  // Several runaways in a row never wedge the worker.
  for (let i = 0; i < 3; i++) assertJsonError(await sql(RUNAWAY_SQL), 400, TIME_LIMIT_MESSAGE);
  const after = await sql("select count(*) as c from big");
  assert.equal(after.status, 200);
  assert.equal(after.body.rows[0].c, 200000);
  assert.equal((await server.json("/dos/t/1.json")).status, 200);
});

test("user SQL cannot disarm its own watchdog", { timeout: 30_000 }, async () => {
  const r = await sql(`select almanac_deadline(0, 'guess-guess-guess-guess'), (${RUNAWAY_SQL})`);
  assert.equal(r.status, 400);
  assert.match(r.body.error, /not authorized|took too long/);
  assertJsonError(await sql(`${RUNAWAY_SQL.replace("select count(*) from c", "select count(*) from c where almanac_deadline(0, 'x') is null")}`), 400);
});
